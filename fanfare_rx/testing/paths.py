"""Every path through the one table of what a shopper may do, generated: :func:`journey_paths`
walks the table (:mod:`fanfare_rx.journey.core.rules`) from a routed journey with the pure
reducer, per mechanism and up to a depth, taking in each state every allowed action (answered
as the server answers it) and every server answer that moves the journey (a poll). Each
:class:`JourneyPath` runs on a :class:`~fanfare_rx.testing.JourneyHarness` with its answers
scripted, so one parametrized test runs your own handler or UI logic over every path (what
XState's graph tools do for state machines)::

    @pytest.mark.parametrize("path", journey_paths("queue", depth=3), ids=str)
    def test_my_banner_never_lies(path: JourneyPath) -> None:
        path.run(lambda step, journey: check_banner(render(journey.view.get())))

A path is a sequence of :class:`PathStep`: the shopper's action (its table row, the port
method that answers it and the answer) or a poll (``refresh_distribution``, answered with a
consumer state), with the sequence stage the reducer predicts after it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core import rules
from fanfare_rx.journey.core.fold import fold
from fanfare_rx.journey.core.machine import initial_snapshot
from fanfare_rx.journey.core.messages import (
    ActionRequested,
    GrantClaimed,
    Message,
    RouteResolved,
    RoutingStarted,
    StatusReceived,
    WaitlistChanged,
)
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.mechanisms import registry
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
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage, SequenceAction, SequenceStage
from fanfare_rx.testing import builders as b
from fanfare_rx.testing.harness import JourneyHarness

__all__ = ["OPENINGS", "POLL", "JourneyPath", "PathStep", "journey_paths", "poll_answers"]

#: How a generated journey starts: its sequence ``open`` (enterable) or ``upcoming`` with a
#: waitlist.
OPENINGS = ("open", "upcoming")
#: The label of a step the server drives: a poll answered with a consumer state.
POLL = "poll"
_KIND = wire.DistributionType
_WAITLIST_ID = f"waitlist-{b.SEQUENCE_ID}"

#: A port call and its answer.
Answer = tuple[str, Any]


def _bid_amount(snapshot: JourneySnapshot) -> str:
    last = snapshot.context.current_bid or snapshot.context.highest_bid
    return f"{(float(last) if last else 90.0) + 10:.2f}"


def _actions(kind: wire.DistributionType, value: type[ShopperAction],
             snapshot: JourneySnapshot) -> tuple[ShopperAction, tuple[Answer, ...]]:
    """The shopper's value for a row of the table, and how the server answers it."""
    if value is Claim:
        return Claim(), ()
    if value is JoinWaitlist:
        return JoinWaitlist(), (("enter_waitlist", b.waitlist_status(True)),)
    if value is LeaveWaitlist:
        return LeaveWaitlist(), (("leave_waitlist", b.waitlist_status(False)),)
    if value is Bid:
        amount = _bid_amount(snapshot)
        bid = ("place_bid", b.auction_winning(amount))
        if snapshot.sequence_stage is SequenceStage.PARTICIPATING:
            return Bid(amount), (bid,)
        return Bid(amount), (("enter", b.auction_state("NOT_BID")), bid)
    if value is Book:
        return Book("slot-1"), (("book_appointment", b.appointment_state("BOOKED", "slot-1")),)
    if value is Reschedule:
        return Reschedule("slot-2"), (
            ("reschedule_appointment", b.appointment_state("BOOKED", "slot-2")),)
    if value is Cancel:
        return Cancel(), (("cancel_appointment", b.appointment_state("CANCELLED", "slot-2")),)
    answers: Mapping[tuple[wire.DistributionType, type[ShopperAction]], Any] = {
        (_KIND.QUEUE, Enter): b.queued(3), (_KIND.QUEUE, Leave): b.queue_left(),
        (_KIND.DRAW, Enter): b.draw_entered(), (_KIND.DRAW, Leave): b.draw_not_entered(),
        (_KIND.TIMED_RELEASE, Enter): b.timed_release_granted(),
        (_KIND.TIMED_RELEASE, Leave): b.timed_release_state("LEFT"),
        (_KIND.TIMED_RELEASE, Complete): b.timed_release_state("COMPLETED"),
    }
    plain: Mapping[type[ShopperAction], tuple[str, Callable[[], ShopperAction]]] = {
        Enter: ("enter", Enter), Leave: ("leave", Leave), Complete: ("complete", Complete)}
    method, make = plain[value]
    return make(), ((method, answers[(kind, value)]),)


