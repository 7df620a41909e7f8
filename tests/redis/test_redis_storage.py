"""RedisStorage against a real redis-server: the protocol round trip, keys per organization and
consumer, TTLs from the tokens' lifetimes, the expiring lock as the exclusive section."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis import asyncio as aioredis

from fanfare_rx import Fanfare
from fanfare_rx.client.redis_storage import RedisStorage
from fanfare_rx.client.storage import SessionStorage, StorageLockTimeout, StoredSession
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox

ACCESS = "acc." + "A" * 60
REFRESH = "ref." + "R" * 60


def _stored(consumer: str = "guest_1", journeys: dict[str, str] | None = None,
            refresh_in: float = 600.0) -> StoredSession:
    now = datetime.now(tz=UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the JSON keeps milliseconds
    expires = now + timedelta(seconds=60)
    session = wire.SessionInfo(type=wire.SessionType.GUEST, consumer_id=consumer,
                               expires_at=expires, guest_id=consumer)
    return StoredSession(session=session, access_token=ACCESS, access_expires_at=expires,
                         refresh_token=REFRESH,
                         refresh_expires_at=now + timedelta(seconds=refresh_in),
                         journeys=journeys or {}, access_issued_at=now)


async def test_round_trip_with_keys_per_organization_and_consumer(
        make_storage: Callable[..., RedisStorage], redis_client: aioredis.Redis) -> None:
    storage = make_storage(prefix="shop")
    assert isinstance(storage, SessionStorage)
    assert await storage.load("org-1") is None
    stored = _stored(journeys={"exp-1": '{"revision":3}', "exp-2": "{}"})
    await storage.save("org-1", stored)
    assert await make_storage(prefix="shop").load("org-1") == stored  # another replica
    assert await storage.load("org-2") is None
    assert await make_storage(prefix="other").load("org-1") is None
    keys = sorted(k.decode() if isinstance(k, bytes) else k for k in await redis_client.keys("*"))
    assert keys == ["shop:org-1:consumer:guest_1:journeys", "shop:org-1:consumer:guest_1:session",
                    "shop:org-1:current", storage.watch_key()]
    assert await redis_client.hget("shop:org-1:consumer:guest_1:journeys", "exp-1") \
        == b'{"revision":3}'
    await storage.clear("org-1")
    await storage.clear("org-1")
    assert await storage.load("org-1") is None
    assert await redis_client.keys("*") == [storage.watch_key().encode()]


async def test_keys_expire_with_the_refresh_token(
        make_storage: Callable[..., RedisStorage], redis_client: aioredis.Redis) -> None:
    storage = make_storage()
    await storage.save("org", _stored(journeys={"exp": "{}"}, refresh_in=600))
    for key in ("fanfare:org:current", "fanfare:org:consumer:guest_1:session",
                "fanfare:org:consumer:guest_1:journeys"):
        assert 590 <= await redis_client.ttl(key) <= 601
    no_refresh = StoredSession(session=_stored().session, access_token=ACCESS,
                               access_expires_at=_stored().access_expires_at)
    await storage.save("org", no_refresh)  # only an access token: its lifetime
    assert 50 <= await redis_client.ttl("fanfare:org:current") <= 61


async def test_saving_another_consumer_switches_the_current_pointer_only(
        make_storage: Callable[..., RedisStorage], redis_client: aioredis.Redis) -> None:
    storage = make_storage()
    await storage.save("org", _stored("guest_1", journeys={"exp": "{}"}))
    await storage.save("org", _stored("guest_2"))
    loaded = await storage.load("org")
    assert loaded is not None and loaded.session.consumer_id == "guest_2"
    assert loaded.journeys == {}  # journeys stay with their consumer
    assert await redis_client.hget("fanfare:org:consumer:guest_1:journeys", "exp") == b"{}"


async def test_a_corrupt_record_is_no_session_and_never_logged(
        make_storage: Callable[..., RedisStorage], redis_client: aioredis.Redis) -> None:
    storage = make_storage()
    await storage.save("org", _stored())
    await redis_client.set("fanfare:org:consumer:guest_1:session", b"{broken " + ACCESS.encode())
    assert await storage.load("org") is None


async def test_exclusive_section_excludes_another_replica(
        make_storage: Callable[..., RedisStorage]) -> None:
    first, second = make_storage(), make_storage()
    order: list[str] = []
    inside = asyncio.Event()

    async def hold() -> None:
        async with first.exclusive("org"):
            order.append("a in")
            inside.set()
            await asyncio.sleep(0.1)
            order.append("a out")

    task = asyncio.create_task(hold())
    await inside.wait()
    async with second.exclusive("org"):
        order.append("b in")
    await task
    assert order == ["a in", "a out", "b in"]


async def test_a_lock_left_by_a_killed_replica_expires(
        make_storage: Callable[..., RedisStorage], redis_client: aioredis.Redis) -> None:
    dead = redis_client.lock("fanfare:org:lock", timeout=0.5)
    assert await dead.acquire()  # never released: its holder is gone
    impatient = make_storage(lock_timeout=0.1)
    with pytest.raises(StorageLockTimeout):
        async with impatient.exclusive("org"):
            pass
    async with make_storage(lock_timeout=5).exclusive("org"):
        pass  # taken once the dead holder's lock expired


async def test_two_servers_of_one_organization_keep_their_own_sessions(
        make_storage: Callable[..., RedisStorage]) -> None:
    async with Sandbox(clock="manual", seed=0) as one, Sandbox(clock="manual", seed=0) as two:
        made: list[Fanfare] = []
        for sandbox in (one, two, one):
            made.append(await Fanfare.init(
                organization_id=sandbox.organization_id, publishable_key=sandbox.publishable_key,
                base_url=sandbox.base_url, storage=make_storage()))
        try:
            first, second, again = made
            assert first.sessions.storage_key != second.sessions.storage_key
            await first.sessions.ensure()
            assert await second.restore() is None  # the other server's guest is not ours
            await second.sessions.ensure()
            restored = await again.restore()
            assert restored is not None and restored == first.auth.session
            assert second.auth.session is not None
            assert second.auth.session.consumer_id in two.world.accounts.consumers
        finally:
            for fanfare in made:
                await fanfare.destroy()


async def test_a_storage_closes_the_client_it_owns_and_only_that_one(
        redis_url: str, redis_client: aioredis.Redis) -> None:
    async def connections(expected: int | None = None) -> int:
        """The server's client count (waiting up to a second for it to reach ``expected``:
        the server sees a close a moment after it was sent)."""
        for _ in range(100):
            count = len(await redis_client.client_list())
            if count == expected or expected is None:
                break
            await asyncio.sleep(0.01)
        return count

    lent = aioredis.Redis.from_url(redis_url)
    owned = aioredis.Redis.from_url(redis_url)
    try:
        for client in (lent, owned):
            await client.ping()
        before = await connections()
        await RedisStorage(lent, watch_interval=None).aclose()
        assert await connections() == before  # the caller's client stays connected
        await RedisStorage(owned, watch_interval=None, owns_client=True).aclose()
        assert await connections(before - 1) == before - 1
        assert await lent.ping()
    finally:
        await lent.aclose()
        await owned.aclose()
