"""Polling a journey: refresh what the current stage depends on, one poll at a time, at a
fixed interval, the per-type interval, or the server's cadence (:class:`ServerCadence`).

Nothing is allocated until ``start_polling``; ``stop_polling`` and ``destroy`` drop it again.
"""

from __future__ import annotations

from typing import Any, Literal

from reactivex import abc

from fanfare_rx.errors import FanfareError, UsageError
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.cadence import ServerCadence, type_interval_ms
from fanfare_rx.journey.pipeline import JourneyPipeline

__all__ = ["Cadence", "JourneyPolling"]

#: What ``start_polling(cadence=...)`` accepts: ``"server"`` (the default
#: :class:`ServerCadence`), ``"type"`` (fixed per distribution type) or a configured
#: :class:`ServerCadence`.
Cadence = Literal["server", "type"] | ServerCadence

_SERVER_DEFAULT = ServerCadence()


class _Poller:
    """One ``start_polling`` in force: how to pace it, the pending timer, the running poll."""

    __slots__ = ("cadence", "interval_ms", "run", "timer")

    def __init__(self, interval_ms: int | None, cadence: ServerCadence | None) -> None:
        self.interval_ms = interval_ms  # fixed; None with cadence None: per type
        self.cadence = cadence
        self.timer: abc.DisposableBase | None = None
        self.run: abc.DisposableBase | None = None

    def dispose(self) -> None:
        for disposable in (self.timer, self.run):
            if disposable is not None:
                disposable.dispose()
        self.timer = self.run = None


class JourneyPolling(JourneyPipeline):
    """``start_polling`` / ``stop_polling`` / ``is_polling`` of a journey."""

    __slots__ = ("_poller",)

    _poller: _Poller | None

    @property
    def is_polling(self) -> bool:
        """Whether ``start_polling`` is in force."""
        return self._poller is not None

    def start_polling(self, interval_ms: int | None = None, *, cadence: Cadence | None = None) -> None:
        """Refresh what the current stage depends on until ``stop_polling``/``destroy``.
        Polls never overlap: the next is scheduled when the previous one finished, never
        sooner than a ``Retry-After`` the server sent::

            start_polling(5000)           : -----p1(done)-----p2(done)-----p3 ...
            start_polling()               : ~~~~~~~~~~~p1(done)~~~~~~p2(done)~~p3  (server cadence)

        * ``start_polling(5000)``: every 5000 ms (a fixed interval, as in the docs).
        * ``start_polling()`` or ``cadence="server"``: follow the server — rarely while far
          back in a queue, often near the front, jittered so many journeys do not poll in
          lock-step (:class:`ServerCadence`; pass one to tune bounds or seed its RNG).
        * ``cadence="type"``: fixed per distribution type (``DEFAULT_POLL_INTERVAL_MS``).

        Raises :class:`UsageError` for a non-positive interval, or both arguments.

        Usage: ``journey.start_polling()`` or ``journey.start_polling(interval_ms=5000)``
        """
        self._ensure_alive()
        if interval_ms is not None and interval_ms <= 0:
            raise UsageError("interval_ms must be positive")
        if interval_ms is not None and cadence is not None:
            raise UsageError("give interval_ms or cadence, not both")
        if cadence is not None and not isinstance(cadence, ServerCadence) and cadence not in ("server", "type"):
            raise UsageError(f"cadence must be 'server', 'type' or a ServerCadence, not {cadence!r}")
        self.stop_polling()
        server: ServerCadence | None = None
        if interval_ms is None and cadence != "type":
            server = cadence if isinstance(cadence, ServerCadence) else _SERVER_DEFAULT
        poller = self._poller = _Poller(interval_ms, server)
        self._schedule_poll(poller, self._delay_ms(poller, None))

    def stop_polling(self) -> None:
        """Stop polling (an in-flight poll is cancelled)."""
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.dispose()

    def _stop_polling(self) -> None:
        self.stop_polling()

    def _delay_ms(self, poller: _Poller, error: Exception | None) -> float:
        retry_after = error.retry_after if isinstance(error, FanfareError) else None
        if poller.cadence is not None:
            return poller.cadence.delay_ms(self._subject.value, self._now(), retry_after)
        delay = float(
            poller.interval_ms
            if poller.interval_ms is not None
            else type_interval_ms(self._subject.value)
        )
        return delay if retry_after is None else max(delay, retry_after * 1000.0)

    def _schedule_poll(self, poller: _Poller, delay_ms: float) -> None:
        if poller is not self._poller or self._destroyed:
            return

        def run(_: abc.SchedulerBase, __: Any = None) -> None:
            poller.timer = None
            self._poll_once(poller)

        poller.timer = self._scheduler.schedule_relative(delay_ms / 1000.0, run)

    def _poll_once(self, poller: _Poller) -> None:
        def on_error(error: Exception) -> None:
            poller.run = None
            self._send(fx.failure_message("poll", error, self._now()))
            self._schedule_poll(poller, self._delay_ms(poller, error))

        def on_completed() -> None:
            poller.run = None
            self._schedule_poll(poller, self._delay_ms(poller, None))

        poller.run = fx.poll_effect(self._effects).subscribe(
            on_next=self._send,
            on_error=on_error,
            on_completed=on_completed,
            scheduler=self._scheduler,
        )
