"""Reducer rules from user reports: a rejected upgrade code, refresh vs reroute, sign-in asked
by an entry's answer, closing noticed, the server's reroute hint, settling draws, gen C timed
releases and unsupported mechanisms. Each test failed on the reducer before its fix."""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    EXPERIENCE_ID,
    SEQUENCE_ID,
    T0,
    access_code_gate,
    act,
    consumer_state,
    dist_id,
    experience,
    fold,
    me_projection,
    no_access,
    offer,
    route,
    routed,
    sequence,
    snapshot_at,
    started,
    status,
)

from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import ActionFailed, ResumedFromMe, RouteResolved
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    EventKind,
    JourneyAction,
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

JA, SA = JourneyAction, SequenceAction
JS, SS = JourneyStage, SequenceStage
VIP = "vip"


def _vip_experience() -> wire.Experience:
    return experience(sequence("queue"), sequence("queue", VIP, priority=10))


def _queued_in_general() -> JourneySnapshot:
    """Routed to the general queue (the VIP code skipped), then queued at position 7."""
    exp = _vip_experience()
    code_offer = offer(VIP, access_code_gate())
    snap = fold(started(), route(routed(offers=[code_offer]), exp, at=T0 + 1))
    assert snap.journey_stage is JS.NEEDS_ACCESS_CODE
    snap = fold(snap, act(JA.SKIP_ACCESS_CODE, at=T0 + 2),
                route(routed(offers=[code_offer]), exp, at=T0 + 3),
                status(consumer_state("queue", "QUEUED", position=7), at=T0 + 4))
    assert (snap.journey_stage, snap.sequence_stage) == (JS.ROUTED, SS.PARTICIPATING)
    return snap


def _probe(result: wire.RouteResult, exp: wire.Experience | None = None, *, at: int = T0 + 50) -> RouteResolved:
    return RouteResolved(at=at, result=result, experience=exp or experience(), follow=False)


# --- 3. a wrong upgrade code while queued ----------------------------------------------------


def test_wrong_upgrade_code_while_queued_keeps_the_participation() -> None:
    before = _queued_in_general()
    exp = _vip_experience()
    snap = fold(before, act(JA.PROVIDE_ACCESS_CODE, "WRONG", at=T0 + 10),
                route(routed(offers=[offer(VIP, access_code_gate(invalid=True))]), exp, at=T0 + 11))
    assert (snap.journey_stage, snap.sequence_stage) == (JS.ROUTED, SS.PARTICIPATING)
    assert snap.context.sequence_id == before.context.sequence_id == SEQUENCE_ID
    assert snap.context.participation == before.context.participation
    assert snap.context.position == 7
    assert snap.requirements == ()
    assert snap.available_actions == before.available_actions
    assert SA.LEAVE_PARTICIPATION in snap.available_actions.sequence
    assert snap.context.access_code is None  # a rejected code is never kept
    rejected = [e for e in snap.events if e.message == "Access code rejected"]
    assert len(rejected) == 1 and rejected[0].detail is not None
    assert rejected[0].detail["reason"] == "ACCESS_CODE_INVALID"
    assert "WRONG" not in repr(snap)
    # the server later admits the shopper: the journey follows
    admitted = reduce(snap, status(consumer_state("queue", "GRANTED"), at=T0 + 20))
    assert admitted.sequence_stage is SS.ADMITTED


def test_failed_upgrade_route_returns_to_the_routed_sequence() -> None:
    before = _queued_in_general()
    snap = fold(before, act(JA.PROVIDE_ACCESS_CODE, "VIP2024", at=T0 + 10),
                ActionFailed(at=T0 + 11, action=JA.PROVIDE_ACCESS_CODE, code="NETWORK_ERROR",
                             message="down", retryable=True))
    assert (snap.journey_stage, snap.sequence_stage) == (JS.ROUTED, SS.PARTICIPATING)
    assert snap.context.participation == before.context.participation


# --- 4. refresh never reroutes; a reroute while participating says what happens -------------


