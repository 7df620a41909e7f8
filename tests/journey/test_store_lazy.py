"""Derived stores mount lazily and share one upstream subscription; ``listen`` with
``(value, old_value)``; ``async for`` over a store (current first, conflation, end on destroy)."""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncGenerator, Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reactivex.subject import BehaviorSubject
from reactivex.testing import TestScheduler

from fanfare_rx import Store
from fanfare_rx.journey.store import _positional_parameters, _takes_old_value
from fanfare_rx.testing import SEQUENCE_STAGES, JourneyHarness, assert_marbles, record
from fanfare_rx.testing import builders as b


def test_derived_store_subscribes_to_its_parent_only_while_listened() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    parity = Store.of_subject(subject).derive(lambda v: v % 2)
    assert subject.observers == []  # made, not mounted
    assert parity.get() == 1  # get works unmounted
    off_a = parity.listen(lambda _: None)
    off_b = parity.listen(lambda _: None)
    sub_c = parity.subscribe(lambda _: None)
    assert len(subject.observers) == 1  # three listeners, one shared subscription
    off_a()
    off_b()
    assert len(subject.observers) == 1
    sub_c.dispose()
    assert subject.observers == []  # the last one left: unmounted
    heard: list[int] = []
    parity.listen(heard.append)  # mounts again, from the current value
    subject.on_next(2)
    assert heard == [0] and len(subject.observers) == 1


def test_selector_runs_once_per_parent_value_however_many_listen() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    calls: list[int] = []

    def select(value: int) -> int:
        calls.append(value)
        return value // 10

    tens = Store.of_subject(subject).derive(select)
    for _ in range(3):
        tens.listen(lambda _: None)
    calls.clear()
    subject.on_next(5)
    subject.on_next(12)
    assert calls == [5, 12]


def test_shared_store_keeps_marble_semantics_for_late_subscribers() -> None:
    scheduler = TestScheduler()
    subject: BehaviorSubject[str] = BehaviorSubject("a1")
    letter = Store.of_subject(subject).derive(lambda v: v[0])
    early = record(letter, scheduler)
    for at, value in [(1, "a2"), (2, "b1"), (4, "b2"), (5, "c1")]:
        scheduler.schedule_relative(at, lambda *_, v=value: subject.on_next(v))
    late: list[Any] = []
    scheduler.schedule_relative(3, lambda *_: late.append(record(letter, scheduler)))
    scheduler.schedule_relative(6, lambda *_: subject.on_completed())
    scheduler.advance_by(7)
    assert_marbles(early, "a-b--c|")
    assert_marbles(late[0], "b-c|")  # the current value first, then changes


def test_a_subscriber_that_raises_does_not_stop_the_others() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    doubled = Store.of_subject(subject).derive(lambda v: v * 2)

    def boom(_: int) -> None:
        raise RuntimeError("subscriber bug")

    heard: list[int] = []
    doubled.listen(boom)
    doubled.listen(heard.append)
    subject.on_next(1)
    subject.on_next(2)
    assert heard == [2, 4]


def test_listen_passes_the_old_value_to_two_argument_callbacks() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    store = Store.of_subject(subject)
    pairs: list[tuple[int, int]] = []
    singles: list[int] = []

    class Sink:
        def on_change(self, value: int, old: int) -> None:
            pairs.append((value, old))

    store.listen(lambda value, old: pairs.append((value, old)))
    store.listen(Sink().on_change)  # a bound method: self is not counted
    store.listen(singles.append)
    store.listen(lambda *values: singles.append(len(values)))  # *args: the value alone
    subject.on_next(2)
    subject.on_next(5)
    assert pairs == [(2, 1), (2, 1), (5, 2), (5, 2)]
    assert singles == [2, 1, 5, 1]


class _Shapes:
    def one(self, value: int) -> None: ...
    def two(self, value: int, old: int) -> None: ...
    def many(self, *values: int) -> None: ...

    @classmethod
    def klass(cls, value: int, old: int) -> None: ...

    @staticmethod
    def static(value: int, old: int) -> None: ...

    def __call__(self, value: int, old: int) -> None: ...


