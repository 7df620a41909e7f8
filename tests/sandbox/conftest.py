"""Fixtures for the sandbox tests: an in-process sandbox on a manual clock and a small JSON
client that talks to it over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sandbox_helpers import Api

from fanfare_rx.sandbox import Sandbox, Scenario


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="manual", seed=0) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    try:
        yield session
    finally:
        await session.close()


@pytest.fixture
async def api(sandbox: Sandbox, http: aiohttp.ClientSession) -> Api:
    return Api(http, sandbox)


@pytest.fixture
async def custom() -> AsyncIterator[Any]:
    """Start sandboxes on custom scenarios; all are stopped at the end."""
    started: list[tuple[Sandbox, aiohttp.ClientSession]] = []

    async def start(scenario: Scenario, **kwargs: Any) -> Api:
        running = await Sandbox(scenario, **kwargs).start()
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        started.append((running, session))
        return Api(session, running)

    try:
        yield start
    finally:
        for running, session in started:
            await session.close()
            await running.stop()
