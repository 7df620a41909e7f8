"""Store tests: ``listen`` vs ``subscribe``, derived stores emit only on change, ``wait_for``."""

from __future__ import annotations

import asyncio

import pytest
from reactivex.subject import BehaviorSubject
from reactivex.testing import TestScheduler

from fanfare_rx import FanfareTimeoutError, JourneyDestroyedError, Store, TimeoutError, UsageError
from fanfare_rx.testing import JourneyHarness, assert_marbles, record
from fanfare_rx.testing import builders as b


def test_subscribe_replays_the_current_value_listen_does_not() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    store = Store.of_subject(subject)
    subscribed: list[int] = []
    listened: list[int] = []
    store.subscribe(subscribed.append)
    off = store.listen(listened.append)
    subject.on_next(2)
    subject.on_next(3)
    off()
    subject.on_next(4)
    assert subscribed == [1, 2, 3, 4]
    assert listened == [2, 3]
    assert store.get() == 4


def test_store_marbles_on_virtual_time() -> None:
    scheduler = TestScheduler()
    subject: BehaviorSubject[str] = BehaviorSubject("a")
    store = Store.of_subject(subject)
    subscribed = record(store, scheduler)
    listened: list[str] = []
    store.listen(listened.append)
    scheduler.schedule_relative(2, lambda *_: subject.on_next("b"))
    scheduler.schedule_relative(3, lambda *_: subject.on_next("c"))
    scheduler.schedule_relative(5, lambda *_: subject.on_completed())
    scheduler.advance_by(6)
    assert_marbles(subscribed, "a-bc-|")
    assert listened == ["b", "c"]


def test_derived_store_emits_only_on_change() -> None:
    scheduler = TestScheduler()
    subject: BehaviorSubject[tuple[str, int]] = BehaviorSubject(("a", 1))
    first = Store.of_subject(subject).derive(lambda v: v[0])
    letters = record(first, scheduler)
    for at, value in [(1, ("a", 2)), (2, ("b", 1)), (3, ("b", 2)), (4, ("a", 3))]:
        scheduler.schedule_relative(at, lambda *_, v=value: subject.on_next(v))
    scheduler.advance_by(5)
    assert_marbles(letters, "a-b-a")
    assert first.get() == "a"


def test_derived_listen_skips_current_and_unsubscribes() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(10)
    parity = Store.of_subject(subject).derive(lambda v: v % 2)
    heard: list[int] = []
    off = parity.listen(heard.append)
    subject.on_next(12)  # same parity: nothing
    subject.on_next(13)
    off()
    subject.on_next(14)
    assert heard == [1]


async def test_wait_for_resolves_with_the_matching_value() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject)
    loop = asyncio.get_running_loop()
    loop.call_soon(subject.on_next, 1)
    loop.call_soon(subject.on_next, 5)
    assert await store.wait_for(lambda v: v >= 5, timeout=5) == 5
    assert await store.wait_for(lambda v: v == 5, timeout=0.01) == 5  # current value counts


async def test_wait_for_times_out_with_fanfare_timeout_error() -> None:
    store = Store.of_subject(BehaviorSubject(0))
    with pytest.raises(TimeoutError) as caught:
        await store.wait_for(lambda v: v > 0, timeout=0.01)
    assert caught.value.code == "TIMEOUT"


async def test_wait_for_fails_when_the_store_completes() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject)
    asyncio.get_running_loop().call_soon(subject.on_completed)
    with pytest.raises(JourneyDestroyedError):
        await store.wait_for(lambda v: v > 0, timeout=5)


async def test_wait_for_raises_the_predicates_error_and_leaves_no_listener() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    derived = Store.of_subject(subject).derive(lambda v: v * 2)

    def fails_on_two(value: int) -> bool:
        if value == 2:
            raise KeyError("no such stage")
        return False

    asyncio.get_running_loop().call_soon(subject.on_next, 1)
    with pytest.raises(KeyError, match="no such stage"):
        await derived.wait_for(fails_on_two, timeout=5)
    assert not subject.observers  # the derived store was unmounted
    matched = asyncio.ensure_future(derived.wait_for(lambda v: v >= 4, timeout=5))
    await asyncio.sleep(0)
    subject.on_next(2)
    assert await matched == 4
    assert not subject.observers  # unsubscribed once matched


# ----------------------------------------------------------------------------------------------
# wait_for on the journey's scheduler


def queued_harness() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    h.server.on_enter("-q|", q=b.queued(2))
    return h


async def test_wait_for_times_out_in_the_journeys_virtual_time() -> None:
    h = queued_harness()
    waiting = asyncio.ensure_future(
        h.journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=30))
    await asyncio.sleep(0)
    h.advance(29)
    await asyncio.sleep(0)
    assert not waiting.done()
    h.advance(2)  # 31 virtual seconds: no real time passes
    with pytest.raises(FanfareTimeoutError):
        await asyncio.wait_for(waiting, timeout=2)
    assert h.journey._subject.observers == []  # nothing left listening


async def test_wait_for_resolves_in_virtual_time_before_its_timeout() -> None:
    h = queued_harness()
    h.act("-s---e", s="start", e="enter_queue")
    waiting = asyncio.ensure_future(
        h.journey.sequence_stage.wait_for(lambda s: s == "participating", timeout=10))
    await asyncio.sleep(0)
    h.advance(8)
    assert await asyncio.wait_for(waiting, timeout=2) == "participating"
    assert h.journey.state.scheduler is h.scheduler  # the stores count on the journey's time


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1, "5", True])
async def test_wait_for_refuses_a_timeout_that_is_no_finite_duration(timeout: object) -> None:
    store = Store.of_subject(BehaviorSubject(0))
    with pytest.raises(UsageError, match="timeout"):
        await asyncio.wait_for(store.wait_for(lambda v: v > 0, timeout=timeout), 1)  # type: ignore[arg-type]
    assert store.get() == 0


async def test_async_for_yields_the_last_value_before_the_end() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject)
    seen: list[int] = []
    async for value in store:
        seen.append(value)
        if value == 0:
            subject.on_next(1)
            subject.on_next(2)
            subject.on_completed()  # all before the consumer asks again
    assert seen == [0, 2]
