"""What a journey keeps, counted in tracked objects over loopback HTTP: a drop holds thousands
of journeys, and every full collection walks each of their objects. Counts, not timings; each
bound sits a little above what the library keeps today, so a regrowth fails."""

from __future__ import annotations

import asyncio
import gc
import types
from collections import Counter

import pytest
from integration_helpers import MakeFanfare

from fanfare_rx import Fanfare
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox import Sandbox

SHOPPERS = 12


def _live() -> list[object]:
    """Tracked objects alive now, less the cancelled timer handles asyncio keeps in its heap
    until their time comes (aiohttp's, with the context copied for each)."""
    gc.collect()
    cancelled = [o for o in gc.get_objects()
                 if isinstance(o, asyncio.TimerHandle) and o.cancelled()]
    contexts = {id(getattr(o, "_context", None)) for o in cancelled}
    return [o for o in gc.get_objects() if not (
        (isinstance(o, asyncio.TimerHandle) and o.cancelled()) or id(o) in contexts)]


async def _joined(sb: Sandbox, make_fanfare: MakeFanfare,
                  shoppers: int) -> list[tuple[Fanfare, ExperienceJourney]]:
    joined = []
    for _ in range(shoppers):
        fanfare = await make_fanfare()
        journey = fanfare.experiences.create_journey(sb.experiences["queue"])
        await journey.start()
        await journey.enter_queue()
        assert journey.state.get().sequence_stage == "participating"
        joined.append((fanfare, journey))
    return joined


async def test_a_polling_journey_keeps_its_poller_and_its_handle(
        sb: Sandbox, make_fanfare: MakeFanfare, collector_off: None) -> None:
    """Between two polls a journey keeps its poller and the loop's handle, which calls the
    poller (a timer used to be a disposable, a context copy, an argument tuple and two bound
    methods more)."""
    joined = await _joined(sb, make_fanfare, SHOPPERS)
    before = len(_live())
    for _, journey in joined:
        journey.start_polling(interval_ms=60_000)
    extra = (len(_live()) - before) / SHOPPERS
    for _, journey in joined:
        journey.stop_polling()
    assert extra <= 2.5, extra


def _of_journeys() -> list[object]:
    """The journeys' tracked objects alive now: the journey's and the models' types, pending
    timer handles and the methods bound to journey objects (not the client's, aiohttp's or the
    in-process sandbox's, nor the cancelled timers asyncio keeps until their time)."""
    gc.collect()

    def ours(o: object) -> bool:
        if isinstance(o, asyncio.TimerHandle):
            return not o.cancelled()
        if isinstance(o, types.MethodType):
            o = o.__self__
        module = type(o).__module__  # the wire models are the in-process sandbox's answers
        return (isinstance(module, str) and module.startswith(("fanfare_rx.journey",
                                                                "fanfare_rx.models"))
                and not module.startswith("fanfare_rx.models.wire"))

    return [o for o in gc.get_objects() if ours(o)]


async def test_what_a_poll_leaves_until_the_next_is_its_snapshot_and_its_timer(
        sb: Sandbox, make_fanfare: MakeFanfare, collector_off: None) -> None:
    """After polls that moved the shoppers' places (the sandbox clock moving, so the server's
    clock offset too), what a journey keeps until its next poll, new since it joined, is its
    new snapshot (and its context) and the next poll's timer: each poll's
    effect, Rx objects and messages died with it, by reference counting."""
    joined = await _joined(sb, make_fanfare, SHOPPERS)
    pollers = []
    for _, journey in joined:
        journey.start_polling(interval_ms=100)
        pollers.append(journey._pipeline.poller)
    kept = _of_journeys()  # held: a new object never takes the address of a freed one
    baseline = {id(o) for o in kept}
    for _ in range(4):
        await asyncio.sleep(0.1)
        await sb.advance(0.5)
    for _ in range(200):  # counted at a moment when no poll is in flight
        await asyncio.sleep(0.005)
        if all(poller._poll is None for poller in pollers):
            new = [o for o in _of_journeys() if id(o) not in baseline]
            break
    else:
        pytest.fail("the polls never rested at once")
    del kept
    for _, journey in joined:
        journey.stop_polling()
    assert all(journey.state.get().revision > 4 for _, journey in joined)
    per_journey = len(new) / SHOPPERS
    # a snapshot, its context and the next poll's handle
    assert per_journey <= 4, Counter(type(o).__qualname__ for o in new)
