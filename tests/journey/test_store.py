"""Store tests: ``listen`` vs ``subscribe``, derived stores emit only on change, ``wait_for``."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Callable

import pytest
from reactivex import Observer
from reactivex.subject import BehaviorSubject
from reactivex.testing import TestScheduler

from fanfare_rx import FanfareTimeoutError, JourneyDestroyedError, Store, TimeoutError, UsageError
from fanfare_rx.journey.store import ValueStore
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
    assert h.journey._pipeline.state.listeners == ()  # nothing left listening


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


def _tracked_per(action: object, count: int = 100) -> float:
    """Objects the collector tracks, per call of ``action`` (kept alive meanwhile)."""
    assert callable(action)
    gc.collect()
    before = len(gc.get_objects())
    kept = [action() for _ in range(count)]
    gc.collect()
    per = (len(gc.get_objects()) - before - 1) / count  # - 1: the list ``kept``
    del kept
    return per


def test_a_listener_costs_a_few_objects_not_an_rx_subscription() -> None:
    """``listen`` on a root or derived store is a plain entry: a listener object that holds its
    store, kept as the store's one listener, in a list from the second on (an Rx subscription
    was about 20 objects, 3 to 8 of them locks; a bound detach method per listener and per
    mount and a list per store were one more each). Counts include the test's own callback."""
    subjects = [BehaviorSubject(0) for _ in range(100)]
    roots = [Store.of_subject(subject) for subject in subjects]
    derived = [root.derive(lambda v: v % 2) for root in roots]
    listeners = iter(roots)
    assert _tracked_per(lambda: next(listeners).listen(lambda _: None)) <= 2
    mounts = iter(derived)  # the first listener mounts the store on its parent
    assert _tracked_per(lambda: next(mounts).listen(lambda _: None)) <= 3
    later = iter(derived)  # the second listener makes the list
    assert _tracked_per(lambda: next(later).listen(lambda _: None)) <= 3


def test_a_listener_leaving_during_an_emission_is_not_called_after() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(0)
    store = Store.of_subject(subject).derive(lambda v: v)
    heard: list[str] = []
    offs = []

    def first(value: int) -> None:
        heard.append(f"first {value}")
        offs[1]()  # the second listener leaves before it is reached

    offs.append(store.listen(first))
    offs.append(store.listen(lambda v: heard.append(f"second {v}")))
    subject.on_next(1)
    subject.on_next(2)
    assert heard == ["first 1", "first 2"]


