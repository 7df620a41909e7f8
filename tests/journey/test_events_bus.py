"""The SDK event bus and the table that turns snapshot changes into the docs' event names."""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    EXPERIENCE_ID,
    T0,
    consumer_state,
    fold,
    granted_state,
    me_projection,
    route,
    snapshot_at,
    started,
    status,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from fanfare_rx.client.events import (
    EVENT_NAMES,
    MECHANISM_EVENTS,
    SESSION_EVENTS,
    EventBus,
    bus_events,
)
from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ResumedFromMe,
    StatusReceived,
    Tick,
)
from fanfare_rx.models import wire
from fanfare_rx.testing import builders as b


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
        ("timed_release", "ENTERED", "timed_release:granted"),
    ],
)
def test_entry_and_admission_per_type(kind: str, entered: str, admitted: str) -> None:
    open_ = snapshot_at(kind, state=consumer_state(kind, "NOT_QUEUED" if kind == "queue" else "NOT_BID" if kind == "auction" else "NOT_ENTERED"))
    participating = reduce(open_, status(consumer_state(kind, entered), kind=kind, at=T0 + 10))
    assert f"{kind}:entered" in names(open_, participating)
    granted = reduce(participating, status(granted_state(kind, grant="g" * 40), kind=kind, at=T0 + 20))
    events = dict(bus_events(participating, granted))
    assert admitted in events
    assert f"{kind}:entered" not in events  # the grant is not a second entry
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


# --- one declaration of the names -------------------------------------------------------------

#: The SDK reference's event list (journey-sdk §3.5, docs.fanfare.io/sdk/core/events): 38 names.
DOCUMENTED = [
    "auth:authenticated", "auth:logout", "auth:refreshed", "auth:error", "queue:entered",
    "queue:left", "queue:position-changed", "queue:admitted", "queue:expired", "queue:denied",
    "queue:error", "draw:entered", "draw:left", "draw:won", "draw:lost", "draw:expired",
    "draw:status-updated", "draw:error", "auction:entered", "auction:left", "auction:bid-placed",
    "auction:outbid", "auction:winning", "auction:won", "auction:lost", "auction:status-updated",
    "auction:bid-updated", "auction:auto-rebid-enabled", "auction:auto-rebid-disabled",
    "auction:error", "waitlist:entered", "waitlist:left", "waitlist:error",
    "timed_release:entered", "timed_release:left", "timed_release:completed",
    "timed_release:status-updated", "timed_release:error",
]


def test_every_documented_name_can_be_subscribed() -> None:
    assert len(DOCUMENTED) == len(set(DOCUMENTED)) == 38
    bus = EventBus()
    for name in DOCUMENTED:
        bus.on(name, print)()
    assert set(DOCUMENTED) <= EVENT_NAMES


def test_appointment_names_can_be_subscribed() -> None:
    bus = EventBus()
    for name in ("appointment:entered", "appointment:cancelled", "appointment:completed",
                 "appointment:error", "appointment:status-updated"):
        bus.on(name, print)()


def test_an_unknown_name_is_a_usage_error_listing_the_names() -> None:
    with pytest.raises(UsageError) as caught:
        EventBus().on("queue:teleported", print)
    assert "queue:teleported" in str(caught.value)
    assert "queue:position-changed" in caught.value.message
    assert caught.value.details["known"] == sorted(EVENT_NAMES)


def test_each_mechanisms_names_come_from_its_own_declaration() -> None:
    assert set(MECHANISM_EVENTS) == {t.value for t in wire.DistributionType}
    for kind, events in MECHANISM_EVENTS.items():
        assert events.entered == f"{kind}:entered" and events.error == f"{kind}:error"
        assert all(name.startswith(f"{kind}:") for name in (*events.ended.values(), *events.more))
    assert MECHANISM_EVENTS["draw"].granted == "draw:won"
    assert MECHANISM_EVENTS["queue"].granted == "queue:admitted"


def test_the_session_names_are_declared() -> None:
    from fanfare_rx.client import session, session_store
    from fanfare_rx.client.namespaces import AUTH_GUEST_LEFT

    emitted = {session.AUTH_AUTHENTICATED, session.AUTH_REFRESHED, session.AUTH_LOGOUT,
               session.AUTH_ERROR, session.AUTH_SESSION_LOST, session_store.STORAGE_FALLBACK,
               AUTH_GUEST_LEFT}
    assert emitted <= SESSION_EVENTS <= EVENT_NAMES