def test_a_refresh_route_never_moves_a_queued_journey() -> None:
    before = _queued_in_general()
    snap = reduce(before, _probe(routed(VIP, priority=10), _vip_experience()))
    assert snap is before


def test_a_reroute_while_queued_says_the_entry_is_left_behind() -> None:
    before = _queued_in_general()
    snap = fold(before, act(JA.REQUEST_REROUTE, at=T0 + 10),
                route(routed(VIP, priority=10), _vip_experience(), at=T0 + 11))
    assert snap.context.sequence_id == VIP
    left = [e for e in snap.events if e.detail and e.detail.get("entry") == "kept_on_server_not_followed"]
    assert len(left) == 1 and left[0].kind is EventKind.REROUTE
    assert left[0].detail is not None
    assert left[0].detail["participation_id"] == dist_id("queue")
    assert left[0].detail["from_sequence_id"] == SEQUENCE_ID


# --- 5. an entry refused for want of sign-in -------------------------------------------------


@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release"])
def test_authentication_required_answer_asks_for_sign_in(kind: str) -> None:
    snap = snapshot_at(kind)
    assert snap.sequence_stage is SS.ACTIVE_ENTERABLE
    enter = snap.available_actions.sequence[0]
    snap = reduce(snap, ActionFailed(at=T0 + 5, action=enter, code="AUTHENTICATION_REQUIRED",
                                     message="Forbidden – User must be authenticated", status=403))
    assert snap.journey_stage is JS.NEEDS_AUTH
    assert [(r.type, r.required) for r in snap.requirements] == [(RequirementType.AUTHENTICATION, True)]
    assert snap.available_actions.journey == (JA.AUTHENTICATE,)
    assert any(e.kind is EventKind.REQUIREMENT for e in snap.events)


# --- 6. one mapping: resume equals live ------------------------------------------------------

_ENTER = {"queue": SA.ENTER_QUEUE, "draw": SA.ENTER_DRAW, "auction": SA.ENTER_AUCTION,
          "timed_release": SA.ENTER_TIMED_RELEASE}
_EXPIRED_LIVE = {"queue": ("DENIED", "ADMISSION_EXPIRED"), "draw": ("DENIED", "ADMISSION_EXPIRED"),
                 "timed_release": ("DENIED", "ADMISSION_EXPIRED")}


def _resumed(projection: wire.RoutedJourneyProjection) -> JourneySnapshot:
    return reduce(initial_snapshot(EXPERIENCE_ID), ResumedFromMe(at=T0 + 7, projection=projection))


@pytest.mark.parametrize("kind", ["queue", "draw", "timed_release"])
def test_resume_after_an_expired_grant_equals_live(kind: str) -> None:
    name, reason = _EXPIRED_LIVE[kind]
    live = snapshot_at(kind, state=consumer_state(kind, name, reason=reason))
    resumed = _resumed(me_projection("ended", kind, outcome="expired", consumer_status=name.lower()))
    assert live.sequence_stage is SS.ADMISSION_EXPIRED
    assert (resumed.sequence_stage, resumed.available_actions) == (live.sequence_stage, live.available_actions)
    assert _ENTER[kind] in resumed.available_actions.sequence


@pytest.mark.parametrize("kind", ["queue", "timed_release"])
def test_resume_after_leave_equals_live(kind: str) -> None:
    live = snapshot_at(kind, state="LEFT")
    resumed = _resumed(me_projection("ended", kind, outcome="left", consumer_status="left"))
    assert live.sequence_stage is SS.ACTIVE_ENTERABLE
    assert (resumed.sequence_stage, resumed.available_actions) == (live.sequence_stage, live.available_actions)


# --- 7. closing and opening noticed ----------------------------------------------------------


@pytest.mark.parametrize(("kind", "code"), [("draw", "DRAW_CLOSED"), ("queue", "QUEUE_CLOSED"),
                                            ("auction", "AUCTION_CLOSED"),
                                            ("timed_release", "TIMED_RELEASE_CLOSED")])
