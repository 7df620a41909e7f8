"""Sequence-stage transitions of the pure reducer: every consumer status of every distribution
type, route availability, waitlists, stale statuses, grant expiry and ``mark_admitted``."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from factories import (
    STATUSES,
    T0,
    act,
    consumer_state,
    dist_id,
    experience,
    failed,
    fold,
    granted_state,
    route,
    routed,
    sequence,
    snapshot_at,
    status,
    waitlist_id,
)

from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.messages import (
    AdmissionMarked,
    ExperienceLoaded,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.models.journey import (
    DistributionStatus,
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyAction,
    ParticipationType,
    SequenceAction,
    SequenceStage,
)

SS = SequenceStage
SA = SequenceAction
ENTER = {"queue": SA.ENTER_QUEUE, "draw": SA.ENTER_DRAW, "auction": SA.ENTER_AUCTION,
         "timed_release": SA.ENTER_TIMED_RELEASE}

# (kind, status, reason, stage, outcome, token kept)
STATUS_ROWS: list[Any] = [
    ("queue", "NOT_QUEUED", None, SS.ACTIVE_ENTERABLE, None),
    ("queue", "QUEUED", None, SS.PARTICIPATING, None),
    ("queue", "GRANTED", None, SS.ADMITTED, None),
    ("queue", "LEFT", None, SS.ACTIVE_ENTERABLE, None),
    ("queue", "DENIED", "BLOCKED", SS.ENDED, "denied"),
    ("queue", "DENIED", "ADMISSION_EXPIRED", SS.ADMISSION_EXPIRED, "expired"),
    ("queue", "COMPLETED", None, SS.ENDED, "completed"),
    ("draw", "NOT_ENTERED", None, SS.ACTIVE_ENTERABLE, None),
    ("draw", "ENTERED", None, SS.PARTICIPATING, None),
    ("draw", "WON", None, SS.ADMITTED, None),
    ("draw", "COMPLETED", None, SS.ENDED, "completed"),
    ("draw", "DENIED", "NOT_SELECTED", SS.ENDED, "lost"),
    ("draw", "DENIED", "BLOCKED", SS.ENDED, "denied"),
    ("draw", "DENIED", "ADMISSION_EXPIRED", SS.ADMISSION_EXPIRED, "expired"),
    ("auction", "NOT_BID", None, SS.ACTIVE_ENTERABLE, None),
    ("auction", "BIDDING", None, SS.PARTICIPATING, None),
    ("auction", "WINNING", None, SS.PARTICIPATING, None),
    ("auction", "OUTBID", None, SS.PARTICIPATING, None),
    ("auction", "WON", None, SS.ADMITTED, None),
    ("auction", "LOST", None, SS.ENDED, "lost"),
    ("timed_release", "NOT_ENTERED", None, SS.ACTIVE_ENTERABLE, None),
    ("timed_release", "ENTERED", None, SS.PARTICIPATING, None),
    ("timed_release", "GRANTED", None, SS.ADMITTED, None),
    ("timed_release", "COMPLETED", None, SS.ENDED, "completed"),
    ("timed_release", "DENIED", "BLOCKED", SS.ENDED, "denied"),
    ("timed_release", "DENIED", "ADMISSION_EXPIRED", SS.ADMISSION_EXPIRED, "expired"),
    ("timed_release", "LEFT", None, SS.ACTIVE_ENTERABLE, None),
]


def test_status_rows_cover_every_status_of_every_type() -> None:
    covered = {(row[0], row[1]) for row in STATUS_ROWS}
    assert covered == {(kind, s) for kind, names in STATUSES.items() for s in names}


@pytest.mark.parametrize(
    ("kind", "name", "reason", "stage", "outcome"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}" + (f"-{row[2]}" if row[2] else "")) for row in STATUS_ROWS],
)
def test_status_on_an_open_distribution(kind: str, name: str, reason: str | None, stage: SS,
                                        outcome: str | None) -> None:
    state = consumer_state(kind, name, reason=reason or "BLOCKED", grant="tok-1")
    snap = reduce(snapshot_at(kind), status(state, kind=kind, at=T0 + 10))
    assert snap.sequence_stage is stage
    assert snap.context.outcome == outcome
    assert snap.context.admittance_token == ("tok-1" if stage is SS.ADMITTED else None)
    participating = stage in (SS.PARTICIPATING, SS.ADMITTED, SS.ADMISSION_EXPIRED)
    participation = snap.context.participation
    assert (participation is not None) is participating
    if participation is not None:
        assert participation.type is ParticipationType(kind)
        assert participation.id == dist_id(kind)
        assert participation.status == name


@pytest.mark.parametrize("kind", ["auction", "draw", "queue", "timed_release"])
def test_won_without_a_grant_ends_the_sequence(kind: str) -> None:
    name = "WON" if kind in ("draw", "auction") else "GRANTED"
    state = consumer_state(kind, name, grant=None)
    snap = reduce(snapshot_at(kind), status(state, kind=kind, at=T0 + 10))
    assert snap.sequence_stage is SS.ENDED
    assert snap.context.admittance_token is None


ENTERABLE = [(k, n) for k, n in [("queue", "NOT_QUEUED"), ("queue", "LEFT"), ("draw", "NOT_ENTERED"),
                                 ("auction", "NOT_BID"), ("timed_release", "NOT_ENTERED"),
                                 ("timed_release", "LEFT")]]


@pytest.mark.parametrize(("availability", "stage"), [("upcoming", SS.UPCOMING), ("closed", SS.ENDED),
                                                     ("open", SS.ACTIVE_ENTERABLE)])
@pytest.mark.parametrize(("kind", "name"), ENTERABLE, ids=[f"{k}-{n}" for k, n in ENTERABLE])
def test_not_participating_status_follows_the_distribution(kind: str, name: str, availability: str,
                                                           stage: SS) -> None:
    snap = snapshot_at(kind, availability=availability)
    after = reduce(snap, status(consumer_state(kind, name), kind=kind, at=T0 + 10))
    assert after.sequence_stage is stage


def test_participating_status_on_an_upcoming_distribution_marks_it_open() -> None:
    snap = snapshot_at("queue", availability="upcoming")
    after = reduce(snap, status(consumer_state("queue", "QUEUED"), at=T0 + 10))
    assert after.sequence_stage is SS.PARTICIPATING
    assert after.context.distribution is not None
    assert after.context.distribution.status is DistributionStatus.OPEN
    change = [e for e in after.events if e.kind is EventKind.DISTRIBUTION_CHANGE]
    assert [(e.audience, e.detail and e.detail["to_status"]) for e in change] == [
        (EventAudience.SYSTEM, "open")]


def test_participating_context_carries_position_wait_and_bids() -> None:
    snap = reduce(snapshot_at("queue"), status(consumer_state("queue", "QUEUED", position=7)))
    assert (snap.context.position, snap.context.estimated_wait_seconds) == (7, 70.0)
    left = reduce(snap, status(consumer_state("queue", "LEFT"), at=T0 + 1))
    assert (left.context.position, left.context.estimated_wait_seconds) == (None, None)
    bid = reduce(snapshot_at("auction"), status(consumer_state("auction", "WINNING", bid="120.50"),
                                                kind="auction"))
    assert bid.context.current_bid == "120.50"


# --------------------------------------------------------------------------------------------
# Route availability -> sequence stage

@pytest.mark.parametrize(
    ("availability", "stage", "status_"),
    [("upcoming", SS.UPCOMING, DistributionStatus.UPCOMING),
     ("waitlist", SS.UPCOMING, DistributionStatus.UPCOMING),
     ("open", SS.ACTIVE_ENTERABLE, DistributionStatus.OPEN),
     ("closed", SS.ENDED, DistributionStatus.CLOSED)],
)
@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release"])
def test_routed_availability(kind: str, availability: str, stage: SS, status_: DistributionStatus) -> None:
    snap = snapshot_at(kind, availability=availability)
    assert snap.sequence_stage is stage
    assert snap.context.distribution is not None
    assert snap.context.distribution.type.value == kind
    assert snap.context.distribution.status is status_
    expected = (ENTER[kind],) if stage is SS.ACTIVE_ENTERABLE else ()
    assert snap.available_actions.sequence == expected


@pytest.mark.parametrize(("opens", "closes", "stage"), [
    pytest.param(T0 + 60_000, None, SS.UPCOMING, id="opens-later"),
    pytest.param(T0 - 60_000, T0 + 60_000, SS.ACTIVE_ENTERABLE, id="open-now"),
    pytest.param(T0 - 60_000, T0 - 1, SS.ENDED, id="closed-already"),
])
def test_without_availability_the_times_decide(opens: int, closes: int | None, stage: SS) -> None:
    exp = experience(sequence("queue", opens_at=opens, closes_at=closes))
    assert snapshot_at("queue", availability=None, exp=exp, at=T0 - 1).sequence_stage is stage


def test_upcoming_then_opens_then_ends() -> None:
    snap = snapshot_at("queue", availability="upcoming")
    opened = fold(snap, act(JourneyAction.REQUEST_REROUTE, at=T0 + 5),
                  route(routed(availability="open"), at=T0 + 6))
    assert opened.sequence_stage is SS.ACTIVE_ENTERABLE
    ended = fold(opened, act(JourneyAction.REQUEST_REROUTE, at=T0 + 7),
                 route(routed(availability="closed"), at=T0 + 8))
    assert ended.sequence_stage is SS.ENDED
    event = [e for e in ended.events if e.kind is EventKind.SEQUENCE_CHANGE][-1]
    assert (event.message, event.audience) == ("Ended: closed", EventAudience.USER)
    assert ended.context.outcome == "closed"


def test_participation_survives_a_reroute_to_the_same_distribution() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    again = fold(snap, act(JourneyAction.REQUEST_REROUTE, at=T0 + 5), route(routed(), at=T0 + 6))
    assert again.sequence_stage is SS.PARTICIPATING
    assert again.context.participation == snap.context.participation


# --------------------------------------------------------------------------------------------
# Waitlists

def _upcoming_with_waitlist() -> Any:
    return snapshot_at("queue", availability="upcoming", waitlist=True)


def test_upcoming_with_waitlist_offers_enter_waitlist() -> None:
    snap = _upcoming_with_waitlist()
    assert snap.available_actions.sequence == (SA.ENTER_WAITLIST,)
    assert snapshot_at("queue", availability="upcoming").available_actions.sequence == ()


def test_waitlist_enter_and_leave() -> None:
    snap = _upcoming_with_waitlist()
    entered = reduce(snap, WaitlistChanged(at=T0 + 10, waitlist_id=waitlist_id(), entered=True,
                                           entered_at=T0 + 9))
    assert entered.sequence_stage is SS.WAITLIST_ENTERED
    assert entered.context.waitlist_entered_at == T0 + 9
    assert entered.context.participation is not None
    assert entered.context.participation.type is ParticipationType.WAITLIST
    assert entered.available_actions.sequence == (SA.LEAVE_WAITLIST,)
    event = entered.events[-1]
    assert (event.kind, event.severity, event.message) == (
        EventKind.SEQUENCE_CHANGE, EventSeverity.SUCCESS, "On the waitlist")
    left = reduce(entered, WaitlistChanged(at=T0 + 11, waitlist_id=waitlist_id(), entered=False))
    assert left.sequence_stage is SS.UPCOMING
    assert left.context.waitlist_entered_at is None and left.context.participation is None


@pytest.mark.parametrize("message", [
    pytest.param(WaitlistChanged(at=T0 + 10, waitlist_id="wl-other", entered=True), id="other-waitlist"),
    pytest.param(WaitlistChanged(at=T0 + 10, waitlist_id=waitlist_id(), entered=False), id="leave-not-on-it"),
])
def test_waitlist_change_that_does_not_apply_changes_nothing(message: WaitlistChanged) -> None:
    snap = _upcoming_with_waitlist()
    assert reduce(snap, message) is snap


def test_waitlist_enter_when_open_changes_nothing() -> None:
    snap = snapshot_at("queue", waitlist=True)
    assert reduce(snap, WaitlistChanged(at=T0 + 1, waitlist_id=waitlist_id(), entered=True)) is snap


def test_on_the_waitlist_a_not_queued_poll_changes_nothing() -> None:
    entered = reduce(_upcoming_with_waitlist(),
                     WaitlistChanged(at=T0 + 10, waitlist_id=waitlist_id(), entered=True))
    polled = reduce(entered, status(consumer_state("queue", "NOT_QUEUED"), at=T0 + 20))
    assert polled is entered


def test_waitlist_entered_then_distribution_opens() -> None:
    entered = reduce(_upcoming_with_waitlist(),
                     WaitlistChanged(at=T0 + 10, waitlist_id=waitlist_id(), entered=True))
    opened = fold(entered, act(JourneyAction.REQUEST_REROUTE, at=T0 + 11),
                  route(routed(availability="open"), experience(sequence("queue", waitlist=True)),
                        at=T0 + 12))
    assert opened.sequence_stage is SS.ACTIVE_ENTERABLE
    assert opened.context.waitlist_entered_at is None
    assert opened.available_actions.sequence == (SA.ENTER_QUEUE,)


# --------------------------------------------------------------------------------------------
# Stale statuses and failures

@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release"])
def test_status_for_another_distribution_changes_nothing(kind: str) -> None:
    snap = snapshot_at(kind, state=STATUSES[kind][1])
    state = granted_state(kind)
    assert reduce(snap, status(state, "queue-elsewhere", at=T0 + 99)) is snap


def test_status_before_routing_changes_nothing() -> None:
    snap = fold(snapshot_at("queue"), act(JourneyAction.START, reset=True, at=T0 + 3))
    assert reduce(snap, status(granted_state("queue"), at=T0 + 4)) is snap


def test_not_open_yet_failure_turns_enterable_into_upcoming() -> None:
    snap = snapshot_at("queue")
    after = reduce(snap, failed("NOT_OPEN_YET", SA.ENTER_QUEUE, at=T0 + 5))
    assert after.sequence_stage is SS.UPCOMING
    assert after.context.distribution is not None
    assert after.context.distribution.status is DistributionStatus.UPCOMING
    assert after.context.last_error == "NOT_OPEN_YET"


def test_other_failure_keeps_the_stage_and_emits_an_error() -> None:
    snap = snapshot_at("queue")
    after = reduce(snap, failed("QUEUE_FULL", SA.ENTER_QUEUE, at=T0 + 5))
    assert after.sequence_stage is SS.ACTIVE_ENTERABLE
    assert after.revision == snap.revision + 1
    assert after.latest_event is not None and after.latest_event.kind is EventKind.ERROR
    assert after.latest_event.detail is not None
    assert after.latest_event.detail["action"] == "enter_queue"


def test_experience_reload_updates_the_distribution_times_only() -> None:
    snap = snapshot_at("queue")
    moved = experience(sequence("queue", closes_at=T0 + 99_000), name="Drop 2")
    after = reduce(snap, ExperienceLoaded(at=T0 + 5, experience=moved))
    assert after.context.experience_name == "Drop 2"
    assert after.context.distribution is not None
    assert after.context.distribution.closes_at == T0 + 99_000
    assert after.sequence_stage is snap.sequence_stage


# --------------------------------------------------------------------------------------------
# Grant expiry and mark_admitted

@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release"])
def test_grant_expiry_by_tick(kind: str) -> None:
    deadline = T0 + 60_000
    snap = reduce(snapshot_at(kind), status(granted_state(kind, expires_at=deadline), kind=kind, at=T0 + 5))
    assert snap.sequence_stage is SS.ADMITTED
    assert (snap.context.admittance_token, snap.context.admittance_expires_at) == ("grant-1", deadline)
    assert reduce(snap, Tick(at=deadline - 1)) is snap
    expired = reduce(snap, Tick(at=deadline))
    assert expired.sequence_stage is SS.ADMISSION_EXPIRED
    assert expired.context.admittance_token is None
    assert expired.available_actions.sequence == (ENTER[kind],)
    assert expired.revision == snap.revision + 1 and expired.updated_at == deadline
    event = expired.latest_event
    assert event is not None
    assert (event.kind, event.severity, event.message) == (
        EventKind.SEQUENCE_CHANGE, EventSeverity.WARNING, "Admission expired")
    assert reduce(expired, Tick(at=deadline + 5)) is expired


def test_grant_expiry_after_the_deadline_too() -> None:
    snap = reduce(snapshot_at("queue"), status(granted_state("queue", expires_at=T0 + 100), at=T0 + 5))
    assert reduce(snap, Tick(at=T0 + 10_000)).sequence_stage is SS.ADMISSION_EXPIRED


def test_expired_on_a_closed_distribution_offers_no_reentry_then_ends() -> None:
    exp = experience(sequence("queue"))
    snap = reduce(snapshot_at("queue", exp=exp, availability="closed"),
                  status(granted_state("queue", expires_at=T0 + 100), at=T0 + 5))
    # the grant outlives the distribution's close (the server granted before closing)
    assert snap.sequence_stage is SS.ADMITTED
    expired = reduce(snap, Tick(at=T0 + 100))
    assert expired.sequence_stage is SS.ADMISSION_EXPIRED
    assert expired.available_actions.sequence == ()


def test_expired_then_distribution_ends() -> None:
    snap = reduce(snapshot_at("queue"), status(granted_state("queue", expires_at=T0 + 100), at=T0 + 5))
    expired = reduce(snap, Tick(at=T0 + 100))
    ended = fold(expired, act(JourneyAction.REQUEST_REROUTE, at=T0 + 200),
                 route(routed(availability="closed"), at=T0 + 201))
    assert ended.sequence_stage is SS.ENDED


def test_expired_reenter_then_participates_again() -> None:
    snap = reduce(snapshot_at("queue"), status(granted_state("queue", expires_at=T0 + 100), at=T0 + 5))
    expired = reduce(snap, Tick(at=T0 + 100))
    again = fold(expired, act(SA.ENTER_QUEUE, at=T0 + 200),
                 status(consumer_state("queue", "QUEUED"), at=T0 + 201))
    assert again.sequence_stage is SS.PARTICIPATING


def test_granted_status_already_past_its_expiry_is_expired() -> None:
    snap = reduce(snapshot_at("queue"), status(granted_state("queue", expires_at=T0 + 1), at=T0 + 5))
    assert snap.sequence_stage is SS.ADMISSION_EXPIRED
    assert snap.context.admittance_token is None
    assert snap.context.outcome == "expired"


def test_tick_without_a_grant_changes_nothing() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    assert reduce(snap, Tick(at=T0 + 10 ** 9)) is snap
    no_deadline = reduce(snapshot_at("queue"), status(granted_state("queue"), at=T0 + 3))
    assert reduce(no_deadline, Tick(at=T0 + 10 ** 9)) is no_deadline


def test_mark_admitted() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    marked = reduce(snap, AdmissionMarked(at=T0 + 10, token="app-token", expires_at=T0 + 5_000))
    assert marked.sequence_stage is SS.ADMITTED
    assert (marked.context.admittance_token, marked.context.admittance_expires_at) == (
        "app-token", T0 + 5_000)
    assert reduce(marked, Tick(at=T0 + 4_999)) is marked
    expired = reduce(marked, Tick(at=T0 + 5_000))
    assert expired.sequence_stage is SS.ADMISSION_EXPIRED
    assert expired.context.admittance_token is None


def test_mark_admitted_with_a_past_deadline_is_expired_at_once() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    marked = reduce(snap, AdmissionMarked(at=T0 + 10, token="app-token", expires_at=T0 + 10))
    assert marked.sequence_stage is SS.ADMISSION_EXPIRED
    assert marked.context.admittance_token is None


def test_mark_admitted_twice_with_the_same_values_changes_nothing() -> None:
    message = AdmissionMarked(at=T0 + 10, token="app-token", expires_at=None)
    marked = reduce(snapshot_at("queue", state="QUEUED"), message)
    assert reduce(marked, AdmissionMarked(at=T0 + 20, token="app-token")) is marked


def test_timed_release_admitted_offers_complete() -> None:
    snap = snapshot_at("timed_release", state="GRANTED")
    assert snap.available_actions.sequence == (SA.COMPLETE_TIMED_RELEASE,)
    done = reduce(snap, status(consumer_state("timed_release", "COMPLETED"), kind="timed_release",
                               at=T0 + 9))
    assert done.sequence_stage is SS.ENDED
    assert done.context.outcome == "completed"
    event = [e for e in done.events if e.kind is EventKind.SEQUENCE_CHANGE][-1]
    assert (event.message, event.severity) == ("Ended: completed", EventSeverity.SUCCESS)


def test_draw_not_selected_ends_lost_with_a_warning() -> None:
    snap = snapshot_at("draw", state="ENTERED")
    lost = reduce(snap, status(consumer_state("draw", "DENIED", reason="NOT_SELECTED"), kind="draw",
                               at=T0 + 9))
    assert (lost.sequence_stage, lost.context.outcome) == (SS.ENDED, "lost")
    event = [e for e in lost.events if e.kind is EventKind.SEQUENCE_CHANGE][-1]
    assert (event.message, event.severity, event.audience) == (
        "Ended: lost", EventSeverity.WARNING, EventAudience.USER)
    assert [e.message for e in lost.events if e.audience is EventAudience.ANALYTICS][-1] == "journey_ended"


@pytest.mark.parametrize(("code", "http_status"), [
    pytest.param("TIMED_RELEASE_NOT_OPEN", None, id="specific-code"),
    pytest.param("CONFLICT", 423, id="status-423"),
])
def test_other_not_open_answers_turn_enterable_into_upcoming(code: str, http_status: int | None) -> None:
    snap = snapshot_at("timed_release")
    message = attrs.evolve(failed(code, SA.ENTER_TIMED_RELEASE, at=T0 + 5), status=http_status)
    assert reduce(snap, message).sequence_stage is SS.UPCOMING
