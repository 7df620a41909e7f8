"""One event loop's share of a fleet: runs many shoppers' behaviours (one ``Fanfare`` each)
and keeps what the driver should hear, coalesced, until the next :meth:`ShopperWorker.drain`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from reactivex import abc

from fanfare_rx.client.fanfare import Fanfare
from fanfare_rx.errors import UsageError
from fanfare_rx.fleet.records import (
    Batch,
    FleetTarget,
    ShopperChange,
    ShopperEvent,
    ShopperResult,
    ShopperState,
    ShopperTiming,
)
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import JourneySnapshot, SequenceStage
from fanfare_rx.wire.pool import HttpPool

if TYPE_CHECKING:
    from redis import asyncio as aioredis

    from fanfare_rx.client.redis_storage import RedisStorage

__all__ = ["DEFAULT_CONCURRENCY", "Shopper", "ShopperWorker", "describe_error", "shopper_prefix"]

#: A shopper's behaviour: an async function of its journey. A returned string is its outcome;
#: otherwise the outcome is the journey's last sequence stage.
Shopper = Callable[[ExperienceJourney], Awaitable[object]]

#: Shoppers one worker runs at once (each holds a connection to the server while it runs).
DEFAULT_CONCURRENCY = 1000

_ERROR_CHARS = 200


def describe_error(error: BaseException) -> str:
    """``"TypeName: message"``, cut to a sane length for a summary.

    Usage: ``describe_error(ValueError("no")) == "ValueError: no"``
    """
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= _ERROR_CHARS else text[: _ERROR_CHARS - 1] + "…"


def shopper_prefix(run_prefix: str, shopper_id: str) -> str:
    """The Redis key namespace of one shopper's stored session in a fleet run.

    Usage: ``shopper_prefix("fanfare-fleet:ab12", "shopper-1")``
    """
    return f"{run_prefix}:{shopper_id}"


class _Observer(abc.ObserverBase[JourneySnapshot]):
    """Follows one shopper's journey: latest state, new events, whether it was admitted."""

    def __init__(self, worker: ShopperWorker, shopper_id: str) -> None:
        self.worker = worker
        self.shopper_id = shopper_id
        self.last_event_id: str | None = None
        self.admitted = False
        self.entered_at: float | None = None
        self.predicted_wait: float | None = None
        self.admitted_at: float | None = None
        self.grant_expired = False

    def timing(self) -> ShopperTiming:
        return ShopperTiming(self.entered_at, self.predicted_wait, self.admitted_at,
                             self.grant_expired)

    def _time(self, value: JourneySnapshot, at: float) -> None:
        stage = value.sequence_stage
        if stage is SequenceStage.PARTICIPATING:
            if self.entered_at is None:
                self.entered_at = at
            if self.predicted_wait is None:
                self.predicted_wait = value.context.estimated_wait_seconds
        elif stage is SequenceStage.ADMITTED:
            self.grant_expired = False  # (again) holding a live grant
            if self.admitted_at is None:
                self.admitted_at = at
                if self.entered_at is None:  # admitted at once (a timed release)
                    self.entered_at = at
        elif stage is SequenceStage.ADMISSION_EXPIRED:
            # Also a grant first seen already expired: it was issued and never claimed.
            self.grant_expired = True

    def on_next(self, value: JourneySnapshot) -> None:
        at = self.worker.now()
        self._time(value, at)
        if value.sequence_stage is SequenceStage.ADMITTED:
            self.admitted = True
        self.worker.changes[self.shopper_id] = ShopperChange(self.shopper_id, at,
                                                             ShopperState.of(value))
        events = value.events
        start = 0
        if self.last_event_id is not None:
            for index in range(len(events) - 1, -1, -1):
                if events[index].id == self.last_event_id:
                    start = index + 1
                    break
        if start < len(events):
            self.worker.events.extend(ShopperEvent(self.shopper_id, at, event)
                                      for event in events[start:])
            self.last_event_id = events[-1].id

    def on_error(self, error: Exception) -> None:
        pass  # the behaviour sees the failure through its own awaits

    def on_completed(self) -> None:
        pass