def test_a_closed_answer_to_an_entry_ends_the_journey(kind: str, code: str) -> None:
    snap = snapshot_at(kind)
    enter = snap.available_actions.sequence[0]
    snap = reduce(snap, ActionFailed(at=T0 + 5, action=enter, code=code, message="closed", status=400))
    assert snap.sequence_stage is SS.ENDED
    assert snap.context.outcome == "closed"
    assert snap.available_actions.sequence == ()


def test_a_poll_learns_that_an_enterable_distribution_closed() -> None:
    snap = snapshot_at("draw")
    closed = reduce(snap, _probe(routed(availability="closed"), experience(sequence("draw"))))
    assert (closed.journey_stage, closed.sequence_stage) == (JS.ROUTED, SS.ENDED)
    assert closed.context.outcome == "closed"


def test_a_distribution_that_closed_before_entry_ends_instead_of_no_sequence() -> None:
    """A refresh or poll answered ``no_access`` while the journey stands in a distribution
    (no entry): it closed; a route the consumer asked for still finds no sequence."""
    snap = snapshot_at("draw")
    closed = reduce(snap, _probe(no_access(), experience(sequence("draw"))))
    assert (closed.journey_stage, closed.sequence_stage) == (JS.ROUTED, SS.ENDED)
    assert closed.context.outcome == "closed"
    assert not any(e.message == "No sequence is available" for e in closed.events)
    again = reduce(closed, _probe(no_access(), experience(sequence("draw")), at=T0 + 55))
    assert again is closed  # a later poll or refresh tells nothing new
    queued = snapshot_at("draw", state="ENTERED")
    assert reduce(queued, _probe(no_access(), experience(sequence("draw")))) is queued
    asked = fold(snap, act(JA.REQUEST_REROUTE, at=T0 + 59),
                 route(no_access(), experience(sequence("draw")), at=T0 + 60))
    assert (asked.journey_stage, asked.sequence_stage) == (JS.ROUTING, SS.NONE)


def test_a_poll_learns_that_an_upcoming_distribution_opened() -> None:
    snap = snapshot_at("queue", availability="upcoming")
    opened = reduce(snap, _probe(routed(availability="open")))
    assert opened.sequence_stage is SS.ACTIVE_ENTERABLE


# --- 8. the server's reroute hint ------------------------------------------------------------


def test_order_limit_with_reroute_hint_stops_offering_the_entry() -> None:
    snap = snapshot_at("auction")
    snap = reduce(snap, ActionFailed(at=T0 + 5, action=SA.ENTER_AUCTION, code="DISTRIBUTION_ORDER_LIMIT",
                                     message="order limit", status=409, hint="reroute"))
    assert SA.ENTER_AUCTION not in snap.available_actions.sequence
    assert snap.sequence_stage is SS.ENDED and snap.context.outcome == "denied"  # the spec's word
    assert view_of(snap).sequence.outcome.type == "denied"  # type: ignore[union-attr]
    assert JA.REQUEST_REROUTE in snap.available_actions.journey
    # the reroute the hint asks for lands on the same distribution: it stays refused
    again = fold(snap, act(JA.REQUEST_REROUTE, at=T0 + 6),
                 route(routed(), experience(sequence("auction")), at=T0 + 7))
    assert again.sequence_stage is SS.ENDED


# --- 9. settling -----------------------------------------------------------------------------


def test_a_settling_draw_offers_no_leave_and_says_so() -> None:
    snap = snapshot_at("draw", state="ENTERED")
    assert SA.LEAVE_PARTICIPATION in snap.available_actions.sequence
    settling = reduce(snap, _probe(routed(availability="closed"), experience(sequence("draw"))))
    assert settling.sequence_stage is SS.PARTICIPATING
    assert settling.available_actions.sequence == ()
    assert any(e.detail and e.detail.get("situation") == "settling" for e in settling.events)
    assert settling.context.participation == snap.context.participation


