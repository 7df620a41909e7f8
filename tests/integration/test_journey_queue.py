"""A queue journey end to end: enter, wait in line while the sandbox clock runs, admitted with
a grant; the SDK bus reports entered / position-changed / admitted with the token redacted."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from integration_helpers import BusEvents, consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.models.wire import QueueStatus
from fanfare_rx.sandbox import Sandbox


async def test_queue_journey_to_admitted_with_bus_events(
    sb: Sandbox, fanfare: Fanfare, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "active_enterable")

    await journey.enter_queue()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.context.position == 41  # 40 simulated consumers ahead
    assert snap.context.estimated_wait_seconds == 41.0
    engine = engine_of(sb, "queue")
    me = consumer_id(fanfare)
    assert engine.records[me].status is QueueStatus.QUEUED
    assert engine.line.index(me) + 1 == 41

    await sb.advance(20)  # 60/min: twenty ahead of us admitted
    await journey.refresh_distribution()
    assert journey.state.get().sequence_stage == "participating"
    assert journey.context.get().position == 21

    await sb.advance(21)
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert snap.sequence_stage == "admitted"
    token = snap.context.admittance_token
    assert token is not None
    assert token == engine.records[me].grant.token
    assert snap.context.admittance_expires_at is not None

    names = events.names
    assert names.index("queue:entered") < names.index("queue:position-changed")
    assert names.index("queue:position-changed") < names.index("queue:admitted")
    assert events.of("queue:entered")[0]["position"] == 41
    assert events.of("queue:position-changed")[-1]["position"] == 21
    admitted = events.of("queue:admitted")
    assert len(admitted) == 1
    assert admitted[0]["token"] == redact(token)
    assert admitted[0]["token"] != token
    assert token not in repr(events.items)
    assert token not in repr(snap) and token not in repr(journey)
    assert token not in caplog.text
    session_tokens = [s for s in (fanfare.sessions.current_access_token,) if s]
    assert session_tokens and not any(t in caplog.text for t in session_tokens)
    assert "journey:error" not in names


async def test_bus_events_are_worked_out_only_while_someone_listens(
        sb: Sandbox, fanfare: Fanfare, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fold nobody listens to costs no bus events; a handler added later hears the next."""
    import fanfare_rx.client.fanfare as facade

    worked: list[int] = []
    real = facade.bus_events

    def counted(old: JourneySnapshot, new: JourneySnapshot) -> list[tuple[str, dict[str, Any]]]:
        worked.append(1)
        return real(old, new)

    monkeypatch.setattr(facade, "bus_events", counted)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    assert worked == []
    heard: list[str] = []
    fanfare.on("queue:entered", lambda payload: heard.append(str(payload["queueId"])))
    await journey.enter_queue()
    assert worked and heard == [journey.state.get().context.distribution.id]  # type: ignore[union-attr]
