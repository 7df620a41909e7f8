"""The library on uvloop, the event loop many services run on (uvicorn takes it when it is
installed): shoppers on one shared ``HttpPool`` polled to admitted by the journey's own timers,
the sandbox served on the same loop, nothing left running once they are destroyed.

(uvloop is no extra of the library: it does not pay for a drop, see the README's Performance
section; this pins that the library runs on it.)
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

import pytest
from integration_helpers import consumer_id, engine_of

from fanfare_rx import Fanfare, HttpPool
from fanfare_rx.models.journey import SequenceStage
from fanfare_rx.sandbox import Sandbox

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")

SHOPPERS = 5


def _recorder(seen: list[str]) -> Callable[[SequenceStage], None]:
    """A listener that appends each new stage to ``seen``."""
    return lambda stage: seen.append(stage.value)


async def _drop() -> tuple[list[list[str]], list[bool], list[asyncio.Task[object]]]:
    """Five shoppers enter the queue and poll until admitted; their stages, whether each holds
    its own grant, and the tasks still alive once all is closed."""
    assert type(asyncio.get_running_loop()).__module__ == "uvloop"
    # 20x: the 40 shoppers ahead are admitted over ~2 s of wall time
    async with Sandbox(clock="real", speed=20, seed=0) as sb, HttpPool() as pool:
        shoppers = [await Fanfare.init(organization_id=sb.organization_id,
                                       publishable_key=sb.publishable_key,
                                       base_url=sb.base_url, pool=pool)
                    for _ in range(SHOPPERS)]
        stages: list[list[str]] = [[] for _ in shoppers]
        journeys = []
        for fanfare, seen in zip(shoppers, stages, strict=True):
            journey = fanfare.experiences.create_journey(sb.experiences["queue"])
            journey.sequence_stage.listen(_recorder(seen))
            journeys.append(journey)
        await asyncio.gather(*(journey.start() for journey in journeys))
        await asyncio.gather(*(journey.enter_queue() for journey in journeys))
        for journey in journeys:
            journey.start_polling(100)
        await asyncio.gather(*(journey.sequence_stage.wait_for(lambda s: s == "admitted",
                                                               timeout=30)
                               for journey in journeys))
        engine = engine_of(sb, "queue")
        own_grants = [
            journey.context.get().admittance_token
            == engine.records[consumer_id(fanfare)].grant.token
            for fanfare, journey in zip(shoppers, journeys, strict=True)
        ]
        for fanfare in shoppers:
            await fanfare.destroy()
    await asyncio.sleep(0)
    left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    return stages, own_grants, left


def test_shoppers_on_one_pool_poll_to_admitted_on_uvloop() -> None:
    import uvloop  # here: it has no build for Windows (skipped there)

    stages, own_grants, left = uvloop.run(_drop())
    assert [seen[-3:] for seen in stages] == [
        ["active_enterable", "participating", "admitted"]] * SHOPPERS
    assert own_grants == [True] * SHOPPERS
    assert left == []