# --- 10. gen C timed releases ----------------------------------------------------------------


def test_timed_release_entered_with_a_grant_is_admitted_with_the_token() -> None:
    state = wire.TimedReleaseConsumerState(status=wire.TimedReleaseStatus.ENTERED,
                                           admission_grant="tok-tr")
    snap = snapshot_at("timed_release", state=state)
    assert snap.sequence_stage is SS.ADMITTED
    assert snap.context.admittance_token == "tok-tr"
    assert snap.available_actions.sequence == (SA.COMPLETE_TIMED_RELEASE,)
    waiting = snapshot_at("timed_release", state="ENTERED")
    assert waiting.sequence_stage is SS.PARTICIPATING


# --- 11. unsupported mechanisms --------------------------------------------------------------


def test_an_appointment_projection_resumes_instead_of_failing() -> None:
    projection = wire.RoutedJourneyProjection(
        experience_id=EXPERIENCE_ID, sequence_id=SEQUENCE_ID,
        sequence=wire.SequenceProjection(
            phase=wire.SequencePhase.PARTICIPATING, mechanism=wire.DistributionType.APPOINTMENT,
            distribution=wire.DistributionProjection(
                type=wire.DistributionType.APPOINTMENT, id="appt-1", sequence_id=SEQUENCE_ID,
                lifecycle=wire.DistributionLifecycle.OPEN),
            consumer=wire.ConsumerProjection(status="booked", id="booking-1")),
    )
    snap = _resumed(projection)
    assert (snap.journey_stage, snap.sequence_stage) == (JS.ROUTED, SS.PARTICIPATING)
    assert snap.context.participation is not None
    assert snap.context.participation.type == "appointment"
    assert not any(e.detail and e.detail.get("code") == "INTERNAL_ERROR" for e in snap.events)


def test_an_answer_that_is_no_consumer_state_becomes_an_event() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    odd: Any = wire.SuccessResult(success=True)  # e.g. a port that answered the wrong body
    after = reduce(snap, status(odd, at=T0 + 9))
    assert after.events[-1].detail is not None
    assert after.events[-1].detail["code"] == "UNKNOWN_STATUS"
    assert (after.sequence_stage, after.context) == (snap.sequence_stage, snap.context)


def _gen_c_experience() -> wire.Experience:
    """A gen C experience: its sequence lists no timed releases (spec §4.3)."""
    return wire.Experience(id=EXPERIENCE_ID, name="Drop", time_zone="UTC", currency_code="USD",
                           sequences=(wire.Sequence(id=SEQUENCE_ID, name="Release", priority=1),))


def test_gen_c_timed_release_is_found_through_consumers_me() -> None:
    exp = _gen_c_experience()
    projection = me_projection("enterable", "timed_release", consumer_status="not_entered")
    snap = reduce(started(), RouteResolved(at=T0 + 1, result=routed(), experience=exp,
                                           projection=projection))
    distribution = snap.context.distribution
    assert distribution is not None
    assert (distribution.type, distribution.id) == (wire.DistributionType.TIMED_RELEASE,
                                                   dist_id("timed_release"))
    assert snap.available_actions.sequence == (SA.ENTER_TIMED_RELEASE,)
    # a later route (a poll, a refresh) without the projection keeps the located distribution
    again = reduce(snap, _probe(routed(), exp))
    assert again.context.distribution == distribution
    granted = wire.TimedReleaseConsumerState(status=wire.TimedReleaseStatus.ENTERED,
                                             admission_grant="tok-c")
    admitted = reduce(again, status(granted, kind="timed_release", at=T0 + 60))
    assert admitted.sequence_stage is SS.ADMITTED
    assert admitted.context.admittance_token == "tok-c"


def test_gen_c_experience_without_projection_has_no_distribution() -> None:
    snap = reduce(started(), route(routed(), _gen_c_experience(), at=T0 + 1))
    assert (snap.journey_stage, snap.sequence_stage) == (JS.ROUTED, SS.NONE)
    assert snap.context.distribution is None
