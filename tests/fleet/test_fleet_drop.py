"""A fleet against the real sandbox over loopback, on a real local Ray and in one event loop:
everyone admitted, the driver's streams see every shopper, the summary matches the sandbox's
own count, a failing behaviour is counted and not a crash, and both backends agree."""

from __future__ import annotations

from collections import defaultdict

import pytest
from fleet_helpers import QUEUE_ID, queue_scenario, target_of

from fanfare_rx import ExperienceJourney
from fanfare_rx.fleet import (
    Fleet,
    FleetSummary,
    ShopperChange,
    ShopperEvent,
    ShopperWorker,
    enter_and_wait,
    shopper_ids,
)
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines.queue import QueueEngine
from fanfare_rx.sandbox.scenario import parse_scenario

pytestmark = pytest.mark.integration

SHOPPERS = 100  # 2 actors x 50 on Ray


@pytest.fixture(params=["local", "ray"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "ray":
        request.getfixturevalue("ray_cluster")
    name: str = request.param
    return name


def queue_of(sandbox: Sandbox) -> QueueEngine:
    return sandbox.world.engine(QUEUE_ID, QueueEngine)


async def admitted_quickly(journey: ExperienceJourney) -> str:
    return await enter_and_wait(journey, poll_ms=200, timeout=60)


async def test_a_fleet_admits_everyone_and_the_driver_sees_every_shopper(
        fast_sandbox: Sandbox, backend: str) -> None:
    fleet = Fleet(target_of(fast_sandbox), shoppers=SHOPPERS, backend=backend, actors=2,
                  interval=0.2)
    last: dict[str, ShopperChange] = {}
    received: list[ShopperChange] = []
    fleet.changes.subscribe(received.append)
    events: dict[str, list[ShopperEvent]] = defaultdict(list)
    progress: list[FleetSummary] = []
    completed: list[str] = []
    fleet.changes.subscribe(lambda change: last.__setitem__(change.shopper_id, change),
                            on_completed=lambda: completed.append("changes"))
    fleet.events.subscribe(lambda event: events[event.shopper_id].append(event))
    fleet.progress.subscribe(progress.append)

    summary = await fleet.run(admitted_quickly)

    everyone = set(shopper_ids(SHOPPERS))
    assert set(last) == everyone
    assert {change.state.sequence_stage for change in last.values()} == {"admitted"}
    assert len(received) >= SHOPPERS
    assert set(events) == everyone
    assert summary.admitted == summary.finished == summary.started == SHOPPERS
    assert summary.admitted == queue_of(fast_sandbox).admitted
    assert dict(summary.outcomes) == {"admitted": SHOPPERS}
    assert dict(summary.errors) == {}
    assert completed == ["changes"]
    assert progress and progress[-1].finished == SHOPPERS
    assert summary.timeline[-1].admitted == SHOPPERS
    assert summary.cpu_seconds > 0


async def test_no_admission_grant_reaches_the_driver(fast_sandbox: Sandbox,
                                                     backend: str) -> None:
    fleet = Fleet(target_of(fast_sandbox), shoppers=10, backend=backend, actors=2)
    seen: list[str] = []
    fleet.changes.subscribe(lambda change: seen.append(repr(change)))
    fleet.events.subscribe(lambda event: seen.append(repr(event) + repr(event.event.detail)))

    summary = await fleet.run(admitted_quickly)

    grants = [record.grant.token for record in queue_of(fast_sandbox).records.values()
              if record.grant is not None]
    assert summary.admitted == len(grants) == 10
    text = "\n".join(seen)
    assert not [grant for grant in grants if grant in text]


async def test_a_worker_coalesces_changes_between_drains(fast_sandbox: Sandbox) -> None:
    worker = ShopperWorker(target_of(fast_sandbox), admitted_quickly)
    ids = shopper_ids(5)

    await worker.run(ids)
    batch = worker.drain()

    # One change per shopper (its latest), though each went through several revisions.
    assert [change.shopper_id for change in batch.changes] == ids
    assert {change.state.sequence_stage for change in batch.changes} == {"admitted"}
    assert min(change.state.revision for change in batch.changes) > 1
    assert {result.shopper_id for result in batch.results} == set(ids)
    assert (batch.started, batch.done) == (5, True)
    for shopper in ids:  # every event, in order, none twice
        stamps = [event.event.id for event in batch.events if event.shopper_id == shopper]
        assert stamps and len(stamps) == len(set(stamps))
    assert worker.drain().changes == ()


async def in_line_then_odd_fail(journey: ExperienceJourney) -> str:
    """Enter the queue; on an even place in line, fail."""
    await journey.start()
    snapshot = await journey.enter_queue()
    position = snapshot.context.position
    if position is None or position % 2 == 0:
        raise ValueError(f"no luck at place {position}")
    return "in line"


async def test_a_behaviour_that_raises_is_counted_as_an_error(still_sandbox: Sandbox,
                                                              backend: str) -> None:
    fleet = Fleet(target_of(still_sandbox), shoppers=20, backend=backend, actors=2)

    summary = await fleet.run(in_line_then_odd_fail)

    assert summary.finished == 20
    assert dict(summary.outcomes) == {"in line": 10, "error": 10}
    assert dict(summary.errors) == {"ValueError": 10}
    assert summary.error_count == summary.timeline[-1].errors == 10
    assert all("ValueError: no luck at place" in sample for sample in summary.error_samples)
    assert summary.admitted == queue_of(still_sandbox).admitted == 0
    assert len(queue_of(still_sandbox).line) == 20


async def test_the_local_backend_gives_the_same_summary_as_ray(ray_cluster: None) -> None:
    summaries: list[FleetSummary] = []
    for backend in ("local", "ray"):
        async with Sandbox(parse_scenario(queue_scenario(60))) as sandbox:
            fleet = Fleet(target_of(sandbox), shoppers=16, backend=backend, actors=2)
            summaries.append(await fleet.run(in_line_then_odd_fail))
    local, on_ray = summaries
    assert (local.shoppers, local.finished, local.admitted) == (on_ray.shoppers,
                                                                on_ray.finished, on_ray.admitted)
    assert dict(local.outcomes) == dict(on_ray.outcomes) == {"in line": 8, "error": 8}
    assert dict(local.errors) == dict(on_ray.errors)

