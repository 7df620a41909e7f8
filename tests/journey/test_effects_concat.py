"""The effects' ``concat``: reactivex.concat's marbles, and its objects die by reference
counting (reactivex.concat leaves a cycle per subscription for the collector)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest
import reactivex
from reactivex import Observable
from reactivex.testing import ReactiveTest, TestScheduler

from fanfare_rx.journey.effects import concat

on_next, on_completed, on_error = ReactiveTest.on_next, ReactiveTest.on_completed, ReactiveTest.on_error


def test_marbles_one_after_another() -> None:
    scheduler = TestScheduler()
    a = scheduler.create_cold_observable(on_next(10, "a"), on_completed(20))
    b = scheduler.create_cold_observable(on_next(5, "b"), on_completed(10))
    result = scheduler.start(lambda: concat(a, b))  # type: ignore[arg-type]
    assert result.messages == [on_next(210, "a"), on_next(225, "b"), on_completed(230)]
    assert a.subscriptions[0].unsubscribe == 220 and b.subscriptions[0].subscribe == 220


def test_an_error_stops_it_and_later_sources_are_not_subscribed() -> None:
    scheduler = TestScheduler()
    boom = ValueError("boom")
    a = scheduler.create_cold_observable(on_error(10, boom))
    b = scheduler.create_cold_observable(on_next(5, "b"), on_completed(10))
    result = scheduler.start(lambda: concat(a, b))  # type: ignore[arg-type]
    assert result.messages == [on_error(210, boom)]
    assert b.subscriptions == []


def test_disposing_it_disposes_the_running_source() -> None:
    scheduler = TestScheduler()
    a = scheduler.create_cold_observable(on_next(10, "a"), on_completed(500))
    b = scheduler.create_cold_observable(on_next(5, "b"), on_completed(10))
    result = scheduler.start(lambda: concat(a, b), disposed=300)  # type: ignore[arg-type]
    assert result.messages == [on_next(210, "a")]
    assert a.subscriptions[0].unsubscribe == 300 and b.subscriptions == []


def test_synchronous_sources() -> None:
    seen: list[Any] = []
    concat(reactivex.of(1, 2), reactivex.empty(), reactivex.just(3)).subscribe(  # type: ignore[arg-type]
        seen.append, on_completed=lambda: seen.append("|"))
    assert seen == [1, 2, 3, "|"]


def _reactivex_garbage(run: Callable[[], None]) -> int:
    gc.collect()
    run()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = sum(type(o).__module__.startswith("reactivex") for o in gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
    gc.collect()
    return found


def _subscribe(make: Callable[..., Observable[Any]], second: Observable[Any]) -> Callable[[], None]:
    def run() -> None:
        make(reactivex.of(1, 2), second).subscribe(lambda _: None, lambda _: None)
    return run


@pytest.mark.parametrize("second", [reactivex.just(3), reactivex.throw(ValueError("x"))],
                         ids=["completed", "failed"])
def test_its_objects_die_by_reference_counting(collector_off: None,
                                               second: Observable[Any]) -> None:
    assert _reactivex_garbage(_subscribe(reactivex.concat, second)) > 0  # why it exists
    assert _reactivex_garbage(_subscribe(concat, second)) == 0
