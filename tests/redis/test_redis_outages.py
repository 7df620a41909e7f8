"""Sessions that outlive their store, against a real ``redis-server`` the test kills with
SIGKILL and starts again (empty, as a Redis without persistence comes back):

1. the live replica puts every session and journey record back, so a replica started after
   the restart resumes every shopper at once (same consumer, same place, no second entry);
2. while Redis is away, sessions and journeys work on from memory, every storage failure is a
   typed ``StorageError`` naming no address, nothing replaces a session whose store cannot be
   read, and the rotated tokens reach the store once it is back;
3. a lock left by a killed replica frees itself within its short expiry, names its owner, and a
   wait for it ends in a typed ``StorageLockTimeout``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from redis_helpers import RedisProcess

import fanfare_rx
from fanfare_rx import Fanfare
from fanfare_rx.client.redis_storage import RedisStorage
from fanfare_rx.errors import StorageError, StorageLockTimeout
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines.queue import QueueEngine
from fanfare_rx.wire.retry import RetryPolicy

SHOPPERS = 30
WATCH = 0.1  # seconds between two checks of a storage's watch


def _queue_engine(sb: Sandbox) -> QueueEngine:
    experience = sb.world.experiences[sb.experiences["queue"]]
    engine = sb.world.engine_of_sequence[experience.sequences[0].id]
    assert isinstance(engine, QueueEngine)
    return engine


class Replica:
    """One process's worth of shoppers: a Fanfare and a RedisStorage per shopper (its own
    key namespace), all on one Redis."""

    def __init__(self, sb: Sandbox, url: str) -> None:
        self.sb, self.url = sb, url
        self.shoppers: list[Fanfare] = []
        self.storages: list[RedisStorage] = []
        self.events: list[tuple[str, Mapping[str, Any]]] = []

    async def shopper(self, index: int) -> Fanfare:
        storage = RedisStorage.from_url(self.url, prefix=f"shop{index}", watch_interval=WATCH,
                                        lock_timeout=5)
        fanfare = await Fanfare.init(
            organization_id=self.sb.organization_id, publishable_key=self.sb.publishable_key,
            base_url=self.sb.base_url, storage=storage,
            retry=RetryPolicy(max_attempts=2, base_delay=0.01, seed=index))
        fanfare.on("*", lambda e: self.events.append((str(e["name"]), e)))
        self.shoppers.append(fanfare)
        self.storages.append(storage)
        return fanfare

    async def close(self) -> None:
        for fanfare in self.shoppers:
            await fanfare.destroy()
        for storage in self.storages:
            await storage.aclose()


async def _stored_journeys(url: str, index: int, key: str) -> Mapping[str, str] | None:
    probe = RedisStorage.from_url(url, prefix=f"shop{index}", watch_interval=None)
    try:
        record = await probe.load(key)
    except StorageError:
        return None
    finally:
        await probe.aclose()
    return None if record is None else record.journeys


async def _until(check: Any, timeout: float) -> float:
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


async def test_a_redis_restart_without_persistence_is_refilled_by_the_live_replica(
        sb: Sandbox, killable_redis: RedisProcess) -> None:
    experience = sb.experiences["queue"]
    live, later = Replica(sb, killable_redis.url), Replica(sb, killable_redis.url)
    try:
        places: dict[str, int | None] = {}
        for index in range(SHOPPERS):
            fanfare = await live.shopper(index)
            journey = fanfare.experiences.create_journey(experience)
            await journey.start()
            await journey.enter_queue()
            assert fanfare.auth.session is not None
            places[fanfare.auth.session.consumer_id] = journey.context.get().position
        key = live.shoppers[0].sessions.storage_key

        async def all_stored() -> bool:
            found = [await _stored_journeys(killable_redis.url, i, key) for i in range(SHOPPERS)]
            return all(j is not None and experience in j for j in found)

        await _until(all_stored, timeout=10)
        killable_redis.kill()
        killable_redis.start()  # empty: every session record is gone
        assert await _stored_journeys(killable_redis.url, 0, key) is None
        refill = await _until(all_stored, timeout=10)

        restored = 0
        for index in range(SHOPPERS):
            fanfare = await later.shopper(index)
            session = await fanfare.restore()
            if session is None:
                continue
            (journey,) = await fanfare.experiences.resume_all()
            snap = journey.state.get()
            assert snap.sequence_stage == "participating"
            assert snap.context.position == places[session.consumer_id]
            restored += 1
        engine = _queue_engine(sb)
        resets = sum(s.resets for s in live.storages)
        print(f"\nredis SIGKILL + restart (empty): records back after {refill:.2f} s, "
              f"restored {restored}/{SHOPPERS}, watch resets seen {resets}")
        assert restored == SHOPPERS
        assert len(sb.world.accounts.consumers) == SHOPPERS  # nobody became a new guest
        assert sorted(engine.records) == sorted(places)
        assert all(engine.line.count(c) == 1 for c in places)  # one place each
    finally:
        await live.close()
        await later.close()


async def test_while_redis_is_away_sessions_work_from_memory_with_typed_errors(
        sb: Sandbox, killable_redis: RedisProcess) -> None:
    replica, fresh = Replica(sb, killable_redis.url), Replica(sb, killable_redis.url)
    try:
        fanfare = await replica.shopper(0)
        journey = fanfare.experiences.create_journey(sb.experiences["queue"])
        await journey.start()
        await journey.enter_queue()
        session = fanfare.auth.session
        assert session is not None
        key = fanfare.sessions.storage_key
        killable_redis.kill()

        # Working on from memory: the session, a forced refresh, the journey.
        assert await fanfare.sessions.ensure() == session
        refreshed = await fanfare.auth.refresh()
        assert refreshed.consumer_id == session.consumer_id
        await journey.refresh_distribution()
        assert journey.state.get().sequence_stage == "participating"
        assert fanfare.sessions.store_away

        # The storage itself: a typed error naming no address.
        with pytest.raises(StorageError) as raised:
            await replica.storages[0].load(key)
        assert str(killable_redis.port) not in str(raised.value)
        assert "127.0.0.1" not in str(raised.value)

        # A replica that holds no session yet: a typed error, never a new guest.
        other = await fresh.shopper(0)
        with pytest.raises(StorageError):
            await other.restore()
        with pytest.raises(StorageError):
            await other.sessions.ensure()
        assert len(sb.world.accounts.consumers) == 1

        fallback = [p for n, p in replica.events if n == "storage:fallback"]
        assert len(fallback) == 1
        shown = repr(replica.events)
        assert str(killable_redis.port) not in shown and "127.0.0.1" not in shown
        assert not [n for n, _ in replica.events if n in ("auth:error", "auth:session_lost")]

        killable_redis.start()  # empty; the live replica writes back its newest tokens

        async def back() -> bool:
            journeys = await _stored_journeys(killable_redis.url, 0, key)
            return journeys is not None
        await _until(back, timeout=10)
        assert not fanfare.sessions.store_away
        restored = await other.restore()
        assert restored is not None and restored.consumer_id == session.consumer_id
        assert restored.expires_at == refreshed.expires_at  # the tokens of the outage's refresh
        # The stored refresh token is the one rotated during the outage: it still works.
        again = await other.auth.refresh()
        assert again.consumer_id == session.consumer_id
        assert len(sb.world.accounts.consumers) == 1
    finally:
        await replica.close()
        await fresh.close()


_HOLD_THE_LOCK = textwrap.dedent("""
    import asyncio, sys
    from fanfare_rx.client.redis_storage import RedisStorage

    async def main() -> None:
        storage = RedisStorage.from_url(sys.argv[1], prefix="shop0", lock_expiry=1.5,
                                        watch_interval=None)
        async with storage.exclusive(sys.argv[2]):
            print("held", flush=True)
            await asyncio.sleep(3600)

    asyncio.run(main())
