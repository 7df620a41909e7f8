"""The one table of what a shopper may do (journey/core/rules.py): G1 ``available_actions``, the
view's actions and request validation read the same rows, and the six places where the old
copies disagreed now agree (a settling draw, a lapsed grant, a guest on a members-only
distribution, dead buttons, an order-limit refusal, an upgrade while holding an entry)."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from factories import (
    EXPERIENCE_ID,
    T0,
    act,
    consumer_state,
    experience,
    fold,
    granted_state,
    members_only,
    route,
    routed,
    sequence,
    snapshot_at,
    started,
    status,
)

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core import rules, tables
from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.messages import RouteResolved, Tick
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.models import wire
from fanfare_rx.models.actions import (
    Bid,
    Book,
    Cancel,
    Claim,
    Complete,
    Enter,
    JoinWaitlist,
    Leave,
    LeaveWaitlist,
    Reschedule,
)
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

M = wire.DistributionType
SS = SequenceStage
DS = DistributionStatus


def facts(snapshot: JourneySnapshot) -> rules.Facts:
    return rules.facts_of(snapshot.journey_stage, snapshot.sequence_stage, snapshot.requirements,
                          snapshot.context)


def routed_at(mechanism: M, stage: SequenceStage, status: DS = DS.OPEN, **context: object
              ) -> JourneySnapshot:
    distribution = DistributionSummary(type=mechanism, id="d-1", sequence_id="seq-1", status=status,
                                       waitlist_id="wl-1")
    ctx = JourneyContext(experience_id=EXPERIENCE_ID, sequence_id="seq-1", distribution=distribution,
                         **context)  # type: ignore[arg-type]
    return JourneySnapshot(journey_stage=JourneyStage.ROUTED, sequence_stage=stage, context=ctx)


ALL_STATES = [
    routed_at(mechanism, stage, status, **extra)  # type: ignore[arg-type]
    for mechanism in M
    for stage in SS
    for status in DS
    for extra in ({}, {"checkout_started": True})
]


@pytest.mark.parametrize("snapshot", ALL_STATES)
def test_g1_and_view_actions_are_the_same_rows(snapshot: JourneySnapshot) -> None:
    allowed = rules.allowed(facts(snapshot))
    g1 = tables.available_actions(snapshot.journey_stage, snapshot.sequence_stage, (),
                                  snapshot.context).sequence
    assert set(g1) == {SequenceAction(r.g1) for r in allowed if r.g1 in set(SequenceAction)}
    view = view_of(snapshot).sequence
    assert view is not None
    waitlist = view.waitlist.actions if view.waitlist is not None else frozenset()
    assert view.actions | {f"waitlist.{a}" for a in waitlist} == {
        f"waitlist.{r.g3}" if r.waitlist else r.g3 for r in allowed}


def test_every_row_maps_one_g1_name_to_one_view_name_per_stage_and_mechanism() -> None:
    seen: dict[tuple[SequenceStage, M, str], str] = {}
    for rule in rules.rules():
        for stage in rule.stages:
            for mechanism in rule.mechanisms:
                key = (stage, mechanism, rule.g1)
                assert seen.setdefault(key, rule.g3) == rule.g3, key


def test_settling_is_one_definition_for_the_view_the_g1_table_and_the_journal() -> None:
    closed_draw = routed_at(M.DRAW, SS.PARTICIPATING, DS.CLOSED)  # closed, not drawn yet
    assert rules.is_settling(closed_draw.context) and tables.is_settling is rules.is_settling
    assert view_of(closed_draw).sequence.phase == "settling"  # type: ignore[union-attr]
    assert view_of(closed_draw).sequence.actions == frozenset()  # type: ignore[union-attr]
    assert SequenceAction.LEAVE_PARTICIPATION not in tables.available_actions(
        closed_draw.journey_stage, closed_draw.sequence_stage, (), closed_draw.context).sequence


@pytest.mark.parametrize(("value", "stage", "mechanism", "g1"), [
    (Enter(), SS.ACTIVE_ENTERABLE, M.QUEUE, "enter_queue"),
    (Enter(), SS.ADMISSION_EXPIRED, M.DRAW, "enter_draw"),
    (Bid("100"), SS.ACTIVE_ENTERABLE, M.AUCTION, "enter_auction"),
    (Bid("100"), SS.PARTICIPATING, M.AUCTION, "place_bid"),
    (Book("slot-1"), SS.ACTIVE_ENTERABLE, M.APPOINTMENT, "book_appointment"),
    (Cancel(), SS.PARTICIPATING, M.APPOINTMENT, "cancel_appointment"),
    (Reschedule("slot-2", "loc-1"), SS.PARTICIPATING, M.APPOINTMENT, "reschedule_appointment"),
    (Leave(), SS.PARTICIPATING, M.TIMED_RELEASE, "leave_participation"),
    (Complete(), SS.ADMITTED, M.TIMED_RELEASE, "complete_timed_release"),
    (Claim(), SS.ADMITTED, M.QUEUE, "claim"),
    (JoinWaitlist(), SS.UPCOMING, M.DRAW, "enter_waitlist"),
    (LeaveWaitlist(), SS.WAITLIST_ENTERED, M.DRAW, "leave_waitlist"),
])
def test_a_typed_action_finds_its_g1_name_through_the_table(
        value: object, stage: SequenceStage, mechanism: M, g1: str) -> None:
    rule = rules.rule_for_value(facts(routed_at(mechanism, stage)), value)  # type: ignore[arg-type]
    assert rule is not None and rule.g1 == g1


def test_typed_values_refuse_bad_arguments_where_given() -> None:
    for bad in ("", "abc", "-5", "0", "NaN", None, 1.5, True, "1.123456789", "1" * 13):
        with pytest.raises(UsageError) as refused:
            Bid(bad)  # type: ignore[arg-type]
        assert refused.value.code == "INVALID_BID_AMOUNT"
    with pytest.raises(UsageError):
        Book("")
    with pytest.raises(UsageError):
        Reschedule("slot-1", "")
    assert Bid("100.00").amount == Bid(100).amount


# --- defect 1: a closed draw not yet drawn --------------------------------------------------


def test_a_draw_closed_before_its_results_offers_nothing_in_either_model() -> None:
    entered = snapshot_at("draw", state="ENTERED")
    assert entered.available_actions.sequence == (SequenceAction.LEAVE_PARTICIPATION,)
    closed = reduce(entered, RouteResolved(at=T0 + 3, result=routed(availability="closed"),
                                           experience=experience(sequence("draw")), follow=False))
    assert closed.sequence_stage is SS.PARTICIPATING
    assert closed.available_actions.sequence == ()
    view = view_of(closed).sequence
    assert view is not None and (view.phase, view.actions) == ("settling", frozenset())


# --- defect 2: an unclaimed grant lapses ----------------------------------------------------


def test_a_lapsed_grant_offers_reentry_in_both_models_and_reports_journey_ended() -> None:
    snap = reduce(snapshot_at("queue"), status(granted_state("queue", expires_at=T0 + 10_000),
                                               at=T0 + 3))
    lapsed = reduce(snap, Tick(at=T0 + 10_000))
    assert lapsed.sequence_stage is SS.ADMISSION_EXPIRED
    assert lapsed.available_actions.sequence == (SequenceAction.ENTER_QUEUE,)
    view = view_of(lapsed).sequence
    assert view is not None and view.phase == "ended" and view.actions == {"reenter"}
    assert view.outcome is not None and view.outcome.type == "expired"
    analytics = [e for e in lapsed.events if e.audience is EventAudience.ANALYTICS]
    assert analytics[-1].message == "journey_ended" and analytics[-1].detail == {"outcome": "expired"}


# --- defect 3: a guest on a distribution that takes no guests --------------------------------


@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release"])
def test_a_guest_routed_to_a_members_only_distribution_is_asked_to_sign_in_first(kind: str) -> None:
    exp = members_only(kind)
    snap = fold(started(), RouteResolved(at=T0 + 1, result=routed(), experience=exp, guest=True))
    assert snap.journey_stage is JourneyStage.NEEDS_AUTH
    assert [(r.type, r.required) for r in snap.requirements] == [(RequirementType.AUTHENTICATION, True)]
    assert snap.available_actions.sequence == ()
    assert snap.available_actions.journey == (JourneyAction.AUTHENTICATE,)
    view = view_of(snap)
    assert view.journey_stage == "gated" and [g.type for g in view.gates] == ["authentication"]
    # Signed in: the route finds no guest any more and the entry is offered.
    signed_in = fold(snap, act(JourneyAction.AUTHENTICATE, at=T0 + 2),
                     RouteResolved(at=T0 + 3, result=routed(), experience=exp, guest=False))
    assert signed_in.journey_stage is JourneyStage.ROUTED
    assert signed_in.sequence_stage is SS.ACTIVE_ENTERABLE and signed_in.available_actions.sequence


def test_a_guest_on_a_distribution_that_takes_guests_is_routed() -> None:
    snap = fold(started(), RouteResolved(at=T0 + 1, result=routed(), experience=experience(),
                                         guest=True))
    assert snap.journey_stage is JourneyStage.ROUTED and snap.available_actions.sequence


# --- defect 4: dead buttons -----------------------------------------------------------------


def test_no_dead_buttons_in_the_view() -> None:
    routed_queue = snapshot_at("queue")
    assert view_of(routed_queue).actions == {"reroute"}  # no retry, no submit_access_code
    granted = reduce(routed_queue, status(granted_state("queue"), at=T0 + 3))
    assert "claim" in view_of(granted).sequence  # type: ignore[operator]
    claimed = attrs.evolve(granted, context=attrs.evolve(granted.context, checkout_started=True))
    assert "claim" not in view_of(claimed).sequence  # type: ignore[operator]


# --- defect 6: an upgrade while holding an entry ---------------------------------------------


def test_an_upgrade_while_holding_an_entry_says_sequence_changed_as_info() -> None:
    exp = experience(sequence("queue"), sequence("queue", "seq-2", priority=10))
    snap = fold(started(), route(routed(), exp, at=T0 + 1),
                status(consumer_state("queue", "QUEUED"), at=T0 + 2))
    assert snap.sequence_stage is SS.PARTICIPATING
    snap = fold(snap, act(JourneyAction.REQUEST_REROUTE, at=T0 + 3),
                route(routed("seq-2", priority=10), exp, at=T0 + 4))
    (event,) = [e for e in snap.events if e.kind is EventKind.REROUTE]
    assert (event.severity, event.message) == (EventSeverity.INFO, "Sequence changed")
    assert event.detail is not None and event.detail["direction"] == "upgrade"
    assert event.detail["entry"] == "kept_on_server_not_followed"  # the entry's fate, in detail


# --- one word per concept ---------------------------------------------------------------------


def test_one_enum_per_concept() -> None:
    from fanfare_rx.models import journey, view

    assert view.SequencePhase is wire.SequencePhase  # the view's phase is the projection's
    assert view.OutcomeType is wire.OutcomeType
    assert view.Mechanism is wire.DistributionType
    assert journey.RequirementType is wire.GateType  # a requirement is what a gate asks for
    # A participation is in a mechanism's distribution or in the waitlist attached to one.
    assert {t.value for t in journey.ParticipationType} == {m.value for m in M} | {"waitlist"}


def test_a_standing_never_shows_its_grant() -> None:
    from fanfare_rx.mechanisms import QUEUE

    standing = QUEUE.standing(granted_state("queue", grant="grant-secret-1"))
    assert standing.grant == "grant-secret-1" and standing.status == "GRANTED"
    assert "grant-secret-1" not in repr(standing)


def test_the_docs_show_the_table_as_the_registry_declares_it() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "mechanisms.md"
    assert rules.table_markdown() in page.read_text(encoding="utf-8")


def test_a_bid_is_folded_as_requested_before_the_server_answers() -> None:
    from fanfare_rx.errors import ValidationError as ServerValidationError
    from fanfare_rx.testing import JourneyHarness
    from fanfare_rx.testing import builders as b

    h = JourneyHarness(b.experience("auction"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.auction_state("NOT_BID"))
    h.server.on_enter("-e|", e=b.auction_state("BIDDING"))
    too_low = ServerValidationError("Bid too low", status=400, code="BID_TOO_LOW")
    h.server.on_bid("-w|", "-#", "----w|", w=b.auction_winning("100.00"), error=too_low)
    h.act("s-------e----l----p", s="start", e=lambda j: j.request(Bid("100")),
          l=lambda j: j.request("place_bid", "101"), p=lambda j: j.request(Bid("150")))
    h.advance(17)
    assert h.journey.state.get().context.last_error == "BID_TOO_LOW"  # the refused bid
    h.advance(2)  # the next bid is requested: folded at once, the server has not answered
    assert h.journey.state.get().context.last_error is None
    assert h.server.calls_to("place_bid")[-1].args[1] == Decimal(150)
    h.advance(10)
    assert h.journey.sequence_stage.get() == "participating"


def test_the_index_by_mechanism_and_stage_finds_exactly_the_rows_that_hold() -> None:
    """``allowed`` reads ``registry.rules_in`` (the table indexed by mechanism and stage); for
    every journey stage, sequence stage, mechanism (and none) and each boolean fact, it finds
    the rows the whole table finds, in the table's order."""
    from itertools import product

    from fanfare_rx.mechanisms import registry
    from fanfare_rx.mechanisms.base import Facts

    checked = 0
    for journey_stage, stage, mechanism, flags in product(
            JourneyStage, SequenceStage, (*wire.DistributionType, None),
            product((False, True), repeat=4)):
        settling, open_, waitlist, claimed = flags
        facts = Facts(journey_stage=journey_stage, sequence_stage=stage, mechanism=mechanism,
                      settling=settling, open=open_, has_waitlist=waitlist, claimed=claimed,
                      failed=False, offers=False, no_sequence=mechanism is None, requirements=())
        whole = tuple(row for row in registry.rules() if row.holds(facts))
        assert rules.allowed(facts) == whole, facts
        checked += bool(whole)
    assert checked > 50  # the table offers something in many of these states
