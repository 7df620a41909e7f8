"""A fleet that loses a Ray actor mid-drop: with a real Redis keeping every shopper's session,
the lost actor's shoppers resume on the surviving one as the same consumers, nobody enters
twice, everyone is admitted once, and the summary counts the loss and the restarts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import ray
from redis import asyncio as aioredis

from fanfare_rx import ExperienceJourney
from fanfare_rx.errors import ConfigError
from fanfare_rx.fleet import (
    Fleet,
    FleetError,
    FleetTarget,
    RayBackend,
    ShopperChange,
    enter_and_wait,
    shopper_ids,
)
from fanfare_rx.models.journey import SequenceStage
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines.queue import QueueEngine
from fanfare_rx.sandbox.scenario import parse_scenario

SHOPPERS = 40  # 2 actors x 20
QUEUE_ID = "queue-restart"
EXPERIENCE_ID = "exp-restart"


@pytest.fixture(scope="module")
def ray_running() -> Iterator[None]:
    """A local Ray on two CPUs (left to its owner when another test file started one)."""
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    if started:
        ray.shutdown()


def _scenario(admit_rate: int) -> dict[str, Any]:
    return {"requestsPerMinute": 1_000_000, "experiences": [{
        "id": EXPERIENCE_ID, "label": "drop", "name": "Drop", "sequences": [{
            "id": "seq-general", "name": "General", "priority": 1,
            "distribution": {"type": "queue", "id": QUEUE_ID, "admitRate": admit_rate}}]}]}


async def admitted(journey: ExperienceJourney) -> str:
    return await enter_and_wait(journey, poll_ms=200, timeout=60)


def _kill_worker_zero_once_in_line(fleet: Fleet, backend: RayBackend) -> list[int]:
    """Kill actor 0 as soon as ten of its shoppers hold a place in line."""
    ours = set(shopper_ids(SHOPPERS)[0::2])  # the driver deals shoppers round-robin
    in_line: set[str] = set()
    killed: list[int] = []

    def watch(change: ShopperChange) -> None:
        if change.shopper_id in ours and change.state.sequence_stage is (
                SequenceStage.PARTICIPATING):
            in_line.add(change.shopper_id)
        if len(in_line) >= 10 and not killed:
            ray.kill(backend.actors[0])
            killed.append(len(in_line))

    fleet.changes.subscribe(watch)
    return killed


async def test_a_killed_actor_s_shoppers_resume_on_the_other_without_a_second_entry(
        ray_running: None, redis_url: str, redis_client: aioredis.Redis) -> None:
    # 60 admissions a sandbox minute at ten times real time: ten a second, four seconds.
    scenario = parse_scenario(_scenario(60))
    async with Sandbox(scenario, clock="real", speed=10) as sandbox:
        target = FleetTarget(sandbox.base_url, sandbox.organization_id,
                             sandbox.publishable_key, experience_id=EXPERIENCE_ID)
        backend = RayBackend(num_cpus=2)
        fleet = Fleet(target, shoppers=SHOPPERS, backend=backend, actors=2, interval=0.2,
                      redis_url=redis_url)
        killed = _kill_worker_zero_once_in_line(fleet, backend)

        summary = await fleet.run(admitted)

        queue = sandbox.world.engine(QUEUE_ID, QueueEngine)
        assert killed, "the actor was never killed"
        assert summary.actors_lost == 1
        assert 10 <= summary.restarts <= SHOPPERS // 2
        assert summary.resumed >= 10  # those in line came back as the same consumers
        assert summary.admitted == summary.finished == summary.started == SHOPPERS
        assert dict(summary.outcomes) == {"admitted": SHOPPERS}
        # The server saw one consumer per shopper, each entered once and admitted once.
        assert len(queue.entries_made) == SHOPPERS
        assert set(queue.entries_made.values()) == {1}
        assert queue.admitted == SHOPPERS
        assert any("actors lost: 1" in line for line in summary.lines())
    # The run's records are gone from Redis afterwards.
    assert [key async for key in redis_client.scan_iter(match="fanfare-fleet:*")] == []


async def test_without_redis_a_killed_actor_fails_the_run_naming_what_is_lost(
        ray_running: None) -> None:
    async with Sandbox(parse_scenario(_scenario(60)), clock="real", speed=10) as sandbox:
        target = FleetTarget(sandbox.base_url, sandbox.organization_id,
                             sandbox.publishable_key, experience_id=EXPERIENCE_ID)
        backend = RayBackend(num_cpus=2)
        fleet = Fleet(target, shoppers=SHOPPERS, backend=backend, actors=2, interval=0.2)
        _kill_worker_zero_once_in_line(fleet, backend)
        with pytest.raises(FleetError, match="worker 0 was lost with .* unfinished shoppers"):
            await fleet.run(admitted)


def test_a_redis_url_is_checked_where_given() -> None:
    target = FleetTarget("http://127.0.0.1:1", "org", "pk_test_x", experience_id="e")
    with pytest.raises(ConfigError, match="redis_url must be a Redis URL"):
        Fleet(target, shoppers=2, redis_url="http://127.0.0.1:6379")
