"""Drive a journey on a ``TestScheduler`` from marble strings and check its stores as marbles:
:class:`JourneyHarness` bundles the virtual clock, a :class:`ScriptedEffects` server and the
journey; :func:`drive` schedules actions for any journey.

A worked example (one marble character = one virtual second)::

    from fanfare_rx.testing import JourneyHarness, SEQUENCE_STAGES, builders as b

    def test_queue_admits():
        h = JourneyHarness(b.experience("queue"))
        h.server.on_route("-r|", r=b.routed())
        h.server.on_status("-n|", n=b.not_queued())          # status after routing
        h.server.on_enter("--q|", q=b.queued(2))
        h.server.on_status("-o|", "-g|", o=b.queued(1), g=b.queue_granted())   # the polls
        h.act("s---q-P", s="start", q="enter_queue", P=lambda j: j.start_polling(2000))
        h.expect(h.journey.sequence_stage, "ne----p------a", **SEQUENCE_STAGES)
        h.run(14)          # advance 14 virtual seconds, then check every expectation

    # time : 0 1 2 3 4 5 6 7 8 9 ...
    # act  : s - - - q - P
    # port : route 0..2, status 2..4, enter 4..7 (answer at 6), polls 8..10 and 12..14
    # stage: n e - - - - p - - - - - - a

Start actions at frame 1 when an expectation records a store's initial value too: a
synchronous change at frame 0 would share that frame (RxJS would need ``(se)`` there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from reactivex import Observable, abc
from reactivex.notification import OnNext
from reactivex.testing import TestScheduler

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.testing.builders import EXPERIENCE_ID
from fanfare_rx.testing.marbles import ScriptedEffects
from fanfare_rx.testing.stages import Recording, assert_marbles, parse_marbles, record

__all__ = ["ActionOutcome", "ActionSpec", "JourneyHarness", "drive", "pending_actions"]

#: What a marble letter of :func:`drive` stands for: an action name, ``(name, arg)``, or a
#: callable given the journey (its result, if an Observable, is awaited like an action's).
ActionSpec = str | tuple[str, str | None] | Callable[[ExperienceJourney], Any]


@attrs.define
class ActionOutcome:
    """How one driven action ended: the snapshot it yielded or the error it raised.

    Usage: ``assert h.outcome("enter_queue").snapshot.sequence_stage == "participating"``
    """

    label: str
    at: float
    snapshot: JourneySnapshot | None = None
    error: Exception | None = None
    done_at: float | None = None
    result: Any = None

    @property
    def done(self) -> bool:
        """Whether the action finished (with a snapshot or an error)."""
        return self.done_at is not None

    @property
    def ok(self) -> bool:
        """Whether the action finished without an error."""
        return self.done and self.error is None


def _label(spec: ActionSpec) -> str:
    if isinstance(spec, str):
        return spec
    if isinstance(spec, tuple):
        return spec[0]
    return getattr(spec, "__name__", "callable")


def _perform(journey: ExperienceJourney, spec: ActionSpec, outcome: ActionOutcome, clock: Callable[[], float]) -> None:
    def finished(snapshot: Any = None, error: Exception | None = None) -> None:
        if outcome.done_at is None:
            outcome.done_at = clock()
        if isinstance(snapshot, JourneySnapshot):
            outcome.snapshot = snapshot
        outcome.error = error

    try:
        if isinstance(spec, str):
            result: Any = journey.request(spec)
        elif isinstance(spec, tuple):
            result = journey.request(spec[0], spec[1])
        else:
            result = spec(journey)
    except Exception as exc:  # noqa: BLE001 - recorded: the test asserts on it
        finished(error=exc)
        return
    outcome.result = result
    if isinstance(result, Observable):
        result.subscribe(
            on_next=lambda s: setattr(outcome, "snapshot", s),
            on_error=lambda e: finished(error=e),
            on_completed=lambda: finished(outcome.snapshot),
        )
    else:
        finished(result)


def drive(
    journey: ExperienceJourney,
    scheduler: abc.SchedulerBase,
    marbles: str,
    *,
    timespan: float = 1.0,
    **actions: ActionSpec,
) -> list[ActionOutcome]:
    """Schedule the actions a marble string draws, from now on ``scheduler``; the returned
    list fills in as virtual time runs (one :class:`ActionOutcome` per letter).

    Usage: ``drive(journey, scheduler, "s--e", s="start", e="enter_queue")``
    """
    outcomes: list[ActionOutcome] = []
    start = _clock(scheduler)
    planned = [
        (time, n.value)
        for time, n in parse_marbles(marbles, actions, timespan=timespan)
        if isinstance(n, OnNext)
    ]
    for _, spec in planned:
        if not any(spec is named for named in actions.values()):
            raise UsageError(f"marble {spec!r} names no action; pass {spec}=...")
    for time, spec in planned:
        outcome = ActionOutcome(label=_label(spec), at=start + time)
        outcomes.append(outcome)

        def act(_: abc.SchedulerBase, __: Any = None, spec: Any = spec, outcome: ActionOutcome = outcome) -> None:
            _perform(journey, spec, outcome, lambda: _clock(scheduler))

        scheduler.schedule_relative(time, act)
    return outcomes


def _clock(scheduler: abc.SchedulerBase) -> float:
    clock = getattr(scheduler, "clock", None)
    return float(clock) if isinstance(clock, int | float) else scheduler.now.timestamp()


def pending_actions(scheduler: TestScheduler) -> int:
    """How many scheduled, not cancelled actions a ``TestScheduler`` still holds (0 once a
    destroyed journey left nothing behind). Reads RxPY's scheduler queue.

    Usage: ``journey.destroy(); assert pending_actions(scheduler) == 0``
    """
    items = scheduler._queue.items
    return sum(1 for item, _ in items if not item.is_cancelled())


class JourneyHarness:
    """A journey on virtual time with a scripted server, driven and checked as marbles.

    Usage: ``h = JourneyHarness(b.experience("draw")); h.server.on_route(...); h.run(10)``

    Args:
        experience: what ``load_experience`` answers (also gives the journey's id).
        experience_id: the journey's experience id when no ``experience`` is given.
        timespan: virtual seconds per marble character (actions, answers and expectations).
        scheduler: an existing ``TestScheduler`` (a new one by default).
        auto_polling: whether listening to ``journey.view`` starts polling by itself (off by
            default: a marble test scripts every call, polls included).
    """

    def __init__(
        self,
        experience: wire.Experience | None = None,
        *,
        experience_id: str | None = None,
        timespan: float = 1.0,
        scheduler: TestScheduler | None = None,
        auto_polling: bool = False,
    ) -> None:
        self.scheduler = scheduler or TestScheduler()
        self.timespan = timespan
        self.server = ScriptedEffects(self.scheduler, experience=experience, timespan=timespan)
        journey_id = experience_id or (experience.id if experience is not None else EXPERIENCE_ID)
        self.journey = ExperienceJourney(journey_id, self.server, scheduler=self.scheduler)
        self.journey.auto_polling = auto_polling
        self.outcomes: list[ActionOutcome] = []
        self._expectations: list[tuple[Recording[Any], str, Exception | None, Mapping[str, Any]]] = []

    @property
    def now(self) -> float:
        """The virtual time in seconds. Usage: ``assert h.now == 12.0``"""
        return _clock(self.scheduler)

    def act(self, marbles: str, **actions: ActionSpec) -> list[ActionOutcome]:
        """Schedule actions from now, one per marble letter (see :func:`drive`).

        Usage: ``h.act("s--e", s="start", e="enter_queue")``
        """
        outcomes = drive(self.journey, self.scheduler, marbles, timespan=self.timespan, **actions)
        self.outcomes.extend(outcomes)
        return outcomes

    def record(self, source: Observable[Any]) -> Recording[Any]:
        """Start recording ``source`` now. Usage: ``stages = h.record(h.journey.sequence_stage)``"""
        return record(source, self.scheduler, timespan=self.timespan)

    def expect(
        self, source: Observable[Any], marbles: str, *, error: Exception | None = None, **values: Any
    ) -> Recording[Any]:
        """Record ``source`` from now; :meth:`run` asserts it drew ``marbles``.

        Usage: ``h.expect(h.journey.sequence_stage, "n-e--p", **SEQUENCE_STAGES)``
        """
        recording = self.record(source)
        self._expectations.append((recording, marbles, error, values))
        return recording

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass (no checks). Usage: ``h.advance(5)``"""
        self.scheduler.advance_by(seconds)

    def run(self, seconds: float | None = None) -> None:
        """Advance virtual time (by default to the end of the longest expectation), then
        assert every expectation and that every port call was scripted.

        Usage: ``h.run(20)``
        """
        if seconds is None:
            ends = [r.started_at + len(m.replace(" ", "")) * self.timespan for r, m, _, _ in self._expectations]
            seconds = max([*ends, self.now]) - self.now
        self.advance(seconds)
        self.check()

    def check(self) -> None:
        """Assert the expectations so far (the time already run). Usage: ``h.check()``"""
        for recording, marbles, error, values in self._expectations:
            assert_marbles(recording, marbles, error=error, **values)
        self.server.assert_all_scripted()

    def outcome(self, label: str) -> ActionOutcome:
        """The last outcome of the action named ``label``.

        Usage: ``assert h.outcome("enter_queue").ok``
        """
        for outcome in reversed(self.outcomes):
            if outcome.label == label:
                return outcome
        raise KeyError(f"no action {label!r} was driven")

    def destroy(self) -> None:
        """Destroy the journey. Usage: ``h.destroy(); assert pending_actions(h.scheduler) == 0``"""
        self.journey.destroy()