#: Connections a worker's shared pool keeps open at most.
_POOL_CONNECTIONS = 256


class ShopperWorker:
    """Runs shoppers in the current event loop, at most ``concurrency`` at a time.

    Args:
        target: the Consumer API and experience every shopper goes to.
        shopper: the behaviour, ``async def shopper(journey): ...``.
        index: this worker's number in its fleet.
        concurrency: shoppers running at once.
        started_at: the fleet's start (epoch seconds); ``at`` fields count from it.
        shopper_timeout: seconds one behaviour may take before it counts as an error.
        spawn_rate: shoppers started per second at most (None: as fast as ``concurrency``
            lets), so that a thousand shoppers do not all connect in the same millisecond.
        redis_url: keep every shopper's session in Redis (``RedisStorage``, one key
            namespace per shopper under ``redis_prefix``), so that another worker can resume
            the shopper with :meth:`run` ``(ids, resume=True)``: the same consumer, its place
            read back from ``/consumers/me``, no second entry.
        redis_prefix: the run's key namespace in Redis.

    Usage::

        worker = ShopperWorker(target, enter_and_wait)
        task = asyncio.create_task(worker.run([f"shopper-{i}" for i in range(100)]))
        batch = worker.drain()
    """

    def __init__(self, target: FleetTarget, shopper: Shopper, *, index: int = 0,
                 concurrency: int = DEFAULT_CONCURRENCY, started_at: float | None = None,
                 shopper_timeout: float | None = None,
                 spawn_rate: float | None = None, redis_url: str | None = None,
                 redis_prefix: str = "fanfare-fleet") -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise UsageError(f"concurrency must be an integer of at least 1, got {concurrency!r}")
        if spawn_rate is not None and (isinstance(spawn_rate, bool)
                                       or not isinstance(spawn_rate, int | float)
                                       or not math.isfinite(spawn_rate) or spawn_rate <= 0):
            raise UsageError(f"spawn_rate must be a positive finite number, got {spawn_rate!r}")
        self.target = target
        self.shopper = shopper
        self.index = index
        self.concurrency = concurrency
        self.started_at = time.time() if started_at is None else started_at
        self.shopper_timeout = shopper_timeout
        self.spawn_rate = spawn_rate
        self._next_spawn = 0.0
        self.changes: dict[str, ShopperChange] = {}
        self.events: list[ShopperEvent] = []
        self.results: list[ShopperResult] = []
        self.redis_url = redis_url
        self.redis_prefix = redis_prefix
        self.started = 0
        #: Shoppers this worker took over from a lost one (resumed from Redis).
        self.resumed = 0
        self.done = False
        self._runs = 0
        self._cpu_start = time.process_time()

    def now(self) -> float:
        return round(time.time() - self.started_at, 3)

    async def run(self, shopper_ids: Sequence[str], *, resume: bool = False) -> None:
        """Run every shopper to its end; ``done`` is set once no run is left, even if this is
        cancelled. Several runs may overlap (a worker taking over a lost worker's shoppers);
        with ``resume`` each shopper's stored session is restored and its journey resumed
        from ``/consumers/me`` (no second entry) before the behaviour runs.

        Usage: ``await worker.run(["shopper-1", "shopper-2"])``
        """
        if resume and self.redis_url is None:
            raise UsageError("resuming shoppers needs the worker's redis_url")
        pending = iter(shopper_ids)
        self._runs += 1
        self.done = False
        try:
            runners = min(self.concurrency, len(shopper_ids))
            # One connection pool for every shopper of this run (each keeps its own session
            # and tokens): a few KiB per shopper instead of a pool and socket each.
            async with (HttpPool(max_connections=max(1, min(runners, _POOL_CONNECTIONS)))
                        as pool, self._redis() as redis):
                await asyncio.gather(*(self._runner(pending, pool, redis, resume)
                                       for _ in range(runners)))
        finally:
            self._runs -= 1
            self.done = self._runs == 0

    @contextlib.asynccontextmanager
    async def _redis(self) -> AsyncIterator[aioredis.Redis | None]:
        if self.redis_url is None:
            yield None
            return
        from redis import asyncio as aioredis

        from fanfare_rx.client.redis_storage import DEFAULT_SOCKET_TIMEOUT

        client = aioredis.Redis.from_url(self.redis_url,
                                         socket_connect_timeout=DEFAULT_SOCKET_TIMEOUT,
                                         socket_timeout=DEFAULT_SOCKET_TIMEOUT)
        try:
            yield client
        finally:
            await client.aclose()

    async def _runner(self, pending: Iterator[str], pool: HttpPool,
                      redis: aioredis.Redis | None, resume: bool) -> None:
        for shopper_id in pending:
            await self._spawn_slot()
            if not resume:
                self.started += 1
            result = await self._one(shopper_id, pool, redis, resume)
            self.results.append(result)  # after the await: drain() swaps the list

    async def _spawn_slot(self) -> None:
        if self.spawn_rate is None:
            return
        now = asyncio.get_running_loop().time()
        at = max(now, self._next_spawn)
        self._next_spawn = at + 1.0 / self.spawn_rate
        if at > now:
            await asyncio.sleep(at - now)

    def _storage(self, shopper_id: str, redis: aioredis.Redis | None) -> RedisStorage | None:
        if redis is None:
            return None
        from fanfare_rx.client.redis_storage import RedisStorage

        # No watch: one task per shopper is too many, and the run's records are short-lived.
        return RedisStorage(redis, prefix=shopper_prefix(self.redis_prefix, shopper_id),
                            watch_interval=None)

    async def _journey(self, fanfare: Fanfare, resume: bool) -> ExperienceJourney:
        """A new journey, or with ``resume`` the one the restored session holds (a shopper
        whose session was never stored starts afresh: it had not entered yet)."""
        experience_id = self.target.experience_id
        if resume and await fanfare.restore() is not None:
            self.resumed += 1
            for journey in await fanfare.experiences.resume_all():
                if journey.experience_id == experience_id:
                    return journey
        return fanfare.experiences.create_journey(experience_id)

    async def _one(self, shopper_id: str, pool: HttpPool, redis: aioredis.Redis | None,
                   resume: bool) -> ShopperResult:
        observer = _Observer(self, shopper_id)
        target = self.target
        fanfare: Fanfare | None = None
        storage = self._storage(shopper_id, redis)
        try:
            fanfare = await Fanfare.init(
                organization_id=target.organization_id, publishable_key=target.publishable_key,
                base_url=target.base_url, timeout=target.timeout, pool=pool, storage=storage)
            journey = await self._journey(fanfare, resume)
            subscription = journey.state.subscribe(observer)
            try:
                async with asyncio.timeout(self.shopper_timeout):
                    returned = await self.shopper(journey)
            finally:
                subscription.dispose()
            outcome = returned if isinstance(returned, str) else str(journey.state.get()
                                                                      .sequence_stage)
            return ShopperResult(shopper_id, self.now(), outcome, observer.admitted,
                                 timing=observer.timing())
        except Exception as exc:  # noqa: BLE001 - a shopper's failure is data, not a crash
            return ShopperResult(shopper_id, self.now(), "error", observer.admitted,
                                 describe_error(exc), observer.timing())
        finally:
            if fanfare is not None:
                await fanfare.destroy()
            if storage is not None:
                await storage.aclose()

    def drain(self) -> Batch:
        """What happened since the last drain: one change per shopper (its latest), every
        event, every finished shopper.

        Usage: ``batch = worker.drain()``
        """
        batch = Batch(
            worker=self.index, changes=tuple(self.changes.values()), events=tuple(self.events),
            results=tuple(self.results), started=self.started,
            cpu_seconds=round(time.process_time() - self._cpu_start, 3), done=self.done,
            resumed=self.resumed)
        self.changes, self.events, self.results = {}, [], []
        return batch
