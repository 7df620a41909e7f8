"""The stored side of a consumer session: the record held in memory, its journeys, and the
reads and writes of a :class:`SessionStorage` inside its cross-process ``exclusive`` section,
working on from memory while the store is away and writing the record back when it returns.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import attrs

from fanfare_rx.client.storage import (
    MemoryStorage,
    SessionStorage,
    StoredSession,
    WatchedStorage,
    storage_key,
)
from fanfare_rx.errors import StorageError, StorageLockTimeout, UsageError
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact

__all__ = ["STORAGE_FALLBACK", "SessionEventHandler", "StoredSessionHolder"]

STORAGE_FALLBACK = "storage:fallback"
AUTH_AUTHENTICATED = "auth:authenticated"
AUTH_REFRESHED = "auth:refreshed"

SessionEventHandler = Callable[[str, Mapping[str, Any]], None]
_log = logging.getLogger("fanfare_rx.client.session")



#: The exclusive section of a session kept in no storage: nothing to take (reusable).
_ALONE: contextlib.nullcontext[None] = contextlib.nullcontext()

class StoredSessionHolder:
    """Base of :class:`~fanfare_rx.client.session.SessionManager`: the session record, the
    journeys saved with it, and storage access that falls back to memory (warning once, a
    ``storage:fallback`` event) when the storage is not usable.

    Every write happens inside the storage's ``exclusive`` section after reading the record
    again, so tokens another process rotated are adopted and never overwritten by older ones.

    The record is stored under :func:`~fanfare_rx.client.storage.storage_key` (the
    organization at ``base_url``); a record of the older format (keyed by the organization
    alone) is moved under it the first time it is found, so it is read by one server only.

    A store that is away (:class:`~fanfare_rx.errors.StorageError`, e.g. Redis restarting)
    is worked around from memory: tokens and journeys stay usable, writes are kept and put
    back by :meth:`write_back` once the store answers again (a store that watches itself,
    :class:`~fanfare_rx.client.storage.WatchedStorage`, calls it when it was emptied or
    reconnected). A session is never replaced while the store cannot say whether one exists.

    Usage: ``class SessionManager(StoredSessionHolder): ...``
    """

    def __init__(self, organization_id: str, storage: SessionStorage | None,
                 on_event: SessionEventHandler | None, base_url: str | None = None) -> None:
        self.organization_id = organization_id
        self.base_url = base_url
        self.storage = storage
        self.on_event = on_event
        self._stored: StoredSession | None = None
        self._journeys: dict[str, str] = {}
        self._lost: wire.SessionInfo | None = None
        self._rejected_refresh: str | None = None
        self._fell_back = False
        self._store_away = False
        self._followed: WatchedStorage | None = None

    @property
    def storage_key(self) -> str:
        """The key of this session in the storage: the organization at ``base_url``.

        Raises:
            UsageError: a storage is set but no server is known yet (give ``base_url=`` or
                attach to a ``ConsumerApi`` first): keyed by the organization alone, sessions
                of different servers would collide.
        """
        if self.base_url is None and self.storage is not None:
            raise UsageError("the stored session is keyed by server: give "
                             "SessionManager(..., base_url=...) or create the ConsumerApi "
                             "before using the storage")
        return storage_key(self.organization_id, self.base_url)

    @property
    def store_away(self) -> bool:
        """True while the storage fails (the session works on from memory)."""
        return self._store_away

    @property
    def journeys(self) -> Mapping[str, str]:
        """Experience id -> journey snapshot JSON saved alongside the session."""
        return dict(self._journeys)

    async def save_journey(self, experience_id: str, snapshot_json: str) -> None:
        """Keep a journey's snapshot with the session (written when a session exists).

        Usage: ``await sessions.save_journey("exp-1", snapshot_to_json(journey.state.get()))``
        """
        self._journeys[experience_id] = snapshot_json
        await self._write_journey(experience_id, snapshot_json)

    async def forget_journey(self, experience_id: str) -> None:
        """Drop a saved journey snapshot.

        Usage: ``await sessions.forget_journey("exp-1")``
        """
        if self._journeys.pop(experience_id, None) is not None:
            await self._write_journey(experience_id, None)

    async def restore(self) -> wire.SessionInfo | None:
        """Load the session from storage (an expired access token is refreshed by ``ensure``).

        Raises:
            StorageError: the store is away and no session is held in memory.

        Usage: ``if await sessions.restore() is None: await sessions.ensure()``
        """
        if self.storage is None:
            return self._stored.session if self._stored is not None else None
        try:
            stored = await self._load()
        except StorageError:
            if self._stored is not None:
                return self._stored.session  # keep working from memory
            raise
        if stored is None:
            return None
        self._take(stored)
        self._emit(AUTH_AUTHENTICATED, {"session": stored.session, "is_new": False})
        return stored.session

    async def clear(self) -> None:
        """Forget the session and saved journeys locally and in storage (no request).

        Usage: ``await sessions.clear()``
        """
        self._stored, self._lost, self._journeys = None, None, {}
        self._unfollow()
        if self.storage is not None:
            try:
                await self.storage.clear(self.storage_key)
            except OSError as exc:
                self._fall_back(exc)
            except StorageError as exc:
                self._note_away(exc)

    async def write_back(self) -> bool:
        """Put the session and its journeys back into the store (after it was emptied or was
        away), unless the store holds a newer record of the same consumer (adopted instead)
        or another consumer. True when written.

        Usage: ``await sessions.write_back()``
        """
        if self.storage is None or self._stored is None:
            return False
        async with self._exclusive():
            if self._stored is None or not await self._sync_from_storage():
                return False
            return await self._save()

    def close(self) -> None:
        """Stop following the store (the stored record stays). Idempotent.

        Usage: ``sessions.close()``
        """
        self._unfollow()

    # --- storage ----------------------------------------------------------------------------

    def _exclusive(self) -> contextlib.AbstractAsyncContextManager[None]:
        """The storage's exclusive section of the session (nothing to take without a storage:
        each shopper's guest session costs no generator and exit stack then)."""
        if self.storage is None:
            return _ALONE
        return self._storage_section()

    @contextlib.asynccontextmanager
    async def _storage_section(self) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if self.storage is not None:
                try:
                    await stack.enter_async_context(self.storage.exclusive(self.storage_key))
                except OSError as exc:
                    self._fall_back(exc)
                    assert self.storage is not None
                    await stack.enter_async_context(self.storage.exclusive(self.storage_key))
                except StorageLockTimeout:
                    raise  # the store answers: another holder keeps the section
                except StorageError as exc:
                    self._note_away(exc)  # no one can coordinate through it: go on alone
            yield

    def _fall_back(self, error: OSError) -> None:
        previous = self.storage
        self._unfollow()
        self.storage = MemoryStorage()
        if not self._fell_back:
            self._fell_back = True
            _log.warning("session storage %r is not usable (%s); keeping the session in memory",
                         previous, type(error).__name__)
            self._emit(STORAGE_FALLBACK, {"storage": repr(previous),
                                          "error": type(error).__name__})

    def _note_away(self, error: StorageError) -> None:
        if self._store_away:
            return
        self._store_away = True
        # The message of a StorageError never names the store's address or credentials.
        _log.warning("session storage %r is unavailable (%s); working on from memory until "
                     "it answers again", self.storage, error.message)
        self._emit(STORAGE_FALLBACK, {"storage": repr(self.storage), "error": error.code})

    def _note_back(self) -> None:
        if self._store_away:
            self._store_away = False
            _log.info("session storage %r answers again", self.storage)

    async def _load(self) -> StoredSession | None:
        """The stored record (None: there is none). Raises StorageError while the store is
        away (noted first)."""
        if self.storage is None:
            return None
        try:
            record = await self.storage.load(self.storage_key)
            if record is None:
                record = await self._move_older_record()
        except OSError as exc:
            self._fall_back(exc)
            return None
        except StorageError as exc:
            self._note_away(exc)
            raise
        self._note_back()
        return record

    async def _move_older_record(self) -> StoredSession | None:
        """A record of the older format (keyed by the organization alone, written before keys
        named the server) becomes this server's: moved, so no other server reads it too."""
        assert self.storage is not None
        older = await self.storage.load(self.organization_id)
        if older is None:
            return None
        await self.storage.save(self.storage_key, older)
        await self.storage.clear(self.organization_id)
        _log.info("moved the stored session of %s under the key of %s", self.organization_id,
                  self.base_url)
        return older

    async def _save(self) -> bool:
        """Write the record; False when the store is away (kept for :meth:`write_back`)."""
        if self.storage is None or self._stored is None:
            return False
        record = attrs.evolve(self._stored, journeys=self._journeys)
        try:
            await self.storage.save(self.storage_key, record)
        except OSError as exc:
            self._fall_back(exc)
            assert self.storage is not None
            await self.storage.save(self.storage_key, record)
        except StorageError as exc:
            self._note_away(exc)
            return False
        self._note_back()
        return True

    def _follow(self) -> None:
        storage = self.storage  # None for most shoppers of a drop: no protocol check then
        if self._followed is None and storage is not None and isinstance(storage, WatchedStorage):
            storage.follow(self)
            self._followed = storage

    def _unfollow(self) -> None:
        followed, self._followed = self._followed, None
        if followed is not None:
            followed.unfollow(self)

    def _take(self, stored: StoredSession) -> None:
        self._stored, self._lost, self._rejected_refresh = stored, None, None
        self._journeys = dict(stored.journeys)
        self._follow()

    async def _sync_from_storage(self) -> bool:
        """Inside the exclusive section: adopt the stored record when it is ours and newer, or
        when we hold none. False when storage holds another consumer. While the store is away
        what is held in memory stands."""
        try:
            latest = await self._load()
        except StorageError:
            return True
        stored = self._stored
        if latest is None:
            return True
        if stored is None:
            self._take(latest)
            self._emit(AUTH_AUTHENTICATED, {"session": latest.session, "is_new": False})
            return True
        if latest.session.consumer_id != stored.session.consumer_id:
            _log.warning("storage holds another consumer (%s); keeping %s in this process",
                         redact(latest.session.consumer_id), redact(stored.session.consumer_id))
            return False
        self._journeys = dict(latest.journeys)
        if latest.access_expires_at > stored.access_expires_at:
            self._take(latest)
            _log.debug("adopted tokens rotated by another holder of the storage")
            self._emit(AUTH_REFRESHED, {"session": latest.session})
        return True

    async def _write_journey(self, experience_id: str, snapshot_json: str | None) -> None:
        if self.storage is None or self._stored is None:
            return
        async with self._exclusive():
            if not await self._sync_from_storage():
                return
            if snapshot_json is None:
                self._journeys.pop(experience_id, None)
            else:
                self._journeys[experience_id] = snapshot_json
            await self._save()

    def _emit(self, name: str, payload: Mapping[str, Any]) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(name, payload)
        except Exception:  # noqa: BLE001 - a listener must not break the session
            _log.exception("session event handler failed for %s", name)
