"""Session storage on Redis (redis-py's asyncio client): records namespaced per organization and
consumer, TTLs from the tokens' lifetimes, a lock with expiry as the cross-replica section.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import attrs
from redis import asyncio as aioredis
from redis.exceptions import LockError

from fanfare_rx.client.storage import DEFAULT_LOCK_TIMEOUT, StorageLockTimeout, StoredSession
from fanfare_rx.errors import DecodeError

__all__ = ["DEFAULT_LOCK_EXPIRY", "DEFAULT_PREFIX", "RedisStorage"]

DEFAULT_PREFIX = "fanfare"
#: Seconds after which a lock whose holder died (a killed replica) frees itself.
DEFAULT_LOCK_EXPIRY = 60.0
#: TTL of a record whose tokens' lifetimes are unknown (the spec's refresh-token lifetime).
_FALLBACK_TTL = 30 * 24 * 3600


class RedisStorage:
    """The :class:`~fanfare_rx.client.storage.SessionStorage` protocol on Redis, so every
    replica of a service sees the same consumer session and journeys.

    Keys (``prefix`` default ``fanfare``)::

        {prefix}:{org}:current                   -> consumer id of the stored session
        {prefix}:{org}:consumer:{id}:session     -> the session and its tokens (JSON)
        {prefix}:{org}:consumer:{id}:journeys    -> hash: experience id -> snapshot JSON
        {prefix}:{org}:lock                      -> the exclusive section (redis-py Lock)

    Each key expires with the refresh token (its remaining lifetime; the access token's when
    there is no refresh token). A save is one MULTI/EXEC transaction. ``exclusive`` holds a
    redis-py ``Lock`` that expires after ``lock_expiry`` seconds, so a replica killed while
    refreshing never blocks the others for longer.

    Args:
        client: a ``redis.asyncio.Redis`` (``decode_responses`` either way).
        prefix: the key namespace.
        lock_timeout: seconds to wait for another replica's exclusive section.
        lock_expiry: seconds after which an unreleased lock frees itself.

    Usage: ``storage = RedisStorage.from_url("redis://127.0.0.1:6379/0")``
    """

    def __init__(self, client: aioredis.Redis, *, prefix: str = DEFAULT_PREFIX,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 lock_expiry: float = DEFAULT_LOCK_EXPIRY) -> None:
        if not prefix.strip(":"):
            raise ValueError("prefix must be a non-empty key namespace")
        self.client = client
        self.prefix = prefix
        self.lock_timeout = lock_timeout
        self.lock_expiry = lock_expiry
        self._owns_client = False

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> RedisStorage:
        """A storage with its own client for ``url`` (closed by :meth:`aclose`).

        Usage: ``RedisStorage.from_url("redis://localhost:6379/0", prefix="shop")``
        """
        storage = cls(aioredis.Redis.from_url(url), **kwargs)
        storage._owns_client = True
        return storage

    async def aclose(self) -> None:
        """Close the client if this storage created it.

        Usage: ``await storage.aclose()``
        """
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
        """The key of the organization's exclusive section."""
        return f"{self._org(organization_id)}:lock"

    # --- the protocol -----------------------------------------------------------------------

    async def load(self, organization_id: str) -> StoredSession | None:
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
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self.current_key(organization_id), consumer, ex=ttl)
            pipe.set(self.session_key(organization_id, consumer),
                     json.dumps(body, separators=(",", ":")), ex=ttl)
            pipe.delete(journeys_key)
            if stored.journeys:
                mapping: dict[Any, Any] = dict(stored.journeys)
                pipe.hset(journeys_key, mapping=mapping)
                pipe.expire(journeys_key, ttl)
            await pipe.execute()

    async def clear(self, organization_id: str) -> None:
        consumer = _text(await self.client.get(self.current_key(organization_id)))
        keys = [self.current_key(organization_id)]
        if consumer is not None:
            keys += [self.session_key(organization_id, consumer),
                     self.journeys_key(organization_id, consumer)]
        await self.client.delete(*keys)

    @contextlib.asynccontextmanager
    async def exclusive(self, organization_id: str) -> AsyncIterator[None]:
        """Hold the organization's lock (expiring after ``lock_expiry`` s) for the block.

        Usage: ``async with storage.exclusive(org): ...``
        """
        lock = self.client.lock(self.lock_key(organization_id), timeout=self.lock_expiry,
                                blocking_timeout=self.lock_timeout)
        if not await lock.acquire():
            raise StorageLockTimeout(
                f"the session lock of {organization_id!r} is held by another replica for "
                f"more than {self.lock_timeout:g} s")
        try:
            yield
        finally:
            with contextlib.suppress(LockError):  # expired meanwhile: nothing to release
                await lock.release()

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
