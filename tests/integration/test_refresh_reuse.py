"""What a lost refresh answer costs depends on whether the server accepts the refresh token it
just rotated away for a while (a reuse grace). The spec (consumer-api §2.4) says refresh tokens
are "rotated on every refresh" and documents no grace, so the sandbox's default is strict
rotation: only the newest refresh token works. Pinned here over loopback; the chaos run
(test_identity_chaos.py) measures the cost with and without a grace."""

from __future__ import annotations

import json

import aiohttp
import attrs
import pytest

from fanfare_rx.sandbox import Sandbox, default_scenario
from fanfare_rx.sandbox.scenario import Scenario


async def _post(http: aiohttp.ClientSession, sb: Sandbox, path: str,
                body: object = None) -> tuple[int, dict[str, object]]:
    async with http.post(sb.base_url + path, json=body,
                         headers={"X-Publishable-Key": sb.publishable_key}) as response:
        return response.status, json.loads(await response.read() or b"{}")


@pytest.mark.parametrize(("grace", "reuse_status"), [(None, 401), (0, 401), (30, 200)],
                         ids=["sandbox-default", "no-grace", "grace-30s"])
async def test_a_rotated_refresh_token_is_refused_unless_the_server_grants_a_grace(
        grace: int | None, reuse_status: int) -> None:
    scenario = default_scenario()
    if grace is not None:
        scenario = attrs.evolve(scenario, refresh_reuse_grace_seconds=grace)
    async with Sandbox(scenario, clock="manual", seed=0) as sb, aiohttp.ClientSession() as http:
        status, guest = await _post(http, sb, "/auth/guest")
        assert status in (200, 201)
        first = guest["refreshToken"]
        status, rotated = await _post(http, sb, "/auth/refresh", {"refreshToken": first})
        assert status == 200 and rotated["refreshToken"] != first
        # The answer was lost: the client presents the token the server already rotated.
        status, again = await _post(http, sb, "/auth/refresh", {"refreshToken": first})
        assert status == reuse_status
        if status == 200:  # within the grace: the pair its rotation issued, nothing new
            assert again["refreshToken"] == rotated["refreshToken"]
        status, _ = await _post(http, sb, "/auth/refresh",
                                {"refreshToken": rotated["refreshToken"]})
        assert status == 200  # the newest token always works


def test_the_sandbox_default_is_the_spec_s_strict_rotation() -> None:
    assert Scenario().refresh_reuse_grace_seconds == 0
    assert default_scenario().refresh_reuse_grace_seconds == 0
