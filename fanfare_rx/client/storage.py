"""Session persistence: the async :class:`SessionStorage` protocol (load, save, clear and a
cross-process ``exclusive`` section), an in-memory backend and a file backend (fcntl-locked).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs
from yarl import URL

from fanfare_rx.errors import DecodeError, StorageLockTimeout, UsageError
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.wire import codec

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "FileStorage",
    "MemoryStorage",
    "SessionStorage",
    "StorageLockTimeout",
    "StoredSession",
    "WatchedStorage",
    "WriteBack",
    "storage_key",
]

_log = logging.getLogger("fanfare_rx.client.storage")
_FORMAT_VERSION = 1
#: Seconds a caller waits for another process's exclusive section before giving up.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Temporary files of an interrupted save older than this are removed when a storage opens.
_STALE_TEMP_SECONDS = 10.0


def _journeys(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


def storage_key(organization_id: str, base_url: str | None) -> str:
    """The key a session is stored under: the organization at one server, so sessions of
    different servers (production, staging, a local sandbox) never collide.

    ``organization_id`` alone when no server is known (the format written before keys named
    the server, still read where unambiguous). The URL is normalised: scheme and host in
    lower case, the default port explicit, no trailing ``/``.

    Usage: ``storage_key("org", "http://localhost:4802/")`` -> ``"org@http://localhost:4802"``
    """
    if base_url is None:
        return organization_id
    url = URL(base_url)
    path = url.raw_path.rstrip("/")
    return f"{organization_id}@{url.scheme}://{(url.host or '').lower()}:{url.port}{path}"


@attrs.frozen
class StoredSession:
    """What survives a restart: the session, its tokens and the journeys' snapshots.

    Args:
        session: the session facts (no secrets).
        access_token: the bearer token (redacted in repr).
        access_expires_at: when the access token expires.
        refresh_token: the rotating refresh token, if the server sent one (redacted in repr).
        refresh_expires_at: when the refresh token expires, if known.
        journeys: experience id -> journey snapshot JSON text (opaque here).
        access_issued_at: when the access token was received (its lifetime sets how early
            it is refreshed), if known.

    Usage: ``StoredSession(session=env.session, access_token=env.access_token,
    access_expires_at=env.session.expires_at)``
    """

    session: wire.SessionInfo
    access_token: str = attrs.field(repr=redact)
    access_expires_at: datetime
    refresh_token: str | None = attrs.field(default=None, repr=redact)
    refresh_expires_at: datetime | None = None
    journeys: Mapping[str, str] = attrs.field(factory=dict, converter=_journeys, repr=False)
    access_issued_at: datetime | None = None

    def to_json(self) -> str:
        """The JSON text a :class:`FileStorage` writes.

        Usage: ``StoredSession.from_json(stored.to_json()) == stored``
        """
        body = {"version": _FORMAT_VERSION, **codec.encode(self)}
        body["journeys"] = dict(self.journeys)
        return json.dumps(body, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> StoredSession:
        """Inverse of :meth:`to_json`; raises :class:`~fanfare_rx.errors.DecodeError`.

        Usage: ``StoredSession.from_json(path.read_text())``
        """
        # Untrusted like any body: too deep, NaN or malformed is a DecodeError (no session).
        parsed: Any = codec.parse_json(text, "StoredSession")
        if not isinstance(parsed, dict) or parsed.get("version") != _FORMAT_VERSION:
            raise DecodeError("unknown stored session format", model="StoredSession")
        result: StoredSession = codec.structure(parsed, cls)
        return result


@runtime_checkable
class SessionStorage(Protocol):
    """Where a :class:`~fanfare_rx.client.session.SessionManager` keeps the session of each
    organization, shared by every process that uses the same backend.

    ``exclusive(organization_id)`` is an async context manager that only one holder at a time
    (across processes) is inside; the session manager refreshes tokens and writes inside it
    after reading the record again, so one refresh happens at a time per stored session.

    Usage: ``SessionManager(org_id, storage=FileStorage("~/.fanfare"))``
    """

    async def load(self, organization_id: str) -> StoredSession | None:
        """The stored session, or None when there is none (or it is unreadable)."""
        ...

    async def save(self, organization_id: str, stored: StoredSession) -> None:
        """Replace the stored session."""
        ...

    async def clear(self, organization_id: str) -> None:
        """Forget the stored session (no error when there is none)."""
        ...

    def exclusive(self, organization_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the organization's record exclusively (across processes where the backend is
        shared) until the block ends."""
        ...


class WriteBack(Protocol):
    """What a :class:`WatchedStorage` calls back: a holder of a live session that puts its
    record back (``SessionManager.write_back``)."""

    async def write_back(self) -> bool: ...


@runtime_checkable
class WatchedStorage(Protocol):
    """A storage that notices when it lost its records or was away (a Redis restarted without
    persistence, a reconnection) and asks the live sessions it holds to write theirs back, so
    that any replica can resume them at once. ``SessionManager`` follows such a storage while
    it holds a session.

    Usage: ``storage.follow(sessions)`` ... ``storage.unfollow(sessions)``
    """

    def follow(self, holder: WriteBack) -> None: ...

    def unfollow(self, holder: WriteBack) -> None: ...


