"""The driver of a drop: splits shoppers over workers (in-process or Ray actors), pulls their
batches every interval and shows the whole drop as Rx streams and a :class:`FleetSummary`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Callable, Mapping, Sequence

from reactivex import Observable
from reactivex.subject import Subject

from fanfare_rx.errors import ConfigError
from fanfare_rx.fleet.backends import Backend, FleetError, LocalBackend, RayBackend, WorkerPlan
from fanfare_rx.fleet.records import FleetTarget, ShopperChange, ShopperEvent
from fanfare_rx.fleet.summary import FleetSummary, SummaryFold
from fanfare_rx.fleet.worker import DEFAULT_CONCURRENCY, Shopper

__all__ = ["BACKENDS", "DEFAULT_INTERVAL", "REDIS_SCHEMES", "Fleet", "shopper_ids"]

_log = logging.getLogger("fanfare_rx.fleet")

#: The Redis URL schemes a fleet's ``redis_url`` may have (redis-py's ``from_url``).
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

#: Seconds between two pulls of the workers' batches (and two progress summaries).
DEFAULT_INTERVAL = 0.5

#: Backends by name: ``"local"`` (one event loop, no Ray) and ``"ray"`` (a local Ray).
BACKENDS: Mapping[str, Callable[[], Backend]] = {"local": LocalBackend, "ray": RayBackend}


def shopper_ids(count: int) -> list[str]:
    """``shopper-00001`` … as many as asked, zero-padded so they sort.

    Usage: ``shopper_ids(3) == ["shopper-1", "shopper-2", "shopper-3"]``
    """
    if count < 1:
        raise ConfigError(f"a fleet needs at least one shopper, got {count}")
    width = len(str(count))
    return [f"shopper-{i:0{width}d}" for i in range(1, count + 1)]


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a whole number >= 1, got {value!r}")


def _check_seconds(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive number, got {value!r}")


def _shopper_ids(shoppers: object) -> list[str]:
    """``shoppers`` as ids: a count, or the ids themselves (a sequence of unique non-empty
    strings; a string alone is neither, so ``"10"`` is refused, not split into "1" and "0")."""
    if isinstance(shoppers, int) and not isinstance(shoppers, bool):
        return shopper_ids(shoppers)
    if isinstance(shoppers, str | bytes) or not isinstance(shoppers, Sequence):
        raise ConfigError(f"shoppers must be a count or a sequence of ids, got {shoppers!r}")
    ids = list(shoppers)
    if not ids or not all(isinstance(i, str) and i for i in ids) or len(set(ids)) != len(ids):
        raise ConfigError("shopper ids must be given, non-empty strings, and unique")
    return ids


def _check_redis_url(redis_url: object) -> None:
    if redis_url is None:
        return
    if not isinstance(redis_url, str) or not redis_url.startswith(REDIS_SCHEMES):
        raise ConfigError(f"redis_url must be a Redis URL ({', '.join(REDIS_SCHEMES)}...)")
    try:
        import redis  # noqa: F401
    except ImportError:
        raise ConfigError("a fleet's redis_url needs redis-py: "
                          "pip install 'fanfare_rx[redis]'") from None


async def _forget_run(redis_url: str, prefix: str) -> None:
    """Delete every record the run kept in Redis (its shoppers' sessions and journeys)."""
    from redis import asyncio as aioredis
    from redis.exceptions import RedisError

    client = aioredis.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for start in range(0, len(keys), 1000):
            await client.unlink(*keys[start:start + 1000])
    except (RedisError, OSError) as exc:
        _log.warning("could not delete the fleet run's records in Redis (%s)",
                     type(exc).__name__)
    finally:
        await client.aclose()


def _split(ids: Sequence[str], parts: int) -> list[list[str]]:
    parts = max(1, min(parts, len(ids)))
    return [list(ids[i::parts]) for i in range(parts)]


class Fleet:
    """Many shoppers, each its own ``Fanfare`` and journey, running one behaviour.

    Args:
        target: the Consumer API and experience.
        shoppers: how many (ids ``shopper-…``), or the ids themselves.
        backend: ``"local"`` (the driver's loop, default), ``"ray"`` (a local Ray started
            with defaults), or a backend object such as ``RayBackend(address=...)``.
        actors: workers for a Ray backend (the local backend runs one).
        concurrency: shoppers one worker runs at once.
        interval: seconds between batches; changes within one are coalesced per shopper.
        shopper_timeout: seconds one behaviour may take before it counts as an error.
        spawn_rate: shoppers started per second across the fleet (None: no pacing).
        redis_url: a Redis (``redis://host:6379/0``) where every shopper keeps its session
            (``RedisStorage``, one namespace per shopper, deleted after the run). A worker
            lost mid-drop (``ray.kill``, a dead process or node) then costs nobody their
            place: its unfinished shoppers resume on the surviving workers as the same
            consumers, from ``/consumers/me``, without a second entry, and the run completes
            (``FleetSummary.actors_lost``, ``restarts``). Without it a lost worker is a
            :class:`FleetError`.

    The streams are hot: subscribe before :meth:`run`; they complete when it ends (an error
    is raised by :meth:`run`, not sent down the streams)::

        changes  : -c1-c2-c3--c1-c3---|   (a shopper's latest state per interval)
        events   : -e-e--e-e-e--------|
        progress : -s----s-----s-----s|   (one FleetSummary per interval, the last at the end)

    Usage::

        fleet = Fleet(target, shoppers=20_000, backend="ray", actors=2)
        fleet.progress.subscribe(lambda s: print(s.admitted))
        summary = await fleet.run(enter_and_wait)
    """

    def __init__(self, target: FleetTarget, *, shoppers: int | Sequence[str],
                 backend: str | Backend = "local", actors: int = 2,
                 concurrency: int = DEFAULT_CONCURRENCY, interval: float = DEFAULT_INTERVAL,
                 shopper_timeout: float | None = None,
                 spawn_rate: float | None = None, redis_url: str | None = None) -> None:
        if isinstance(backend, str):
            if backend not in BACKENDS:
                raise ConfigError(f"unknown fleet backend {backend!r} "
                                  f"(use {' or '.join(sorted(BACKENDS))})")
            self.backend_name = backend
            backend = BACKENDS[backend]()
        else:
            self.backend_name = type(backend).__name__
        _check_count("actors", actors)
        _check_count("concurrency", concurrency)
        _check_seconds("interval", interval)
        _check_seconds("shopper_timeout", shopper_timeout, optional=True)
        _check_seconds("spawn_rate", spawn_rate, optional=True)
        _check_redis_url(redis_url)
        self.redis_url = redis_url
        self.target = target
        self.ids = _shopper_ids(shoppers)
        self.backend = backend
        self.workers = 1 if isinstance(backend, LocalBackend) else actors
        self.concurrency = concurrency
        self.interval = interval
        self.shopper_timeout = shopper_timeout
        self.spawn_rate = spawn_rate
        self._changes: Subject[ShopperChange] = Subject()
        self._events: Subject[ShopperEvent] = Subject()
        self._progress: Subject[FleetSummary] = Subject()
        self._ran = False

    @property
    def changes(self) -> Observable[ShopperChange]:
        """Every shopper's latest state once per interval in which it changed."""
        return self._changes

    @property
    def events(self) -> Observable[ShopperEvent]:
        """Every journey event of every shopper."""
        return self._events

    @property
    def progress(self) -> Observable[FleetSummary]:
        """A summary per interval, the final one last."""
        return self._progress

    async def run(self, shopper: Shopper) -> FleetSummary:
        """Run ``shopper`` for every shopper to its end and return the final summary.

        Raises:
            FleetError: a worker failed as a whole (a shopper's own failure is only counted),
                or was lost without a ``redis_url`` to resume its shoppers, or every worker
                was lost.
            ConfigError: the fleet already ran, or Ray is missing for the ray backend.

        Usage: ``summary = await fleet.run(enter_and_wait)``
        """
        if self._ran:
            raise ConfigError("a fleet runs one drop; make a new Fleet for the next")
        self._ran = True
        await self.backend.prepare()
        started_at = time.time()
        fold = SummaryFold(len(self.ids), self.workers)
        groups = _split(self.ids, self.workers)
        rate = None if self.spawn_rate is None else self.spawn_rate / len(groups)
        prefix = f"fanfare-fleet:{uuid.uuid4().hex[:12]}"
        plan = WorkerPlan(self.target, concurrency=self.concurrency, started_at=started_at,
                          shopper_timeout=self.shopper_timeout, spawn_rate=rate,
                          redis_url=self.redis_url, redis_prefix=prefix)
        assigned = [list(group) for group in groups]
        try:
            await self.backend.start(shopper, groups, plan)
            while not fold.done:
                await asyncio.sleep(self.interval)
                for batch in await self.backend.drain():
                    fold.add(batch)
                    for change in batch.changes:
                        self._changes.on_next(change)
                    for event in batch.events:
                        self._events.on_next(event)
                for worker in self.backend.lost():
                    await self._hand_over(fold, worker, assigned, own=len(groups[worker]))
                at = time.time() - started_at
                fold.mark(at)
                self._progress.on_next(fold.summary(at))
        finally:
            await self.backend.close()
            if self.redis_url is not None:
                await _forget_run(self.redis_url, prefix)
            for subject in (self._changes, self._events, self._progress):
                subject.on_completed()
        return fold.summary(time.time() - started_at)

    async def _hand_over(self, fold: SummaryFold, worker: int, assigned: list[list[str]], *,
                         own: int) -> None:
        """Worker ``worker`` was lost: its unfinished shoppers (its own and any it took over)
        go to the surviving workers, which resume them from their stored sessions."""
        unfinished = fold.lose(worker, assigned[worker], own)
        if self.redis_url is None:
            raise FleetError(f"fleet worker {worker} was lost with {len(unfinished)} unfinished "
                             "shoppers (a fleet with a redis_url resumes them on the others)")
        survivors = self.backend.alive()
        if not survivors:
            raise FleetError(f"every fleet worker was lost ({len(unfinished)} shoppers "
                             "unfinished)")
        _log.warning("fleet worker %d lost: %d unfinished shoppers resume on %d others",
                     worker, len(unfinished), len(survivors))
        if not unfinished:
            return
        for survivor, ids in zip(survivors, _split(unfinished, len(survivors)), strict=False):
            assigned[survivor].extend(ids)
            fold.adopting(survivor)
            await self.backend.adopt(survivor, ids)