def poll_answers(kind: wire.DistributionType | str) -> tuple[Any, ...]:
    """The consumer states the server may answer a poll of ``kind`` with (every status the
    mechanism declares that a shopper's own action does not produce).

    Usage: ``poll_answers("draw")`` -> ``(DrawWon(...), DrawDenied(...), DrawCompleted())``
    """
    kind = _KIND(kind)
    answers: Mapping[wire.DistributionType, tuple[Any, ...]] = {
        _KIND.QUEUE: (b.queued(1), b.queue_granted(), b.queue_denied(), b.queue_denied("CLOSED"),
                      b.queue_completed()),
        _KIND.DRAW: (b.draw_won(), b.draw_lost(), b.draw_completed()),
        _KIND.AUCTION: (b.auction_state("BIDDING"), b.auction_outbid("100.00", "150.00"),
                        b.auction_won("100.00"), b.auction_lost("100.00")),
        _KIND.TIMED_RELEASE: (b.timed_release_state("ENTERED"), b.timed_release_state("DENIED"),
                              b.timed_release_state("COMPLETED")),
        _KIND.APPOINTMENT: (b.appointment_state("CHECKED_IN", "slot-1"),
                            b.appointment_state("COMPLETED", "slot-1"),
                            b.appointment_state("NO_SHOW", "slot-1")),
    }
    return answers.get(kind, ())


@attrs.frozen
class PathStep:
    """One step of a path: the shopper's ``action`` (``rule`` the table row it takes) answered
    by the port calls ``answers``, or a poll (``action`` None) answered with one consumer
    state; ``stage`` is the sequence stage after it."""

    label: str
    action: ShopperAction | None
    answers: tuple[Answer, ...]
    stage: SequenceStage
    rule: rules.Rule | None = attrs.field(default=None, eq=False, repr=False)

    def __str__(self) -> str:
        return self.label


@attrs.frozen
class JourneyPath:
    """A path through the table from a routed journey: the mechanism, how its sequence opened
    (``open`` or ``upcoming``) and the steps. ``str(path)`` names it for pytest ids.

    Usage: ``journey_paths("draw", depth=2)[0].run()``
    """

    mechanism: wire.DistributionType
    opening: str
    steps: tuple[PathStep, ...]

    def __str__(self) -> str:
        return f"{self.mechanism.value}-{self.opening}:" + ">".join(map(str, self.steps))

    @property
    def rows(self) -> frozenset[tuple[str, wire.DistributionType]]:
        """The rows of the table the path takes: ``(G1 name, mechanism)``."""
        return frozenset((s.rule.g1, self.mechanism) for s in self.steps if s.rule is not None)

    def harness(self) -> JourneyHarness:
        """A harness whose server answers the journey's start and then every step in order.

        Usage: ``h = path.harness(); h.act("s", s="start"); h.advance(1)``
        """
        h = JourneyHarness(_experience(self.mechanism, self.opening))
        h.server.on_route("(r|)", r=_route(self.opening))
        h.server.on_status("(s|)", s=_not_entered(self.mechanism))
        for step in self.steps:
            if step.action is None:
                h.server.on_status("(s|)", s=step.answers[0][1])
            for method, answer in step.answers if step.action is not None else ():
                h.server.script(method, "(a|)", a=answer)
        return h

    def run(self, observe: Callable[[PathStep | None, ExperienceJourney], None] | None = None,
            ) -> list[JourneySnapshot]:
        """Start a journey on :meth:`harness`, take every step one virtual second apart and
        return the snapshot after each (the start's first). ``observe(step, journey)`` is
        called after the start (``step`` None) and after each step. A step that fails or
        ends in another stage than the table's fold predicts raises ``AssertionError``::

            steps : s-1-2-3|        (s = start, one second apart)
            state : a-b-c-d

        Usage: ``path.run(lambda step, journey: assert_ui_consistent(journey.view.get()))``
        """
        h = self.harness()
        outcome = h.act("s", s="start")[0]
        h.advance(1)
        _check(outcome.error, self, None)
        snapshots = [h.journey.state.get()]
        if observe is not None:
            observe(None, h.journey)
        for step in self.steps:
            spec: Any = (lambda j, v=step.action: j.request(v)) if step.action is not None \
                else "refresh_distribution"
            outcome = h.act("a", a=spec)[0]
            h.advance(1)
            _check(outcome.error if outcome.done else AssertionError("never finished"), self, step)
            snapshot = h.journey.state.get()
            if snapshot.sequence_stage is not step.stage:
                raise AssertionError(f"{self}: after {step} the journey is "
                                     f"{snapshot.sequence_stage.value}, the table says {step.stage.value}")
            snapshots.append(snapshot)
            if observe is not None:
                observe(step, h.journey)
        h.server.assert_all_scripted()
        h.destroy()
        return snapshots