class MemoryStorage:
    """Sessions in a dict; lives as long as the object (instances sharing it coordinate
    through an asyncio lock per organization).

    Usage: ``storage = MemoryStorage(); await storage.load("org") is None``
    """

    def __init__(self) -> None:
        self._records: dict[str, StoredSession] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self, organization_id: str) -> StoredSession | None:
        return self._records.get(organization_id)

    async def save(self, organization_id: str, stored: StoredSession) -> None:
        self._records[organization_id] = stored

    async def clear(self, organization_id: str) -> None:
        self._records.pop(organization_id, None)

    @contextlib.asynccontextmanager
    async def exclusive(self, organization_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(organization_id, asyncio.Lock())
        async with lock:
            yield

    def __repr__(self) -> str:
        return f"MemoryStorage(organizations={sorted(self._records)!r})"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")
_TEMP_NAME = re.compile(r"^\.session-.*\.json\..*\.tmp$")


class FileStorage:
    """One JSON file per organization in ``directory``: written to a temporary file in the same
    directory, flushed and ``os.replace``-d (atomic), mode 0600; the directory is created 0700.
    A corrupt or unreadable file counts as no session. ``exclusive`` takes an OS file lock
    (``fcntl.flock`` on ``.session-<org>.lock``), so processes sharing the directory refresh
    one at a time. Opening a storage removes temporary files of an interrupted save (ours,
    older than a few seconds): they hold tokens.

    Args:
        directory: where the files live (``~`` is expanded).
        lock_timeout: seconds to wait for another process's exclusive section.

    Usage: ``await FileStorage("~/.config/fanfare").save(org_id, stored)``
    """

    def __init__(self, directory: str | os.PathLike[str], *,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        if not isinstance(directory, str | os.PathLike) or not os.fspath(directory).strip():
            # "" would be the current directory: session files hold tokens.
            raise UsageError(f"FileStorage needs a directory (e.g. '~/.fanfare'), got "
                             f"{directory!r}")
        if isinstance(lock_timeout, bool) or not isinstance(lock_timeout, int | float) or not (
                math.isfinite(lock_timeout) and lock_timeout >= 0):
            raise UsageError(f"lock_timeout must be a number of seconds >= 0, got "
                             f"{lock_timeout!r}")
        self.directory = Path(directory).expanduser()
        self.lock_timeout = lock_timeout
        self.removed_temp_files = self._remove_stale_temp_files()

    def path_for(self, organization_id: str) -> Path:
        """The file of one storage key (:func:`storage_key`: an organization at a server).

        Usage: ``FileStorage("/tmp/s").path_for("org-1")`` -> ``/tmp/s/session-org-1.json``
        """
        return self.directory / f"session-{self._name(organization_id)}.json"

    def lock_path_for(self, organization_id: str) -> Path:
        """The lock file of one storage key (never holds data)."""
        return self.directory / f".session-{self._name(organization_id)}.lock"

    @staticmethod
    def _name(key: str) -> str:
        name = _SAFE_NAME.sub("_", key) or "_"
        if "@" in key:  # a server's URL: readable, and a digest keeps distinct URLs apart
            name = f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
        return name

    def _remove_stale_temp_files(self) -> int:
        removed = 0
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return 0
        now, uid = time.time(), os.getuid()
        for entry in entries:
            if not _TEMP_NAME.match(entry.name):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
                if info.st_uid != uid or now - info.st_mtime < _STALE_TEMP_SECONDS:
                    continue
                os.unlink(entry.path)
                removed += 1
            except OSError:
                continue
        if removed:
            _log.warning("removed %d temporary session file(s) of an interrupted save in %s",
                         removed, self.directory)
        return removed

    async def load(self, organization_id: str) -> StoredSession | None:
        path = self.path_for(organization_id)
        try:
            text = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            _log.warning("cannot read stored session %s: %s", path, type(exc).__name__)
            return None
        try:
            return StoredSession.from_json(text)
        except DecodeError as exc:
            # The content may hold tokens: name the file and the field, never the text.
            _log.warning("ignoring corrupt stored session %s (%s)", path, exc.path)
            return None

    async def save(self, organization_id: str, stored: StoredSession) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path_for(organization_id)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.directory)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(stored.to_json())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        except BaseException:
            try:
                os.unlink(temp)
            except FileNotFoundError:
                pass
            raise

    async def clear(self, organization_id: str) -> None:
        try:
            self.path_for(organization_id).unlink()
        except FileNotFoundError:
            pass

    @contextlib.asynccontextmanager
    async def exclusive(self, organization_id: str) -> AsyncIterator[None]:
        """``flock`` the organization's lock file, polling without blocking the event loop
        (another ``FileStorage`` on the same directory, in this process or another, waits).

        Usage: ``async with storage.exclusive(org): ...``
        """
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path_for(organization_id), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.lock_timeout
            delay = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if loop.time() >= deadline:
                        raise StorageLockTimeout(
                            f"the session lock of {organization_id!r} is held by another "
                            f"process for more than {self.lock_timeout:g} s") from None
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def __repr__(self) -> str:
        return f"FileStorage({str(self.directory)!r})"