def _appointment(status_name: str, at: int) -> StatusReceived:
    return StatusReceived(at=at, distribution_id=b.distribution_id("appointment"),
                          state=b.appointment_state(status_name, "s1"))


def test_booking_and_cancelling_an_appointment() -> None:
    routed_in = fold(started(), route(b.routed(), b.experience("appointment"), at=T0 + 1))
    open_ = reduce(routed_in, _appointment("NOT_BOOKED", T0 + 5))
    assert open_.sequence_stage == "active_enterable"
    booked = reduce(open_, _appointment("BOOKED", T0 + 10))
    assert names(open_, booked) == ["appointment:entered"]
    checked_in = reduce(booked, _appointment("CHECKED_IN", T0 + 15))
    assert names(booked, checked_in) == ["appointment:status-updated"]
    cancelled = reduce(checked_in, _appointment("CANCELLED", T0 + 20))
    assert names(checked_in, cancelled) == ["appointment:cancelled"]


def test_status_updates_and_errors_name_the_mechanism() -> None:
    bidding = snapshot_at("auction", state=consumer_state("auction", "BIDDING", bid="10"))
    winning = reduce(bidding, status(consumer_state("auction", "WINNING", bid="10"),
                                     kind="auction", at=T0 + 10))
    assert "auction:status-updated" in names(bidding, winning)
    failed = reduce(winning, ActionFailed(at=T0 + 11, action="poll", code="NETWORK_ERROR",
                                          message="down"))
    assert names(winning, failed) == ["auction:error", "journey:error"]
    assert bus_events(winning, failed)[0][1]["error"] == "NETWORK_ERROR"


_KINDS = ("queue", "draw", "auction", "timed_release")
_STATUSES = {
    "queue": ("NOT_QUEUED", "QUEUED", "GRANTED", "LEFT", "DENIED", "COMPLETED"),
    "draw": ("NOT_ENTERED", "ENTERED", "WON", "COMPLETED", "DENIED"),
    "auction": ("NOT_BID", "BIDDING", "WINNING", "OUTBID", "WON", "LOST"),
    "timed_release": ("NOT_ENTERED", "ENTERED", "GRANTED", "COMPLETED", "DENIED", "LEFT"),
}
_steps = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 5), st.integers(1, 200_000)),
                  max_size=12)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(_KINDS), steps=_steps)
def test_every_name_the_bus_emits_is_declared(kind: str, steps: list[tuple[int, int, int]]) -> None:
    snap = snapshot_at(kind)
    now = T0 + 10
    for pick, position, delta in steps:
        now += delta
        statuses = _STATUSES[kind]
        if pick >= len(statuses) + 2:
            message: Any = Tick(at=now)
        elif pick >= len(statuses):
            message = ActionFailed(at=now, action="poll", code="NETWORK_ERROR", message="down")
        else:
            state = consumer_state(kind, statuses[pick], position=position, expires_at=now + 1000,
                                   bid=str(position * 10))
            message = status(state, kind=kind, at=now)
        new = reduce(snap, message)
        assert {name for name, _ in bus_events(snap, new)} <= EVENT_NAMES
        snap = new


def test_the_bus_reads_each_mechanism_s_own_declaration() -> None:
    """One declaration: the bus's names of a mechanism are the ``events`` of its module."""
    from fanfare_rx.client.events import MECHANISM_EVENTS
    from fanfare_rx.mechanisms import registry

    for spec in registry.registered():
        assert spec.events is not None, spec.kind  # every built-in mechanism names its moments
        assert MECHANISM_EVENTS[str(spec.kind)] is spec.events
        assert spec.events.names() <= EVENT_NAMES


def test_the_bus_says_whether_anyone_listens_beyond_some_names() -> None:
    bus = EventBus()
    assert not bus.listens_beyond(SESSION_EVENTS)
    off_lost = bus.on("auth:session_lost", lambda _: None)
    assert not bus.listens_beyond(SESSION_EVENTS)  # the owner's own handler: no journey event
    off = bus.on("queue:entered", lambda _: None)
    assert bus.listens_beyond(SESSION_EVENTS)
    off()
    assert not bus.listens_beyond(SESSION_EVENTS)
    off_star = bus.on("*", lambda _: None)
    assert bus.listens_beyond(SESSION_EVENTS)
    off_star()
    off_lost()
    assert not bus.listens_beyond(frozenset())
