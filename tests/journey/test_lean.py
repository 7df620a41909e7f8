"""``Awaited`` (one coroutine as a cold observable, mappers fused) and ``LoopScheduler`` (timers
as bare loop handles): the semantics of ``from_future`` / ``ops.map`` / ``AsyncIOScheduler``,
with no reactivex observer or disposable per subscription and nothing left in a cycle."""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from typing import Any

import pytest
import reactivex
from reactivex import abc
from reactivex import operators as ops
from reactivex.disposable import Disposable

from fanfare_rx.errors import DecodeError, UsageError
from fanfare_rx.journey.lean import Awaited, LoopScheduler, awaited, mapped


async def answer(value: int) -> int:
    await asyncio.sleep(0)
    return value


async def broken() -> int:
    await asyncio.sleep(0)
    raise DecodeError("bad body", model="X")


def refused(_: str) -> Any:
    raise UsageError("an id in a request path must be a non-empty string")


def reactivex_objects() -> Counter[str]:
    """Live objects of reactivex's types (observers, disposables) and locks."""
    return Counter(type(o).__qualname__ for o in gc.get_objects()
                   if str(type(o).__module__).startswith("reactivex")
                   or type(o).__name__ == "RLock")


async def test_the_value_then_completion_and_mappers_fused_in_order() -> None:
    heard: list[object] = []
    done = asyncio.Event()
    def times_ten(x: int) -> int:
        return x * 10

    def plus_one(x: int) -> int:
        return x + 1

    source = awaited(answer, 4).pipe(mapped(times_ten), mapped(plus_one))
    assert isinstance(source, Awaited)  # fused: no operator of its own
    source.subscribe(heard.append, heard.append, done.set)
    await done.wait()
    assert heard == [41]


async def test_a_raising_call_mapper_or_coroutine_is_the_streams_error() -> None:
    errors: list[Exception] = []
    awaited(refused, "").subscribe(on_error=errors.append)  # refused before it started
    failed = asyncio.get_running_loop().create_future()
    awaited(broken).subscribe(on_error=failed.set_result)
    mapper_failed = asyncio.get_running_loop().create_future()
    awaited(answer, 1).pipe(mapped(lambda _: 1 // 0)).subscribe(on_error=mapper_failed.set_result)
    assert isinstance(errors[0], UsageError)
    assert isinstance(await failed, DecodeError)
    assert isinstance(await mapper_failed, ZeroDivisionError)


async def test_dispose_cancels_the_task_and_nothing_is_delivered() -> None:
    started, heard = asyncio.Event(), []

    async def slow() -> int:
        started.set()
        await asyncio.sleep(10)
        return 1

    before = {t for t in asyncio.all_tasks()}
    subscription = awaited(slow).subscribe(heard.append, heard.append, lambda: heard.append("done"))
    await started.wait()
    (task,) = asyncio.all_tasks() - before - {asyncio.current_task()}
    subscription.dispose()
    subscription.dispose()  # idempotent
    await asyncio.sleep(0)
    assert task.cancelled()
    assert heard == []


async def test_an_observer_and_reactivex_operators_work_on_it() -> None:
    def plus_one(x: int) -> int:
        return x + 1

    values = await awaited(answer, 2).pipe(ops.map(plus_one), ops.to_list())
    assert values == [3]
    merged = await reactivex.merge(awaited(answer, 1), reactivex.just(5)).pipe(ops.to_list())
    assert sorted(merged) == [1, 5]
    assert mapped(str)(reactivex.just(1)) is not None  # any observable: ops.map
    assert await reactivex.just(7).pipe(mapped(str)) == "7"


async def test_a_subscription_is_no_reactivex_object_and_leaves_no_cycle() -> None:
    gc.collect()
    gc.disable()
    try:
        before = reactivex_objects()
        done = asyncio.Event()
        subscription = awaited(answer, 1).pipe(mapped(str)).subscribe(lambda _: None,
                                                                      on_completed=done.set)
        assert reactivex_objects() - before == Counter()  # in flight: no observer, no lock
        await done.wait()
        del subscription
        await asyncio.sleep(0)
        assert gc.collect() == 0
    finally:
        gc.enable()


async def test_the_loop_scheduler_runs_cancels_and_disposes_what_an_action_returned() -> None:
    scheduler = LoopScheduler(asyncio.get_running_loop())
    ran: list[str] = []
    inner = Disposable(lambda: ran.append("inner disposed"))

    def action(_: abc.SchedulerBase, state: Any = None) -> abc.DisposableBase:
        ran.append(state)
        return inner

    timer = scheduler.schedule_relative(0.01, action, "later")
    cancelled = scheduler.schedule_relative(0.01, action, "never")
    soon = scheduler.schedule(action, "soon")
    cancelled.dispose()
    await asyncio.sleep(0.05)
    assert ran == ["soon", "later"]
    timer.dispose()
    assert ran == ["soon", "later", "inner disposed"]
    soon.dispose()


async def test_a_timer_leaves_no_cycle_and_no_reactivex_object() -> None:
    scheduler = LoopScheduler(asyncio.get_running_loop())
    gc.collect()
    gc.disable()
    try:
        before = reactivex_objects()
        fired = asyncio.Event()
        def fire(_: abc.SchedulerBase, __: Any = None) -> None:
            fired.set()

        timer = scheduler.schedule_relative(0.001, fire)
        assert reactivex_objects() - before == Counter()
        await fired.wait()
        del timer
        await asyncio.sleep(0)
        assert gc.collect() == 0
    finally:
        gc.enable()


async def test_the_loop_scheduler_drives_reactivex_time_operators() -> None:
    scheduler = LoopScheduler(asyncio.get_running_loop())
    ticks = await reactivex.interval(0.01, scheduler=scheduler).pipe(ops.take(3), ops.to_list())
    assert ticks == [0, 1, 2]
    assert await reactivex.timer(0.01, scheduler=scheduler) == 0


@pytest.mark.parametrize("value", [0, -1.0])
async def test_a_due_time_not_in_the_future_runs_soon(value: float) -> None:
    scheduler = LoopScheduler(asyncio.get_running_loop())
    fired = asyncio.Event()

    def fire(_: abc.SchedulerBase, __: Any = None) -> None:
        fired.set()

    scheduler.schedule_relative(value, fire)
    await asyncio.wait_for(fired.wait(), 1)
