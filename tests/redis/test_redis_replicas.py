"""Replicas sharing sessions through Redis: two Fanfare instances refreshing one session
concurrently under the sandbox's fault plan keep one consumer and one entry; a replica dropped
mid-queue without destroy is replaced by another that resumes the same place."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from fanfare_rx import Fanfare
from fanfare_rx.client.redis_storage import RedisStorage
from fanfare_rx.models.wire import QueueStatus
from fanfare_rx.sandbox import Sandbox, default_scenario
from fanfare_rx.sandbox.engines.queue import QueueEngine
from fanfare_rx.wire.codec import snapshot_from_json
from fanfare_rx.wire.retry import RetryPolicy

SHARED_FAULTS = {"seed": 11, "rules": [
    {"match": "POST /auth/refresh", "kind": "status", "status": 503, "times": 2},
    {"match": "POST /auth/refresh", "kind": "drop", "when": "before", "times": 2},
    {"match": "POST /auth/refresh", "kind": "delay", "seconds": 0.05, "probability": 0.5},
    {"match": "POST /queues/*/enter", "kind": "drop", "when": "after", "probability": 0.5},
    {"match": "GET /queues/*/status", "kind": "status", "status": 503, "probability": 0.2},
    {"match": "*", "kind": "malformed", "probability": 0.02},
]}

MakeFanfare = Callable[..., Awaitable[Fanfare]]


def _queue_engine(sb: Sandbox) -> QueueEngine:
    experience = sb.world.experiences[sb.experiences["queue"]]
    engine = sb.world.engine_of_sequence[experience.sequences[0].id]
    assert isinstance(engine, QueueEngine)
    return engine


class Names:
    def __init__(self, fanfare: Fanfare) -> None:
        self.items: list[str] = []
        fanfare.on("*", lambda e: self.items.append(str(e["name"])))


async def test_two_replicas_refreshing_one_session_keep_one_consumer_and_one_entry(
        make_storage: Callable[..., RedisStorage]) -> None:
    scenario = attrs.evolve(default_scenario(), access_token_ttl_seconds=2)
    async with Sandbox(scenario, clock="manual", seed=0) as sb:
        made: list[Fanfare] = []

        async def make() -> Fanfare:
            fanfare = await Fanfare.init(
                organization_id=sb.organization_id, publishable_key=sb.publishable_key,
                base_url=sb.base_url, storage=make_storage(),
                retry=RetryPolicy(max_attempts=6, base_delay=0.02, max_delay=0.1, seed=len(made)))
            made.append(fanfare)
            return fanfare

        try:
            first = await make()
            journey_a = first.experiences.create_journey(sb.experiences["queue"])
            await journey_a.start()
            await journey_a.enter_queue()
            consumer = first.auth.session
            assert consumer is not None
            second = await make()
            assert await second.restore() == consumer
            (journey_b,) = await second.experiences.resume_all()  # no second entry
            names = [Names(first), Names(second)]
            sb.faults.set(SHARED_FAULTS)
            for journey in (journey_a, journey_b):
                journey.start_polling(100)
            until = time.monotonic() + 6  # three token lifetimes, a refresh every second
            while time.monotonic() < until:
                await asyncio.gather(first.sessions.ensure(), second.sessions.ensure())
                await asyncio.sleep(0.05)
            fired = list(sb.faults.fired)
            sb.faults.clear()
            for journey in (journey_a, journey_b):
                journey.stop_polling()
                await journey.refresh_distribution()
            sessions = [fanfare.auth.session for fanfare in made]
            engine = _queue_engine(sb)
        finally:
            for fanfare in made:
                await fanfare.destroy()
    refreshes = [n.items.count("auth:refreshed") for n in names]
    print(f"\ntwo replicas on Redis: refreshes seen {refreshes}, faults fired {fired}, "
          f"consumers {len(sb.world.accounts.consumers)}, entries {len(engine.records)}")
    assert fired[:2] == [2, 2]  # the first refreshes met a 503 and a dropped connection
    assert all(s is not None and s.consumer_id == consumer.consumer_id for s in sessions)
    assert len(sb.world.accounts.consumers) == 1  # nobody became a new guest
    assert list(engine.records) == [consumer.consumer_id]
    assert engine.line.count(consumer.consumer_id) == 1
    assert all("auth:session_lost" not in n.items for n in names)
    assert min(refreshes) >= 2  # both replicas kept refreshing (rotating or adopting)
    for journey in (journey_a, journey_b):
        snap = journey.state.get()
        assert snap.sequence_stage == "participating" and snap.context.position == 41


async def test_a_replica_dropped_mid_queue_is_replaced_by_one_resuming_the_place(
        sb: Sandbox, make_fanfare: MakeFanfare, make_storage: Callable[..., RedisStorage]) -> None:
    killed = await Fanfare.init(organization_id=sb.organization_id,
                                publishable_key=sb.publishable_key, base_url=sb.base_url,
                                storage=make_storage())
    try:
        journey = killed.experiences.create_journey(sb.experiences["queue"])
        await journey.start()
        await journey.enter_queue()
        consumer = killed.auth.session
        assert consumer is not None and journey.context.get().position == 41
        probe = make_storage()
        for _ in range(100):  # the journey record is written in the background
            stored = await probe.load(killed.sessions.storage_key)
            if stored is not None and sb.experiences["queue"] in stored.journeys:
                break
            await asyncio.sleep(0.02)
        # The replica dies here: no destroy, no logout, nothing written any more.
        replacement = await make_fanfare(storage=make_storage())
        assert await replacement.restore() == consumer
        saved: Any = replacement.sessions.journeys[sb.experiences["queue"]]
        kept = snapshot_from_json(saved)
        assert kept.sequence_stage == "participating" and kept.context.position == 41
        (resumed,) = await replacement.experiences.resume_all()
        snap = resumed.state.get()
        assert (snap.journey_stage, snap.sequence_stage) == ("routed", "participating")
        assert snap.context.position == 41
        await sb.advance(10)
        await resumed.refresh_distribution()
        assert resumed.context.get().position == 31  # the same place, moving on
        engine = _queue_engine(sb)
        assert list(engine.records) == [consumer.consumer_id]
        assert engine.records[consumer.consumer_id].status is QueueStatus.QUEUED
        assert len(sb.world.accounts.consumers) == 1
    finally:
        await killed.api.close()  # only the sockets, for the test's hygiene
