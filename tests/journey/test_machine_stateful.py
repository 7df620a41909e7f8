"""Hypothesis state machine over the pure reducer: random message sequences (actions with
random arguments, route results of every outcome, consumer states for the current or another
distribution, ticks, acks, waitlist changes, resumes) never raise, and the snapshot's
invariants hold after every step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import reactivex
from factories import (
    EXPERIENCE_ID,
    STATUSES,
    T0,
    access_code_gate,
    auth_gate,
    bot_check_gate,
    consumer_state,
    dist_id,
    experience,
    gated,
    me_projection,
    no_access,
    offer,
    routed,
    sequence,
    waitlist_id,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from reactivex import Observable

from fanfare_rx.journey.core import rules, tables
from fanfare_rx.journey.core.machine import MAX_EVENTS, initial_snapshot, is_available, reduce
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ActionRequested,
    AdmissionMarked,
    AllEventsAcked,
    ConsumerState,
    EventAcked,
    ExperienceLoaded,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    RouteResolved,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.journey.effect_context import CallbackLink, EffectContext
from fanfare_rx.journey.effects import effect_for
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
    ShopperAction,
)
from fanfare_rx.models.journey import (
    DistributionSummary,
    JourneyAction,
    JourneySnapshot,
    JourneyStage,
    SequenceAction,
    SequenceStage,
)
from fanfare_rx.testing import builders as b

#: Four sequences, one per distribution type; two have waitlists, one opens later.
SEQUENCES = {
    "seq-1": ("queue", 1.0),
    "seq-2": ("draw", 5.0),
    "seq-3": ("auction", 10.0),
    "seq-4": ("timed_release", 0.5),
}
EXPERIENCE = experience(
    sequence("queue", "seq-1", priority=1, waitlist=True),
    sequence("draw", "seq-2", priority=5, waitlist=True, opens_at=T0 + 600_000),
    sequence("auction", "seq-3", priority=10),
    sequence("timed_release", "seq-4", priority=0.5, closes_at=T0 + 900_000),
)
ENTER = {SequenceAction.ENTER_QUEUE: "queue", SequenceAction.ENTER_DRAW: "draw",
         SequenceAction.ENTER_AUCTION: "auction", SequenceAction.ENTER_TIMED_RELEASE: "timed_release"}

gates = st.lists(
    st.sampled_from([auth_gate(), access_code_gate(), access_code_gate(invalid=True), bot_check_gate()]),
    min_size=1, max_size=3,
)
offers = st.lists(
    st.sampled_from([offer("vip", access_code_gate()), offer("vip", auth_gate()),
                     offer("vip", access_code_gate(invalid=True)),
                     offer("vip2", access_code_gate(), bot_check_gate())]),
    max_size=2,
)
route_results: st.SearchStrategy[wire.RouteResult] = st.one_of(
    st.builds(lambda seq, availability, offered: routed(seq, availability=availability,
                                                        priority=SEQUENCES[seq][1], offers=offered),
              st.sampled_from(sorted(SEQUENCES)),
              st.sampled_from([None, "open", "upcoming", "waitlist", "closed"]), offers),
    st.builds(lambda gs, seq: gated(*gs, sequence_id=seq), gates, st.sampled_from(sorted(SEQUENCES))),
    st.just(no_access()),
)
kinds = st.sampled_from(["queue", "draw", "auction", "timed_release"])
projections = st.one_of(
    st.builds(lambda kind: me_projection("unavailable", kind), kinds),
    st.builds(lambda kind: me_projection("scheduled", kind, lifecycle="scheduled"), kinds),
    st.builds(lambda kind: me_projection("enterable", kind, consumer_status="not_entered"), kinds),
    st.builds(lambda kind: me_projection("participating", kind), kinds),
    st.builds(lambda kind: me_projection("settling", kind, lifecycle="settling"),
              st.sampled_from(["draw", "auction"])),
    st.builds(lambda kind, exp: me_projection("granted", kind, grant="tok", grant_expires_at=exp,
                                              consumer_status="granted"),
              kinds, st.one_of(st.none(), st.integers(T0 - 60_000, T0 + 3_600_000))),
    st.builds(lambda kind, out, grant: me_projection("ended", kind, outcome=out, grant=grant),
              kinds, st.sampled_from([o.value for o in wire.OutcomeType]),
              st.one_of(st.none(), st.just("stale"))),
    st.builds(lambda gs: wire.GatedJourneyProjection(experience_id=EXPERIENCE_ID, gates=tuple(gs)), gates),
)


class AcceptingServer:
    """A scripted server that accepts whatever it is asked, answering each call at once with
    a plausible body: an offered action must then complete without a local refusal."""

    def __init__(self, snapshot: JourneySnapshot) -> None:
        self.snapshot = snapshot

    def _kind(self, distribution: DistributionSummary) -> str:
        return distribution.type.value

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        return reactivex.just(EXPERIENCE)

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        sequence_id = self.snapshot.context.sequence_id or "seq-1"
        return reactivex.just(routed(sequence_id if sequence_id in SEQUENCES else "seq-1"))

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return reactivex.just(consumer_state(self._kind(distribution), STATUSES[self._kind(distribution)][0]))

    def enter(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        entered = {"queue": "QUEUED", "draw": "ENTERED", "auction": "BIDDING",
                   "timed_release": "ENTERED"}
        return reactivex.just(consumer_state(self._kind(distribution), entered[self._kind(distribution)]))

    def leave(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        kind = self._kind(distribution)
        return reactivex.just(consumer_state(kind, "LEFT" if "LEFT" in STATUSES[kind] else STATUSES[kind][0]))

    def complete(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return reactivex.just(consumer_state(self._kind(distribution), "COMPLETED"))

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[ConsumerState]:
        return reactivex.just(consumer_state("auction", "WINNING", bid=str(amount)))

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return reactivex.just(b.waitlist_status(True, waitlist_id=waitlist_id))

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return reactivex.just(b.waitlist_status(False, waitlist_id=waitlist_id))

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        return reactivex.just(True)

    def book_appointment(self, appointment_id: str, slot_id: str,
                         location_id: str | None) -> Observable[ConsumerState]:
        return reactivex.just(b.appointment_state("BOOKED", slot_id))

    def cancel_appointment(self, appointment_id: str, slot_id: str,
                           reason: str | None) -> Observable[ConsumerState]:
        return reactivex.just(b.appointment_state("CANCELLED", slot_id))

    def reschedule_appointment(self, appointment_id: str, new_slot_id: str,
                               new_location_id: str | None) -> Observable[ConsumerState]:
        return reactivex.just(b.appointment_state("BOOKED", new_slot_id))


#: A value for each typed action the table may offer.
VALUES: dict[type, ShopperAction] = {
    Enter: Enter(), Bid: Bid("125.00"), Book: Book("slot-1"), Reschedule: Reschedule("slot-2"),
    Cancel: Cancel(), Leave: Leave(), Complete: Complete(), Claim: Claim(),
    JoinWaitlist: JoinWaitlist(), LeaveWaitlist: LeaveWaitlist(),
}


def _strip(snapshot: JourneySnapshot) -> JourneySnapshot:
    return attrs.evolve(snapshot, revision=0, updated_at=0)


class JourneyMachine(RuleBasedStateMachine):
    """Folds random messages through ``reduce`` and checks the snapshot after each one."""

    def __init__(self) -> None:
        super().__init__()
        self.snap = initial_snapshot(EXPERIENCE_ID)
        self.now = T0
        self.steps = 0

    def apply(self, message: Message) -> None:
        before = self.snap
        after = reduce(before, message)  # must never raise
        if after is before:
            assert after.revision == before.revision
        else:
            assert after.revision == before.revision + 1
            assert _strip(after) != _strip(before), f"revision bumped without a change: {message!r}"
            assert after.updated_at == max(before.updated_at, message.at)
        assert (after is before) == (_strip(after) == _strip(before))
        self.snap = after

    def at(self, delta: int) -> int:
        self.now += delta
        return self.now

    # ---------------------------------------------------------------------------------------
    # Rules

    @rule(action=st.sampled_from([*JourneyAction, *SequenceAction]),
          arg=st.one_of(st.none(), st.sampled_from(["VIP", "", "12.50", "x" * 40])),
          reset=st.booleans(), delta=st.integers(0, 5_000))
    def request(self, action: JourneyAction | SequenceAction, arg: str | None, reset: bool,
                delta: int) -> None:
        self.apply(ActionRequested(at=self.at(delta), action=action, arg=arg, reset=reset))

    @rule(action=st.sampled_from([JourneyAction.START, JourneyAction.REQUEST_REROUTE,
                                  JourneyAction.SKIP_ACCESS_CODE, JourneyAction.AUTHENTICATE,
                                  JourneyAction.PROVIDE_ACCESS_CODE, JourneyAction.RETRY,
                                  JourneyAction.COMPLETE_BOT_CHECK]))
    def available_journey_action(self, action: JourneyAction) -> None:
        """Biases towards actions that apply, so the journey moves."""
        if action in self.snap.available_actions.journey:
            self.apply(ActionRequested(at=self.at(1), action=action, arg="VIP"))

    @rule(index=st.integers(0, 7))
    def available_sequence_action(self, index: int) -> None:
        available = self.snap.available_actions.sequence
        if available:
            self.apply(ActionRequested(at=self.at(1), action=available[index % len(available)]))

    @rule(result=route_results, delta=st.integers(0, 5_000))
    def route(self, result: wire.RouteResult, delta: int) -> None:
        self.apply(RouteResolved(at=self.at(delta), result=result, experience=EXPERIENCE))

    @rule(result=route_results, delta=st.integers(0, 5_000))
    def probe_route(self, result: wire.RouteResult, delta: int) -> None:
        """A refresh's or a poll's route never moves the journey nor drops an entry."""
        before = self.snap
        self.apply(RouteResolved(at=self.at(delta), result=result, experience=EXPERIENCE,
                                 follow=False))
        after = self.snap
        assert after.context.sequence_id == before.context.sequence_id
        assert after.journey_stage is before.journey_stage
        if before.sequence_stage in (SequenceStage.PARTICIPATING, SequenceStage.ADMITTED):
            assert after.context.participation == before.context.participation

    @rule(kind=kinds, data=st.data(), current=st.booleans(), delta=st.integers(0, 60_000),
          expires=st.one_of(st.none(), st.integers(-60_000, 600_000)),
          grant=st.one_of(st.none(), st.just("tok")),
          reason=st.sampled_from(["ADMISSION_EXPIRED", "NOT_SELECTED", "BLOCKED"]))
    def status(self, kind: str, data: st.DataObject, current: bool, delta: int, expires: int | None,
               grant: str | None, reason: str) -> None:
        distribution = self.snap.context.distribution
        if current and distribution is not None:
            target = distribution.id
            if distribution.type.value in STATUSES:
                kind = distribution.type.value
        else:
            target = data.draw(st.sampled_from([dist_id(k, s) for s, (k, _) in SEQUENCES.items()]
                                               + ["elsewhere"]))
        name = data.draw(st.sampled_from(STATUSES[kind]))
        at = self.at(delta)
        state = consumer_state(kind, name, grant=grant, reason=reason,
                               expires_at=None if expires is None else at + expires)
        self.apply(StatusReceived(at=at, distribution_id=target, state=state))

    @rule(delta=st.integers(0, 900_000))
    def tick(self, delta: int) -> None:
        self.apply(Tick(at=self.at(delta)))

    @rule(delta=st.integers(0, 5_000), token=st.sampled_from(["app-1", "app-2"]),
          expires=st.one_of(st.none(), st.integers(-1_000, 600_000)))
    def mark_admitted(self, delta: int, token: str, expires: int | None) -> None:
        at = self.at(delta)
        self.apply(AdmissionMarked(at=at, token=token, expires_at=None if expires is None else at + expires))

    @rule(entered=st.booleans(), seq=st.sampled_from(sorted(SEQUENCES) + ["nowhere"]),
          delta=st.integers(0, 5_000))
    def waitlist(self, entered: bool, seq: str, delta: int) -> None:
        self.apply(WaitlistChanged(at=self.at(delta), waitlist_id=waitlist_id(seq), entered=entered))

    @rule(index=st.integers(0, MAX_EVENTS + 5), known=st.booleans())
    def ack(self, index: int, known: bool) -> None:
        events = self.snap.events
        event_id = events[index % len(events)].id if known and events else f"evt-{index}-0"
        self.apply(EventAcked(at=self.at(1), event_id=event_id))

    @rule()
    def ack_all(self) -> None:
        self.apply(AllEventsAcked(at=self.at(1)))

    @rule(code=st.sampled_from(["NETWORK_ERROR", "NOT_OPEN_YET", "QUEUE_FULL", "RATE_LIMITED",
                                "AUTHENTICATION_REQUIRED", "DRAW_CLOSED", "QUEUE_CLOSED",
                                "DISTRIBUTION_ORDER_LIMIT"]),
          action=st.sampled_from([*JourneyAction, *SequenceAction, "poll"]),
          hint=st.sampled_from([None, "reroute", "other"]))
    def failure(self, code: str, action: JourneyAction | SequenceAction | str, hint: str | None) -> None:
        before = self.snap
        self.apply(ActionFailed(at=self.at(1), action=action, code=code, message=code, hint=hint))
        if before.sequence_stage in (SequenceStage.PARTICIPATING, SequenceStage.ADMITTED):
            # a failure never drops an entry the server holds
            assert self.snap.context.participation == before.context.participation

    @rule()
    def experience_loaded(self) -> None:
        self.apply(ExperienceLoaded(at=self.at(1), experience=EXPERIENCE))

    @rule(projection=projections, on_waitlist=st.booleans())
    def resume_from_me(self, projection: wire.JourneyProjection, on_waitlist: bool) -> None:
        waitlists = (
            (wire.WaitlistProjection(waitlist_id="wl-seq-1", sequence_id="seq-1",
                                     experience_id=EXPERIENCE_ID),) if on_waitlist else ()
        )
        self.apply(ResumedFromMe(at=self.at(1), projection=projection, waitlists=waitlists))

    @rule(seq=st.sampled_from(sorted(SEQUENCES) + ["missing"]), on_waitlist=st.booleans(),
          delta=st.integers(0, 900_000))
    def resume_from_server(self, seq: str, on_waitlist: bool, delta: int) -> None:
        at = self.at(delta)
        self.apply(ResumedFromServer(at=at, experience=EXPERIENCE, sequence_id=seq,
                                     waitlist_id=waitlist_id(seq) if on_waitlist else None,
                                     waitlist_entered_at=at - 1 if on_waitlist else None))

    # ---------------------------------------------------------------------------------------
    # Invariants

    @invariant()
    def actions_come_from_the_table(self) -> None:
        s = self.snap
        assert s.available_actions == tables.available_actions(
            s.journey_stage, s.sequence_stage, s.requirements, s.context)

    @invariant()
    def g1_and_view_actions_correspond_through_the_one_table(self) -> None:
        """Every G1 sequence action has its view action and back, row by row."""
        s = self.snap
        allowed = rules.allowed(rules.facts_of(s.journey_stage, s.sequence_stage, s.requirements,
                                               s.context))
        view = view_of(s)
        sequence = view.sequence
        shown = set(sequence.actions) if sequence is not None else set()
        waitlist = sequence.waitlist.actions if sequence is not None and sequence.waitlist else set()
        assert shown == {r.g3 for r in allowed if not r.waitlist}
        assert set(waitlist) == {r.g3 for r in allowed if r.waitlist}
        g1 = {a.value for a in s.available_actions.sequence}
        assert g1 == {r.g1 for r in allowed} & {a.value for a in SequenceAction}
        for rule_ in allowed:  # each offered button is a request the journey accepts
            assert is_available(s, rule_.g1), rule_

    @invariant()
    def journey_actions_correspond_too(self) -> None:
        s = self.snap
        view = view_of(s)
        g1 = s.available_actions.journey
        assert ("start" in view.actions) == (JourneyAction.START in g1)
        if view.journey_stage == "routing":
            assert ("retry" in view.actions) == (JourneyAction.RETRY in g1)
        if s.journey_stage is JourneyStage.ROUTED and s.context.distribution is not None:
            assert ("submit_access_code" in view.actions) == (
                JourneyAction.PROVIDE_ACCESS_CODE in g1)
            assert "reroute" in view.actions and JourneyAction.REQUEST_REROUTE in g1

    @invariant()
    def every_offered_action_is_accepted_by_a_scripted_server(self) -> None:
        s = self.snap
        facts = rules.facts_of(s.journey_stage, s.sequence_stage, s.requirements, s.context)
        for rule_ in rules.allowed(facts):
            if rule_.value is Claim:
                continue  # synchronous, no request: the grant is in the view
            value = VALUES[rule_.value]
            assert rules.rule_for_value(facts, value) is not None
            requested = reduce(s, ActionRequested(at=self.now, action=rule_.g1, value=value))
            assert requested.journey_stage is s.journey_stage  # folded, not refused
            ctx = EffectContext(AcceptingServer(s), CallbackLink(lambda _: None, lambda: s,
                                                                  lambda: self.now))
            name = SequenceAction(rule_.g1) if rule_.g1 in {a.value for a in SequenceAction} else rule_.g1
            errors: list[Exception] = []
            effect_for(ctx, name, value).subscribe(on_error=errors.append)
            assert errors == [], (rule_, errors)

    @invariant()
    def sequence_actions_only_when_routed(self) -> None:
        if self.snap.journey_stage is not JourneyStage.ROUTED:
            assert self.snap.available_actions.sequence == ()

    @invariant()
    def enter_matches_the_distribution_type(self) -> None:
        distribution = self.snap.context.distribution
        for action in self.snap.available_actions.sequence:
            if action in ENTER:
                assert distribution is not None and distribution.type.value == ENTER[action]

    @invariant()
    def bounded_unique_events(self) -> None:
        ids = [e.id for e in self.snap.events]
        assert len(ids) <= MAX_EVENTS
        assert len(set(ids)) == len(ids)

    @invariant()
    def token_only_when_admitted(self) -> None:
        if self.snap.context.admittance_token is not None:
            assert self.snap.sequence_stage is SequenceStage.ADMITTED

    @invariant()
    def latest_event_is_a_kept_user_event(self) -> None:
        latest: Any = self.snap.latest_event
        if latest is not None:
            assert latest in self.snap.events
            assert latest.audience.value == "user"


JourneyMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestJourneyMachine = JourneyMachine.TestCase
