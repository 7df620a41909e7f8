"""The journey's fold and lifetime: messages are folded by the pure reducer into a
``BehaviorSubject`` of snapshots, effects run until done or destroyed, grants expire on time.

Messages sent while a snapshot is being published (by a subscriber or a synchronous effect)
wait their turn on RxPY's ``CurrentThreadScheduler`` trampoline, so every subscriber sees the
snapshots in order. Nothing here allocates per journey until it is needed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from reactivex import Observable, abc
from reactivex.disposable import SerialDisposable
from reactivex.scheduler import CurrentThreadScheduler
from reactivex.scheduler.eventloop import AsyncIOScheduler
from reactivex.subject import AsyncSubject, BehaviorSubject

from fanfare_rx.errors import ConfigError, FanfareError, JourneyDestroyedError
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import ActionFailed, Message, Tick
from fanfare_rx.journey.effect_context import FoldedFailure
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction, SequenceStage

__all__ = ["ActionName", "JourneyPipeline"]

log = logging.getLogger("fanfare_rx.journey")

ActionName = JourneyAction | SequenceAction | str


def _as_fanfare_error(error: Exception) -> FanfareError:
    if isinstance(error, FanfareError):
        return error
    wrapped = FanfareError(f"{type(error).__name__}: {error}")
    wrapped.__cause__ = error
    return wrapped


def _default_scheduler() -> abc.SchedulerBase:
    try:
        return AsyncIOScheduler(asyncio.get_running_loop())
    except RuntimeError:
        raise ConfigError("no running event loop: pass scheduler= (e.g. a TestScheduler)") from None


class JourneyPipeline:
    """The fold, the running effects, the expiry timer and ``destroy`` of one journey (the
    base of :class:`~fanfare_rx.journey.journey.ExperienceJourney`).

    Usage: ``ExperienceJourney("exp-1", effects=port, scheduler=TestScheduler())``
    """

    __slots__ = (
        "__weakref__",
        "_ctx",
        "_destroyed",
        "_expiry",
        "_expiry_at",
        "_in_flight",
        "_on_destroy",
        "_port",
        "_running",
        "_scheduler",
        "_subject",
        "experience_id",
    )

    def __init__(
        self,
        experience_id: str,
        effects: JourneyEffects,
        *,
        scheduler: abc.SchedulerBase | None = None,
        on_destroy: Callable[[Any], None] | None = None,
    ) -> None:
        if not experience_id:
            raise ConfigError("experience_id must be a non-empty string")
        self.experience_id = experience_id
        self._scheduler = scheduler if scheduler is not None else _default_scheduler()
        self._port = effects
        self._on_destroy = on_destroy
        self._destroyed = False
        self._subject: BehaviorSubject[JourneySnapshot] = BehaviorSubject(
            initial_snapshot(experience_id)
        )
        # Allocated on first use: an idle journey is its snapshot and little else.
        self._ctx: fx.EffectContext | None = None
        self._in_flight: dict[str, AsyncSubject[JourneySnapshot]] | None = None
        self._running: set[SerialDisposable] | None = None
        self._expiry_at: int | None = None
        self._expiry: abc.DisposableBase | None = None

    # ----------------------------------------------------------------------------------------
    # The fold

    def _now(self) -> int:
        return int(self._scheduler.now.timestamp() * 1000)

    @property
    def _effects(self) -> fx.EffectContext:
        if self._ctx is None:
            self._ctx = fx.EffectContext(self._port, self._snapshot, self._now)
        return self._ctx

    def _snapshot(self) -> JourneySnapshot:
        return self._subject.value

    def _fold(self, snapshot: JourneySnapshot, message: Message) -> JourneySnapshot:
        try:
            return reduce(snapshot, message)
        except Exception as exc:
            log.exception("reducer failed on %s; snapshot kept", type(message).__name__)
            failure = ActionFailed(
                at=getattr(message, "at", snapshot.updated_at), action="internal",
                code="INTERNAL_ERROR", message=f"internal error: {type(exc).__name__}",
            )
            try:
                return reduce(snapshot, failure)
            except Exception:  # noqa: BLE001
                return snapshot

    def _send(self, message: Message) -> None:
        """Deliver a message to the fold, after any fold being published on this thread."""
        if not self._destroyed:
            CurrentThreadScheduler.singleton().schedule(self._deliver, message)

    def _deliver(self, _: abc.SchedulerBase, message: Any) -> None:
        if self._destroyed:
            return
        snapshot = self._subject.value
        folded = self._fold(snapshot, message)
        if folded is snapshot:
            return
        self._follow_deadline(folded)
        self._subject.on_next(folded)

    def _follow_deadline(self, snapshot: JourneySnapshot) -> None:
        """admitted with a deadline  ──►  timer on the scheduler  ──►  Tick  ──►  expired::

            deadline : --d1------d2----|
            ticks    : -------t1-----t2|   (a new deadline replaces the old timer)
        """
        at = (
            snapshot.context.admittance_expires_at
            if snapshot.sequence_stage is SequenceStage.ADMITTED
            and not snapshot.context.checkout_started  # claimed: the server owns the deadline
            else None
        )
        if at == self._expiry_at:
            return
        self._expiry_at = at
        if self._expiry is not None:
            self._expiry.dispose()
            self._expiry = None
        if at is None:
            return

        def expire(_: abc.SchedulerBase, __: Any = None) -> None:
            self._expiry = None
            self._send(Tick(at=max(self._now(), at)))

        delay = max(0.0, (at - self._now()) / 1000.0)
        self._expiry = self._scheduler.schedule_relative(delay, expire)

    # ----------------------------------------------------------------------------------------
    # Running effects

    def _ensure_alive(self) -> None:
        if self._destroyed:
            raise JourneyDestroyedError(f"journey {self.experience_id} was destroyed")

    def _run(
        self, key: str, effect: Observable[Message], action: ActionName
    ) -> AsyncSubject[JourneySnapshot]:
        """Subscribe to ``effect``; the returned subject yields the snapshot once every
        result is folded, or the error (also folded as an ``error`` event)."""
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
            in_flight.pop(key, None)
            running.discard(subscription)
            if not in_flight and self._in_flight is in_flight:
                self._in_flight = None  # an idle journey keeps no empty containers
            if not running and self._running is running:
                self._running = None
            if error is not None:
                result.on_error(_as_fanfare_error(error))
            else:
                result.on_next(self._subject.value)
                result.on_completed()

        def on_error(error: Exception) -> None:
            if isinstance(error, FoldedFailure):
                finish(error.error)  # its failure is in the snapshot already
                return
            self._send(fx.failure_message(action, error, self._now()))
            finish(error)

        subscription.disposable = effect.subscribe(
            on_next=self._send,
            on_error=on_error,
            on_completed=lambda: finish(None),
            scheduler=self._scheduler,
        )
        return result

    # ----------------------------------------------------------------------------------------
    # Lifetime

    @property
    def destroyed(self) -> bool:
        """Whether :meth:`destroy` was called."""
        return self._destroyed

    def _stop_polling(self) -> None:
        """Overridden by the polling part of the journey."""

    def destroy(self) -> None:
        """Dispose every subscription, timer and in-flight request; stores complete.
        Idempotent. Later method calls raise :class:`JourneyDestroyedError`::

            state   : a--b--c|     (destroy() at c: the stores complete)
            request : ----#        (an action in flight errors)

        Usage: ``journey.destroy()``
        """
        if self._destroyed:
            return
        self._destroyed = True
        self._stop_polling()
        in_flight = list((self._in_flight or {}).values())
        self._in_flight = None
        for subscription in list(self._running or ()):
            subscription.dispose()
        self._running = None
        if self._expiry is not None:
            self._expiry.dispose()
            self._expiry = None
        for result in in_flight:
            result.on_error(JourneyDestroyedError(f"journey {self.experience_id} was destroyed"))
        self._subject.on_completed()
        if self._on_destroy is not None:
            self._on_destroy(self)
