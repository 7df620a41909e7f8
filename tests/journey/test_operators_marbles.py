"""Marble tests of the journey's operators (``fanfare_rx.journey.operators``): the fold of a
cold Observable of messages into snapshots with ``fold_journey`` on a ``TestScheduler`` alone
(no journey object, no port), and the derived operators on any Observable of snapshots, which
publish what the journey's stores publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import reactivex
from reactivex import Observable
from reactivex import operators as ops
from reactivex.testing import TestScheduler

from fanfare_rx import ExperienceJourney
from fanfare_rx.journey.core.machine import initial_snapshot
from fanfare_rx.journey.core.messages import (
    ActionRequested,
    ExperienceLoaded,
    Message,
    RouteResolved,
    StatusReceived,
)
from fanfare_rx.journey.operators import (
    SELECTORS,
    fold_journey,
    journey_stage,
    latest_event,
    page,
    requirements,
    sequence_stage,
    view,
)
from fanfare_rx.models.journey import (
    JourneyAction,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    SequenceStage,
)
from fanfare_rx.models.view import JourneyView
from fanfare_rx.testing import JourneyHarness, Recording, assert_marbles, record
from fanfare_rx.testing import builders as b

T0 = 1_700_000_000_000
EXPERIENCE = b.experience("queue")
QUEUE = b.distribution_id("queue")
SEED = initial_snapshot(b.EXPERIENCE_ID)

#: s: start; e: the experience; r: routed; x: start again (not available: nothing changes);
#: p / q: queue positions 3 and 2 (p twice: the second changes nothing); f: a message the reducer
#: fails on (a route answer with no result).
LOOKUP: dict[str | float, Message] = {
    "s": ActionRequested(at=T0 + 1, action=JourneyAction.START),
    "e": ExperienceLoaded(at=T0 + 3, experience=EXPERIENCE),
    "r": RouteResolved(at=T0 + 5, result=b.routed(), experience=EXPERIENCE),
    "x": ActionRequested(at=T0 + 7, action=JourneyAction.START),
    "p": StatusReceived(at=T0 + 9, distribution_id=QUEUE, state=b.queued(3)),
    "f": RouteResolved(at=T0 + 13, result=cast(Any, None), experience=EXPERIENCE),
    "q": StatusReceived(at=T0 + 15, distribution_id=QUEUE, state=b.queued(2)),
}
MARBLES = "--s-e-r-x-p-p-f-q-|"

Frame = tuple[str, str, int | None, int]


def folded(marbles: str, *operators: Callable[[Observable[Any]], Observable[Any]]) -> Recording[Any]:
    """What ``cold(marbles).pipe(fold_journey(SEED), *operators)`` emits on a TestScheduler
    (one marble character = 1 virtual second)."""
    scheduler = TestScheduler()
    messages: Observable[Message] = reactivex.cold(marbles, timespan=1.0, scheduler=scheduler,
                                                   lookup=LOOKUP)
    recording: Recording[Any] = record(messages.pipe(fold_journey(SEED), *operators), scheduler)
    scheduler.start()
    return recording


def frame(snapshot: JourneySnapshot) -> Frame:
    return (snapshot.journey_stage.value, snapshot.sequence_stage.value,
            snapshot.context.position, snapshot.revision)


def message_of(event: JourneyEvent | None) -> str | None:
    return event.message if event is not None else None


def shown(view: JourneyView) -> tuple[str, str | None, str | None]:
    return (view.journey_stage.value, view.sequence.phase.value if view.sequence else None,
            view.error)


def test_fold_journey_folds_a_cold_observable_of_messages_on_a_test_scheduler() -> None:
    snapshots = folded(MARBLES, ops.map(frame))
    # x and the second p change nothing: no emission; f is folded as an error, the stream
    # goes on and the next position arrives.
    assert_marbles(snapshots, "a-b-c-d---e---f-g-|",
                   a=("not_started", "none", None, 0), b=("entering", "none", None, 1),
                   c=("entering", "none", None, 2), d=("routed", "active_enterable", None, 3),
                   e=("routed", "participating", 3, 4), f=("routed", "participating", 3, 5),
                   g=("routed", "participating", 2, 6))


def test_a_failing_message_is_folded_as_an_internal_error_event_with_the_snapshot_kept() -> None:
    events = folded("--s-e-r-p-f-|", latest_event(), ops.map(message_of))
    assert_marbles(events, "n-----o-p-i-|", n=None, o="Open for entry", p="Participating",
                   i="internal error: AttributeError")  # the type only: no message text leaks


def test_derived_operators_emit_only_changes() -> None:
    assert_marbles(folded(MARBLES, journey_stage()), "a-b---c-----------|",
                   a=JourneyStage.NOT_STARTED, b=JourneyStage.ENTERING, c=JourneyStage.ROUTED)
    assert_marbles(folded(MARBLES, sequence_stage()), "a-----b---c-------|",
                   a=SequenceStage.NONE, b=SequenceStage.ACTIVE_ENTERABLE,
                   c=SequenceStage.PARTICIPATING)
    assert_marbles(folded(MARBLES, requirements()), "a-----------------|", a=())
    # one view per change of what it shows: the experience loading (e) and the position
    # moving (q) are not one
    assert_marbles(folded(MARBLES, view(), ops.map(shown)), "r-o---e---p---i---|",
                   r=("ready", None, None), o=("routing", None, None),
                   e=("routed", "enterable", None), p=("routed", "participating", None),
                   i=("routed", "participating", "INTERNAL_ERROR"))
    # a page per snapshot change (everything a page draws), each with its own position
    pages = folded(MARBLES, page(), ops.map(lambda p: p.position))
    assert_marbles(pages, "a-b-c-d---e---f-g-|", a=None, b=None, c=None, d=None, e=3, f=3, g=2)


def test_each_subscription_folds_from_the_seed_and_a_derived_operator_is_shared() -> None:
    subscriptions: list[int] = []

    def counted() -> Observable[JourneySnapshot]:
        subscriptions.append(1)
        return reactivex.from_iterable([LOOKUP["s"], LOOKUP["e"]]).pipe(fold_journey(SEED))

    first: list[int] = []
    second: list[int] = []
    cold_snapshots = reactivex.defer(lambda _: counted())
    cold_snapshots.subscribe(lambda s: first.append(s.revision))
    cold_snapshots.subscribe(lambda s: second.append(s.revision))
    assert first == second == [0, 1, 2]  # cold: each subscription starts from the seed

    subscriptions.clear()
    subject: reactivex.subject.Subject[JourneySnapshot] = reactivex.subject.Subject()

    def upstream() -> Observable[JourneySnapshot]:
        subscriptions.append(1)
        return subject

    stages = reactivex.defer(lambda _: upstream()).pipe(journey_stage())
    seen_a: list[JourneyStage] = []
    seen_b: list[JourneyStage] = []
    stages.subscribe(seen_a.append)
    stages.subscribe(seen_b.append)
    subject.on_next(SEED)
    assert subscriptions == [1]  # shared: one upstream subscription for both
    assert seen_a == seen_b == [JourneyStage.NOT_STARTED]


def enter(journey: ExperienceJourney) -> Any:
    sequence = journey.view.get().sequence
    assert sequence is not None
    return sequence.enter()


def test_the_journey_stores_publish_what_the_operators_derive_from_its_snapshots() -> None:
    """The stores and the operators share one declaration (``SELECTORS``): on a live journey,
    each store's values equal the operator's over ``journey.state``."""
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 90))
    h.server.on_status("-n|", "-t|", n=b.not_queued(), t=b.queued(2, 60))
    operators = {"journey_stage": journey_stage(), "sequence_stage": sequence_stage(),
                 "requirements": requirements(), "latest_event": latest_event()}
    assert set(operators) <= set(SELECTORS)
    from_stores: dict[str, list[Any]] = {name: [] for name in operators}
    from_operators: dict[str, list[Any]] = {name: [] for name in operators}
    for name, operator in operators.items():
        getattr(h.journey, name).subscribe(from_stores[name].append)
        h.journey.state.pipe(operator).subscribe(from_operators[name].append)
    h.act("-s--e-P", s="start", e=enter, P=lambda j: j.start_polling(2000))
    h.advance(12)
    assert from_stores == from_operators
    assert from_stores["sequence_stage"][-1] is SequenceStage.PARTICIPATING
    assert any(isinstance(e, JourneyEvent) for e in from_stores["latest_event"])
