"""Timed releases in the gen C shape (scenario ``timedReleaseShape: "genC"``): not listed in the
experience, found through ``/consumers/me``, a granted entry is ``ENTERED`` with its grant."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Api

from fanfare_rx.models import wire
from fanfare_rx.sandbox.scenario import ScenarioError, parse_scenario
from fanfare_rx.wire import codec

TIMED = {"type": "timed_release", "id": "t1", "openAt": 60, "closeAt": 600,
         "admissionExpirationSeconds": 60}


def _scenario(shape: str | None) -> Any:
    data: dict[str, Any] = {"experiences": [{
        "id": "exp-x", "label": "x", "name": "X",
        "sequences": [{"id": "seq-x", "name": "X", "priority": 1, "distribution": TIMED}]}]}
    if shape is not None:
        data["timedReleaseShape"] = shape
    return parse_scenario(data)


async def test_gen_c_timed_release_journey(custom: Any) -> None:
    api: Api = await custom(_scenario("genC"))
    token = await api.guest()
    experience = (await api.call("GET", "/experiences/exp-x")).body
    assert "timedReleases" not in experience["sequences"][0]
    routed = (await api.call("POST", "/experiences/exp-x/route", token=token, json={})).body
    assert routed["outcome"] == "routed" and routed["selected"]["sequence"]["id"] == "seq-x"
    journey = (await api.call("GET", "/consumers/me", token=token)).body["active"]["journeys"][0]
    assert journey["sequence"]["phase"] == "scheduled"
    distribution = journey["sequence"]["distribution"]
    assert distribution["type"] == "timed_release" and distribution["id"] == "t1"
    await api.sandbox.advance(60)
    entered = await api.call("POST", "/timed-releases/t1/enter", token=token, json={})
    assert entered.status == 200
    assert entered.body["status"] == "ENTERED"
    assert entered.body["admissionGrant"] and entered.body["expiresAt"]
    status = codec.structure((await api.call("GET", "/timed-releases/t1/status",
                                             token=token)).body, wire.TimedReleaseConsumerState)
    assert status.status is wire.TimedReleaseStatus.ENTERED and status.admission_grant
    me = (await api.call("GET", "/consumers/me", token=token)).body["active"]["journeys"][0]
    assert me["sequence"]["phase"] == "granted"
    assert me["sequence"]["consumer"]["status"] == "entered"
    assert me["sequence"]["grant"]["token"] == status.admission_grant
    await api.sandbox.advance(60)
    expired = (await api.call("GET", "/timed-releases/t1/status", token=token)).body
    assert expired["status"] == "DENIED"
    assert "admissionGrant" not in expired and "reason" not in expired  # no extension in gen C
    ended = (await api.call("GET", "/consumers/me", token=token)).body["active"]["journeys"][0]
    assert ended["sequence"]["outcome"]["type"] == "expired"  # the projection says why


async def test_compat_shape_is_the_default(custom: Any) -> None:
    api: Api = await custom(_scenario(None))
    token = await api.guest()
    experience = (await api.call("GET", "/experiences/exp-x")).body
    assert experience["sequences"][0]["timedReleases"][0]["id"] == "t1"
    await api.sandbox.advance(60)
    entered = (await api.call("POST", "/timed-releases/t1/enter", token=token, json={})).body
    assert entered["status"] == "GRANTED" and entered["admissionGrant"]


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ScenarioError, match="timedReleaseShape"):
        _scenario("genB")
