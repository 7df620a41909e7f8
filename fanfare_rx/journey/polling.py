"""Polling a journey: refresh what the current stage depends on, one poll at a time, at a
fixed interval, the per-type interval, or the server's cadence (:class:`ServerCadence`).

Nothing is allocated until ``start_polling``; ``stop_polling`` cancels the pending timer and
the running poll.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from reactivex import abc

from fanfare_rx.errors import FanfareError, UsageError
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.arguments import poll_interval_ms
from fanfare_rx.journey.cadence import ServerCadence, type_interval_ms
from fanfare_rx.journey.core.messages import Message
from fanfare_rx.journey.lean import LoopScheduler
from fanfare_rx.journey.runner import EffectRunner

__all__ = ["Cadence", "Poller"]

#: What ``start_polling(cadence=...)`` accepts: ``"server"`` (the default
#: :class:`ServerCadence`), ``"type"`` (fixed per distribution type) or a configured
#: :class:`ServerCadence`.
Cadence = Literal["server", "type"] | ServerCadence

_SERVER_DEFAULT = ServerCadence()


class Poller(abc.ObserverBase[Message]):
    """A journey's polling: a timer on the scheduler, then one poll effect run by the
    :class:`EffectRunner`, then the next timer, paced by a fixed interval, the per-type
    interval or the server's cadence, never sooner than a ``Retry-After``::

        start(5000) : -----p1(done)-----p2(done)-----p3 ...
        start()     : ~~~~p1(done)~~~~~~~~~~p2(done)~~p3  (server cadence: the first poll
                                                          anywhere within the first delay)
        stop()      : the pending timer or the running poll is cancelled

    Given at construction what it needs: the runner (whose context gives the current snapshot
    and the server's clock) and the scheduler. It is its polls' observer (their messages go to
    the fold, their end schedules the next poll) and, on a loop, its timer's callback.

    Usage: ``Poller(runner, scheduler).start(interval_ms=5000)``
    """

    __slots__ = ("_cadence", "_interval_ms", "_poll", "_polling", "_runner", "_scheduler",
                 "_timer")

    def __init__(self, runner: EffectRunner, scheduler: abc.SchedulerBase) -> None:
        self._runner = runner
        self._scheduler = scheduler
        self._polling = False
        self._interval_ms: int | None = None  # fixed; None with cadence None: per type
        self._cadence: ServerCadence | None = None
        # On a LoopScheduler, the loop's bare handle; on any other, the scheduler's disposable.
        self._timer: asyncio.Handle | abc.DisposableBase | None = None
        self._poll: abc.DisposableBase | None = None

    @property
    def is_polling(self) -> bool:
        """Whether :meth:`start` is in force."""
        return self._polling

    def start(self, interval_ms: int | None = None, *, cadence: Cadence | None = None) -> None:
        """Poll until :meth:`stop` (a second ``start`` replaces the first's pace).

        Raises :class:`~fanfare_rx.errors.UsageError` for an interval under
        :data:`~fanfare_rx.journey.arguments.MIN_POLL_INTERVAL_MS` (100 ms) or not a whole
        number, an unknown cadence, or both arguments.

        Usage: ``poller.start(cadence="type")``
        """
        interval_ms = poll_interval_ms(interval_ms)
        if interval_ms is not None and cadence is not None:
            raise UsageError("give interval_ms or cadence, not both")
        if cadence is not None and not isinstance(cadence, ServerCadence) and cadence not in ("server", "type"):
            raise UsageError(f"cadence must be 'server', 'type' or a ServerCadence, not {cadence!r}")
        self.stop()
        self._interval_ms = interval_ms
        self._cadence = None
        if interval_ms is None and cadence != "type":
            self._cadence = cadence if isinstance(cadence, ServerCadence) else _SERVER_DEFAULT
        self._polling = True
        self._schedule(self._first_delay_ms())

    def stop(self) -> None:
        """Stop polling: the pending timer and the running poll are cancelled. Idempotent.

        Usage: ``poller.stop()``
        """
        self._polling = False
        timer, poll, self._timer, self._poll = self._timer, self._poll, None, None
        if isinstance(timer, abc.DisposableBase):  # a scheduler's timer
            timer.dispose()
        elif timer is not None:  # a loop's handle (asyncio's, or another loop's: uvloop's)
            timer.cancel()
        if poll is not None:
            poll.dispose()

    def _first_delay_ms(self) -> float:
        """The delay before the first poll: on the server's cadence, spread over the whole delay
        (journeys started together do not poll together); otherwise the interval."""
        if self._cadence is not None:
            context = self._runner.context
            return self._cadence.first_delay_ms(context.snapshot(), context.now_ms())
        return self._delay_ms(None)

    def _delay_ms(self, error: Exception | None) -> float:
        retry_after = error.retry_after if isinstance(error, FanfareError) else None
        context = self._runner.context
        if self._cadence is not None:
            return self._cadence.delay_ms(context.snapshot(), context.now_ms(), retry_after)
        delay = float(
            self._interval_ms
            if self._interval_ms is not None
            else type_interval_ms(context.snapshot())
        )
        return delay if retry_after is None else max(delay, retry_after * 1000.0)

    def _schedule(self, delay_ms: float) -> None:
        if not self._polling:
            return
        scheduler = self._scheduler
        if isinstance(scheduler, LoopScheduler):  # the loop's handle calls the poller itself
            self._timer = scheduler.call_later(delay_ms / 1000.0, self)
        else:
            self._timer = scheduler.schedule_relative(delay_ms / 1000.0, self._poll_once)

    def __call__(self) -> None:
        """The timer's callback on a loop: poll now (one poll; the next is scheduled when it
        ends). The poller itself is what the loop's handle calls: no bound method per timer."""
        self._poll_once()

    def _poll_once(self, _: abc.SchedulerBase | None = None, __: Any = None) -> None:
        self._timer = None
        runner = self._runner
        self._poll = runner.follow(fx.poll_effect(runner.context), self)

    def on_next(self, message: Message) -> None:
        """A message of the running poll: to the fold."""
        self._runner.send(message)

    def on_error(self, error: Exception) -> None:
        """The running poll failed: its failure is folded, the next poll scheduled."""
        self._poll = None
        self._runner.fold_failure("poll", error)
        self._schedule(self._delay_ms(error))

    def on_completed(self) -> None:
        """The running poll ended: the next one is scheduled."""
        self._poll = None
        self._schedule(self._delay_ms(None))
