"""Fixtures for the end-to-end tests: a sandbox on a manual clock and ``Fanfare`` instances
bound to it over loopback HTTP, all destroyed (and checked for leaks) in teardown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from integration_helpers import MakeFanfare

from fanfare_rx import Fanfare
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.retry import RetryPolicy


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # (tests/conftest.py makes an aiohttp session left open fail these tests.)
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="manual", seed=0) as running:
        yield running


@pytest.fixture
async def make_fanfare(sb: Sandbox, sleep: RecordedSleep) -> AsyncIterator[MakeFanfare]:
    """Build ``Fanfare`` instances on the sandbox (seeded jitter, recorded retry waits)."""
    made: list[Fanfare] = []

    async def make(**kwargs: Any) -> Fanfare:
        kwargs.setdefault("retry", RetryPolicy(seed=0))
        kwargs.setdefault("sleep", sleep)
        fanfare = await Fanfare.init(
            organization_id=sb.organization_id, publishable_key=sb.publishable_key,
            base_url=sb.base_url, **kwargs)
        made.append(fanfare)
        return fanfare

    try:
        yield make
    finally:
        for fanfare in made:
            session = fanfare.api.client_session
            await fanfare.destroy()
            assert fanfare.api.closed
            if session is not None:
                assert session.closed
                assert session.connector is None or session.connector.closed


@pytest.fixture
async def fanfare(make_fanfare: MakeFanfare) -> Fanfare:
    return await make_fanfare()
