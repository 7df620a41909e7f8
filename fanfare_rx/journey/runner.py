"""Running a journey's effects: each effect's messages go to the fold, its caller gets the
snapshot once they are folded (or the error, folded too); one run per action kind at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from contextlib import suppress
from typing import Any

from reactivex import Observable, abc
from reactivex.disposable import Disposable

from fanfare_rx.errors import FanfareError
from fanfare_rx.journey.core.messages import Message
from fanfare_rx.journey.effect_context import (
    EffectContext,
    FoldedFailure,
    PipelineLink,
    failure_message,
)
from fanfare_rx.journey.lean import LeanObservable
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction

__all__ = ["ActionName", "ActionResult", "EffectRunner", "as_fanfare_error"]

ActionName = JourneyAction | SequenceAction | str


def as_fanfare_error(error: Exception) -> FanfareError:
    """``error`` itself if it is a :class:`FanfareError`, else one wrapping it.

    Usage: ``raise as_fanfare_error(KeyError("x"))``
    """
    if isinstance(error, FanfareError):
        return error
    wrapped = FanfareError(f"{type(error).__name__}: {error}")
    wrapped.__cause__ = error
    return wrapped


class ActionResult(LeanObservable[JourneySnapshot], abc.ObserverBase[Message]):
    """One run of an action's effect and its outcome, as the ``AsyncSubject`` it replaces: it
    observes the effect (each message to the fold) and delivers the snapshot once every
    message was folded, then completion (or the error), replayed to late subscribers;
    ``await`` gives the snapshot or raises::

        effect : --m1--m2--|
        result : ----------(s|)    (s: the snapshot once m1 and m2 are folded)

    One object per run, subscribed to the effect as its observer (no subject, serial
    disposable, bound callbacks or closures), awaited with a bare loop future per awaiter;
    nothing refers back to it once it ended.

    Usage: ``snapshot = await runner.run("enter_queue", effect, "enter_queue")``
    """

    def __init__(self, runner: EffectRunner, key: str, action: ActionName) -> None:
        super().__init__()
        self._runner: EffectRunner | None = runner
        self._key = key
        self._action = action
        self._subscription: abc.DisposableBase | None = None
        self._observers: list[abc.ObserverBase[JourneySnapshot]] | None = None
        self._waiters: list[asyncio.Future[JourneySnapshot]] | None = None
        self._value: JourneySnapshot | None = None
        self._error: Exception | None = None

    @property
    def key(self) -> str:
        """The run's single-flight key (what ``runner.in_flight(key)`` finds it by)."""
        return self._key

    @property
    def done(self) -> bool:
        """Whether the run ended (its snapshot or its error is known)."""
        return self._runner is None

    def start(self, effect: Observable[Message], scheduler: abc.SchedulerBase) -> None:
        """Subscribe to ``effect`` (once, by the runner): its messages go to the fold."""
        runner = self._runner
        if runner is None:
            return
        subscription = effect.subscribe(self, scheduler=scheduler)
        if self._runner is None:  # it ended within subscribe
            subscription.dispose()
        else:
            self._subscription = subscription

    def on_next(self, message: Message) -> None:
        """A message of the effect: to the fold (none once the run ended)."""
        runner = self._runner
        if runner is not None:
            runner.send(message)

    def on_error(self, error: Exception) -> None:
        """The effect failed: folded as the action's ``error`` event (unless the effect's
        failure is in the snapshot already), and the run ends with it."""
        runner = self._runner
        if runner is None:
            return
        if isinstance(error, FoldedFailure):
            self.end(error.error)  # its failure is in the snapshot already
            return
        runner.fold_failure(self._action, error)
        self.end(error)

    def on_completed(self) -> None:
        """The effect completed: the run ends with the snapshot."""
        self.end(None)

    def end(self, error: Exception | None) -> None:
        """End the run: with the current snapshot, or with ``error`` (as a FanfareError).
        Disposes the effect's subscription (which refers to this run: no cycle is left)."""
        runner, subscription = self._runner, self._subscription
        if runner is None:
            return
        self._runner = self._subscription = None
        if subscription is not None:
            subscription.dispose()
        runner.ended(self)
        if error is not None:
            self._error = as_fanfare_error(error)
        else:
            self._value = runner.snapshot()
        observers, waiters = self._observers, self._waiters
        self._observers = self._waiters = None
        for observer in observers or ():
            self._replay(observer)
        for waiter in waiters or ():
            if not waiter.done():  # else its awaiter gave up
                self._settle(waiter)

    def _settle(self, waiter: asyncio.Future[JourneySnapshot]) -> None:
        if self._error is not None:
            waiter.set_exception(self._error)
            return
        assert self._value is not None
        waiter.set_result(self._value)

    def _replay(self, observer: abc.ObserverBase[JourneySnapshot]) -> None:
        if self._error is not None:
            observer.on_error(self._error)
            return
        assert self._value is not None
        observer.on_next(self._value)
        observer.on_completed()

    def subscribe(
        self,
        on_next: abc.ObserverBase[JourneySnapshot] | Callable[[JourneySnapshot], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_completed: Callable[[], None] | None = None,
        *,
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        """The outcome, once known (at once if it is): an observer or callbacks."""
        observer = on_next if isinstance(on_next, abc.ObserverBase) else _Outcome(
            on_next or _ignore, on_error or _raise, on_completed or _ignore)
        if self._runner is None:
            self._replay(observer)
            return Disposable()
        observers = self._observers
        if observers is None:
            observers = self._observers = []
        observers.append(observer)
        return _Leave(observers, observer)

    def __await__(self) -> Generator[Any, None, JourneySnapshot]:
        # a loop future per awaiter that takes the outcome itself: awaited as it is, with no
        # generator of ours in between
        waiter: asyncio.Future[JourneySnapshot] = asyncio.get_running_loop().create_future()
        if self._runner is None:
            self._settle(waiter)
        else:
            waiters = self._waiters
            if waiters is None:
                waiters = self._waiters = []
            waiters.append(waiter)
        return waiter.__await__()


def _ignore(*_: Any) -> None:
    pass


def _raise(error: Exception) -> None:
    raise error  # reactivex's default for an error nobody handles


class _Outcome(abc.ObserverBase[JourneySnapshot]):
    """Three callbacks as one observer of an :class:`ActionResult`."""

    __slots__ = ("_completed", "_failed", "_next")

    def __init__(self, on_next: Callable[[Any], None], on_error: Callable[[Exception], None],
                 on_completed: Callable[[], None]) -> None:
        self._next, self._failed, self._completed = on_next, on_error, on_completed

    def on_next(self, value: JourneySnapshot) -> None:
        self._next(value)

    def on_error(self, error: Exception) -> None:
        self._failed(error)

    def on_completed(self) -> None:
        self._completed()


class _Leave(abc.DisposableBase):
    """An observer leaving an :class:`ActionResult` before its outcome."""

    __slots__ = ("_observer", "_observers")

    def __init__(self, observers: list[Any], observer: object) -> None:
        self._observers: list[Any] | None = observers
        self._observer = observer

    def dispose(self) -> None:
        observers, self._observers = self._observers, None
        if observers is not None:
            with suppress(ValueError):  # no longer there: nothing to leave
                observers.remove(self._observer)


class EffectRunner(EffectContext):
    """Subscribes a journey's effects on its scheduler and sends their messages to its fold;
    it is also the :class:`EffectContext` its effects read. Given at construction what it
    needs: the port, the scheduler and the pipeline (a :class:`PipelineLink`: ``send`` to the
    fold, the current ``snapshot``, ``now`` on the server's clock), held as one reference::

        run(key, effect) : --m1--m2--|        (m: messages, each sent to the fold)
        result           : ----------(s|)     (s: the snapshot once both are folded)

    Nothing is kept between runs: an idle runner holds no containers.

    Usage: ``await runner.run("enter_queue", effect, "enter_queue")``
    """

    __slots__ = ("_running", "_scheduler")

    def __init__(self, port: JourneyEffects, scheduler: abc.SchedulerBase,
                 link: PipelineLink) -> None:
        super().__init__(port, link)
        self._scheduler = scheduler
        # the runs in flight, oldest first (a journey runs a few at a time): one container
        self._running: list[ActionResult] | None = None

    @property
    def context(self) -> EffectContext:
        """What the effects read (the port, the snapshot, the clock, the cached experience):
        the runner itself."""
        return self

    def send(self, message: Message) -> None:
        """Send a message to the journey's fold."""
        self._link.send(message)

    def in_flight(self, key: str) -> ActionResult | None:
        """The result of the newest run of ``key`` still in flight, if any (single-flight)."""
        for result in reversed(self._running or ()):
            if result.key == key:
                return result
        return None

    def run(self, key: str, effect: Observable[Message], action: ActionName) -> ActionResult:
        """Subscribe to ``effect``; the returned result yields the snapshot once every
        message is folded, or the error (also folded as an ``error`` event of ``action``).

        Usage: ``result = runner.run("resume", effect, "resume")``
        """
        result = ActionResult(self, key, action)
        if self._running is None:
            self._running = []
        self._running.append(result)
        result.start(effect, self._scheduler)
        return result

    def ended(self, result: ActionResult) -> None:
        """``result`` ended: forget it (an idle runner keeps no empty container)."""
        running = self._running
        if running is None:
            return
        try:
            running.remove(result)  # one scan (no membership test first)
        except ValueError:
            return  # not in flight here (ended before)
        if not running:
            self._running = None

    def fold_failure(self, action: ActionName, error: Exception) -> None:
        """Send the failure of ``action`` to the fold (an ``error`` event; no secret in it).

        Usage: ``runner.fold_failure("poll", error)``
        """
        self._link.send(failure_message(action, error, self._link.now()))

    def follow(self, effect: Observable[Message],
               observer: abc.ObserverBase[Message]) -> abc.DisposableBase:
        """Subscribe ``observer`` to ``effect`` on the journey's scheduler, with no result and
        no single-flight (a poll): the observer sends the messages to the fold
        (:meth:`send`) and takes the end itself; held as it is, no callback bound per run.

        Usage: ``run = runner.follow(poll_effect(runner.context), poller)``
        """
        return effect.subscribe(observer, scheduler=self._scheduler)

    def dispose(self, error: Exception) -> None:
        """Cancel every run; each caller still waiting gets ``error``.

        Usage: ``runner.dispose(JourneyDestroyedError("destroyed"))``
        """
        for result in list(self._running or ()):
            result.end(error)
        self._running = None