def _check(error: Exception | None, path: JourneyPath, step: PathStep | None) -> None:
    if error is not None:
        raise AssertionError(f"{path}: {step or 'start'} failed: {error!r}") from error


def _experience(kind: wire.DistributionType, opening: str) -> wire.Experience:
    if opening == "upcoming":
        return b.experience(kind, waitlist=True, open_at=b.at(3600))
    return b.experience(kind)


def _route(opening: str) -> wire.RouteResult:
    return b.routed(availability="upcoming" if opening == "upcoming" else "open")


#: The mechanisms whose server answers the generator knows (a plug-in's are its own).
_NOT_ENTERED: Mapping[wire.DistributionType, Callable[[], Any]] = {
    _KIND.QUEUE: b.not_queued, _KIND.DRAW: b.draw_not_entered,
    _KIND.AUCTION: lambda: b.auction_state("NOT_BID"),
    _KIND.TIMED_RELEASE: lambda: b.timed_release_state("NOT_ENTERED"),
    _KIND.APPOINTMENT: lambda: b.appointment_state("NOT_BOOKED"),
}


def _not_entered(kind: wire.DistributionType) -> Any:
    return _NOT_ENTERED[kind]()


def _started(kind: wire.DistributionType, opening: str) -> JourneySnapshot:
    """The snapshot after ``start`` against the harness's answers (the same messages the
    pipeline folds)."""
    experience = _experience(kind, opening)
    snapshot = initial_snapshot(experience.id)
    messages: list[Message] = [
        ActionRequested(at=0, action="start"), RoutingStarted(at=0),
        RouteResolved(at=0, result=_route(opening), experience=experience),
    ]
    distribution_id = b.distribution_id(kind)
    if opening == "open":
        messages.append(StatusReceived(at=0, distribution_id=distribution_id,
                                       state=_not_entered(kind)))
    for message in messages:
        snapshot = fold(snapshot, message)
    return snapshot


def _key(snapshot: JourneySnapshot) -> tuple[Any, ...]:
    participation = snapshot.context.participation
    return (snapshot.journey_stage, snapshot.sequence_stage,
            participation.status if participation is not None else None,
            snapshot.context.checkout_started, snapshot.context.current_bid is not None)


def _action_name(g1: str) -> SequenceAction | str:
    try:
        return SequenceAction(g1)
    except ValueError:
        return g1


