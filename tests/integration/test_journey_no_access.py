"""A journey whose route finds no sequence (``no_access``) is not stuck: polled, or followed by
its view, it routes again on the server's cadence and becomes enterable when a sequence opens;
its event says the server's reason. Over loopback HTTP against the sandbox's recurring draw."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from integration_helpers import BusEvents

from fanfare_rx import Fanfare
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import parse_scenario

#: A draw that closes and is drawn at 300 s and starts over every 1200 s (the built-in draw
#: reopens right after each draw, so it is never between cycles).
CYCLING_DRAW = {"experiences": [{
    "id": "exp-draw", "label": "draw", "name": "Draw", "cycleSeconds": 1200,
    "sequences": [{"id": "seq-d", "name": "Draw entry", "priority": 1, "distribution": {
        "type": "draw", "id": "d-1", "openAt": 0, "drawAt": 300, "closeAt": 300,
        "winnerCount": 5, "admissionExpirationSeconds": 600}}]}]}
BETWEEN_CYCLES = 301
NEXT_CYCLE = 1200 - BETWEEN_CYCLES


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(parse_scenario(CYCLING_DRAW), clock="manual", seed=0) as running:
        yield running


async def _stopped_at_no_access(sb: Sandbox, fanfare: Fanfare) -> ExperienceJourney:
    await sb.advance(BETWEEN_CYCLES)
    journey = fanfare.experiences.create_journey(sb.experiences["draw"])
    await journey.start()
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routing", "none")
    assert snap.context.last_error == "NO_SEQUENCE_AVAILABLE"
    return journey


async def test_no_access_event_carries_the_servers_reason(sb: Sandbox, fanfare: Fanfare) -> None:
    bus = BusEvents(fanfare)
    journey = await _stopped_at_no_access(sb, fanfare)
    event = journey.state.get().events[-1]
    assert event.detail is not None
    assert event.detail["code"] == "NO_SEQUENCE_AVAILABLE"
    assert event.detail["reasons"] == ["NO_ACCESS"]
    assert any("draw already drawn" in detail for detail in event.detail["details"])
    assert "draw already drawn" in event.message
    errors = bus.of("journey:error")
    assert errors and "draw already drawn" in errors[-1]["message"]


async def test_a_polled_no_access_journey_routes_again_when_the_draw_reopens(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    journey = await _stopped_at_no_access(sb, fanfare)
    journey.start_polling(100)
    await sb.advance(60)  # still between cycles: polls repeat no_access without new events
    before = journey.state.get()
    await sb.advance(1)
    again = journey.state.get()
    assert sum(e.message.startswith("No sequence") for e in again.events) == 1
    assert again.journey_stage == before.journey_stage == "routing"
    await sb.advance(NEXT_CYCLE)
    await journey.sequence_stage.wait_for(
        lambda s: s == "active_enterable", timeout=10)
    assert journey.state.get().journey_stage == "routed"
    await journey.enter_draw()
    assert journey.sequence_stage.get() == "participating"


async def test_a_viewed_no_access_journey_polls_by_itself(sb: Sandbox, fanfare: Fanfare) -> None:
    journey = await _stopped_at_no_access(sb, fanfare)
    assert not journey.is_polling
    views: list[object] = []
    off = journey.view.listen(views.append)
    try:
        view = journey.view.get()
        assert view.journey_stage == "routed" and view.sequence is not None
        assert view.sequence.phase == "unavailable"
        assert journey.is_polling  # routes again on the server's cadence
    finally:
        off()
    assert not journey.is_polling
