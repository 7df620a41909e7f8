"""The stored side of a consumer session: the record held in memory, its journeys, and the
reads and writes of a :class:`SessionStorage` inside its cross-process ``exclusive`` section.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import attrs

from fanfare_rx.client.storage import MemoryStorage, SessionStorage, StoredSession
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact

__all__ = ["STORAGE_FALLBACK", "SessionEventHandler", "StoredSessionHolder"]

STORAGE_FALLBACK = "storage:fallback"
AUTH_AUTHENTICATED = "auth:authenticated"
AUTH_REFRESHED = "auth:refreshed"

SessionEventHandler = Callable[[str, Mapping[str, Any]], None]
_log = logging.getLogger("fanfare_rx.client.session")


class StoredSessionHolder:
    """Base of :class:`~fanfare_rx.client.session.SessionManager`: the session record, the
    journeys saved with it, and storage access that falls back to memory (warning once, a
    ``storage:fallback`` event) when the storage is not usable.

    Every write happens inside the storage's ``exclusive`` section after reading the record
    again, so tokens another process rotated are adopted and never overwritten by older ones.

    Usage: ``class SessionManager(StoredSessionHolder): ...``
    """

    def __init__(self, organization_id: str, storage: SessionStorage | None,
                 on_event: SessionEventHandler | None) -> None:
        self.organization_id = organization_id
        self.storage = storage
        self.on_event = on_event
        self._stored: StoredSession | None = None
        self._journeys: dict[str, str] = {}
        self._lost: wire.SessionInfo | None = None
        self._rejected_refresh: str | None = None
        self._fell_back = False

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

        Usage: ``if await sessions.restore() is None: await sessions.ensure()``
        """
        if self.storage is None:
            return self._stored.session if self._stored is not None else None
        stored = await self._load()
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
        if self.storage is not None:
            try:
                await self.storage.clear(self.organization_id)
            except OSError as exc:
                self._fall_back(exc)

    # --- storage ----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if self.storage is not None:
                try:
                    await stack.enter_async_context(self.storage.exclusive(self.organization_id))
                except OSError as exc:
                    self._fall_back(exc)
                    assert self.storage is not None
                    await stack.enter_async_context(self.storage.exclusive(self.organization_id))
            yield

    def _fall_back(self, error: OSError) -> None:
        previous = self.storage
        self.storage = MemoryStorage()
        if not self._fell_back:
            self._fell_back = True
            _log.warning("session storage %r is not usable (%s); keeping the session in memory",
                         previous, type(error).__name__)
            self._emit(STORAGE_FALLBACK, {"storage": repr(previous),
                                          "error": type(error).__name__})

    async def _load(self) -> StoredSession | None:
        if self.storage is None:
            return None
        try:
            return await self.storage.load(self.organization_id)
        except OSError as exc:
            self._fall_back(exc)
            return None

    async def _save(self) -> None:
        if self.storage is None or self._stored is None:
            return
        record = attrs.evolve(self._stored, journeys=self._journeys)
        try:
            await self.storage.save(self.organization_id, record)
        except OSError as exc:
            self._fall_back(exc)
            assert self.storage is not None
            await self.storage.save(self.organization_id, record)

    def _take(self, stored: StoredSession) -> None:
        self._stored, self._lost, self._rejected_refresh = stored, None, None
        self._journeys = dict(stored.journeys)

    async def _sync_from_storage(self) -> bool:
        """Inside the exclusive section: adopt the stored record when it is ours and newer, or
        when we hold none. False when storage holds another consumer."""
        latest = await self._load()
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
