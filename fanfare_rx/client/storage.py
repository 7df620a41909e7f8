"""Session persistence: the :class:`SessionStorage` protocol, an in-memory backend and a file
backend (one JSON file per organization, written atomically with mode 0600).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import attrs

from fanfare_rx.errors import DecodeError
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.wire import codec

__all__ = ["FileStorage", "MemoryStorage", "SessionStorage", "StoredSession"]

_log = logging.getLogger("fanfare_rx.client.storage")
_FORMAT_VERSION = 1


def _journeys(value: Mapping[str, str]) -> Mapping[str, str]:
    return dict(value)


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

    Usage: ``StoredSession(session=env.session, access_token=env.access_token,
    access_expires_at=env.session.expires_at)``
    """

    session: wire.SessionInfo
    access_token: str = attrs.field(repr=redact)
    access_expires_at: datetime
    refresh_token: str | None = attrs.field(default=None, repr=redact)
    refresh_expires_at: datetime | None = None
    journeys: Mapping[str, str] = attrs.field(factory=dict, converter=_journeys, repr=False)

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
        try:
            parsed: Any = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise DecodeError("malformed stored session JSON", model="StoredSession") from exc
        if not isinstance(parsed, dict) or parsed.get("version") != _FORMAT_VERSION:
            raise DecodeError("unknown stored session format", model="StoredSession")
        result: StoredSession = codec.structure(parsed, cls)
        return result


@runtime_checkable
class SessionStorage(Protocol):
    """Where a :class:`~fanfare_rx.client.session.SessionManager` keeps the session of each
    organization (synchronous: the records are tiny).

    Usage: ``SessionManager(org_id, storage=FileStorage("~/.fanfare"))``
    """

    def load(self, organization_id: str) -> StoredSession | None:
        """The stored session, or None when there is none (or it is unreadable)."""
        ...

    def save(self, organization_id: str, stored: StoredSession) -> None:
        """Replace the stored session."""
        ...

    def clear(self, organization_id: str) -> None:
        """Forget the stored session (no error when there is none)."""
        ...


class MemoryStorage:
    """Sessions in a dict; lives as long as the object.

    Usage: ``storage = MemoryStorage(); storage.load("org") is None``
    """

    def __init__(self) -> None:
        self._records: dict[str, StoredSession] = {}

    def load(self, organization_id: str) -> StoredSession | None:
        return self._records.get(organization_id)

    def save(self, organization_id: str, stored: StoredSession) -> None:
        self._records[organization_id] = stored

    def clear(self, organization_id: str) -> None:
        self._records.pop(organization_id, None)

    def __repr__(self) -> str:
        return f"MemoryStorage(organizations={sorted(self._records)!r})"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


class FileStorage:
    """One JSON file per organization in ``directory``: written to a temporary file in the same
    directory, flushed and ``os.replace``-d (atomic), mode 0600; the directory is created 0700.
    A corrupt or unreadable file counts as no session.

    Args:
        directory: where the files live (``~`` is expanded).

    Usage: ``FileStorage("~/.config/fanfare").save(org_id, stored)``
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()

    def path_for(self, organization_id: str) -> Path:
        """The file of one organization.

        Usage: ``FileStorage("/tmp/s").path_for("org-1")`` -> ``/tmp/s/session-org-1.json``
        """
        name = _SAFE_NAME.sub("_", organization_id) or "_"
        return self.directory / f"session-{name}.json"

    def load(self, organization_id: str) -> StoredSession | None:
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

    def save(self, organization_id: str, stored: StoredSession) -> None:
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

    def clear(self, organization_id: str) -> None:
        try:
            self.path_for(organization_id).unlink()
        except FileNotFoundError:
            pass

    def __repr__(self) -> str:
        return f"FileStorage({str(self.directory)!r})"