def _wrapping(function: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(function)
    def wrapper(*args: Any) -> None:
        function(*args)

    return wrapper


def _with_signature(value: int) -> None: ...


_with_signature.__signature__ = inspect.signature(lambda value, old: None)  # type: ignore[attr-defined]

#: Callables of every shape ``listen`` may be given (the code objects' and inspect's answers
#: are compared on each).
_CALLABLES: list[Callable[..., Any]] = [
    lambda: None, lambda v: None, lambda v, o: None, lambda v, o=None: None, lambda *a: None,
    lambda v, *a: None, lambda v, *, o: None, lambda v, o, /: None, lambda v, /, o=1: None,
    _Shapes().one, _Shapes().two, _Shapes().many, _Shapes.klass, _Shapes().static, _Shapes(),
    _wrapping(lambda v, o: None), _wrapping(lambda v: None), _with_signature,
    functools.partial(lambda a, v, o: None, 1), functools.partial(lambda a, v: None, 1),
    [].append, print, len,
]


@pytest.mark.parametrize("callback", _CALLABLES, ids=range(len(_CALLABLES)))
def test_listen_reads_the_old_value_parameter_as_inspect_does(callback: Callable[..., Any]) -> None:
    """The code object is read for plain functions and their methods, ``inspect`` asked for the
    rest: both answers agree for every shape of callable."""
    assert _takes_old_value(callback) is (_positional_parameters(callback) >= 2)


@given(st.integers(0, 3), st.integers(0, 3), st.data())
def test_generated_functions_get_the_old_value_as_inspect_says(
        positional_only: int, positional: int, data: st.DataObject) -> None:
    names = [f"p{i}" for i in range(positional_only + positional)]
    defaults = data.draw(st.integers(0, len(names)))
    params = [name if i < len(names) - defaults else f"{name}=None"
              for i, name in enumerate(names)]
    if positional_only:
        params.insert(positional_only, "/")
    if data.draw(st.booleans()):
        params.append("*args")
    if data.draw(st.booleans()):
        params.append("k=None" if "*args" in params else "*, k=None")
    namespace: dict[str, Any] = {}
    exec(f"def f({', '.join(params)}): pass", namespace)  # noqa: S102 - a generated signature
    function = namespace["f"]
    assert _takes_old_value(function) is (_positional_parameters(function) >= 2)
    assert _takes_old_value(function) is (positional_only + positional >= 2)


def test_derived_listen_old_value_is_the_previous_selected_value() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(10)
    tens = Store.of_subject(subject).derive(lambda v: v // 10)
    changes: list[tuple[int, int]] = []
    tens.listen(lambda new, old: changes.append((old, new)))
    for value in (11, 25, 29, 30):
        subject.on_next(value)
    assert changes == [(1, 2), (2, 3)]


def test_journey_stores_are_unmounted_until_listened() -> None:
    h = JourneyHarness(b.experience("queue"))
    state = h.journey._pipeline.state
    assert state.listeners == ()
    off = h.journey.sequence_stage.listen(lambda _: None)
    h.journey.journey_stage.listen(lambda _: None)
    assert len(state.listeners) == 2
    assert h.journey.sequence_stage is h.journey.sequence_stage  # one store per attribute
    off()
    assert len(state.listeners) == 1


def test_journey_store_marbles_unchanged_by_lazy_mounting() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    h.server.on_enter("--q|", q=b.queued(2))
    h.act("-s--q", s="start", q="enter_queue")
    h.expect(h.journey.sequence_stage, "n-e---p", **SEQUENCE_STAGES)
    h.expect(h.journey.sequence_stage, "n-e---p", **SEQUENCE_STAGES)  # a second, shared
    h.run(8)


# ----------------------------------------------------------------------------------------------
# async for


async def test_async_for_yields_the_current_value_then_changes() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject)
    seen: list[int] = []
    async for value in store:  # each change arrives while the consumer waits
        seen.append(value)
        if value < 2:
            asyncio.get_running_loop().call_soon(subject.on_next, value + 1)
        else:
            asyncio.get_running_loop().call_soon(subject.on_completed)
    assert seen == [0, 1, 2]


async def test_async_for_conflates_for_a_slow_consumer() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject).derive(lambda v: v)
    seen: list[int] = []
    async for value in store:
        seen.append(value)
        if value == 0:
            for later in range(1, 50):  # arrive while the consumer is busy
                subject.on_next(later)
            await asyncio.sleep(0)
        if value == 49:
            break
    assert seen == [0, 49]  # no backlog: the latest value only


async def test_async_for_ends_when_the_journey_is_destroyed() -> None:
    h = JourneyHarness(b.experience("queue"))
    seen: list[str] = []

    async def consume() -> None:
        async for stage in h.journey.journey_stage:
            seen.append(stage.value)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    h.journey.destroy()
    await asyncio.wait_for(task, timeout=5)
    assert seen == ["not_started"]
    assert h.journey._pipeline.state.listeners == ()


async def test_async_for_raises_the_store_error() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject)
    asyncio.get_running_loop().call_soon(subject.on_error, ValueError("broken"))
    seen: list[int] = []
    with pytest.raises(ValueError, match="broken"):
        async for value in store:
            seen.append(value)
    assert seen == [0]


async def test_breaking_out_of_async_for_unsubscribes() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject).derive(lambda v: v)
    iterator = aiter(store)
    assert isinstance(iterator, AsyncGenerator)
    assert await anext(iterator) == 0
    assert len(subject.observers) == 1
    await iterator.aclose()  # what a ``break`` leads to once the iterator is dropped
    assert subject.observers == []


def test_derive_then_maps_each_new_value_once_for_all_listeners() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    made: list[int] = []

    def then(parity: int) -> list[int]:
        made.append(parity)
        return [parity]

    boxed = Store.of_subject(subject).derive(lambda v: v % 2, then=then)
    first: list[list[int]] = []
    second: list[list[int]] = []
    boxed.subscribe(first.append)
    boxed.subscribe(second.append)
    subject.on_next(3)  # the same parity: dropped before ``then``
    subject.on_next(4)
    assert made == [1, 0] and first == second == [[1], [0]]
    assert first[1] is second[1]  # one mapped value for every listener
    assert boxed.get() == [0]


def test_derive_while_listened_runs_from_the_first_listener_to_the_last() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    calls: list[str] = []

    def watch() -> Any:
        calls.append("on")
        return lambda: calls.append("off")

    store = Store.of_subject(subject).derive(lambda v: v, while_listened=watch)
    off_a = store.listen(lambda _: None)
    off_b = store.listen(lambda _: None)
    off_a()
    assert calls == ["on"]
    off_b()
    assert calls == ["on", "off"]
    store.listen(lambda _: None)  # mounted again ...
    subject.on_completed()  # ... and ended by the parent
    assert calls == ["on", "off", "on", "off"]
