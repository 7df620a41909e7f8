"""Two Fanfare instances on one FileStorage file (two workers, or a CLI beside a service) with
short access tokens refresh concurrently under a fault plan: one consumer, one entry, no
session lost; a restart restores that same consumer."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import attrs

from fanfare_rx import Fanfare, FileStorage
from fanfare_rx.sandbox import Sandbox, default_scenario
from fanfare_rx.sandbox.engines.queue import QueueEngine
from fanfare_rx.wire.retry import RetryPolicy

FAULTS = {"seed": 5, "rules": [
    {"match": "POST /auth/refresh", "kind": "status", "status": 503, "times": 2},
    {"match": "POST /auth/refresh", "kind": "drop", "when": "before", "times": 2},
    {"match": "POST /auth/refresh", "kind": "delay", "seconds": 0.05, "probability": 0.5},
    {"match": "GET /queues/*/status", "kind": "status", "status": 503, "probability": 0.2},
]}


async def test_two_instances_on_one_file_refresh_concurrently_and_keep_one_consumer(
        tmp_path: Path) -> None:
    scenario = attrs.evolve(default_scenario(), access_token_ttl_seconds=2)
    async with Sandbox(scenario, clock="manual", seed=0) as sb:
        made: list[Fanfare] = []
        names: list[list[str]] = []

        async def make() -> Fanfare:
            fanfare = await Fanfare.init(
                organization_id=sb.organization_id, publishable_key=sb.publishable_key,
                base_url=sb.base_url, storage=FileStorage(tmp_path),
                retry=RetryPolicy(max_attempts=6, base_delay=0.02, max_delay=0.1, seed=len(made)))
            seen: list[str] = []
            fanfare.on("*", lambda e: seen.append(str(e["name"])))
            made.append(fanfare)
            names.append(seen)
            return fanfare

        try:
            first = await make()
            journey = first.experiences.create_journey(sb.experiences["queue"])
            await journey.start()
            await journey.enter_queue()
            consumer = first.auth.session
            assert consumer is not None
            second = await make()
            assert await second.restore() == consumer
            (other,) = await second.experiences.resume_all()
            sb.faults.set(FAULTS)
            for each in (journey, other):
                each.start_polling(100)
            until = time.monotonic() + 5
            while time.monotonic() < until:
                await asyncio.gather(first.sessions.ensure(), second.sessions.ensure())
                await asyncio.sleep(0.05)
            fired = list(sb.faults.fired)
            sb.faults.clear()
            sessions = [fanfare.auth.session for fanfare in made]
        finally:
            for fanfare in made:
                await fanfare.destroy()
        experience = sb.world.experiences[sb.experiences["queue"]]
        engine = sb.world.engine_of_sequence[experience.sequences[0].id]
        assert isinstance(engine, QueueEngine)
    refreshes = [seen.count("auth:refreshed") for seen in names]
    print(f"\ntwo instances on one file: refreshes seen {refreshes}, faults fired {fired}")
    assert fired[:2] == [2, 2]  # the first refreshes met a 503 and a dropped connection
    assert all(s is not None and s.consumer_id == consumer.consumer_id for s in sessions)
    assert len(sb.world.accounts.consumers) == 1 and list(engine.records) == [consumer.consumer_id]
    assert all("auth:session_lost" not in seen and "auth:error" not in seen for seen in names)
    assert min(refreshes) >= 2
    restored = await Fanfare.init(organization_id=sb.organization_id,
                                  publishable_key=sb.publishable_key, base_url=sb.base_url,
                                  storage=FileStorage(tmp_path))
    try:
        again = await restored.restore()
        assert again is not None and again.consumer_id == consumer.consumer_id
    finally:
        await restored.destroy()
