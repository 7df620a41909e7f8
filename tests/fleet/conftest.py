"""Fixtures of the fleet tests: one local Ray for the session, and in-process sandboxes with a
fast queue (real clock, accelerated) or a still one (manual clock: nobody is admitted)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import ray
from fleet_helpers import queue_scenario

from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import parse_scenario


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[None]:
    """A local Ray on two CPUs, started once and shut down after the last test."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
async def fast_sandbox() -> AsyncIterator[Sandbox]:
    """A queue admitting 60,000 a sandbox minute, at ten times real time."""
    async with Sandbox(parse_scenario(queue_scenario(60_000)), clock="real", speed=10) as sandbox:
        yield sandbox


@pytest.fixture
async def still_sandbox() -> AsyncIterator[Sandbox]:
    """A queue on a manual clock: shoppers get in line, nobody is admitted."""
    async with Sandbox(parse_scenario(queue_scenario(60))) as sandbox:
        yield sandbox
