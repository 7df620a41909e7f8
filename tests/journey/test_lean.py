"""``Awaited`` (one coroutine as a cold observable, mappers fused), the lean operators and
``LoopScheduler`` (timers as bare loop handles): the semantics of ``from_future`` / ``ops.map`` / ``AsyncIOScheduler``,
with no reactivex observer or disposable per subscription and nothing left in a cycle."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import reactivex
from reactivex import Observable, Observer, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable
from reactivex.testing import ReactiveTest, TestScheduler

from fanfare_rx.errors import DecodeError, UsageError
from fanfare_rx.journey.lean import (
    Awaited,
    LoopScheduler,
    awaited,
    catch,
    concat,
    defer,
    fail,
    flat_map,
    items,
    mapped,
    merge,
)


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


@pytest.mark.parametrize("shape", ["one call", "a chain"])
async def test_dispose_cancels_the_task_and_nothing_more_is_delivered(shape: str) -> None:
    """An awaited call, and a chain that opens with one (one task for the chain): disposing
    cancels the task, and nothing is delivered afterwards."""
    started, heard = asyncio.Event(), []

    async def slow(value: int) -> int:
        started.set()
        await asyncio.sleep(10)
        return value

    source = awaited(slow, 1) if shape == "one call" else concat(awaited(answer, 0), awaited(slow, 1))
    before = set(asyncio.all_tasks())
    subscription = source.subscribe(heard.append, heard.append, lambda: heard.append("done"))
    await started.wait()
    (task,) = asyncio.all_tasks() - before - {asyncio.current_task()}
    subscription.dispose()
    subscription.dispose()  # idempotent
    await asyncio.sleep(0)
    assert task.cancelled()
    assert heard == ([] if shape == "one call" else [0])


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


# -- the operators: reactivex's marbles --------------------------------------------------------

on_next_at, on_completed_at, on_error_at = (ReactiveTest.on_next, ReactiveTest.on_completed,
                                            ReactiveTest.on_error)


def test_flat_map_merges_each_values_observable_and_completes_after_all() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_cold_observable(on_next_at(10, 1), on_next_at(20, 2),
                                               on_completed_at(30))

    def inner(value: int) -> Observable[str]:
        return scheduler.create_cold_observable(on_next_at(5, f"{value}a"),
                                                on_next_at(25, f"{value}b"), on_completed_at(40))

    result = scheduler.start(lambda: source.pipe(flat_map(inner)))
    assert result.messages == [on_next_at(215, "1a"), on_next_at(225, "2a"),
                               on_next_at(235, "1b"), on_next_at(245, "2b"),
                               on_completed_at(260)]


def test_flat_map_an_inner_error_disposes_the_rest() -> None:
    scheduler = TestScheduler()
    boom = ValueError("boom")
    source = scheduler.create_cold_observable(on_next_at(10, 1), on_completed_at(500))
    inner = scheduler.create_cold_observable(on_error_at(5, boom))
    result = scheduler.start(lambda: source.pipe(flat_map(lambda _: inner)))
    assert result.messages == [on_error_at(215, boom)]
    assert source.subscriptions[0].unsubscribe == 215


def test_merge_and_dispose_midway() -> None:
    scheduler = TestScheduler()
    a = scheduler.create_cold_observable(on_next_at(10, "a"), on_completed_at(20))
    b = scheduler.create_cold_observable(on_next_at(5, "b"), on_next_at(150, "late"),
                                         on_completed_at(200))
    result = scheduler.start(lambda: merge(a, b), disposed=300)
    assert result.messages == [on_next_at(205, "b"), on_next_at(210, "a")]
    assert b.subscriptions[0].unsubscribe == 300


def test_catch_continues_with_the_handlers_observable() -> None:
    scheduler = TestScheduler()
    boom = ValueError("boom")
    source = scheduler.create_cold_observable(on_next_at(10, "a"), on_error_at(20, boom))
    instead = scheduler.create_cold_observable(on_next_at(5, "b"), on_completed_at(10))
    seen: list[Exception] = []

    def handler(error: Exception, _: Observable[str]) -> Observable[str]:
        seen.append(error)
        return instead

    result = scheduler.start(lambda: source.pipe(catch(handler)))
    assert result.messages == [on_next_at(210, "a"), on_next_at(225, "b"), on_completed_at(230)]
    assert seen == [boom]


@pytest.mark.parametrize("operator", ["concat", "catch"])
def test_concat_and_catch_disposed_midway_unsubscribe_the_current_source(operator: str) -> None:
    """Both follow one inner subscription at a time and end alike: disposed on the second
    source, they unsubscribe it and deliver nothing more."""
    scheduler = TestScheduler()
    end = on_completed_at(20) if operator == "concat" else on_error_at(20, ValueError("boom"))
    first = scheduler.create_cold_observable(on_next_at(10, "a"), end)
    second = scheduler.create_cold_observable(on_next_at(5, "b"), on_next_at(150, "late"),
                                              on_completed_at(200))

    def build() -> Observable[str]:
        if operator == "concat":
            return concat(first, second)
        return first.pipe(catch(lambda _error, _source: second))

    result = scheduler.start(build, disposed=300)
    assert result.messages == [on_next_at(210, "a"), on_next_at(225, "b")]
    assert first.subscriptions[0].unsubscribe == 220
    assert second.subscriptions[0].unsubscribe == 300


def test_catch_a_raising_handler_and_a_rethrown_error() -> None:
    boom, worse = ValueError("boom"), KeyError("worse")
    errors: list[Exception] = []

    def raising(error: Exception, _: Observable[object]) -> Observable[object]:
        raise worse

    fail(boom).pipe(catch(raising)).subscribe(on_error=errors.append)
    fail(boom).pipe(catch(lambda error, _: fail(error))).subscribe(on_error=errors.append)
    assert errors == [worse, boom]


def test_defer_builds_on_each_subscription_and_its_error_is_the_streams() -> None:
    built: list[int] = []

    def build() -> Observable[int]:
        built.append(len(built))
        return items(len(built))

    source = defer(build)
    seen: list[object] = []
    source.subscribe(seen.append)
    source.subscribe(seen.append)
    assert seen == [1, 2] and built == [0, 1]
    errors: list[Exception] = []
    defer(lambda: refused("")).subscribe(on_error=errors.append)
    assert isinstance(errors[0], UsageError)


def test_items_and_fail_deliver_at_once_to_an_observer() -> None:
    seen: list[object] = []
    items(1, 2).subscribe(Observer(seen.append, seen.append, lambda: seen.append("|")))
    fail(ValueError("x")).subscribe(Observer(seen.append, seen.append, lambda: seen.append("|")))
    assert seen[:3] == [1, 2, "|"] and isinstance(seen[3], ValueError)


def test_pipe_applies_each_operator_in_turn_as_reactivexs_pipe_and_composes_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    source: Any = items(1, 2)  # the operators' types are not what this checks
    assert source.pipe() is source

    def notes(observable: Observable[Any]) -> list[object]:
        seen: list[object] = []
        observable.subscribe(seen.append, seen.append, lambda: seen.append("|"))
        return seen

    def times_ten(x: int) -> int:
        return x * 10

    def plus_one(x: int) -> int:
        return x + 1

    def above_two(x: int) -> bool:
        return x > 2

    for operators in ((ops.map(times_ten),),
                      (mapped(plus_one), ops.filter(above_two), ops.to_list())):
        ours = notes(source.pipe(*operators))
        assert ours == notes(Observable.pipe(source, *operators))  # reactivex's own composition
        assert ours[-1] == "|"
    composed: list[object] = []
    monkeypatch.setattr(sys.modules["reactivex.pipe"], "compose",
                        lambda *fs: composed.append(fs))
    assert items(1).pipe(mapped(str), mapped(len)) is not None
    assert composed == []  # applied in turn: no composition (a closure and a lambda) per call


def test_an_effect_built_of_lean_operators_leaves_no_cycle() -> None:
    gc.collect()
    gc.disable()
    try:
        seen: list[object] = []

        def and_next(x: int) -> Observable[int]:
            return items(x, x + 1)

        effect = concat(items(1).pipe(flat_map(and_next)),
                        merge(items(3), fail(ValueError("x")).pipe(catch(lambda *_: items(4)))),
                        defer(lambda: items(5)))
        subscription = effect.subscribe(seen.append, seen.append, lambda: seen.append("|"))
        assert seen == [1, 2, 3, 4, 5, "|"]
        del subscription, effect
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_loop_scheduler_is_one_per_loop_and_keeps_no_loop_alive() -> None:
    loops: list[weakref.ref[asyncio.AbstractEventLoop]] = []

    async def use() -> None:
        loop = asyncio.get_running_loop()
        loops.append(weakref.ref(loop))
        scheduler = LoopScheduler.of(loop)
        assert LoopScheduler.of(loop) is scheduler
        await scheduler.sleep(0.001)
        fired = asyncio.Event()

        def fire(_: abc.SchedulerBase, __: Any = None) -> None:
            fired.set()

        scheduler.schedule_relative(0.001, fire)
        await fired.wait()

    for _ in range(3):
        asyncio.run(use())
    gc.collect()
    assert [ref() for ref in loops] == [None, None, None]


def _tracked() -> Counter[str]:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


async def test_timers_run_in_the_schedulers_one_context_not_a_copy_each() -> None:
    """asyncio copies the caller's context for each timer unless told which to use: the loop
    scheduler's timers (and its bare ``call_later``) all run in the one context it was made in,
    so a pending timer is its loop handle, its action and one small disposable."""
    import contextvars

    seen: contextvars.ContextVar[str] = contextvars.ContextVar("seen", default="made")
    scheduler = LoopScheduler(asyncio.get_running_loop())
    seen.set("scheduled")  # after the scheduler was made: its timers do not see it
    heard: list[str] = []

    def action(_: abc.SchedulerBase, __: Any = None) -> None:
        heard.append(seen.get())

    scheduler.schedule_relative(0.01, action).dispose()  # warm: the ABC caches of the checks
    gc.collect()
    before = _tracked()
    timers = [scheduler.schedule_relative(0.01, action) for _ in range(100)]
    handles = [scheduler.call_later(0.01, lambda: heard.append(seen.get())) for _ in range(100)]
    grown = _tracked() - before
    assert grown["Context"] == 0, grown
    # a timer: its handle, _Timer, bound run and arguments; call_later: the handle (+ the lambda
    # and its closure, the test's own)
    assert sum(grown.values()) <= 100 * 4 + 100 * 3 + 10, grown
    await asyncio.sleep(0.05)
    assert heard == ["made"] * 200
    assert all(handle.cancelled() is False for handle in handles) and len(timers) == 100


async def test_call_later_runs_soon_for_a_due_time_not_in_the_future() -> None:
    scheduler = LoopScheduler(asyncio.get_running_loop())
    ran: list[str] = []
    scheduler.call_later(0, lambda: ran.append("now"))
    cancelled = scheduler.call_later(0.001, lambda: ran.append("never"))
    cancelled.cancel()
    await asyncio.sleep(0.01)
    assert ran == ["now"]


async def test_an_awaited_call_and_its_delivery_share_one_copy_of_the_callers_context() -> None:
    """The task of an ``Awaited`` runs in a copy of the subscriber's context (as asyncio's
    tasks do) and its outcome is delivered in that same copy: one ``Context`` per call instead
    of one for the task and one for its done callback."""
    import contextvars

    where: contextvars.ContextVar[str] = contextvars.ContextVar("where", default="none")
    where.set("caller")

    async def call() -> str:
        seen = where.get()
        where.set("task")  # seen by the delivery, not by the caller
        await asyncio.sleep(0)
        return seen

    heard: list[tuple[str, str]] = []
    done = asyncio.Event()
    awaited(call).subscribe(lambda value: heard.append((value, where.get())),
                            on_completed=done.set)
    await done.wait()
    assert heard == [("caller", "task")]
    assert where.get() == "caller"

    async def idle() -> None:
        await asyncio.sleep(0.01)

    gc.collect()
    before = _tracked()
    runs = [awaited(idle).subscribe() for _ in range(100)]
    grown = _tracked() - before
    assert grown["Context"] == 100, grown
    for run in runs:
        run.dispose()
    await asyncio.sleep(0)


# -- a chain that opens with an awaited call runs in one task --------------------------------


def _chains(head: Callable[[int], Observable[int]]) -> dict[str, Observable[Any]]:
    """Chains of the shapes effects build, each opening with ``head(n)``: an awaited call (so
    it runs in one task) or ``defer(awaited call)`` (so the operators run it)."""

    def then(value: int) -> Observable[int]:
        return awaited(answer, value * 10).pipe(flat_map(twice))

    def twice(value: int) -> Observable[int]:
        return items(value, -value)

    def recover(_: Exception, __: Observable[Any]) -> Observable[int]:
        return concat(items(-1), awaited(answer, -2))

    def refuse(_: int) -> Observable[int]:
        return fail(ValueError("h"))

    def refuse_again(_: Exception, __: Observable[int]) -> Observable[int]:
        return fail(KeyError("k"))

    def broken_mapper(value: int) -> Observable[int]:
        return items(value // 0)

    def merged(value: int) -> Observable[int]:
        return merge(awaited(answer, value + 1), items(9))

    def of_reactivex(value: int) -> Observable[int]:
        return reactivex.of(value, value + 1)

    def two_calls(value: int) -> Observable[int]:
        return concat(awaited(answer, value), awaited(answer, value + 1)).pipe(
            catch(lambda *_: items(0)))

    def positive(value: int) -> bool:
        return value > 0

    return {
        "concat": concat(head(1), items(2), defer(lambda: awaited(answer, 3))),
        "flat_map": head(1).pipe(flat_map(then)),
        "catch": concat(head(1), awaited(broken)).pipe(catch(recover)),
        "catch the handler's error": head(1).pipe(flat_map(refuse), catch(refuse_again)),
        "a mapper's error": head(1).pipe(flat_map(broken_mapper)),
        "merge inside": head(1).pipe(flat_map(merged)),
        "reactivex inside": head(1).pipe(flat_map(of_reactivex)),
        "flat_map over two calls": concat(head(1), awaited(answer, 2)).pipe(flat_map(then)),
        "a chain inside": head(1).pipe(flat_map(two_calls)),
        "mapped and filtered": concat(awaited(answer, 4).then(lambda v: v * 2),
                                      head(5).pipe(ops.filter(positive))),
    }


async def _notifications(source: Observable[Any]) -> list[Any]:
    heard: list[Any] = []
    done = asyncio.Event()

    def ended(*what: Any) -> None:
        heard.append(repr(what[0]) if what else "|")
        done.set()

    source.subscribe(heard.append, ended, ended)
    await asyncio.wait_for(done.wait(), 5)
    return heard


@pytest.mark.parametrize("shape", list(_chains(lambda value: awaited(answer, value))))
async def test_a_chain_run_in_one_task_notifies_as_the_operators_do(shape: str) -> None:
    """The same chain, opening with an awaited call (one task) and with ``defer`` of it (the
    operators' runs): the same values, in the same order, and the same end."""
    def call(value: int) -> Observable[int]:
        return awaited(answer, value)

    def deferred(value: int) -> Observable[int]:
        return defer(lambda: awaited(answer, value))

    in_one_task = await _notifications(_chains(call)[shape])
    by_operators = await _notifications(_chains(deferred)[shape])
    assert in_one_task == by_operators
    assert in_one_task[-1] == "|" or "Error" in in_one_task[-1]


async def test_a_chain_of_awaited_calls_starts_one_task_and_leaves_no_cycle() -> None:
    loop = asyncio.get_running_loop()
    started: list[str] = []

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        started.append(coro.__qualname__)
        return asyncio.Task(coro, loop=loop, **kwargs)

    def plus_one(value: int) -> Observable[int]:
        return awaited(answer, value + 1)

    chain = concat(awaited(answer, 1).pipe(flat_map(plus_one)), defer(lambda: awaited(answer, 3)))
    loop.set_task_factory(factory)
    try:
        assert await _notifications(chain) == [2, 3, "|"]
    finally:
        loop.set_task_factory(None)
    # one task, no task per awaited call (the test's own wait_for waits in one more)
    assert [name for name in started if name != "Event.wait"] == ["_ChainRun._run"]
    gc.collect()
    gc.disable()
    try:
        assert await _notifications(chain) == [2, 3, "|"]
        await asyncio.sleep(0)
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize("fails", [False, True])
async def test_a_chains_end_reaches_its_observer_in_the_tasks_last_step(fails: bool) -> None:
    """The task that drives a chain delivers its end itself: no done callback and no loop
    iteration between the chain's end and its observer (the awaiting caller wakes one step
    sooner)."""
    delivered_in: list[str | None] = []

    def where(*_: object) -> None:
        task = asyncio.current_task()
        coroutine = None if task is None else task.get_coro()
        delivered_in.append(getattr(coroutine, "__qualname__", None))

    def then(value: int) -> Observable[int]:
        return fail(ValueError("no")) if fails else awaited(answer, value + 1)

    chain = awaited(answer, 1).pipe(flat_map(then))
    chain.subscribe(on_next=lambda _: None, on_error=where, on_completed=where)
    for _ in range(20):
        await asyncio.sleep(0)
    assert delivered_in == ["_ChainRun._run"]


@pytest.mark.parametrize("fails", [False, True])
async def test_an_observer_raising_at_the_chains_end_is_heard_by_the_loop(fails: bool) -> None:
    """The end is delivered inside the chain's task: what the observer raises there goes to
    the loop's exception handler, as from a done callback, and the task itself ends cleanly."""
    loop = asyncio.get_running_loop()
    reported: list[BaseException] = []
    loop.set_exception_handler(lambda _, context: reported.append(context["exception"]))

    def raising(*_: object) -> None:
        raise KeyError("observer")

    before = set(asyncio.all_tasks())
    try:
        chain = concat(awaited(answer, 1), fail(ValueError("no")) if fails else items(2))
        chain.subscribe(on_next=lambda _: None, on_error=raising, on_completed=raising)
        (task,) = asyncio.all_tasks() - before
        await asyncio.wait_for(asyncio.shield(task), 1)
    finally:
        loop.set_exception_handler(None)
    assert task.done() and not task.cancelled() and task.exception() is None
    assert len(reported) == 1 and isinstance(reported[0], KeyError)


async def test_an_observers_error_is_not_the_chains_and_no_catch_takes_it() -> None:
    """An observer that raises is not the chain failing: as with an operator's callback, the
    loop's exception handler hears it and no ``catch`` handler runs."""
    loop = asyncio.get_running_loop()
    reported: list[BaseException] = []
    loop.set_exception_handler(lambda _, context: reported.append(context["exception"]))
    handled: list[Exception] = []

    def handler(error: Exception, _: Observable[Any]) -> Observable[int]:
        handled.append(error)
        return items(0)

    def observer(value: int) -> None:
        raise KeyError(value)

    try:
        concat(awaited(answer, 1), items(2)).pipe(catch(handler)).subscribe(observer)
        for _ in range(5):
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert handled == []
    assert len(reported) == 1 and isinstance(reported[0], KeyError)
