"""A journey's objects die by reference counting: its actions and its polls (of a status, and
of the route while a draw is open) leave no cyclic garbage of the library's or reactivex's types
for the collector to find. Over loopback HTTP, with the collector off while it is measured."""

from __future__ import annotations

import asyncio
import gc
from collections import Counter

import aiohttp
from integration_helpers import MakeFanfare

from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox import Sandbox

POLLS = 8


def _ours(obj: object) -> str | None:
    """The qualified name of a library or reactivex object (a closure by where it was defined);
    None for anything else (aiohttp, asyncio, the in-process sandbox)."""
    module = getattr(obj, "__module__", None) if callable(obj) and not isinstance(obj, type) \
        else type(obj).__module__
    module = module or ""
    if module.startswith("reactivex") or (module.startswith("fanfare_rx")
                                          and not module.startswith("fanfare_rx.sandbox")):
        return f"{module}.{getattr(obj, '__qualname__', type(obj).__qualname__)}"
    return None


def cyclic_garbage() -> Counter[str]:
    """What a full collection finds unreachable now, of the library's and reactivex's types;
    the garbage is freed afterwards."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = Counter(name for name in map(_ours, gc.garbage) if name is not None)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
    gc.collect()
    return found


async def served(sb: Sandbox) -> int:
    """Requests the sandbox answered so far."""
    async with aiohttp.ClientSession() as session, session.get(
            f"{sb.base_url}/experiences/none",
            headers={"X-Publishable-Key": sb.publishable_key}) as response:
        return int(response.headers["X-Request-Id"].removeprefix("req_"))


async def poll(sb: Sandbox, journey: ExperienceJourney) -> int:
    """Poll ``journey`` about POLLS times (100 ms apart, the sandbox clock moving); the number
    of requests the sandbox answered meanwhile."""
    before = await served(sb)
    journey.start_polling(interval_ms=100)
    for _ in range(POLLS):
        await asyncio.sleep(0.1)
        await sb.advance(0.5)
    journey.stop_polling()
    await asyncio.sleep(0.05)
    return await served(sb) - before - 1


async def test_actions_and_status_polls_leave_no_cyclic_garbage(
        sb: Sandbox, make_fanfare: MakeFanfare, collector_off: None) -> None:
    fanfare = await make_fanfare()
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    journey.sequence_stage.listen(lambda stage: None)
    cyclic_garbage()
    await journey.start()
    await journey.enter_queue()
    assert journey.state.get().sequence_stage == "participating"
    assert cyclic_garbage() == Counter()
    assert await poll(sb, journey) >= 2
    assert cyclic_garbage() == Counter()
    await fanfare.destroy()
    assert cyclic_garbage() == Counter()


async def test_route_polls_of_an_open_draw_leave_no_cyclic_garbage(
        sb: Sandbox, make_fanfare: MakeFanfare, collector_off: None) -> None:
    fanfare = await make_fanfare()
    journey = fanfare.experiences.create_journey(sb.experiences["draw"])
    await journey.start()
    assert journey.state.get().sequence_stage == "active_enterable"
    cyclic_garbage()
    assert await poll(sb, journey) >= 2
    assert cyclic_garbage() == Counter()


async def test_the_owning_fanfare_follows_a_journey_without_a_subscription(
        sb: Sandbox, make_fanfare: MakeFanfare) -> None:
    """The bus events and the kept record come from a plain callback per fold: a journey nobody
    else watches has no observers (each would be an observer, disposables and locks)."""
    fanfare = await make_fanfare()
    events: list[str] = []
    fanfare.on("*", lambda payload: events.append(str(payload["name"])))
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    assert journey._pipeline.state.listeners == ()
    assert "queue:entered" in events, events


async def test_timed_out_polls_leave_no_cyclic_garbage(
        sb: Sandbox, make_fanfare: MakeFanfare, collector_off: None) -> None:
    """A request that times out (and is retried, then given up) keeps neither the Rx chain nor
    the journey's callbacks in a cycle through the error's traceback. (The error itself may stay
    with the cycle asyncio and aiohttp make of the timed-out request: their frames, not ours.)"""
    fanfare = await make_fanfare(timeout=0.2)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    sb.faults.set({"seed": 1, "rules": [
        {"match": "GET /queues/*", "kind": "delay", "seconds": 0.4, "times": 4}]})
    cyclic_garbage()
    journey.start_polling(interval_ms=100)
    while sb.faults.fired[0] < 4:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # the last delayed answer arrives, the poll after it succeeds
    journey.stop_polling()
    found = cyclic_garbage()
    assert +Counter({name: n for name, n in found.items()
                     if not name.startswith("fanfare_rx.errors.")}) == Counter(), found


def reactivex_objects() -> Counter[str]:
    """Live objects of reactivex's types (observers, disposables, schedulers' items) and locks."""
    return Counter(type(o).__qualname__ for o in gc.get_objects()
                   if str(type(o).__module__).startswith("reactivex")
                   or type(o).__name__ == "RLock")


async def test_a_status_poll_in_flight_holds_no_reactivex_object(
        sb: Sandbox, make_fanfare: MakeFanfare, collector_off: None) -> None:
    """A poll is its task and one small subscription, its timer a loop handle: no observer,
    disposable or lock of reactivex's per poll (each one, times thousands of journeys, is walked
    by every collection while the request is in flight)."""
    fanfare = await make_fanfare()
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    sb.faults.set({"seed": 1, "rules": [
        {"match": "GET /queues/*", "kind": "delay", "seconds": 0.3, "times": 1}]})
    gc.collect()
    before = reactivex_objects()
    journey.start_polling(interval_ms=100)
    waiting = reactivex_objects() - before  # the timer of the first poll
    while sb.faults.fired[0] < 1:
        await asyncio.sleep(0.02)
    in_flight = reactivex_objects() - before  # the request waits in the sandbox
    journey.stop_polling()
    assert (waiting, in_flight) == (Counter(), Counter())
    assert cyclic_garbage() == Counter()
