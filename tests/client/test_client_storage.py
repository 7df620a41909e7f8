"""Session storage: the memory and file backends, atomic 0600 writes, corrupt files, redaction,
the fcntl-locked exclusive section and the removal of temp files of an interrupted save."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fanfare_rx.client.storage import (
    FileStorage,
    MemoryStorage,
    SessionStorage,
    StorageLockTimeout,
    StoredSession,
)
from fanfare_rx.models import wire

ACCESS = "acc." + "A" * 60
REFRESH = "ref." + "R" * 60


def _stored(consumer: str = "guest_1", journeys: dict[str, str] | None = None) -> StoredSession:
    expires = datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    session = wire.SessionInfo(type=wire.SessionType.GUEST, consumer_id=consumer,
                               expires_at=expires, guest_id=consumer)
    return StoredSession(session=session, access_token=ACCESS, access_expires_at=expires,
                         refresh_token=REFRESH, refresh_expires_at=expires,
                         journeys=journeys or {})


def test_backends_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(MemoryStorage(), SessionStorage)
    assert isinstance(FileStorage(tmp_path), SessionStorage)


async def test_memory_storage_round_trip() -> None:
    storage = MemoryStorage()
    assert await storage.load("org") is None
    await storage.save("org", _stored())
    assert await storage.load("org") == _stored() and await storage.load("other") is None
    await storage.clear("org")
    await storage.clear("org")
    assert await storage.load("org") is None


async def test_file_round_trip_keeps_journeys(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path / "state")
    stored = _stored(journeys={"exp-1": '{"revision":2,"journeyStage":"routed"}'})
    await storage.save("org-1", stored)
    assert await storage.load("org-1") == stored
    assert await storage.load("org-2") is None
    await storage.save("org-2", _stored("guest_2"))
    loaded = await storage.load("org-2")
    assert loaded is not None and loaded.session.consumer_id == "guest_2"
    assert await storage.load("org-1") == stored  # one file per organization


async def test_file_and_directory_modes(tmp_path: Path) -> None:
    directory = tmp_path / "nested" / "state"
    storage = FileStorage(directory)
    await storage.save("org", _stored())
    path = storage.path_for("org")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    await storage.save("org", _stored("guest_2"))  # replacing keeps the mode
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == [path.name]  # no temp files left


async def test_write_is_atomic_when_replacing_fails(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    storage = FileStorage(tmp_path)
    await storage.save("org", _stored("guest_old"))
    before = storage.path_for("org").read_bytes()

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        await storage.save("org", _stored("guest_new"))
    monkeypatch.undo()
    assert storage.path_for("org").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [storage.path_for("org").name]


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"version": 99}',
                                     b'{"version": 1, "accessToken": "acc.SECRETSECRET"}',
                                     b"[" * 100_000 + b"]" * 100_000,  # would exhaust recursion
                                     b'{"version": 1, "expiresAt": NaN}'])
async def test_corrupt_file_is_no_session_and_logged_without_content(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes) -> None:
    storage = FileStorage(tmp_path)
    storage.path_for("org").write_bytes(content)
    with caplog.at_level(logging.DEBUG, logger="fanfare_rx"):
        assert await storage.load("org") is None
    assert caplog.records, "a corrupt file is reported"
    assert all("SECRET" not in r.getMessage() and "not json" not in r.getMessage()
               for r in caplog.records)


async def test_clear_removes_the_file_and_is_idempotent(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    await storage.save("org", _stored())
    await storage.clear("org")
    await storage.clear("org")
    assert await storage.load("org") is None and not storage.path_for("org").exists()


def test_organization_ids_cannot_escape_the_directory(tmp_path: Path) -> None:
    path = FileStorage(tmp_path).path_for("../../etc/passwd")
    assert path.parent == tmp_path


def test_stored_session_repr_redacts_tokens(tmp_path: Path) -> None:
    stored = _stored(journeys={"exp": "x"})
    text = repr(stored) + repr(FileStorage(tmp_path)) + repr(MemoryStorage())
    assert ACCESS not in text and REFRESH not in text
    assert "guest_1" in repr(stored)


def test_json_form_uses_wire_names() -> None:
    text = _stored().to_json()
    assert '"accessToken"' in text and '"refreshExpiresAt"' in text and '"version":1' in text
    assert StoredSession.from_json(text) == _stored()


async def test_file_exclusive_section_excludes_another_storage_on_the_same_directory(
        tmp_path: Path) -> None:
    first, second = FileStorage(tmp_path), FileStorage(tmp_path, lock_timeout=5)
    order: list[str] = []

    async def hold(storage: FileStorage, name: str, started: asyncio.Event | None) -> None:
        async with storage.exclusive("org"):
            order.append(f"{name} in")
            if started is not None:
                started.set()
            await asyncio.sleep(0.05)
            order.append(f"{name} out")

    started = asyncio.Event()
    task = asyncio.create_task(hold(first, "a", started))
    await started.wait()
    await hold(second, "b", None)
    await task
    assert order == ["a in", "a out", "b in", "b out"]
    assert stat.S_IMODE(first.lock_path_for("org").stat().st_mode) == 0o600


async def test_file_exclusive_section_times_out_with_a_typed_error(tmp_path: Path) -> None:
    holder, waiter = FileStorage(tmp_path), FileStorage(tmp_path, lock_timeout=0.05)
    async with holder.exclusive("org"):
        with pytest.raises(StorageLockTimeout) as raised:
            async with waiter.exclusive("org"):
                pass
    assert raised.value.retryable
    async with waiter.exclusive("org"):  # released with the holder's block
        pass


def test_stale_temp_files_of_an_interrupted_save_are_removed_on_open(tmp_path: Path) -> None:
    old = tmp_path / ".session-org.json.k1l2m3.tmp"
    fresh = tmp_path / ".session-org.json.n4o5p6.tmp"
    foreign = tmp_path / ".notes.tmp"
    for path in (old, fresh, foreign):
        path.write_text('{"accessToken": "acc.secret"}')
    long_ago = time.time() - 3600
    os.utime(old, (long_ago, long_ago))
    os.utime(foreign, (long_ago, long_ago))
    storage = FileStorage(tmp_path)
    assert storage.removed_temp_files == 1
    assert not old.exists() and fresh.exists() and foreign.exists()


def test_opening_a_missing_directory_is_fine(tmp_path: Path) -> None:
    assert FileStorage(tmp_path / "not-yet").removed_temp_files == 0