def test_a_selector_that_raises_is_logged_and_the_store_goes_on(
        caplog: pytest.LogCaptureFixture) -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    inverse = Store.of_subject(subject).derive(lambda v: 1 // v)
    heard: list[int] = []
    others: list[int] = []
    inverse.listen(heard.append)
    subject.subscribe(others.append)
    subject.on_next(0)
    subject.on_next(1)
    subject.on_next(2)
    assert "selector raised" in caplog.text
    assert heard == [0] and others == [1, 0, 1, 2]


def test_listen_on_an_ended_store_is_a_no_op() -> None:
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    root = Store.of_subject(subject)
    derived = root.derive(lambda v: v)
    subject.on_completed()
    heard: list[int] = []
    off_root, off_derived = root.listen(heard.append), derived.listen(heard.append)
    completed: list[bool] = []
    derived.subscribe(on_completed=lambda: completed.append(True))
    off_root()
    off_derived()
    assert heard == [] and completed == [True] and not derived.mounted  # type: ignore[attr-defined]


def test_stores_listened_then_left_die_by_reference_counting() -> None:
    """No reference cycle stays once the listeners left: the stores are freed at once, not by
    a later full collection."""
    gc.collect()
    gc.disable()
    try:
        subject: BehaviorSubject[int] = BehaviorSubject(0)
        root = Store.of_subject(subject)
        derived = root.derive(lambda v: v + 1)
        offs = [root.listen(lambda _: None), derived.listen(lambda _: None),
                derived.subscribe(lambda _: None).dispose]
        subject.on_next(1)
        for off in offs:
            off()
        gone = [weakref.ref(root), weakref.ref(derived)]
        del root, derived, offs
        assert [ref() for ref in gone] == [None, None]
    finally:
        gc.enable()


def test_a_view_or_page_listener_costs_a_few_objects() -> None:
    """``journey.view`` and ``journey.page`` are derived stores with the auto-polling watch as
    their mount hook: the first listener mounts them (the view, bound once, and the watch of
    the routed stage), later ones are list entries (Rx ``create`` + ``share`` + composite
    disposables cost about 150 and 70 objects per listener)."""
    journeys = [JourneyHarness(b.experience("queue")).journey for _ in range(100)]
    for journey in journeys:
        _ = journey.view, journey.page
    first_views, later_views = iter(journeys), iter(journeys)
    first_pages, later_pages = iter(journeys), iter(journeys)
    assert _tracked_per(lambda: next(first_views).view.listen(lambda _: None)) <= 12
    assert _tracked_per(lambda: next(later_views).view.listen(lambda _: None)) <= 3
    assert _tracked_per(lambda: next(first_pages).page.listen(lambda _: None)) <= 8
    assert _tracked_per(lambda: next(later_pages).page.listen(lambda _: None)) <= 3


def test_every_listener_of_the_view_gets_the_same_bound_view() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    first: list[object] = []
    second: list[object] = []
    h.journey.view.subscribe(first.append)
    h.journey.view.subscribe(second.append)
    h.act("s", s="start")
    h.advance(3)
    assert len(first) > 1 and [id(v) for v in first] == [id(v) for v in second]


def _script(root: Store[int], publish: Callable[[int], None], end: Callable[[], None]) -> list[str]:
    """What subscribers and listeners of ``root`` see when ``publish``/``end`` drive it: the
    same script for a ``BehaviorSubject``'s store and a :class:`ValueStore`."""
    seen: list[str] = []
    root.subscribe(lambda v: seen.append(f"s1:{v}"), lambda e: seen.append(f"s1#{e}"),
                   lambda: seen.append("s1|"))
    off = root.listen(lambda v, old: seen.append(f"l:{old}>{v}"))
    tens = root.derive(lambda v: v // 10)
    tens.subscribe(lambda v: seen.append(f"d:{v}"), on_completed=lambda: seen.append("d|"))
    offs: list[Callable[[], None]] = []
    root.listen(lambda v: offs.pop()() if offs else None)  # the next one leaves mid-emission
    offs.append(root.listen(lambda v: seen.append(f"gone:{v}")))
    publish(11)
    inner = root.subscribe(lambda v: seen.append(f"s2:{v}"))
    publish(12)
    off()
    inner.dispose()
    publish(25)
    seen.append(f"get:{root.get()}")
    end()
    publish(30)  # after the end: nothing
    root.subscribe(lambda v: seen.append(f"late:{v}"), lambda e: seen.append(f"late#{e}"),
                   lambda: seen.append("late|"))
    return seen


@pytest.mark.parametrize("ending", ["completed", "error"])
def test_a_value_store_is_seen_as_a_behavior_subjects_store_is(ending: str) -> None:
    """The journey's root store holds its value (no subject, lock or observer list per
    journey); subscribers, listeners and derived stores see what they see of a
    ``BehaviorSubject``: replay, order, the end replayed to late subscribers."""
    subject: BehaviorSubject[int] = BehaviorSubject(1)
    value_store = ValueStore(1)
    error = ValueError("broken")

    def end_subject() -> None:
        subject.on_completed() if ending == "completed" else subject.on_error(error)

    def end_store() -> None:
        value_store.on_completed() if ending == "completed" else value_store.on_error(error)

    expected = _script(Store.of_subject(subject), subject.on_next, end_subject)
    assert _script(value_store, value_store.on_next, end_store) == expected
    assert "late|" in expected or "late#broken" in expected
    assert value_store.listeners == ()


def test_a_value_store_keeps_no_list_while_nobody_listens() -> None:
    store = ValueStore(0)
    assert store.listeners == () and store._listeners is None
    off = store.listen(lambda _: None)
    assert len(store.listeners) == 1
    off()
    assert store._listeners is None  # the last one left: no empty list kept


class _Sink(Observer[int]):
    """A sink that records, and may leave its store on the first value it gets."""

    def __init__(self, store: Store[int] | None = None) -> None:
        super().__init__()
        self.seen: list[object] = []
        self.leave_from = store

    def on_next(self, value: int) -> None:
        self.seen.append(value)
        if self.leave_from is not None:
            self.leave_from.detach(self)

    def on_completed(self) -> None:
        self.seen.append("|")


def test_attach_and_detach_are_the_listener_protocol_of_every_store() -> None:
    """A sink attached to a store gets the current value then the changes until detached; an
    ended store tells it at once and does not attach it; a sink leaving a derived store during
    the mount's first value leaves nothing attached to the parent."""
    root = ValueStore(1)
    sink = _Sink()
    assert root.attach(sink)
    root.on_next(2)
    root.detach(sink)
    root.on_next(3)
    assert sink.seen == [1, 2] and root.listeners == ()
    leaving = root.derive(lambda v: v * 10)
    quitter = _Sink(leaving)
    assert not leaving.attach(quitter)  # it left at once
    assert quitter.seen == [30] and root.listeners == ()
    root.on_completed()
    late = _Sink()
    assert not root.attach(late) and late.seen == ["|"]
    assert not root.derive(lambda v: v).attach(late) and late.seen == ["|", "|"]