""")


async def test_a_lock_left_by_a_killed_replica_frees_itself_and_names_its_owner(
        sb: Sandbox, killable_redis: RedisProcess) -> None:
    replica = Replica(sb, killable_redis.url)
    try:
        fanfare = await replica.shopper(0)
        await fanfare.sessions.ensure()
        key = fanfare.sessions.storage_key
        root = str(Path(fanfare_rx.__file__).resolve().parents[1])
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _HOLD_THE_LOCK, killable_redis.url, key,
            stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": root})
        try:
            assert holder.stdout is not None
            assert (await holder.stdout.readline()).strip() == b"held"
            storage = replica.storages[0]
            owner = await storage.lock_owner(key)
            assert owner is not None and owner.endswith(f":{holder.pid}")
            await asyncio.sleep(2)  # longer than its expiry: a live holder renews its lease
            impatient = RedisStorage.from_url(killable_redis.url, prefix="shop0",
                                              lock_timeout=0.3, watch_interval=None)
            replica.storages.append(impatient)
            with pytest.raises(StorageLockTimeout) as raised:
                async with impatient.exclusive(key):
                    pass
            assert raised.value.details == {"owner": owner}
            assert str(holder.pid) in raised.value.message
        finally:
            holder.send_signal(signal.SIGKILL)  # the replica dies inside the section
            await holder.wait()
        started = time.monotonic()
        refreshed = await fanfare.auth.refresh()  # waits for the dead lease to run out
        waited = time.monotonic() - started
        print(f"\nlock of a SIGKILLed replica freed after {waited:.2f} s (expiry 1.5 s)")
        assert refreshed.consumer_id == fanfare.auth.session.consumer_id  # type: ignore[union-attr]
        assert waited < 1.5 + 1.0
    finally:
        await replica.close()
