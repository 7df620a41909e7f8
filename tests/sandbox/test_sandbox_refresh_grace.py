"""Refresh-token reuse grace (scenario ``refreshReuseGraceSeconds``): off by default, so a
rotated token is refused; when set, the token just rotated away yields the same pair again."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Api

from fanfare_rx.sandbox.scenario import ScenarioError, parse_scenario

EXPERIENCE = {"id": "exp-x", "label": "x", "name": "X",
              "sequences": [{"id": "seq-x", "name": "X", "priority": 1}]}


class WallClock:
    """A settable wall clock for the token lifetimes."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _start(custom: Any, grace: int | None) -> tuple[Api, WallClock]:
    data: dict[str, Any] = {"experiences": [EXPERIENCE]}
    if grace is not None:
        data["refreshReuseGraceSeconds"] = grace
    api: Api = await custom(parse_scenario(data))
    wall = WallClock(1_800_000_000.0)
    api.sandbox.world.accounts.wall = wall
    return api, wall


async def _refresh(api: Api, token: str) -> Any:
    return await api.call("POST", "/auth/refresh", json={"refreshToken": token})


async def test_reuse_is_refused_without_a_grace(custom: Any) -> None:
    api, _ = await _start(custom, None)
    assert api.sandbox.scenario.refresh_reuse_grace_seconds == 0
    first = (await api.call("POST", "/auth/guest")).body["refreshToken"]
    assert (await _refresh(api, first)).status == 200
    reused = await _refresh(api, first)
    assert reused.status == 401 and reused.body["error"] == "invalid refresh token"


async def test_reuse_within_grace_yields_the_same_pair(custom: Any) -> None:
    api, wall = await _start(custom, 30)
    envelope = (await api.call("POST", "/auth/guest")).body
    first = envelope["refreshToken"]
    rotated = await _refresh(api, first)
    assert rotated.status == 200
    wall.now += 29
    again = await _refresh(api, first)
    assert again.status == 200
    assert again.body["refreshToken"] == rotated.body["refreshToken"]
    assert again.body["accessToken"] == rotated.body["accessToken"]
    me = await api.call("GET", "/consumers/me", token=again.body["accessToken"])
    assert me.status == 200
    # The pair handed out twice is the live one: it rotates normally.
    second = await _refresh(api, rotated.body["refreshToken"])
    assert second.status == 200 and second.body["refreshToken"] != rotated.body["refreshToken"]
    # Only the token just rotated away has a grace: the first one is now refused.
    assert (await _refresh(api, first)).status == 401


async def test_grace_runs_out_and_logout_ends_it(custom: Any) -> None:
    api, wall = await _start(custom, 30)
    first = (await api.call("POST", "/auth/guest")).body["refreshToken"]
    rotated = (await _refresh(api, first)).body
    wall.now += 31
    late = await _refresh(api, first)
    assert late.status == 401 and late.body["error"] == "invalid refresh token"
    second = (await _refresh(api, rotated["refreshToken"])).body
    assert (await api.call("POST", "/auth/logout", token=second["accessToken"])).status == 204
    assert (await _refresh(api, rotated["refreshToken"])).status == 401


def test_grace_must_be_a_whole_non_negative_number() -> None:
    with pytest.raises(ScenarioError, match="refreshReuseGraceSeconds"):
        parse_scenario({"refreshReuseGraceSeconds": -1, "experiences": [EXPERIENCE]})
    with pytest.raises(ScenarioError, match="refreshReuseGraceSeconds"):
        parse_scenario({"refreshReuseGraceSeconds": 1.5, "experiences": [EXPERIENCE]})
