"""The journey's fold and lifetime: its messages go to one :class:`JourneyFold` (what one
subscription of ``messages.pipe(fold_journey(seed))`` is) whose observer is the journey's
root store of snapshots (a :class:`~fanfare_rx.journey.store.ValueStore`, a
``BehaviorSubject``'s semantics); effects run until done or destroyed, grants expire on time.

Messages sent while a snapshot is being published (by a subscriber or a synchronous effect)
wait their turn in the journey's own small queue (a trampoline per journey: no scheduled item
or disposable per message), so every subscriber sees the snapshots in order. Nothing here
allocates per journey until it is needed.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from collections.abc import Callable
from typing import Any

from reactivex import abc

from fanfare_rx.errors import ConfigError, JourneyDestroyedError
from fanfare_rx.journey.core.machine import initial_snapshot
from fanfare_rx.journey.core.messages import (
    ConnectionObserved,
    FailOpenElapsed,
    Message,
    Tick,
)
from fanfare_rx.journey.lean import LoopScheduler
from fanfare_rx.journey.operators import JourneyFold
from fanfare_rx.journey.polling import Poller
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.journey.recorder import FlightRecorder
from fanfare_rx.journey.runner import ActionName, ActionResult, EffectRunner
from fanfare_rx.journey.store import ValueStore
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import JourneySnapshot, SequenceStage

__all__ = ["ActionName", "JourneyPipeline"]

log = logging.getLogger("fanfare_rx.journey")

def _default_scheduler() -> abc.SchedulerBase:
    try:
        return LoopScheduler.of(asyncio.get_running_loop())  # one per loop, shared
    except RuntimeError:
        raise ConfigError("no running event loop: pass scheduler= (e.g. a TestScheduler)") from None


class JourneyPipeline:
    """The fold, the running effects, the timers and the lifetime of one journey: the part of
    :class:`~fanfare_rx.journey.journey.ExperienceJourney` its actions, polling and stores
    talk to (``send`` a message, read the ``snapshot``, ``now`` on the server's clock, the
    ``runner`` of effects, the ``poller``)::

        send(m) : --a----b----c--
        state   : S-A---------C--   (b changed nothing)

    Usage: ``pipeline = JourneyPipeline("exp-1", port, scheduler=TestScheduler())``
    """

    __slots__ = (
        "__weakref__",
        "_delivering",
        "_destroyed",
        "_expiry",
        "_expiry_at",
        "_fail_open",
        "_fold",
        "_offset_ms",
        "_on_fold",
        "_pending",
        "_poller",
        "_port",
        "_recorder",
        "_runner",
        "_scheduler",
        "_state",
        "experience_id",
        "fail_open_after_ms",
    )

    def __init__(
        self,
        experience_id: str,
        effects: JourneyEffects,
        *,
        scheduler: abc.SchedulerBase | None = None,
    ) -> None:
        if not experience_id:
            raise ConfigError("experience_id must be a non-empty string")
        self.experience_id = experience_id
        self._scheduler = scheduler if scheduler is not None else _default_scheduler()
        self._port = effects
        self._on_fold: Callable[[JourneySnapshot, JourneySnapshot], None] | None = None
        self._destroyed = False
        self._delivering = False  # a message is being folded and published (on this loop)
        self._pending: deque[Message] | None = None  # sent meanwhile: made when first needed
        self._state: ValueStore[JourneySnapshot] = ValueStore(initial_snapshot(experience_id),
                                                               self._scheduler)
        # Allocated on first use: an idle journey is its snapshot and little else.
        self._fold: JourneyFold | None = None
        self._runner: EffectRunner | None = None
        self._poller: Poller | None = None
        self._expiry_at: int | None = None
        self._expiry: abc.DisposableBase | None = None
        self._offset_ms = 0  # the server's clock minus the scheduler's (from the transport)
        self._fail_open: abc.DisposableBase | None = None
        #: Opt-in fail-open policy: once the connection stayed down this long (ms), the
        #: snapshot's ``context.connection.fail_open`` is set and a user event says the waiting
        #: room is unreachable since when. None (the default): never. No grant is invented.
        self.fail_open_after_ms: int | None = None
        self._recorder: FlightRecorder | None = None

    # ----------------------------------------------------------------------------------------
    # The fold

    def now(self) -> int:
        """Now on the server's clock (epoch ms): the scheduler's time plus the offset the
        transport measured, so event times, countdowns and grant expiry share one clock."""
        return int(self._scheduler.now.timestamp() * 1000) + self._offset_ms

    def observe_connection(self, connection: Connection) -> None:
        """Fold what the transport saw and follow the fail-open policy
        (:meth:`ExperienceJourney.observe_connection
        <fanfare_rx.journey.journey.ExperienceJourney.observe_connection>`).

        Usage: ``pipeline.observe_connection(Connection(status="offline", since=now_ms))``
        """
        if self._destroyed:
            return
        self._offset_ms = connection.server_offset_ms
        self.send(ConnectionObserved(at=self.now(), connection=connection))
        self._follow_fail_open(connection)

    def _follow_fail_open(self, connection: Connection) -> None:
        after = self.fail_open_after_ms
        if connection.online or after is None:
            if self._fail_open is not None:
                self._fail_open.dispose()
                self._fail_open = None
            return
        if self._fail_open is not None:
            return  # this outage's timer runs already

        def elapsed(_: abc.SchedulerBase, __: Any = None) -> None:
            self._fail_open = None
            now = self._state.get().context.connection  # down since the timer began
            self.send(FailOpenElapsed(at=self.now(), since=now.since if now else None))

        self._fail_open = self._scheduler.schedule_relative(after / 1000.0, elapsed)

    @property
    def runner(self) -> EffectRunner:
        """The part that runs this journey's effects (made on the first one)."""
        if self._runner is None:
            self._runner = EffectRunner(self._port, self._scheduler, self)
        return self._runner

    @property
    def poller(self) -> Poller:
        """The part that polls this journey (made on the first ``start_polling``)."""
        if self._poller is None:
            self._poller = Poller(self.runner, self._scheduler)
        return self._poller

    @property
    def is_polling(self) -> bool:
        """Whether the poller polls (False before it was ever made)."""
        return self._poller is not None and self._poller.is_polling

    def stop_polling(self) -> None:
        """Stop the poller, if there is one (an in-flight poll is cancelled)."""
        if self._poller is not None:
            self._poller.stop()

    def in_flight(self, key: str) -> ActionResult | None:
        """The running action under ``key`` (single-flight), if any."""
        return self._runner.in_flight(key) if self._runner is not None else None

    def snapshot(self) -> JourneySnapshot:
        """The current snapshot."""
        return self._state.get()

    @property
    def state(self) -> ValueStore[JourneySnapshot]:
        """The root store of snapshots the fold publishes into (``journey.state``)."""
        return self._state

    @property
    def scheduler(self) -> abc.SchedulerBase:
        """Where this journey's time comes from."""
        return self._scheduler

    def send(self, message: Message) -> None:
        """Deliver a message to the fold, after the one being folded and published, if any::

            sent      : a--(b sent by a's subscriber)--
            delivered : a---------------------------b   (every subscriber sees A before B)

        A message sent while one is delivered waits in a queue made on first need; what a
        publish that raised left there goes first with the next message sent.
        """
        if self._destroyed:
            return
        if self._delivering:
            pending = self._pending
            if pending is None:
                pending = self._pending = deque()
            pending.append(message)
            return
        self._delivering = True
        try:
            pending = self._pending
            if pending:  # left by a publish that raised: they go first
                pending.append(message)
                message = pending.popleft()
            self._push(message)
            pending = self._pending
            while pending and not self._destroyed:
                self._push(pending.popleft())
        finally:
            self._delivering = False
        if self._destroyed or not self._pending:
            self._pending = None  # destroyed: what was still queued is dropped

    def _push(self, message: Message) -> None:
        """One message to the flight recorder, then into the fold::

            messages  : --a----b----c--     (b changed nothing)
            fold      : S-A---------C--     (JourneyFold: messages.pipe(fold_journey(S)))
            snapshots : S-A---------C--     (the root store)
        """
        if self._destroyed:
            return
        if self._recorder is not None:
            self._recorder.write(message)  # first: kept even if a subscriber destroys the journey
        fold = self._fold
        if fold is None:  # made on the first message: an idle journey has none
            fold = self._fold = JourneyFold(self._state.get(), self._state)
        snapshot = self._state.get()
        fold.on_next(message)  # a new snapshot is published to every subscriber here
        folded = self._state.get()
        if folded is snapshot:
            return
        if not self._destroyed:  # a subscriber may have destroyed it
            self._follow_deadline(folded)
        if self._on_fold is not None:
            try:
                self._on_fold(snapshot, folded)
            except Exception:
                log.exception("the journey's owner failed on a fold; the journey continues")

    def watch_folds(self, callback: Callable[[JourneySnapshot, JourneySnapshot], None]) -> None:
        """For the journey's owner (one ``Fanfare``): ``callback(old, new)`` after each new
        snapshot was published. A plain call, not a subscription: a journey's owner costs no
        Rx observers, disposables and locks per journey::

            state    : a---b---c
            callback :     (a,b)(b,c)
        """
        self._on_fold = callback

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
            self.send(Tick(at=max(self.now(), at)))

        delay = max(0.0, (at - self.now()) / 1000.0)
        self._expiry = self._scheduler.schedule_relative(delay, expire)

    # ----------------------------------------------------------------------------------------
    # Running effects

    def ensure_alive(self) -> None:
        """Raise :class:`JourneyDestroyedError` once :meth:`destroy` was called."""
        if self._destroyed:
            raise JourneyDestroyedError(f"journey {self.experience_id} was destroyed")

    # ----------------------------------------------------------------------------------------
    # The flight recorder

    def record(self, path: str | os.PathLike[str]) -> FlightRecorder:
        """Record every message folded from now on (:meth:`ExperienceJourney.record
        <fanfare_rx.journey.journey.ExperienceJourney.record>`).

        Usage: ``pipeline.record("journey.jsonl")``
        """
        self.ensure_alive()
        recorder = FlightRecorder.open(path, self._state.get())  # refused: the old one goes on
        self._stop_recording()
        self._recorder = recorder
        return recorder

    def _stop_recording(self) -> None:
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None

    # ----------------------------------------------------------------------------------------
    # Lifetime

    @property
    def destroyed(self) -> bool:
        """Whether :meth:`destroy` was called."""
        return self._destroyed

    def destroy(self) -> None:
        """Stop polling, dispose timers and effects (an action in flight errors), stop
        recording, complete the root store. Idempotent::

            state   : a--b--c|     (destroy() at c)

        Usage: ``pipeline.destroy()``
        """
        if self._destroyed:
            return
        self._destroyed = True
        if self._poller is not None:
            self._poller.stop()
        runner, self._runner = self._runner, None
        for timer in (self._expiry, self._fail_open):
            if timer is not None:
                timer.dispose()
        self._expiry = self._fail_open = None
        if runner is not None:
            runner.dispose(JourneyDestroyedError(f"journey {self.experience_id} was destroyed"))
        self._stop_recording()
        self._fold = None
        self._state.on_completed()
