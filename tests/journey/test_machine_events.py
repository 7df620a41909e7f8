"""Events, acknowledgements, revision and ``updated_at`` of the pure reducer."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from factories import (
    EXPERIENCE_ID,
    T0,
    act,
    consumer_state,
    failed,
    fold,
    route,
    routed,
    snapshot_at,
    started,
    status,
)

from fanfare_rx.journey.core.machine import MAX_EVENTS, initial_snapshot, reduce
from fanfare_rx.journey.core.messages import AllEventsAcked, EventAcked, Tick
from fanfare_rx.models.journey import EventAudience, EventKind, JourneyAction, JourneySnapshot


def _many_failures(snap: JourneySnapshot, count: int, start: int = T0 + 100) -> JourneySnapshot:
    for i in range(count):
        snap = reduce(snap, failed("NETWORK_ERROR", "poll", at=start + i))
    return snap


def test_each_changing_message_increments_revision_by_one_and_sets_updated_at() -> None:
    snap = initial_snapshot(EXPERIENCE_ID)
    messages: list[Any] = [
        act(JourneyAction.START, at=T0 + 1),
        route(routed(), at=T0 + 2),
        status(consumer_state("queue", "QUEUED", position=5), at=T0 + 3),
        status(consumer_state("queue", "QUEUED", position=4), at=T0 + 4),
        failed("NETWORK_ERROR", "poll", at=T0 + 5),
    ]
    for number, message in enumerate(messages, start=1):
        snap = reduce(snap, message)
        assert snap.revision == number
        assert snap.updated_at == message.at


@pytest.mark.parametrize("message", [
    pytest.param(Tick(at=T0 + 50), id="tick"),
    pytest.param(status(consumer_state("queue", "QUEUED", position=3), at=T0 + 50), id="same-status"),
    pytest.param(EventAcked(at=T0 + 50, event_id="evt-unknown"), id="ack-unknown"),
    pytest.param(act(JourneyAction.START, at=T0 + 50), id="unavailable-action"),
    pytest.param(act("leave_participation", at=T0 + 50), id="available-action-changing-nothing"),
])
def test_a_message_that_changes_nothing_keeps_the_snapshot(message: Any) -> None:
    snap = snapshot_at("queue", state=consumer_state("queue", "QUEUED", position=3))
    assert reduce(snap, message) is snap


def test_a_position_change_is_a_change_without_events() -> None:
    snap = snapshot_at("queue", state=consumer_state("queue", "QUEUED", position=3))
    moved = reduce(snap, status(consumer_state("queue", "QUEUED", position=2), at=T0 + 60))
    assert moved.context.position == 2
    assert moved.revision == snap.revision + 1
    assert moved.events == snap.events


def test_event_ids_are_unique_and_timestamped() -> None:
    snap = snapshot_at("queue", state="GRANTED")
    ids = [e.id for e in snap.events]
    assert len(set(ids)) == len(ids)
    assert all(e.ts >= T0 for e in snap.events)
    granted = [e for e in snap.events if e.ts == T0 + 2]
    assert [(e.kind, e.audience, e.message) for e in granted] == [
        (EventKind.SEQUENCE_CHANGE, EventAudience.USER, "Admitted"),
        (EventKind.INFO, EventAudience.ANALYTICS, "journey_granted"),
    ]


def test_history_is_bounded_and_keeps_the_newest() -> None:
    snap = _many_failures(started(), MAX_EVENTS + 25)
    assert len(snap.events) == MAX_EVENTS
    assert snap.events[-1].ts == T0 + 100 + MAX_EVENTS + 24
    assert snap.events[0].ts == T0 + 100 + 25
    ids = [e.id for e in snap.events]
    assert len(set(ids)) == len(ids)


def test_latest_event_is_the_newest_unacknowledged_user_event() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    latest = snap.latest_event
    assert latest is not None
    assert latest.audience is EventAudience.USER and latest.message == "Participating"
    # an analytics event after it does not hide it
    granted = reduce(snap, status(consumer_state("queue", "GRANTED"), at=T0 + 9))
    assert granted.events[-1].audience is EventAudience.ANALYTICS
    assert granted.latest_event is not None and granted.latest_event.message == "Admitted"


def test_ack_event_moves_the_marker_forward_only() -> None:
    snap = _many_failures(started(), 3)
    first, second, third = snap.events[-3:]
    acked = reduce(snap, EventAcked(at=T0 + 500, event_id=second.id))
    assert acked.last_seen_event_id == second.id
    assert acked.latest_event == third
    assert acked.revision == snap.revision + 1 and acked.updated_at == T0 + 500
    assert reduce(acked, EventAcked(at=T0 + 501, event_id=first.id)) is acked
    assert reduce(acked, EventAcked(at=T0 + 501, event_id=second.id)) is acked
    all_acked = reduce(acked, EventAcked(at=T0 + 502, event_id=third.id))
    assert all_acked.latest_event is None


def test_ack_all_events() -> None:
    snap = _many_failures(started(), 3)
    acked = reduce(snap, AllEventsAcked(at=T0 + 500))
    assert acked.last_seen_event_id == snap.events[-1].id
    assert acked.latest_event is None
    assert acked.events == snap.events
    assert reduce(acked, AllEventsAcked(at=T0 + 501)) is acked
    assert reduce(initial_snapshot(EXPERIENCE_ID), AllEventsAcked(at=T0)) is not None
    empty = initial_snapshot(EXPERIENCE_ID)
    assert reduce(empty, AllEventsAcked(at=T0)) is empty
    newer = reduce(acked, failed(at=T0 + 600))
    assert newer.latest_event == newer.events[-1]


def test_acknowledged_marker_that_ages_out_leaves_newer_events_unacknowledged() -> None:
    snap = reduce(_many_failures(started(), 5), AllEventsAcked(at=T0 + 200))
    snap = _many_failures(snap, MAX_EVENTS, start=T0 + 300)
    assert snap.last_seen_event_id not in [e.id for e in snap.events]
    assert snap.latest_event == snap.events[-1]


def test_revision_never_changes_without_a_change() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    stripped = attrs.evolve(snap, revision=0, updated_at=0)
    again = reduce(snap, status(consumer_state("queue", "QUEUED"), at=T0 + 70))
    assert attrs.evolve(again, revision=0, updated_at=0) == stripped
    assert again.revision == snap.revision


def test_updated_at_never_moves_backwards() -> None:
    snap = fold(started(at=T0 + 1000), failed(at=T0 + 10))
    assert snap.updated_at == T0 + 1000
    assert snap.events[-1].ts == T0 + 10


def test_error_event_details() -> None:
    snap = reduce(snapshot_at("queue"), failed("QUEUE_FULL", "enter_queue", at=T0 + 9))
    event = snap.events[-1]
    assert (event.kind, event.audience) == (EventKind.ERROR, EventAudience.USER)
    assert event.detail == {"code": "QUEUE_FULL", "action": "enter_queue", "status": None,
                            "retryable": True}
