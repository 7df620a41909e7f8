"""The journey as RxPY operators: :func:`fold_journey` folds an Observable of messages into
snapshots with the pure reducer, and the derived operators (:func:`journey_stage`,
:func:`sequence_stage`, :func:`requirements`, :func:`latest_event`, :func:`view`,
:func:`page`) read any Observable of snapshots. The journey's stores are built from the same
selectors, so a marble test of these operators tests what a journey's stores publish::

    messages  : -a----b----c--|
    snapshots : S-A---------C-|     (messages.pipe(fold_journey(S)); b changed nothing)
    stage     : s-----------t-|     (snapshots.pipe(journey_stage()))

Usage::

    from fanfare_rx.journey.operators import fold_journey, journey_stage
    stages = messages.pipe(fold_journey(initial_snapshot("exp-1")), journey_stage())
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from reactivex import Observable, abc, compose
from reactivex import operators as ops

from fanfare_rx.journey.core.fold import fold
from fanfare_rx.journey.core.messages import Message
from fanfare_rx.journey.core.page import page_of
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.models.journey import (
    AvailableActions,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Requirement,
    SequenceStage,
)
from fanfare_rx.models.page import Page
from fanfare_rx.models.view import JourneyView

__all__ = [
    "SELECTORS",
    "JourneyFold",
    "fold_journey",
    "journey_stage",
    "latest_event",
    "page",
    "requirements",
    "select",
    "sequence_stage",
    "view",
]

T = TypeVar("T")

Operator = Callable[[Observable[JourneySnapshot]], Observable[T]]


def fold_journey(
    seed: JourneySnapshot,
) -> Callable[[Observable[Message]], Observable[JourneySnapshot]]:
    """The journey's fold as an operator: ``seed`` first, then each new snapshot the pure
    reducer folds from the messages (actions, effect results, poll results, ticks). A message
    that changes nothing emits nothing; a message the reducer fails on is folded as an
    ``INTERNAL_ERROR`` event (the snapshot kept) and never ends the stream. Each subscription
    folds from ``seed`` on its own (cold)::

        messages  : -a----b----c--|
        snapshots : S-A---------C-|     (b changed nothing: no emission)

    Usage: ``snapshots = messages.pipe(fold_journey(initial_snapshot("exp-1")))``
    """

    def folded(messages: Observable[Message]) -> Observable[JourneySnapshot]:
        def subscribe(
            observer: abc.ObserverBase[JourneySnapshot],
            scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            observer.on_next(seed)
            return messages.subscribe(JourneyFold(seed, observer), scheduler=scheduler)

        return Observable(subscribe)

    return folded


class JourneyFold(abc.ObserverBase[Message]):
    """One subscription of :func:`fold_journey`: an observer of messages that folds each into
    the snapshot (``scan(fold, seed)``) and passes on each new one (``distinct_until_changed``
    by identity), the seed excluded. The live journey sends its messages to one of these, so
    it publishes exactly what ``messages.pipe(fold_journey(seed))`` does::

        on_next   : -a----b----c--
        observer  : -A---------C--     (b changed nothing)

    One object, nothing allocated per message: ``ops.scan`` + ``start_with`` +
    ``distinct_until_changed`` keep three observers with their disposables and locks per
    subscription (about 9 KiB and 120 tracked objects for each long-lived journey).

    Usage: ``fold = JourneyFold(initial_snapshot("exp-1"), observer); fold.on_next(message)``
    """

    __slots__ = ("_observer", "_snapshot")

    def __init__(self, seed: JourneySnapshot, observer: abc.ObserverBase[JourneySnapshot]) -> None:
        self._observer = observer
        self._snapshot = seed

    @property
    def snapshot(self) -> JourneySnapshot:
        """The latest snapshot folded (the seed before any change)."""
        return self._snapshot

    def on_next(self, message: Message) -> None:
        folded = fold(self._snapshot, message)  # never raises: a failure is an error event
        if folded is not self._snapshot:  # the reducer returns the same object for no change
            self._snapshot = folded
            self._observer.on_next(folded)

    def on_error(self, error: Exception) -> None:
        self._observer.on_error(error)

    def on_completed(self) -> None:
        self._observer.on_completed()


def select(selector: Callable[[JourneySnapshot], T]) -> Operator[T]:
    """``map(selector)`` then ``distinct_until_changed`` (by ``==``), shared among its
    subscribers: the operator every derived store and operator is made of::

        snapshots : -a1---a2---b1--|     (selector = the letter)
        select    : -a---------b---|

    Usage: ``snapshots.pipe(select(lambda s: s.context.position))``
    """
    mapped: Callable[[Observable[JourneySnapshot]], Observable[T]] = ops.map(selector)
    distinct: Callable[[Observable[T]], Observable[T]] = ops.distinct_until_changed()
    shared: Callable[[Observable[T]], Observable[T]] = ops.share()
    return compose(mapped, distinct, shared)


def journey_stage() -> Operator[JourneyStage]:
    """The journey stage of each snapshot, repeats suppressed::

        snapshots : -a---b---c--|      (b only moved the queue position)
        stage     : -N-------R--|      (not_started ... routed)

    Usage: ``snapshots.pipe(journey_stage())``
    """
    return select(SELECTORS["journey_stage"])


def sequence_stage() -> Operator[SequenceStage]:
    """The sequence stage of each snapshot, repeats suppressed::

        snapshots : -a---b---c--|      (b only moved the queue position)
        stage     : -P-------A--|      (participating ... admitted)

    Usage: ``snapshots.pipe(sequence_stage())``
    """
    return select(SELECTORS["sequence_stage"])


def requirements() -> Operator[tuple[Requirement, ...]]:
    """The open requirements of each snapshot, repeats suppressed::

        snapshots    : -a---b---c--|
        requirements : -()--(L)-()-|    (L: a login requirement, then satisfied)

    Usage: ``snapshots.pipe(requirements())``
    """
    return select(SELECTORS["requirements"])


def latest_event() -> Operator[JourneyEvent | None]:
    """The latest unacknowledged user event of each snapshot, repeats suppressed::

        snapshots    : -a---b---c--|    (c acknowledged e1)
        latest_event : -n---e1--n--|    (n: None)

    Usage: ``snapshots.pipe(latest_event())``
    """
    return select(SELECTORS["latest_event"])


def view() -> Operator[JourneyView]:
    """The current SDK's ``JourneyView`` of each snapshot, equal views suppressed (the
    actions-free value; ``journey.view`` binds it to its journey)::

        snapshots : -a---b---c--|      (b only moved the queue position)
        view      : -A-------C--|

    Usage: ``snapshots.pipe(view())``
    """
    return select(view_of)


def page() -> Operator[Page]:
    """Everything a waiting-room page draws, from each snapshot, one page per change::

        snapshots : -a---b---b'--|     (b' equal to b)
        page      : -A---B-------|

    Usage: ``snapshots.pipe(page())``
    """
    return select(page_of)


def _journey_stage(snapshot: JourneySnapshot) -> JourneyStage:
    return snapshot.journey_stage


def _sequence_stage(snapshot: JourneySnapshot) -> SequenceStage:
    return snapshot.sequence_stage


def _requirements(snapshot: JourneySnapshot) -> tuple[Requirement, ...]:
    return snapshot.requirements


def _latest_event(snapshot: JourneySnapshot) -> JourneyEvent | None:
    return snapshot.latest_event


def _available_actions(snapshot: JourneySnapshot) -> AvailableActions:
    return snapshot.available_actions


def _context(snapshot: JourneySnapshot) -> JourneyContext:
    return snapshot.context


def _events(snapshot: JourneySnapshot) -> tuple[JourneyEvent, ...]:
    return snapshot.events


#: What each derived store and operator reads of a snapshot, by the journey's attribute name:
#: the one declaration ``journey.<name>`` and the operators above both derive from.
SELECTORS: Mapping[str, Callable[[JourneySnapshot], Any]] = MappingProxyType({
    "journey_stage": _journey_stage,
    "sequence_stage": _sequence_stage,
    "requirements": _requirements,
    "latest_event": _latest_event,
    "available_actions": _available_actions,
    "context": _context,
    "events": _events,
})
