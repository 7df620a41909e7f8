"""``fanfare-rx conformance``: zero drift on the sandbox in spec mode (over loopback), drift in
its compat mode (the check is not vacuous), and the drift of a deliberately wrong server (a
small aiohttp app on loopback) reported per endpoint as text and JSON, with exit status 1."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
from aiohttp import web

from fanfare_rx.cli.commands import build_parser, main
from fanfare_rx.cli.conformance import run_conformance_command
from fanfare_rx.conformance import ConformanceTarget, Drift, check_server
from fanfare_rx.errors import ConfigError, UsageError
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import default_scenario

pytestmark = pytest.mark.integration

#: Endpoints a guest and a signed-in consumer reach on the default sandbox with --enter.
REACHED = {
    "POST /auth/guest", "POST /auth/refresh", "GET /consumers/me", "GET /experiences/{id}",
    "POST /experiences/{id}/route", "POST /experiences/{id}/enter",
    "DELETE /experiences/{id}/leave", "POST /experiences/archived-status",
    "GET /queues/{id}", "GET /queues/{id}/status", "POST /queues/{id}/enter",
    "POST /queues/{id}/leave", "GET /draws/{id}", "GET /draws/{id}/status",
    "POST /draws/{id}/enter", "POST /draws/{id}/leave", "GET /auctions/{id}",
    "GET /auctions/{id}/status", "GET /auctions/{id}/highest-bid", "POST /auctions/{id}/enter",
    "GET /auctions/{id}/bids", "GET /auctions/{id}/bids/history",
    "GET /auctions/{id}/current-price",
    "GET /timed-releases/{id}", "GET /timed-releases/{id}/status",
    "GET /waitlists/{id}/status", "POST /waitlists/{id}/enter", "DELETE /waitlists/{id}/leave",
    "GET /appointments/{id}", "GET /appointments/{id}/slots", "GET /appointments/{id}/me",
    "POST /appointments/{id}/book", "POST /appointments/{id}/reschedule",
    "POST /appointments/{id}/cancel", "POST /auth/otp/request", "POST /auth/otp/verify",
    "POST /auth/logout",
}


def _target(sandbox: Sandbox) -> ConformanceTarget:
    return ConformanceTarget(base_url=sandbox.base_url, publishable_key=sandbox.publishable_key,
                             experience_ids=tuple(sandbox.experiences.values()),
                             email="c@example.com", otp_code=sandbox.otp_code, enter=True,
                             organization_id=sandbox.world.scenario.organization_id)


async def test_the_sandbox_in_spec_mode_has_no_drift() -> None:
    scenario = attrs.evolve(default_scenario(), timed_release_shape="genC")
    async with Sandbox(scenario) as sandbox:
        report = await check_server(_target(sandbox))
    assert [(r.endpoint, list(map(str, r.drift))) for r in report.endpoints if not r.ok] == []
    assert report.ok and report.drift_count == 0
    reached = {r.endpoint for r in report.endpoints if any(200 <= s < 300 for s in r.statuses)}
    assert REACHED <= reached
    assert "0 drift(s)" in report.lines()[-1]


async def test_the_sandbox_in_compat_mode_drifts_by_its_extensions() -> None:
    async with Sandbox(default_scenario()) as sandbox:
        report = await check_server(_target(sandbox))
    drift = {(r.endpoint, d.kind, d.path) for r in report.endpoints for d in r.drift}
    assert ("GET /queues/{id}/status", "undocumented", "$.sequenceId") not in drift
    assert ("GET /experiences/{id}", "undocumented",
            "$.sequences[0].queues[0].sequenceId") in drift
    assert ("POST /auth/guest", "undocumented", "$.session.guestId") in drift
    assert not report.ok


# --- a deliberately wrong server ----------------------------------------------------------------

_SESSION = {"session": {"type": "guest", "consumerId": "c1", "expiresAt": "2030-01-01T00:00:00Z"},
            "accessToken": "at", "refreshToken": "rt", "refreshTokenTtlSeconds": 60,
            "beaconToken": "bt"}


def _wrong_app() -> web.Application:
    routes = web.RouteTableDef()

    @routes.post("/auth/guest")
    async def guest(_: web.Request) -> web.Response:
        body: dict[str, Any] = {**_SESSION, "accessToken": 123, "debug": True}  # type, extra
        del body["beaconToken"]  # missing
        return web.json_response(body)

    @routes.post("/auth/refresh")
    async def refresh(_: web.Request) -> web.Response:
        return web.json_response({"accessToken": "at2", "refreshToken": "rt2"}, status=201)

    @routes.get("/consumers/me")
    async def me(request: web.Request) -> web.Response:
        return web.json_response({"active": {"journeys": []}})  # 200 even without a token

    @routes.get("/experiences/{id}")
    async def experience(request: web.Request) -> web.Response:
        if request.match_info["id"] != "exp-1":
            return web.json_response({"message": "nope"}, status=404)  # no "error" field
        return web.json_response({
            "id": "exp-1", "name": "X", "timeZone": "UTC", "currencyCode": "USD",
            "sequences": [{"id": "s1", "name": "S", "priority": 1,
                           "queues": [{"id": "q1", "timeZone": "UTC", "supportsGuest": True}]}]})

    @routes.post("/experiences/{id}/route")
    async def route(_: web.Request) -> web.Response:
        return web.json_response({"outcome": "maybe", "experienceId": "exp-1"})

    @routes.get("/queues/{id}")
    async def queue(_: web.Request) -> web.Response:
        return web.Response(text="<html>queue</html>", content_type="text/html")

    @routes.get("/queues/{id}/status")
    async def status(_: web.Request) -> web.Response:
        return web.json_response({"status": "ADMITTED", "position": 1})

    @routes.post("/experiences/archived-status")
    async def archived(_: web.Request) -> web.Response:
        return web.json_response({"liveExperienceIds": ["exp-1"]})

    @routes.post("/auth/logout")
    async def logout(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})  # 200 with a body, not 204

    app = web.Application()
    app.add_routes(routes)
    return app


@pytest.fixture
async def wrong_server() -> AsyncIterator[str]:
    runner = web.AppRunner(_wrong_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_wrong_server_s_drift_is_reported_per_endpoint(wrong_server: str) -> None:
    report = await check_server(ConformanceTarget(base_url=wrong_server,
                                                  publishable_key="pk_test_x",
                                                  experience_ids=("exp-1",)))
    drift = {r.endpoint: set(r.drift) for r in report.endpoints}
    assert {Drift("type", "$.accessToken", "123 is not str"),
            Drift("missing", "$.beaconToken", "required field missing"),
            Drift("undocumented", "$.debug", "field not in the spec")} == drift["POST /auth/guest"]
    assert Drift("status", "$", "expected 200, got 201") in drift["POST /auth/refresh"]
    assert Drift("missing", "$.accessTokenExpiresAt",
                 "required field missing") in drift["POST /auth/refresh"]
    assert drift["GET /consumers/me"] == {Drift("status", "$", "expected 401, got 200")}
    # an error body without "error" is read as a structured error, which needs a code
    assert Drift("missing", "$.code", "required field missing") in drift["GET /experiences/{id}"]
    assert Drift("missing", "$.sequences[0].queues[0].admitRate",
                 "required field missing") in drift["GET /experiences/{id}"]
    assert {d.kind for d in drift["POST /experiences/{id}/route"]} == {"value"}
    assert drift["GET /queues/{id}"] == {Drift("body", "$", "status 200 with a body that is no "
                                                            "JSON")}
    assert Drift("value", "$.status", "'ADMITTED' not in ['COMPLETED', 'DENIED', 'GRANTED', "
                 "'LEFT', 'NOT_QUEUED', 'QUEUED']") in drift["GET /queues/{id}/status"]
    assert Drift("status", "$", "expected 204, got 200") in drift["POST /auth/logout"]
    assert drift["POST /experiences/archived-status"] == set()
    assert not report.ok and report.drift_count >= 12
    assert "POST /draws/{id}/enter" in report.not_reached
    assert "at" not in json.dumps(report.to_json()).split('"')  # no token in the report


async def test_the_command_prints_the_drift_as_text_and_json_and_exits_1(
        wrong_server: str) -> None:
    argv = ["conformance", "--base-url", wrong_server, "--publishable-key", "pk_test_x",
            "--experience-id", "exp-1"]
    text, as_json = io.StringIO(), io.StringIO()
    status = await asyncio.to_thread(
        run_conformance_command, build_parser().parse_args(argv), text)
    json_status = await asyncio.to_thread(
        run_conformance_command, build_parser().parse_args([*argv, "--json"]), as_json)
    assert (status, json_status) == (1, 1)
    lines = text.getvalue().splitlines()
    assert "DRIFT POST /auth/guest (1 calls; 200)" in lines
    assert "      missing: $.beaconToken: required field missing" in lines
    assert "ok    POST /experiences/archived-status (1 calls; 200)" in lines
    data = json.loads(as_json.getvalue())
    assert data["ok"] is False and data["driftCount"] == sum(
        len(e["drift"]) for e in data["endpoints"])
    guest = next(e for e in data["endpoints"] if e["endpoint"] == "POST /auth/guest")
    assert {"kind": "missing", "path": "$.beaconToken",
            "detail": "required field missing"} in guest["drift"]


def test_the_command_on_the_sandbox_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conformance", "--sandbox"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1].startswith("0 drift(s) at 0 of ")
    for endpoint in ("GET /auctions/{id}/bids ", "GET /auctions/{id}/bids/history ",
                     "GET /auctions/{id}/current-price "):
        assert f"ok    {endpoint}(" in out, endpoint  # walked and checked


async def test_an_auction_s_bid_lists_need_the_organization() -> None:
    """Without an organization id the walk does not call everyone's bids (the spec requires
    ``organizationId``); the own history and the price are walked either way."""
    async with Sandbox(attrs.evolve(default_scenario(), timed_release_shape="genC")) as sandbox:
        report = await check_server(attrs.evolve(_target(sandbox), organization_id=None))
    walked = {r.endpoint for r in report.endpoints}
    assert "GET /auctions/{id}/bids" not in walked and report.ok
    assert {"GET /auctions/{id}/bids/history", "GET /auctions/{id}/current-price"} <= walked
    with pytest.raises(ConfigError):
        ConformanceTarget(base_url="http://h", publishable_key="pk_test_x", organization_id="")


def test_an_unreachable_server_is_drift_not_a_crash() -> None:
    out = io.StringIO()
    args = build_parser().parse_args(["conformance", "--base-url", "http://127.0.0.1:9",
                                      "--publishable-key", "pk_test_x", "--timeout", "2"])
    assert run_conformance_command(args, out) == 1
    assert "unreachable: $: ClientConnectorError" in out.getvalue()


def test_bad_targets_are_refused_where_given() -> None:
    with pytest.raises(ConfigError, match="secret key"):
        ConformanceTarget(base_url="http://h", publishable_key="sk_live_x")
    with pytest.raises(ConfigError, match="base_url"):
        ConformanceTarget(base_url="ftp://h", publishable_key="pk_test_x")
    with pytest.raises(UsageError, match="experience_ids"):
        ConformanceTarget(base_url="http://h", publishable_key="pk", experience_ids="exp")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="both email and otp_code"):
        ConformanceTarget(base_url="http://h", publishable_key="pk", email="a@example.com")
