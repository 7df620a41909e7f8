"""Running a journey's effects: each effect's messages go to the fold, its caller gets the
snapshot once they are folded (or the error, folded too); one run per action kind at a time.
"""

from __future__ import annotations

from collections.abc import Callable

from reactivex import Observable, abc
from reactivex.disposable import SerialDisposable
from reactivex.subject import AsyncSubject

from fanfare_rx.errors import FanfareError
from fanfare_rx.journey.core.messages import Message
from fanfare_rx.journey.effect_context import EffectContext, FoldedFailure, failure_message
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction

__all__ = ["ActionName", "EffectRunner", "as_fanfare_error"]

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


class EffectRunner:
    """Subscribes a journey's effects on its scheduler and sends their messages to its fold.
    Given at construction what it needs: the port, the scheduler, ``send`` (to the fold),
    ``snapshot`` (the current one) and ``now`` (epoch ms on the server's clock)::

        run(key, effect) : --m1--m2--|        (m: messages, each sent to the fold)
        result           : ----------(s|)     (s: the snapshot once both are folded)

    Nothing is kept between runs: an idle runner holds no containers.

    Usage: ``await runner.run("enter_queue", effect, "enter_queue")``
    """

    __slots__ = ("_in_flight", "_running", "_scheduler", "_send", "context")

    def __init__(
        self,
        port: JourneyEffects,
        scheduler: abc.SchedulerBase,
        send: Callable[[Message], None],
        snapshot: Callable[[], JourneySnapshot],
        now: Callable[[], int],
    ) -> None:
        self._scheduler = scheduler
        self._send = send
        #: What the effects read (the port, the snapshot, the clock, the cached experience).
        self.context = EffectContext(port, snapshot, now)
        self._in_flight: dict[str, AsyncSubject[JourneySnapshot]] | None = None
        self._running: set[SerialDisposable] | None = None

    def in_flight(self, key: str) -> AsyncSubject[JourneySnapshot] | None:
        """The result of the run of ``key`` still in flight, if any (single-flight)."""
        return self._in_flight.get(key) if self._in_flight is not None else None

    def run(
        self, key: str, effect: Observable[Message], action: ActionName
    ) -> AsyncSubject[JourneySnapshot]:
        """Subscribe to ``effect``; the returned subject yields the snapshot once every
        result is folded, or the error (also folded as an ``error`` event of ``action``).

        Usage: ``result = runner.run("resume", effect, "resume")``
        """
        result: AsyncSubject[JourneySnapshot] = AsyncSubject()
        if self._in_flight is None:
            self._in_flight = {}
        if self._running is None:
            self._running = set()
        in_flight, running = self._in_flight, self._running
        in_flight[key] = result
        subscription = SerialDisposable()
        running.add(subscription)

        def finish(error: Exception | None) -> None:
            # The subscription holds the observer, which holds this closure: disposing it
            # (done anyway, the effect has ended) breaks that cycle, so the effect's objects
            # die by reference counting, not in a later collection.
            subscription.dispose()
            in_flight.pop(key, None)
            running.discard(subscription)
            if not in_flight and self._in_flight is in_flight:
                self._in_flight = None  # an idle runner keeps no empty containers
            if not running and self._running is running:
                self._running = None
            if error is not None:
                result.on_error(as_fanfare_error(error))
            else:
                result.on_next(self.context.snapshot())
                result.on_completed()

        def on_error(error: Exception) -> None:
            if isinstance(error, FoldedFailure):
                finish(error.error)  # its failure is in the snapshot already
                return
            self.fold_failure(action, error)
            finish(error)

        subscription.disposable = effect.subscribe(
            on_next=self._send,
            on_error=on_error,
            on_completed=lambda: finish(None),
            scheduler=self._scheduler,
        )
        return result

    def fold_failure(self, action: ActionName, error: Exception) -> None:
        """Send the failure of ``action`` to the fold (an ``error`` event; no secret in it).

        Usage: ``runner.fold_failure("poll", error)``
        """
        self._send(failure_message(action, error, self.context.now_ms()))

    def follow(
        self,
        effect: Observable[Message],
        on_error: Callable[[Exception], None],
        on_completed: Callable[[], None],
    ) -> abc.DisposableBase:
        """Subscribe to ``effect`` with no result subject and no single-flight (a poll): its
        messages go to the fold, its end to the callbacks.

        Usage: ``run = runner.follow(poll_effect(runner.context), failed, done)``
        """
        return effect.subscribe(on_next=self._send, on_error=on_error,
                                on_completed=on_completed, scheduler=self._scheduler)

    def dispose(self, error: Exception) -> None:
        """Cancel every run; each caller still waiting gets ``error``.

        Usage: ``runner.dispose(JourneyDestroyedError("destroyed"))``
        """
        in_flight = list((self._in_flight or {}).values())
        self._in_flight = None
        for subscription in list(self._running or ()):
            subscription.dispose()
        self._running = None
        for result in in_flight:
            result.on_error(error)
