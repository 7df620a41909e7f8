"""Fixtures shared by the tests of the Consumer API client (``tests/wire``) and of the sessions
and storages built on it (``tests/client``): an in-process sandbox on a manual clock and
clients whose retry waits are recorded instead of slept, all closed (and checked) at the end;
in those folders and ``tests/integration`` an aiohttp session left open fails the test.

A folder's own conftest may override any of them (``tests/sandbox`` has its own ``api``)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from client_helpers import Events

from fanfare_rx.client.session import SessionManager
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import HttpConfig
from fanfare_rx.wire.retry import RetryPolicy

#: The folders whose tests open API clients (through these fixtures, or ``Fanfare`` instances).
API_CLIENT_FOLDERS = frozenset(Path(__file__).parent / name
                               for name in ("client", "wire", "integration"))


#: What may start a local Ray: the fleet tests, the Redis fleet's restart, the fleet notebooks'
#: kernels and the fleet benchmark's smoke run. In a parallel run (``pytest -n 2``) they share one
#: worker (``--dist loadgroup``), so two local Rays never start side by side on the machine.
RAY_PATHS = frozenset({"05_fleet_drop.ipynb", "06_drop_lab.ipynb",
                       "test_redis_fleet_restart.py"})
RAY_FOLDER = Path(__file__).parent / "fleet"


def _starts_ray(item: pytest.Item) -> bool:
    return (item.path.parent == RAY_FOLDER or item.path.name in RAY_PATHS
            or item.name == "test_benchmark_runs_quick[fleet]")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # An aiohttp session left open warns in __del__; make that fail the API client tests.
    for item in items:
        if item.path.parent in API_CLIENT_FOLDERS:
            item.add_marker(pytest.mark.filterwarnings("error::ResourceWarning"))
        if _starts_ray(item):
            item.add_marker(pytest.mark.xdist_group("ray"))


@pytest.fixture
def collector_off() -> Iterator[None]:
    """No automatic collection while a test counts objects or looks for cyclic garbage (a
    collection would move or free what is counted); debug flags a test set are cleared after."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.enable()
        gc.collect()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="manual", seed=0) as running:
        yield running


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
async def make_api(sandbox: Sandbox, sleep: RecordedSleep,
                   events: Events) -> AsyncIterator[Callable[..., ConsumerApi]]:
    """Build clients on the sandbox (sandbox clock, recorded sleeps, seeded jitter)."""
    made: list[ConsumerApi] = []

    def make(**kwargs: Any) -> ConsumerApi:
        clock = sandbox.world.clock.time
        sessions = kwargs.pop("sessions", None) or SessionManager(
            sandbox.organization_id, on_event=events, storage=kwargs.pop("storage", None))
        # Shorthands of the tests: retry= and timeout= replace fields of the seeded config.
        http = kwargs.pop("http", None) or HttpConfig(retry=RetryPolicy(seed=0))
        if "retry" in kwargs:
            http = attrs.evolve(http, retry=kwargs.pop("retry"))
        if "timeout" in kwargs:
            http = attrs.evolve(http, timeout=kwargs.pop("timeout"))
        kwargs["http"] = http
        kwargs.setdefault("sleep", sleep)
        kwargs.setdefault("clock", clock)
        api = ConsumerApi(sandbox.base_url, sandbox.publishable_key,
                          organization_id=sandbox.organization_id, sessions=sessions, **kwargs)
        made.append(api)
        return api

    try:
        yield make
    finally:
        for api in made:
            session = api.client_session
            await api.close()
            assert api.closed
            if session is not None:
                assert session.closed
                assert session.connector is None or session.connector.closed


@pytest.fixture
async def api(make_api: Callable[..., ConsumerApi]) -> ConsumerApi:
    return make_api()
