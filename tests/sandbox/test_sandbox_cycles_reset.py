"""Recurring cycles (an experience starts over every ``cycleSeconds``) and ``POST
/_sandbox/reset`` over loopback HTTP on the manual clock."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Api, scenario_with

from fanfare_rx.models import wire
from fanfare_rx.sandbox import ScenarioError, default_scenario
from fanfare_rx.sandbox.scenario import parse_scenario
from fanfare_rx.wire import codec

DRAW = {"type": "draw", "id": "d1", "openAt": 0, "drawAt": 300, "closeAt": 300,
        "winnerCount": 1, "admissionExpirationSeconds": 60}


async def _route(api: Api, label: str, token: str) -> Any:
    reply = await api.call("POST", f"/experiences/{api.sandbox.experiences[label]}/route",
                           token=token)
    assert reply.status == 200, reply
    return codec.structure(reply.body, wire.RouteResult)


async def test_a_closed_draw_is_enterable_again_after_its_cycle(custom: Any) -> None:
    scenario = parse_scenario({"cycleSeconds": 1200, "experiences": [
        {"id": "exp-x", "label": "x", "name": "X", "sequences": [
            {"id": "seq-x", "name": "X", "priority": 1, "distribution": DRAW}]}]})
    api = await custom(scenario, clock="manual")
    first = await api.guest()
    assert (await api.call("POST", "/draws/d1/enter", token=first)).status == 200
    await api.sandbox.advance(301)
    late = await api.guest()
    assert isinstance(await _route(api, "x", late), wire.RouteNoAccess)
    refused = await api.call("POST", "/draws/d1/enter", token=late)
    assert refused.status == 400
    opened_before = (await api.experience("x"))["openAt"]
    await api.sandbox.advance(1200 - 301)
    routed = await _route(api, "x", late)
    assert isinstance(routed, wire.RouteRouted)
    assert routed.selected.sequence.availability == "open"
    entered = await api.call("POST", "/draws/d1/enter", token=late)
    assert entered.status == 200 and entered.body["status"] == "ENTERED"
    experience = await api.experience("x")
    assert experience["openAt"] != opened_before
    draw = experience["sequences"][0]["draws"][0]
    assert draw["drawAt"] == experience["closeAt"]
    assert api.sandbox.world.cycles["exp-x"] == 1


async def test_a_cycle_leaves_other_experiences_alone(api: Api) -> None:
    token = await api.guest()
    queue_id = (await api.experience("waitlist"))["sequences"][0]["queues"][0]["id"]
    await api.sandbox.advance(601)  # the waitlist experience's queue opens at 600
    assert (await api.call("POST", f"/queues/{queue_id}/enter", token=token)).status == 200
    await api.sandbox.advance(2000)  # the timed release starts over (42 min), this one not
    timed = api.sandbox.experiences["timed_release"]
    assert api.sandbox.world.cycles[timed] == 1
    status = await api.call("GET", f"/queues/{queue_id}/status", token=token)
    assert status.body["status"] != "NOT_QUEUED"
    await api.sandbox.advance(4800 - 2601)  # now the waitlist experience starts over too
    status = await api.call("GET", f"/queues/{queue_id}/status", token=token)
    assert status.body["status"] == "NOT_QUEUED"


async def test_a_cycle_runs_the_draw_again(custom: Any) -> None:
    scenario = parse_scenario({"cycleSeconds": 600, "experiences": [
        {"id": "exp-x", "label": "x", "name": "X", "sequences": [
            {"id": "seq-x", "name": "X", "priority": 1, "distribution": DRAW}]}]})
    api = await custom(scenario, clock="manual")
    for _ in range(3):  # every cycle: enter, draw, win (sole entrant)
        token = await api.guest()
        assert (await api.call("POST", "/draws/d1/enter", token=token)).status == 200
        await api.sandbox.advance(300)
        status = await api.call("GET", "/draws/d1/status", token=token)
        assert status.body["status"] == "WON"
        await api.sandbox.advance(300)
    assert api.sandbox.world.cycles["exp-x"] == 3


async def test_experience_without_cycle_does_not_recur(custom: Any) -> None:
    api = await custom(scenario_with(DRAW), clock="manual")
    await api.sandbox.advance(10_000)
    refused = await api.call("POST", "/draws/d1/enter", token=await api.guest())
    assert refused.status == 400 and refused.body["error"] == "Draw is closed"


@pytest.mark.parametrize(("cycle", "where", "message"), [
    (300, "experiences[0].cycleSeconds", "drawAt"),
    (200, "cycleSeconds", "openAt"),
    (0, "cycleSeconds", "greater than 0"),
    ("daily", "cycleSeconds", "expected a number"),
])
def test_cycle_must_hold_the_experience(cycle: Any, where: str, message: str) -> None:
    draw = {**DRAW, "openAt": 250}
    data: dict[str, Any] = {"experiences": [{"id": "e", "label": "x", "name": "X", "sequences": [
        {"id": "s", "name": "S", "priority": 1, "distribution": draw}]}]}
    if where == "cycleSeconds":
        data["cycleSeconds"] = cycle
    else:
        data["experiences"][0]["cycleSeconds"] = cycle
    with pytest.raises(ScenarioError, match=message) as caught:
        parse_scenario(data)
    assert caught.value.field == where


def test_experience_may_opt_out_of_the_scenario_cycle() -> None:
    scenario = parse_scenario({"cycleSeconds": 900, "experiences": [
        {"id": "a", "label": "a", "name": "A"},
        {"id": "b", "label": "b", "name": "B", "cycleSeconds": None},
        {"id": "c", "label": "c", "name": "C", "cycleSeconds": 60}]})
    assert [e.cycle_seconds for e in scenario.experiences] == [900, None, 60]
    cycles = {e.label: e.cycle_seconds for e in default_scenario().experiences}
    # the default draw and auction recur by rounds instead (test_sandbox_rounds_status.py)
    assert cycles["draw"] is cycles["auction"] is None and cycles["queue"] == 7800


async def test_reset_starts_over_and_keeps_tokens(api: Api) -> None:
    token = await api.guest()
    draw_id = await api.distribution("draw", "draws")
    assert (await api.call("POST", f"/draws/{draw_id}/enter", token=token)).status == 200
    await api.sandbox.advance(400)
    assert (await api.call("GET", f"/draws/{draw_id}/status", token=token)).body["status"] in (
        "WON", "DENIED")
    unauthorized = await api.call("POST", "/_sandbox/reset", pk=None)
    assert unauthorized.status == 401
    reset = await api.secret("POST", "/_sandbox/reset", {"seed": 11})
    assert reset.status == 200, reset
    assert reset.body["elapsedSeconds"] == 0 and reset.body["seed"] == 11
    assert api.sandbox.world.seed == api.sandbox.seed == 11
    status = await api.call("GET", f"/draws/{draw_id}/status", token=token)
    assert status.body == {"status": "NOT_ENTERED"}  # the entry of the earlier run is gone
    again = await api.call("POST", f"/draws/{draw_id}/enter", token=token)  # same token works
    assert again.status == 200 and again.body["status"] == "ENTERED"


async def test_reset_body_is_optional_and_validated(api: Api) -> None:
    plain = await api.secret("POST", "/_sandbox/reset")
    assert plain.status == 200 and plain.body["seed"] == api.sandbox.seed
    wrong = await api.secret("POST", "/_sandbox/reset", {"seed": "x"})
    assert wrong.status == 400 and wrong.body["error"] == "validation_error"
    assert wrong.body["issues"][0]["path"][0]["key"] == "seed"


async def test_python_reset_reopens_the_queue(api: Api) -> None:
    await api.sandbox.advance(7201)
    token = await api.guest()
    assert isinstance(await _route(api, "queue", token), wire.RouteNoAccess)
    await api.sandbox.reset()
    routed = await _route(api, "queue", token)
    assert isinstance(routed, wire.RouteRouted)
    assert routed.selected.sequence.availability == "open"
