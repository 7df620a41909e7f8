"""The SDK event bus and the table that turns snapshot changes into the docs' event names."""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    EXPERIENCE_ID,
    T0,
    consumer_state,
    granted_state,
    me_projection,
    snapshot_at,
    status,
)

from fanfare_rx.client.events import EVENT_NAMES, EventBus, bus_events
from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import ActionFailed, ResumedFromMe, Tick
from fanfare_rx.models import wire


def names(old: Any, new: Any) -> list[str]:
    return [name for name, _ in bus_events(old, new)]


def test_bus_calls_handlers_and_star_and_off() -> None:
    bus = EventBus()
    seen: list[tuple[str, Any]] = []
    off = bus.on("queue:entered", lambda e: seen.append(("one", e)))
    bus.on("*", lambda e: seen.append(("all", e)))
    bus.emit("queue:entered", {"queueId": "q"})
    off()
    bus.emit("queue:entered", {"queueId": "r"})
    assert seen == [
        ("one", {"queueId": "q"}),
        ("all", {"name": "queue:entered", "queueId": "q"}),
        ("all", {"name": "queue:entered", "queueId": "r"}),
    ]


def test_bus_rejects_unknown_names_and_survives_raising_handlers() -> None:
    bus = EventBus()
    with pytest.raises(ValueError, match="unknown event name"):
        bus.on("queue:teleported", print)
    calls: list[str] = []

    def boom(_: Any) -> None:
        raise RuntimeError("handler bug")

    bus.on("draw:won", boom)
    bus.on("draw:won", lambda e: calls.append("second"))
    bus.emit("draw:won", {})
    assert calls == ["second"]
    assert "draw:won" in EVENT_NAMES


@pytest.mark.parametrize(
    ("kind", "entered", "admitted"),
    [
        ("queue", "QUEUED", "queue:admitted"),
        ("draw", "ENTERED", "draw:won"),
        ("auction", "BIDDING", "auction:won"),
        ("timed_release", "ENTERED", "timed_release:entered"),
    ],
)
def test_entry_and_admission_per_type(kind: str, entered: str, admitted: str) -> None:
    open_ = snapshot_at(kind, state=consumer_state(kind, "NOT_QUEUED" if kind == "queue" else "NOT_BID" if kind == "auction" else "NOT_ENTERED"))
    participating = reduce(open_, status(consumer_state(kind, entered), kind=kind, at=T0 + 10))
    assert f"{kind}:entered" in names(open_, participating)
    granted = reduce(participating, status(granted_state(kind, grant="g" * 40), kind=kind, at=T0 + 20))
    events = dict(bus_events(participating, granted))
    assert admitted in events
    token = events[admitted]["token"]
    assert "g" * 40 not in token and "redacted" in token


def test_queue_position_changes_and_expiry() -> None:
    first = snapshot_at("queue", state=consumer_state("queue", "QUEUED", position=5))
    moved = reduce(first, status(consumer_state("queue", "QUEUED", position=2), at=T0 + 10))
    events = bus_events(first, moved)
    assert events == [
        ("queue:position-changed", {
            "experienceId": first.context.experience_id,
            "queueId": first.context.distribution.id if first.context.distribution else None,
            "position": 2, "estimatedWait": 20.0,
        })
    ]
    assert bus_events(moved, reduce(moved, status(consumer_state("queue", "QUEUED", position=2), at=T0 + 11))) == []
    admitted = reduce(moved, status(granted_state("queue", expires_at=T0 + 100), at=T0 + 12))
    expired = reduce(admitted, Tick(at=T0 + 100))
    assert names(admitted, expired) == ["queue:expired"]


def test_draw_lost_and_journey_error() -> None:
    entered = snapshot_at("draw", state="ENTERED")
    lost = reduce(entered, status(consumer_state("draw", "DENIED", reason="NOT_SELECTED"), kind="draw", at=T0 + 10))
    assert "draw:lost" in names(entered, lost)
    failed = reduce(lost, ActionFailed(at=T0 + 11, action="poll", code="NETWORK_ERROR", message="down"))
    assert bus_events(lost, failed)[-1][0] == "journey:error"
    assert bus_events(lost, failed)[-1][1]["code"] == "NETWORK_ERROR"


def test_resume_into_participation_is_not_an_entry() -> None:
    start = initial_snapshot(EXPERIENCE_ID)  # a new journey in a restarted process
    resumed = reduce(
        start, ResumedFromMe(at=T0 + 5, projection=me_projection("participating", kind="queue"))
    )
    assert resumed.sequence_stage == "participating"
    assert "queue:entered" not in names(start, resumed)


def test_leaving_a_queue() -> None:
    queued = snapshot_at("queue", state="QUEUED")
    left = reduce(queued, status(wire.QueueLeft(), at=T0 + 10))
    assert names(queued, left) == ["queue:left"]