def _take(snapshot: JourneySnapshot, kind: wire.DistributionType, row: rules.Rule,
          at: int) -> tuple[PathStep, JourneySnapshot]:
    value, answers = _actions(kind, row.value, snapshot)
    distribution_id = b.distribution_id(kind)
    if isinstance(value, Claim):
        after = fold(snapshot, GrantClaimed(at=at))
    else:
        after = fold(snapshot, ActionRequested(at=at, action=_action_name(row.g1), value=value))
        for _, answer in answers:
            message: Message = (
                WaitlistChanged(at=at, waitlist_id=_WAITLIST_ID, entered=answer.is_entered)
                if isinstance(answer, wire.WaitlistStatus)
                else StatusReceived(at=at, distribution_id=distribution_id, state=answer))
            after = fold(after, message)
    return PathStep(str(getattr(row.g1, "value", row.g1)), value, answers, after.sequence_stage,
                    row), after


def _polls(snapshot: JourneySnapshot, kind: wire.DistributionType,
           at: int) -> Iterator[tuple[PathStep, JourneySnapshot]]:
    if snapshot.journey_stage is not JourneyStage.ROUTED or snapshot.sequence_stage in (
            SequenceStage.UPCOMING, SequenceStage.WAITLIST_ENTERED, SequenceStage.ENDED):
        return
    for answer in poll_answers(kind):
        after = fold(snapshot, StatusReceived(at=at, distribution_id=b.distribution_id(kind),
                                              state=answer))
        if _key(after) != _key(snapshot):
            status = getattr(answer, "STATUS", None) or getattr(answer, "status", "")
            label = f"{POLL}-{getattr(status, 'value', status)}"
            if getattr(answer, "reason", None):
                label += f"-{answer.reason}"
            yield PathStep(label, None, (("fetch_status", answer),), after.sequence_stage), after


def journey_paths(mechanism: wire.DistributionType | str, *, depth: int = 3,
                  openings: tuple[str, ...] = OPENINGS) -> list[JourneyPath]:
    """Every path of at most ``depth`` steps through the one table from a routed journey of
    ``mechanism``: in each state, every row of the table that holds and every poll answer
    that moves the journey. A path ends early where nothing is left to do or where a step
    returns to a state the path was in (a leave, a reschedule), so no path loops.

    Usage: ``journey_paths("auction", depth=2)`` -> ``[JourneyPath(auction-open:enter_auction), ...]``
    """
    kind = _KIND(mechanism) if mechanism in set(_KIND) else None
    if kind is None or registry.spec_for(kind) is None:
        raise UsageError(f"{mechanism!r} is no registered mechanism")
    if kind not in _NOT_ENTERED:
        raise UsageError(f"journey_paths knows the server answers of {sorted(_NOT_ENTERED)}, "
                         f"not those of the plug-in {kind.value!r}")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise UsageError(f"depth must be a whole number of at least 1, got {depth!r}")
    unknown = set(openings) - set(OPENINGS)
    if unknown:
        raise UsageError(f"openings are among {OPENINGS}, got {sorted(unknown)}")
    found: list[JourneyPath] = []
    for opening in openings:
        root = _started(kind, opening)

        def walk(snapshot: JourneySnapshot, steps: tuple[PathStep, ...],
                 seen: frozenset[tuple[Any, ...]], opening: str = opening) -> None:
            at = (len(steps) + 1) * 1000
            facts = rules.facts_of(snapshot.journey_stage, snapshot.sequence_stage,
                                   snapshot.requirements, snapshot.context)
            nexts = [_take(snapshot, kind, row, at) for row in rules.allowed(facts)]
            nexts += list(_polls(snapshot, kind, at))
            if steps and (len(steps) == depth or not nexts):
                found.append(JourneyPath(kind, opening, steps))
                return
            for step, after in nexts:
                if _key(after) in seen:  # back to a state of the path: the path ends there
                    found.append(JourneyPath(kind, opening, (*steps, step)))
                else:
                    walk(after, (*steps, step), seen | {_key(after)})

        walk(root, (), frozenset({_key(root)}))
    return found
