"""Session storage on Redis (redis-py's asyncio client): records namespaced per organization,
server and consumer, TTLs from the tokens' lifetimes, a short leased lock that names its owner
as the cross-replica section, typed errors, and a watch that puts live records back after
Redis lost them (a restart without persistence) or was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

import attrs
from redis import asyncio as aioredis
from redis.exceptions import RedisError

from fanfare_rx.client.storage import (
    DEFAULT_LOCK_TIMEOUT,
    StorageLockTimeout,
    StoredSession,
    WriteBack,
)
from fanfare_rx.errors import DecodeError, StorageError, UsageError

__all__ = [
    "DEFAULT_LOCK_EXPIRY",
    "DEFAULT_PREFIX",
    "DEFAULT_WATCH_INTERVAL",
    "RedisStorage",
]

DEFAULT_PREFIX = "fanfare"
#: Seconds after which a lock whose holder died (a killed replica) frees itself; a live
#: holder renews it every third of that for as long as it is inside the section.
DEFAULT_LOCK_EXPIRY = 6.0
#: Seconds between two checks that Redis still holds this replica's records.
DEFAULT_WATCH_INTERVAL = 1.0
#: Seconds to connect to Redis, and to wait for one answer (``from_url``).
DEFAULT_SOCKET_TIMEOUT = 5.0
#: TTL of a record whose tokens' lifetimes are unknown (the spec's refresh-token lifetime).
_FALLBACK_TTL = 30 * 24 * 3600
#: Live sessions written back at once after Redis lost them.
_WRITE_BACK_BATCH = 100
_log = logging.getLogger("fanfare_rx.client.storage")


@contextlib.contextmanager
def _typed(operation: str) -> Iterator[None]:
    """Redis failures as :class:`StorageError`: the message names the operation and the kind
    of failure, never the server's address or credentials (redis-py's messages do).

    A cancel of the running task that redis-py did not deliver is raised again at the end of
    the block: cancelled while it reads an answer or hands a connection back, redis-py may
    return normally or raise a connection or lock error instead (redis-py issues 2028 and
    2551), and a lease or watch told to stop would then go on forever, holding the section
    and whoever waits for it."""
    task = asyncio.current_task()
    asked = 0 if task is None else task.cancelling()
    try:
        yield
    except (RedisError, OSError) as exc:
        if task is not None and task.cancelling() > asked:
            raise asyncio.CancelledError from exc
        raise StorageError(f"the session store could not {operation} "
                           f"({type(exc).__name__})") from exc
    if task is not None and task.cancelling() > asked:
        raise asyncio.CancelledError


async def _stop(task: asyncio.Task[None]) -> None:
    """Cancel ``task`` and wait until it ended. Its own cancellation is not raised here; a
    cancel of the task that waits still is (once ``task`` ended)."""
    task.cancel()
    waiting = asyncio.current_task()
    asked = 0 if waiting is None else waiting.cancelling()
    try:
        await task
    except asyncio.CancelledError:
        if waiting is not None and waiting.cancelling() > asked:
            raise


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class RedisStorage:
    """The :class:`~fanfare_rx.client.storage.SessionStorage` protocol on Redis, so every
    replica of a service sees the same consumer session and journeys.

    Keys (``prefix`` default ``fanfare``; ``{key}`` is the organization at its server,
    :func:`~fanfare_rx.client.storage.storage_key`)::

        {prefix}:{key}:current                   -> consumer id of the stored session
        {prefix}:{key}:consumer:{id}:session     -> the session and its tokens (JSON)
        {prefix}:{key}:consumer:{id}:journeys    -> hash: experience id -> snapshot JSON
        {prefix}:{key}:lock                      -> the exclusive section: "host:pid:uuid"
        {prefix}:watch:{replica}                 -> this storage's watch mark

    Each record key expires with the refresh token (its remaining lifetime; the access
    token's when there is no refresh token). A save is one MULTI/EXEC transaction.

    ``exclusive`` holds a redis-py ``Lock`` that expires after ``lock_expiry`` seconds and is
    renewed while its holder is inside, so a replica killed mid-refresh blocks the others for
    at most ``lock_expiry``; its value names the holder (:meth:`lock_owner`), and a wait longer
    than ``lock_timeout`` raises :class:`~fanfare_rx.errors.StorageLockTimeout`.

    Every Redis failure is a :class:`~fanfare_rx.errors.StorageError` (no address in it); the
    session manager then works on from memory. While a session manager follows this storage
    (it holds a live session), a watch checks every ``watch_interval`` seconds that Redis
    still holds its mark; when Redis lost it (restarted without persistence, flushed) or was
    unreachable, every followed session writes its record and journeys back, so another
    replica can resume them at once.

    Args:
        client: a ``redis.asyncio.Redis`` (``decode_responses`` either way).
        prefix: the key namespace.
        lock_timeout: seconds to wait for another replica's exclusive section.
        lock_expiry: seconds after which an unreleased lock frees itself.
        watch_interval: seconds between two checks of the watch (None: no watch).
        owns_client: close ``client`` in :meth:`aclose` (``from_url`` sets it: the client is
            the storage's own).

    Usage: ``storage = RedisStorage.from_url("redis://127.0.0.1:6379/0")``
    """

    def __init__(self, client: aioredis.Redis, *, prefix: str = DEFAULT_PREFIX,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 lock_expiry: float = DEFAULT_LOCK_EXPIRY,
                 watch_interval: float | None = DEFAULT_WATCH_INTERVAL,
                 owns_client: bool = False) -> None:
        if not isinstance(prefix, str) or not prefix.strip(":"):
            raise UsageError("prefix must be a non-empty key namespace")
        for name, value in (("lock_timeout", lock_timeout), ("lock_expiry", lock_expiry),
                            ("watch_interval", watch_interval)):
            if value is None and name == "watch_interval":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                    0 < value < float("inf")):
                raise UsageError(f"{name} must be a positive number of seconds, got {value!r}")
        self.client = client
        self.prefix = prefix
        self.lock_timeout = lock_timeout
        self.lock_expiry = lock_expiry
        self.watch_interval = watch_interval
        self.owner = _owner()
        self._owns_client = owns_client
        self._replica = uuid.uuid4().hex[:12]
        self._followers: weakref.WeakSet[WriteBack] = weakref.WeakSet()
        self._watch: asyncio.Task[None] | None = None
        #: How many times the watch found Redis emptied or back, and sessions written back.
        self.resets = 0
        self.written_back = 0

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisStorage:
        """A storage with its own client for ``url`` (closed by :meth:`aclose`); connecting
        and each answer time out after :data:`DEFAULT_SOCKET_TIMEOUT` seconds.

        Usage: ``RedisStorage.from_url("redis://localhost:6379/0", prefix="shop")``
        """
        client = aioredis.Redis.from_url(url, socket_connect_timeout=DEFAULT_SOCKET_TIMEOUT,
                                         socket_timeout=DEFAULT_SOCKET_TIMEOUT)
        return cls(client, owns_client=True, **kwargs)

    async def aclose(self) -> None:
        """Stop the watch, and close the client if this storage created it.

        Usage: ``await storage.aclose()``
        """
        await self._stop_watch()
        if self._owns_client:
            await self.client.aclose()

    # --- keys -------------------------------------------------------------------------------

    def _org(self, organization_id: str) -> str:
        return f"{self.prefix}:{organization_id}"

    def current_key(self, organization_id: str) -> str:
        """The key naming the consumer of the stored session."""
        return f"{self._org(organization_id)}:current"

    def session_key(self, organization_id: str, consumer_id: str) -> str:
        """The key of one consumer's session record."""
        return f"{self._org(organization_id)}:consumer:{consumer_id}:session"

    def journeys_key(self, organization_id: str, consumer_id: str) -> str:
        """The hash of one consumer's journey snapshots."""
        return f"{self._org(organization_id)}:consumer:{consumer_id}:journeys"

    def lock_key(self, organization_id: str) -> str:
        """The key of the exclusive section of one stored session."""
        return f"{self._org(organization_id)}:lock"

    def watch_key(self) -> str:
        """The key whose presence tells this storage's watch that Redis kept its records."""
        return f"{self.prefix}:watch:{self._replica}"

    # --- the protocol -----------------------------------------------------------------------

    async def load(self, organization_id: str) -> StoredSession | None:
        with _typed("load a session"):
            consumer = _text(await self.client.get(self.current_key(organization_id)))
            if consumer is None:
                return None
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.get(self.session_key(organization_id, consumer))
                pipe.hgetall(self.journeys_key(organization_id, consumer))
                raw, journeys = await pipe.execute()
        if raw is None:
            return None
        try:
            stored = StoredSession.from_json(raw)
        except DecodeError:
            return None  # never the content: it holds tokens
        snapshots = {_text(k) or "": _text(v) or "" for k, v in (journeys or {}).items()}
        return attrs.evolve(stored, journeys=snapshots)

    async def save(self, organization_id: str, stored: StoredSession) -> None:
        consumer = stored.session.consumer_id
        ttl = _ttl(stored)
        body = json.loads(attrs.evolve(stored, journeys={}).to_json())
        journeys_key = self.journeys_key(organization_id, consumer)
        with _typed("save a session"):
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.set(self.current_key(organization_id), consumer, ex=ttl)
                pipe.set(self.session_key(organization_id, consumer),
                         json.dumps(body, separators=(",", ":")), ex=ttl)
                pipe.delete(journeys_key)
                if stored.journeys:
                    mapping: dict[Any, Any] = dict(stored.journeys)
                    pipe.hset(journeys_key, mapping=mapping)
                    pipe.expire(journeys_key, ttl)
                if self.watch_interval is not None:  # what this storage wrote is there
                    pipe.set(self.watch_key(), self.owner, ex=self._watch_ttl())
                await pipe.execute()

    async def clear(self, organization_id: str) -> None:
        with _typed("clear a session"):
            consumer = _text(await self.client.get(self.current_key(organization_id)))
            keys = [self.current_key(organization_id)]
            if consumer is not None:
                keys += [self.session_key(organization_id, consumer),
                         self.journeys_key(organization_id, consumer)]
            await self.client.delete(*keys)

    @contextlib.asynccontextmanager
    async def exclusive(self, organization_id: str) -> AsyncIterator[None]:
        """Hold the session's lock for the block: it expires ``lock_expiry`` s after its last
        renewal (renewed every third of that while inside), and names its holder.

        Raises:
            StorageLockTimeout: another holder kept it longer than ``lock_timeout``.
            StorageError: Redis cannot be reached.

        Usage: ``async with storage.exclusive(org): ...``
        """
        lock = self.client.lock(self.lock_key(organization_id), timeout=self.lock_expiry,
                                blocking_timeout=self.lock_timeout, sleep=0.02)
        try:
            with _typed("take the session lock"):
                acquired = await lock.acquire(token=f"{self.owner}:{uuid.uuid4().hex}")
        except asyncio.CancelledError:
            # Cancelled as the lock was taken: it may be ours, so give it back at once.
            with contextlib.suppress(StorageError), _typed("release the session lock"):
                await lock.release()
            raise
        if not acquired:
            holder = await self._safe_owner(organization_id)
            raise StorageLockTimeout(
                f"the session lock is held by {holder or 'another replica'} for more than "
                f"{self.lock_timeout:g} s", details={"owner": holder})
        lease = asyncio.get_running_loop().create_task(self._renew(lock))
        try:
            yield
        finally:
            try:
                await _stop(lease)
            finally:
                # Expired meanwhile, or Redis away: the lock frees itself.
                with contextlib.suppress(StorageError), _typed("release the session lock"):
                    await lock.release()

    async def _renew(self, lock: Any) -> None:
        """Renew the lock every third of its expiry until cancelled (a cancel redis-py kept
        to itself is raised again by ``_typed``: the section's exit awaits this task)."""
        while True:
            await asyncio.sleep(self.lock_expiry / 3)
            # Expired meanwhile, or Redis away: the section goes on, the lock frees itself.
            with contextlib.suppress(StorageError), _typed("renew the session lock"):
                await lock.reacquire()

    async def lock_owner(self, organization_id: str) -> str | None:
        """Who holds the session's lock now (``host:pid``), or None.

        Usage: ``await storage.lock_owner(key)`` -> ``"web-3:4127"``
        """
        with _typed("read the session lock"):
            token = _text(await self.client.get(self.lock_key(organization_id)))
        return None if token is None else token.rsplit(":", 1)[0]

    async def _safe_owner(self, organization_id: str) -> str | None:
        try:
            return await self.lock_owner(organization_id)
        except StorageError:
            return None

    # --- the watch --------------------------------------------------------------------------

    def follow(self, holder: WriteBack) -> None:
        """Have ``holder.write_back()`` called when Redis lost its records or was away.

        Usage: ``storage.follow(sessions)``
        """
        self._followers.add(holder)
        if self.watch_interval is None or (self._watch is not None and not self._watch.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._watch = loop.create_task(self._watch_loop(), name="fanfare-redis-watch")

    def unfollow(self, holder: WriteBack) -> None:
        """Stop calling ``holder`` back (the watch stops with its last follower).

        Usage: ``storage.unfollow(sessions)``
        """
        self._followers.discard(holder)
        if not self._followers and self._watch is not None:
            self._watch.cancel()
            self._watch = None

    async def _stop_watch(self) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            await _stop(watch)

    def _watch_ttl(self) -> int:
        return max(30, int((self.watch_interval or 0) * 10))

    async def _watch_loop(self) -> None:
        """Every ``watch_interval``: renew the mark every save also sets. A mark gone (Redis
        restarted empty, flushed) or a failed check (Redis away: writes may have been missed)
        has every follower write its record back."""
        assert self.watch_interval is not None
        key, away = self.watch_key(), False
        while self._followers:
            await asyncio.sleep(self.watch_interval)
            try:
                with _typed("check the watch mark"):
                    kept = bool(await self.client.expire(key, self._watch_ttl()))
                    if not kept:
                        await self.client.set(key, self.owner, ex=self._watch_ttl())
            except StorageError:
                away = True
                continue
            if away or not kept:
                self.resets += 1
                _log.warning("the session store lost its records or was away; writing %d live "
                             "session(s) back", len(self._followers))
                away = not await self._write_all_back()

    async def _write_all_back(self) -> bool:
        followers = list(self._followers)
        ok = True
        for start in range(0, len(followers), _WRITE_BACK_BATCH):
            batch = followers[start:start + _WRITE_BACK_BATCH]
            results = await asyncio.gather(*(f.write_back() for f in batch),
                                           return_exceptions=True)
            for result in results:
                if result is True:
                    self.written_back += 1
                elif isinstance(result, BaseException):
                    ok = False
                    _log.warning("writing a session back failed (%s)", type(result).__name__)
        return ok

    def __repr__(self) -> str:
        return f"RedisStorage(prefix={self.prefix!r}, client={type(self.client).__name__})"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _ttl(stored: StoredSession) -> int:
    until = stored.refresh_expires_at if stored.refresh_token is not None else None
    if until is None and stored.refresh_token is None:
        until = stored.access_expires_at
    if until is None:
        return _FALLBACK_TTL
    return max(1, int(until.timestamp() - time.time()) + 1)
