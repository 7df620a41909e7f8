"""The view table: every journey stage (spec §1.3) and every phase × mechanism cell (§1.4)
derived by ``view_of`` from a G1 snapshot, fields and exact action sets, written out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from fanfare_rx.journey.core import tables
from fanfare_rx.journey.core.view import display_of, view_of
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Offer,
    Participation,
    ParticipationType,
    Requirement,
    RequirementType,
    SequenceStage,
)
from fanfare_rx.models.view import (
    AdmissionGrant,
    Gate,
    JourneyView,
    Mechanism,
    Outcome,
    OutcomeType,
    ParticipatingDisplay,
    SequencePhase,
    SequenceView,
    WaitlistAttachmentStatus,
    WaitlistAttachmentView,
)

JS, SS, DS = JourneyStage, SequenceStage, DistributionStatus
P, M = SequencePhase, Mechanism
OPENS = 1_700_000_600_000
MECHANISMS = [M.QUEUE, M.DRAW, M.AUCTION, M.TIMED_RELEASE, M.APPOINTMENT]
OFFER = Offer(sequence_id="vip", name="VIP", priority=10, gates=(RequirementType.ACCESS_CODE,))


def snap(
    journey_stage: JourneyStage = JS.ROUTED,
    sequence_stage: SequenceStage = SS.NONE,
    *,
    mechanism: Mechanism | None = None,
    status: DistributionStatus = DS.OPEN,
    waitlist_id: str | None = None,
    requirements: tuple[Requirement, ...] = (),
    **context: Any,
) -> JourneySnapshot:
    distribution = None
    if mechanism is not None:
        distribution = DistributionSummary(
            type=wire.DistributionType(mechanism.value), id="dist-1", sequence_id="seq-1",
            status=status, opens_at=OPENS, waitlist_id=waitlist_id,
        )
    ctx = JourneyContext(experience_id="exp-1", sequence_id="seq-1", sequence_name="General",
                         distribution=distribution, **context)
    return JourneySnapshot(journey_stage=journey_stage, sequence_stage=sequence_stage,
                           context=ctx, requirements=requirements)


# --------------------------------------------------------------------------------------------
# Journey stages (§1.3)

ROUTED_ACTIONS = frozenset({"reroute", "retry", "submit_access_code"})
#: Routed with offers and nothing failed: no retry button (nothing to retry).
ROUTED_WITH_OFFERS = frozenset({"reroute", "submit_access_code"})

STAGE_CASES: list[tuple[str, JourneySnapshot, JourneyView]] = [
    ("not_started is ready", snap(JS.NOT_STARTED),
     JourneyView(journey_stage="ready", experience_id="exp-1", actions=frozenset({"start"}))),
    ("entering is routing", snap(JS.ENTERING),
     JourneyView(journey_stage="routing", experience_id="exp-1")),
    ("routing is routing", snap(JS.ROUTING),
     JourneyView(journey_stage="routing", experience_id="exp-1")),
    ("a failed start offers retry", snap(JS.ENTERING, last_error="NETWORK_ERROR"),
     JourneyView(journey_stage="routing", experience_id="exp-1", error="NETWORK_ERROR",
                 actions=frozenset({"retry"}))),
    ("an optional code is no gate: still routing",
     snap(JS.NEEDS_ACCESS_CODE, requirements=(Requirement(RequirementType.ACCESS_CODE, required=False,
                                                           reason="ACCESS_CODE_REQUIRED"),)),
     JourneyView(journey_stage="routing", experience_id="exp-1")),
    ("needs_auth is gated by authentication",
     snap(JS.NEEDS_AUTH, requirements=(Requirement(RequirementType.AUTHENTICATION, reason="AUTH_REQUIRED",
                                                    metadata={"status": "required"}),)),
     JourneyView(journey_stage="gated", experience_id="exp-1",
                 gates=(Gate(RequirementType.AUTHENTICATION, "required", "AUTH_REQUIRED"),),
                 actions=frozenset({"reroute", "retry"}))),
    ("a required invalid code is gated by access_code",
     snap(JS.NEEDS_ACCESS_CODE, requirements=(Requirement(RequirementType.ACCESS_CODE, reason="ACCESS_CODE_INVALID",
                                                           metadata={"status": "invalid"}),)),
     JourneyView(journey_stage="gated", experience_id="exp-1",
                 gates=(Gate(RequirementType.ACCESS_CODE, "invalid", "ACCESS_CODE_INVALID"),),
                 actions=frozenset({"reroute", "retry"}))),
    ("a pending bot check is gated by bot_check",
     snap(JS.ROUTING, requirements=(Requirement(RequirementType.BOT_CHECK, reason="BOT_REQUIRED", metadata={
         "status": "required", "challenge_id": "ch-1", "challenge_url": "https://c/ch-1"}),)),
     JourneyView(journey_stage="gated", experience_id="exp-1",
                 gates=(Gate(RequirementType.BOT_CHECK, "required", "BOT_REQUIRED", "ch-1", "https://c/ch-1"),),
                 actions=frozenset({"reroute", "retry"}))),
    ("routed carries sequence and offers",
     snap(JS.ROUTED, SS.ACTIVE_ENTERABLE, mechanism=M.QUEUE, offers=(OFFER,)),
     JourneyView(journey_stage="routed", experience_id="exp-1", offers=(OFFER,),
                 actions=ROUTED_WITH_OFFERS,
                 sequence=SequenceView(phase="enterable", mechanism="queue", sequence_id="seq-1",
                                       sequence_name="General", distribution_id="dist-1",
                                       actions=frozenset({"enter"})))),
    ("routed without offers and nothing failed offers reroute only",
     snap(JS.ROUTED, SS.ACTIVE_ENTERABLE, mechanism=M.QUEUE),
     JourneyView(journey_stage="routed", experience_id="exp-1", actions=frozenset({"reroute"}),
                 sequence=SequenceView(phase="enterable", mechanism="queue", sequence_id="seq-1",
                                       sequence_name="General", distribution_id="dist-1",
                                       actions=frozenset({"enter"})))),
    ("a failed refresh while routed offers retry",
     snap(JS.ROUTED, SS.ACTIVE_ENTERABLE, mechanism=M.QUEUE, last_error="SERVICE_UNAVAILABLE"),
     JourneyView(journey_stage="routed", experience_id="exp-1", error="SERVICE_UNAVAILABLE",
                 actions=frozenset({"reroute", "retry"}),
                 sequence=SequenceView(phase="enterable", mechanism="queue", sequence_id="seq-1",
                                       sequence_name="General", distribution_id="dist-1",
                                       actions=frozenset({"enter"})))),
    ("no_access is routed and unavailable",
     snap(JS.ROUTING, last_error="NO_SEQUENCE_AVAILABLE"),
     JourneyView(journey_stage="routed", experience_id="exp-1", error="NO_SEQUENCE_AVAILABLE",
                 sequence=SequenceView(phase="unavailable"), actions=ROUTED_ACTIONS)),
]


@pytest.mark.parametrize(("snapshot", "expected"), [c[1:] for c in STAGE_CASES],
                         ids=[c[0] for c in STAGE_CASES])
def test_journey_stage_fields_and_actions(snapshot: JourneySnapshot, expected: JourneyView) -> None:
    assert view_of(snapshot) == expected


# --------------------------------------------------------------------------------------------
# Phases × mechanisms (§1.4): the actions, by hand

ENTERABLE_ACTIONS = {M.QUEUE: {"enter"}, M.DRAW: {"enter"}, M.TIMED_RELEASE: {"enter"},
                     M.AUCTION: {"bid"}, M.APPOINTMENT: {"book"}}
PARTICIPATING_ACTIONS = {M.QUEUE: {"leave"}, M.DRAW: {"leave"}, M.TIMED_RELEASE: {"leave"},
                         M.AUCTION: {"bid"}, M.APPOINTMENT: {"cancel", "reschedule"}}
GRANTED_ACTIONS = {M.QUEUE: {"claim"}, M.DRAW: {"claim"}, M.AUCTION: {"claim"},
                   M.TIMED_RELEASE: {"claim", "complete"}}


def sequence_of(snapshot: JourneySnapshot) -> SequenceView:
    view = view_of(snapshot)
    assert view.journey_stage == "routed" and view.sequence is not None
    return view.sequence


def test_unavailable_without_a_distribution() -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.NONE))
    assert sequence == SequenceView(phase="unavailable", sequence_id="seq-1", sequence_name="General")
    assert sequence.actions == frozenset() and "enter" not in sequence


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_scheduled_without_waitlist(mechanism: Mechanism) -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.UPCOMING, mechanism=mechanism, status=DS.UPCOMING))
    assert (sequence.phase, sequence.mechanism, sequence.starts_at) == ("scheduled", mechanism, OPENS)
    assert sequence.waitlist is None and sequence.actions == frozenset()


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_scheduled_with_waitlist_not_joined_then_joined(mechanism: Mechanism) -> None:
    before = sequence_of(snap(JS.ROUTED, SS.UPCOMING, mechanism=mechanism, status=DS.UPCOMING,
                              waitlist_id="wl-1"))
    assert before.waitlist == WaitlistAttachmentView(
        waitlist_id="wl-1", status=WaitlistAttachmentStatus.NOT_WAITLISTED, actions=frozenset({"join"}))
    after = sequence_of(snap(JS.ROUTED, SS.WAITLIST_ENTERED, mechanism=mechanism, status=DS.UPCOMING,
                             waitlist_id="wl-1", waitlist_entered_at=OPENS - 5))
    assert after.phase == "scheduled" and after.actions == frozenset()
    assert after.waitlist == WaitlistAttachmentView(
        waitlist_id="wl-1", status="waitlisted", entered_at=OPENS - 5, actions=frozenset({"leave"}))


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_enterable(mechanism: Mechanism) -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.ACTIVE_ENTERABLE, mechanism=mechanism))
    assert (sequence.phase, sequence.mechanism) == ("enterable", mechanism)
    assert sequence.actions == ENTERABLE_ACTIONS[mechanism]
    assert (sequence.grant, sequence.outcome, sequence.waitlist) == (None, None, None)


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_participating(mechanism: Mechanism) -> None:
    snapshot = snap(JS.ROUTED, SS.PARTICIPATING, mechanism=mechanism, position=4,
                    estimated_wait_seconds=40.0, current_bid="120", highest_bid="125",
                    participation=Participation("dist-1", ParticipationType(mechanism.value), "QUEUED"))
    sequence = sequence_of(snapshot)
    assert (sequence.phase, sequence.mechanism) == ("participating", mechanism)
    assert sequence.actions == PARTICIPATING_ACTIONS[mechanism]
    assert "leave" not in sequence or mechanism is not M.APPOINTMENT  # never leave() an appointment
    assert display_of(snapshot) == ParticipatingDisplay(
        mechanism=mechanism, status="QUEUED", position=4, estimated_wait_seconds=40.0,
        current_bid="120", highest_bid="125")


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_settling_only_for_draw_and_auction(mechanism: Mechanism) -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.PARTICIPATING, mechanism=mechanism, status=DS.SETTLING))
    if mechanism in (M.DRAW, M.AUCTION):
        assert sequence.phase == "settling" and sequence.actions == frozenset()
    else:
        assert sequence.phase == "participating"
        assert sequence.actions == PARTICIPATING_ACTIONS[mechanism]


@pytest.mark.parametrize("mechanism", [M.QUEUE, M.DRAW, M.AUCTION, M.TIMED_RELEASE])
@pytest.mark.parametrize("claimed", [False, True])
def test_granted(mechanism: Mechanism, claimed: bool) -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.ADMITTED, mechanism=mechanism, admittance_token="tok-1",
                                admittance_expires_at=OPENS + 60_000, checkout_started=claimed))
    expected = GRANTED_ACTIONS[mechanism] - ({"claim"} if claimed else set())
    assert sequence.phase == "granted" and sequence.actions == expected  # claimed: no claim again
    assert sequence.grant == AdmissionGrant(
        token="tok-1", distribution_type=mechanism, distribution_id="dist-1", sequence_id="seq-1",
        experience_id="exp-1", expires_at=OPENS + 60_000)
    assert sequence.checkout_started is claimed
    assert "tok-1" not in repr(sequence)


def test_appointments_never_granted() -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.ADMITTED, mechanism=M.APPOINTMENT, admittance_token="t"))
    assert sequence.phase == "participating" and sequence.grant is None
    assert sequence.actions == {"cancel", "reschedule"}


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("outcome", list(OutcomeType))
def test_ended_with_each_outcome(mechanism: Mechanism, outcome: OutcomeType) -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.ENDED, mechanism=mechanism, outcome=outcome.value))
    assert (sequence.phase, sequence.actions) == ("ended", frozenset())
    assert sequence.outcome == Outcome(type=outcome, distribution_id="dist-1")


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_ended_without_outcome_is_closed(mechanism: Mechanism) -> None:
    sequence = sequence_of(snap(JS.ROUTED, SS.ENDED, mechanism=mechanism, status=DS.CLOSED))
    assert sequence.outcome == Outcome(type="closed", distribution_id="dist-1")


#: A lapsed grant may be entered again while the distribution is open (an auction: a new bid).
REENTER_ACTIONS = {M.QUEUE: {"reenter"}, M.DRAW: {"reenter"}, M.TIMED_RELEASE: {"reenter"},
                   M.AUCTION: {"bid"}}


@pytest.mark.parametrize("mechanism", [M.QUEUE, M.DRAW, M.AUCTION, M.TIMED_RELEASE])
@pytest.mark.parametrize("status", [DS.OPEN, DS.CLOSED])
def test_unclaimed_grant_lapses_to_ended_expired(mechanism: Mechanism,
                                                 status: DistributionStatus) -> None:
    snapshot = snap(JS.ROUTED, SS.ADMISSION_EXPIRED, mechanism=mechanism, outcome="expired",
                    status=status)
    sequence = sequence_of(snapshot)
    assert snapshot.sequence_stage == "admission_expired"  # the G1 reading
    expected = REENTER_ACTIONS[mechanism] if status is DS.OPEN else set()
    assert (sequence.phase, sequence.actions, sequence.grant) == ("ended", expected, None)
    assert sequence.outcome == Outcome(type="expired", distribution_id="dist-1")
    # The G1 reading offers the same re-entry, through the same row of the one table.
    g1 = {a.value for a in tables.available_actions(
        snapshot.journey_stage, snapshot.sequence_stage, (), snapshot.context).sequence}
    assert bool(g1) is bool(expected)


@pytest.mark.parametrize("status", [DS.SETTLING, DS.CLOSED])
@pytest.mark.parametrize("mechanism", [M.DRAW, M.AUCTION])
def test_a_closed_draw_not_yet_drawn_is_settling_in_both_models(mechanism: Mechanism,
                                                                 status: DistributionStatus) -> None:
    snapshot = snap(JS.ROUTED, SS.PARTICIPATING, mechanism=mechanism, status=status)
    sequence = sequence_of(snapshot)
    assert (sequence.phase, sequence.actions) == ("settling", frozenset())
    assert tables.available_actions(snapshot.journey_stage, snapshot.sequence_stage, (),
                                    snapshot.context).sequence == ()


def test_display_only_while_participating() -> None:
    assert display_of(snap(JS.ROUTED, SS.ACTIVE_ENTERABLE, mechanism=M.QUEUE)) is None
    assert display_of(snap(JS.NOT_STARTED)) is None


def test_a_position_change_leaves_the_view_equal() -> None:
    a = snap(JS.ROUTED, SS.PARTICIPATING, mechanism=M.QUEUE, position=5)
    b = snap(JS.ROUTED, SS.PARTICIPATING, mechanism=M.QUEUE, position=4)
    assert view_of(a) == view_of(b) and hash(view_of(a)) == hash(view_of(b))
    assert display_of(a) != display_of(b)
