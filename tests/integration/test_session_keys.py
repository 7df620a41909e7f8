"""Sessions of different servers never collide: the stored session is keyed by the server's
base URL and the organization (file, memory; Redis in tests/redis). A record of the older
format (keyed by the organization alone) is still read, by one server only, and a lost session
says what to do. ``FileStorage("")`` is refused (it would write tokens into the current
directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from integration_helpers import consumer_id

from fanfare_rx import Fanfare
from fanfare_rx.client.storage import FileStorage, MemoryStorage, SessionStorage, storage_key
from fanfare_rx.errors import FanfareError, UsageError
from fanfare_rx.sandbox import Sandbox


async def _init(sb: Sandbox, storage: SessionStorage) -> Fanfare:
    return await Fanfare.init(organization_id=sb.organization_id,
                              publishable_key=sb.publishable_key, base_url=sb.base_url,
                              storage=storage)


def _consumers(sb: Sandbox) -> set[str]:
    return set(sb.world.accounts.consumers)


@pytest.mark.parametrize("kind", ["file", "memory"])
async def test_two_servers_of_one_organization_keep_their_own_sessions(
        tmp_path: Path, kind: str) -> None:
    storage: SessionStorage = FileStorage(tmp_path) if kind == "file" else MemoryStorage()
    async with Sandbox(clock="manual", seed=0) as one, Sandbox(clock="manual", seed=0) as two:
        assert one.organization_id == two.organization_id and one.base_url != two.base_url
        first = await _init(one, storage)
        await first.sessions.ensure()
        guest_one = consumer_id(first)
        await first.destroy()

        second = await _init(two, storage)
        assert await second.restore() is None  # the other server's guest is not ours
        await second.sessions.ensure()
        guest_two = consumer_id(second)
        await second.destroy()
        assert guest_one in _consumers(one) and guest_two in _consumers(two)

        again = await _init(one, storage)
        restored = await again.restore()
        assert restored is not None and restored.consumer_id == guest_one
        await again.destroy()
    if kind == "file":
        names = sorted(p.name for p in tmp_path.glob("session-*.json"))
        assert len(names) == 2  # one file per server, each named after its organization
        assert all(name.startswith(f"session-{one.organization_id}_http") for name in names)


async def test_an_older_record_is_read_by_the_first_server_only(tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    async with Sandbox(clock="manual", seed=0) as one, Sandbox(clock="manual", seed=0) as two:
        org = one.organization_id
        # A record as written before keys named the server: under the organization alone.
        writer = await _init(one, storage)
        await writer.sessions.ensure()
        guest = consumer_id(writer)
        record = await storage.load(writer.sessions.storage_key)
        assert record is not None
        await storage.clear(writer.sessions.storage_key)
        await storage.save(org, record)
        await writer.destroy()
        assert storage.path_for(org).exists()

        reader = await _init(one, storage)
        restored = await reader.restore()
        assert restored is not None and restored.consumer_id == guest
        await reader.destroy()
        assert not storage.path_for(org).exists()  # moved under this server's key
        assert storage.path_for(storage_key(org, one.base_url)).exists()

        other = await _init(two, storage)
        assert await other.restore() is None  # never a second reader
        await other.destroy()


async def test_a_lost_session_says_what_to_do(sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    for session in sb.world.accounts.sessions.values():
        session.revoked = True  # as a server that no longer knows the session
    with pytest.raises(FanfareError) as raised:
        await journey.refresh_distribution()
    message = raised.value.message
    assert raised.value.code == "SESSION_LOST"
    assert sb.organization_id in message and sb.base_url in message
    assert "sign in again" in message and "start_new_guest()" in message


@pytest.mark.parametrize("directory", ["", "   ", None, 3])
def test_file_storage_needs_a_directory(directory: Any) -> None:
    with pytest.raises(UsageError, match="directory"):
        FileStorage(directory)


def test_file_storage_lock_timeout_is_seconds() -> None:
    with pytest.raises(UsageError):
        FileStorage("/tmp/fanfare-unused", lock_timeout=float("nan"))
