"""The runner's results: an action's outcome as a small observable (replayed to late
subscribers, awaited by any number of callers, each free to give up), and what an action in
flight costs in tracked objects."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
from reactivex import Observable
from reactivex import operators as ops

from fanfare_rx.errors import FanfareError, JourneyDestroyedError
from fanfare_rx.journey.core.machine import initial_snapshot
from fanfare_rx.journey.core.messages import ConsumerState, Message
from fanfare_rx.journey.effect_context import CallbackLink
from fanfare_rx.journey.effects import effect_for
from fanfare_rx.journey.lean import LoopScheduler, awaited, catch, defer, fail, items
from fanfare_rx.journey.polling import Poller
from fanfare_rx.journey.runner import ActionResult, EffectRunner
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

SNAPSHOT = initial_snapshot("exp-1")


def _effect(call: Callable[[], Awaitable[object]]) -> Observable[Message]:
    """An effect of one awaited call that sends no message (it ends, or fails)."""
    return cast(Observable[Message], awaited(call).pipe(ops.ignore_elements()))


def _runner(sent: list[Message] | None = None) -> EffectRunner:
    scheduler = LoopScheduler.of(asyncio.get_running_loop())
    return EffectRunner(object(), scheduler, CallbackLink(  # type: ignore[arg-type]
        (sent if sent is not None else []).append, lambda: SNAPSHOT, lambda: 0))


async def _held_per_task(start: Callable[[int], asyncio.Future[Any]],
                         count: int = 100) -> tuple[float, list[asyncio.Future[Any]]]:
    """The tracked objects held per task while ``count`` tasks made by ``start(i)`` are in
    flight (three loop turns after they started), and the tasks."""
    gc.collect()
    before = len(gc.get_objects())
    tasks = [start(i) for i in range(count)]
    for _ in range(3):
        await asyncio.sleep(0)
    gc.collect()
    return (len(gc.get_objects()) - before - 1) / count, tasks  # less the list of tasks


async def test_the_result_replays_to_late_subscribers_and_awaiters() -> None:
    runner = _runner()
    result = runner.run("k", items(), "start")  # ends within subscribe
    assert result.done and runner.in_flight("k") is None
    seen: list[Any] = []
    result.subscribe(seen.append, seen.append, lambda: seen.append("|"))
    assert seen == [SNAPSHOT, "|"]
    assert await result is SNAPSHOT


async def test_awaiters_share_one_run_and_one_may_give_up() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def wait() -> None:
        await gate

    runner = _runner()
    result = runner.run("k", _effect(wait), "start")
    assert runner.in_flight("k") is result
    first = asyncio.ensure_future(_await(result))
    second = asyncio.ensure_future(_await(result))
    seen: list[Any] = []
    left = result.subscribe(lambda s: seen.append("left"))
    stays = result.subscribe(lambda s: seen.append("stays"))
    await asyncio.sleep(0)
    first.cancel()
    left.dispose()
    gate.set_result(None)
    assert await second is SNAPSHOT
    assert first.cancelled() and seen == ["stays"] and runner.in_flight("k") is None
    stays.dispose()  # after the end: nothing to leave


async def test_an_older_run_ending_leaves_the_newer_run_of_its_key_in_flight() -> None:
    """Two runs of one key (a resume started while another is in flight): the older one
    ending does not hide the newer one from ``in_flight``, and each is forgotten once ended."""
    loop = asyncio.get_running_loop()
    first_gate: asyncio.Future[None] = loop.create_future()
    second_gate: asyncio.Future[None] = loop.create_future()
    runner = _runner()
    older = runner.run("resume", _effect(lambda: first_gate), "resume")
    newer = runner.run("resume", _effect(lambda: second_gate), "resume")
    assert runner.in_flight("resume") is newer and older.key == newer.key == "resume"
    first_gate.set_result(None)
    assert await older is SNAPSHOT
    assert runner.in_flight("resume") is newer and not newer.done
    second_gate.set_result(None)
    assert await newer is SNAPSHOT
    assert runner.in_flight("resume") is None


async def test_a_run_the_runner_does_not_hold_ends_without_touching_the_runs() -> None:
    """``ended`` of a run not in flight here (never started by this runner, or ended before)
    forgets nothing else, and an idle runner stays without a container."""
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    runner = _runner()
    stranger = ActionResult(runner, "k", "start")
    runner.ended(stranger)  # idle: nothing to forget
    result = runner.run("k", _effect(lambda: gate), "start")
    runner.ended(stranger)
    assert runner.in_flight("k") is result
    gate.set_result(None)
    assert await result is SNAPSHOT
    runner.ended(result)  # a second time
    assert runner.in_flight("k") is None and runner._running is None


async def _await(result: Any) -> JourneySnapshot:
    snapshot: JourneySnapshot = await result
    return snapshot


async def test_a_failed_effect_is_folded_and_raised_as_a_fanfare_error() -> None:
    sent: list[Message] = []
    runner = _runner(sent)

    async def boom() -> None:
        raise KeyError("x")

    result = runner.run("k", _effect(boom), "start")
    with pytest.raises(FanfareError, match="KeyError"):
        await result
    assert len(sent) == 1  # the failure, folded as an error event


async def test_dispose_ends_every_run_with_the_error() -> None:
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    runner = _runner()
    result = runner.run("k", _effect(lambda: gate), "start")
    waiting = asyncio.ensure_future(_await(result))
    await asyncio.sleep(0)
    runner.dispose(JourneyDestroyedError("destroyed"))
    with pytest.raises(JourneyDestroyedError):
        await waiting
    assert runner.in_flight("k") is None


async def test_an_awaited_action_in_flight_costs_a_few_objects_over_its_request() -> None:
    """Awaiting ``runner.run`` while the request is in flight costs a handful of tracked
    objects more than awaiting the request itself (an AsyncSubject awaited through reactivex's
    ``to_future`` cost about 50 more). The run observes its effect itself: subscribing it with
    three bound callbacks (and their holder) kept about 4.7 more objects alive per action. An
    awaiter awaits its own loop future, which takes the outcome (no generator of the run's in
    between), and the runner keeps its runs in one list."""
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()

    async def request() -> None:
        await gate

    async def bare() -> None:
        await asyncio.ensure_future(request())

    runners = [_runner() for _ in range(100)]

    async def action(runner: EffectRunner) -> JourneySnapshot:
        # the lean effect as the journey's are (its one value goes to ``sent``, a list)
        return await runner.run("k", cast(Observable[Message], awaited(request)), "start")

    baseline, _ = await _held_per_task(lambda _: asyncio.ensure_future(bare()))
    library, _ = await _held_per_task(lambda i: asyncio.ensure_future(action(runners[i])))
    gate.set_result(None)
    await asyncio.sleep(0.01)
    # 5.0; 7.0 with a generator per awaiter and a dict and a set of the runs, 11.7 with bound
    # callbacks as well
    assert library - baseline <= 6, (library, baseline)


async def test_an_entry_in_flight_costs_its_catch_and_its_call_over_its_request() -> None:
    """An entry's effect is a ``catch`` (the server's reroute hint) over a ``defer`` (the
    distribution read when it runs) over the awaited call, so it runs in the operators' own
    runs. Each run is the observer of what it follows and holds its observer as it is: over
    the request, beside what a bare awaited call costs, only the effect itself (the catch, the
    defer and its build) and the catch's run. Unpacking observers into bound callbacks (three of
    the action's run, two of the catch's run, and their holder) cost 6.8 more per entry."""
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()

    async def request() -> None:
        await gate

    def refused(error: Exception, _: Observable[Message]) -> Observable[Message]:
        return fail(error)

    def entry() -> Observable[Message]:
        return defer(lambda: cast(Observable[Message], awaited(request))).pipe(catch(refused))

    async def with_plain_effect(runner: EffectRunner) -> JourneySnapshot:
        return await runner.run("k", cast(Observable[Message], awaited(request)), "enter")

    async def with_entry_effect(runner: EffectRunner) -> JourneySnapshot:
        return await runner.run("k", entry(), "enter")

    async def per_task(start: Callable[[EffectRunner], Awaitable[object]]) -> float:
        runners = [_runner() for _ in range(100)]
        held, _ = await _held_per_task(lambda i: asyncio.ensure_future(start(runners[i])))
        return held

    plain = await per_task(with_plain_effect)
    entering = await per_task(with_entry_effect)
    gate.set_result(None)
    await asyncio.sleep(0.01)
    # the catch, the defer, its build and the catch's run: 4 (10.8 with bound callbacks)
    assert entering - plain <= 4.5, (entering, plain)


def _queued() -> JourneySnapshot:
    """A journey's snapshot once it is in a queue (what a status poll reads)."""
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    h.server.on_enter("-q|", q=b.queued(3))
    h.act("-s---e", s="start", e="enter_queue")
    h.advance(10)
    snapshot = h.journey.state.get()
    assert snapshot.sequence_stage == "participating"
    return snapshot


async def test_a_poll_in_flight_costs_a_few_objects_over_its_request() -> None:
    """A status poll waiting for its answer holds, over its request's task, its run (the
    task's done callback itself) and the status mapper; the poller is its observer: no
    callback bound per poll (a bound done callback and three bound observer callbacks were
    three more objects alive per request, and each outlived a young collection or two)."""
    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()
    scheduler = LoopScheduler.of(loop)
    queued = _queued()

    async def request() -> ConsumerState:
        await gate
        return b.queued(2)

    class Port:
        def fetch_status(self, distribution: object) -> Observable[ConsumerState]:
            return awaited(request)

    pollers = [Poller(EffectRunner(Port(), scheduler,  # type: ignore[arg-type]
                                   CallbackLink(lambda _: None, lambda: queued, lambda: 0)),
                      scheduler) for _ in range(100)]

    async def per_request(start: Callable[[int], object]) -> float:
        gc.collect()
        before = len(gc.get_objects())
        started = [start(i) for i in range(100)]
        await asyncio.sleep(0.15)  # the polls' timers (100 ms) fired: their requests wait
        gc.collect()
        return (len(gc.get_objects()) - before - 1) / len(started)

    baseline = await per_request(lambda _: asyncio.ensure_future(request()))  # the request
    polling = await per_request(lambda i: pollers[i].start(interval_ms=100))
    assert all(poller.is_polling for poller in pollers)
    gate.set_result(None)
    await asyncio.sleep(0.01)
    for poller in pollers:
        poller.stop()
    assert polling - baseline <= 3.5, (polling, baseline)  # 6 before


class _GatedExperience:
    """A port whose experience call and entry wait on ``gate`` (an action in flight at its
    first call)."""

    def __init__(self, gate: asyncio.Future[None]) -> None:
        self.gate = gate

    async def wait(self) -> None:
        await self.gate

    def load_experience(self, experience_id: str) -> Observable[Any]:
        return cast(Observable[Any], awaited(self.wait))

    def enter(self, distribution: object) -> Observable[Any]:
        return cast(Observable[Any], awaited(self.wait))


async def _held_over_the_call(action: JourneyAction | SequenceAction,
                              snapshot: JourneySnapshot) -> float:
    """The tracked objects an action holds while its first call is in flight, per action (100
    at once, on a port whose calls wait), over the same call made alone as the effect."""
    loop = asyncio.get_running_loop()
    port = _GatedExperience(loop.create_future())
    scheduler = LoopScheduler.of(loop)
    started: list[asyncio.Future[object]] = []

    def runner() -> EffectRunner:
        sent: list[Message] = []
        return EffectRunner(port, scheduler, CallbackLink(  # type: ignore[arg-type]
            sent.append, lambda: snapshot, lambda: 0))

    async def the_call(each: EffectRunner) -> object:
        return await each.run("k", cast(Observable[Message], awaited(port.wait)), "k")

    async def the_action(each: EffectRunner) -> object:
        return await each.run("k", effect_for(each, action, None), "k")

    async def per_action(run: Callable[[EffectRunner], Awaitable[object]]) -> float:
        runners = [runner() for _ in range(100)]
        held, tasks = await _held_per_task(lambda i: asyncio.ensure_future(run(runners[i])))
        started.extend(tasks)
        return held

    await per_action(the_action)  # first uses (caches of the port's class, the effects' table)
    await per_action(the_call)
    alone = await per_action(the_call)
    held = await per_action(the_action) - alone
    port.gate.set_result(None)
    await asyncio.gather(*started, return_exceptions=True)  # the port has no route: some fail
    return held


async def test_a_start_in_flight_holds_its_route_as_one_object_per_step() -> None:
    """A start's chain (the experience, then the route with it, then the status) is held until
    the action's last step, and the collector's count mostly does not see what that step frees:
    each object held to the end costs about what one kept for good does. The route and the
    status follow-up are one object each (the route's step after the experience one more), and
    the chain's run is its own emitter: 19 objects per start over its experience
    call alone, where closures with their cells and the run's bound emitter made it 26."""
    held = await _held_over_the_call(JourneyAction.START, SNAPSHOT)
    assert held <= 19, held


async def test_an_entry_in_flight_holds_its_call_and_its_reroute_hint_as_one_object_each() -> None:
    """An entry's effect (the distribution read when it runs, the port's call, the server's
    reroute hint caught) is held until the action's end, as a start's is: 5 objects per entry
    over its call alone, where the closures with their cells and a lambda per entry made it
    12."""
    held = await _held_over_the_call(SequenceAction.ENTER_QUEUE, _queued())
    assert held <= 5, held


async def test_each_subscription_of_a_route_routes_with_the_code_read_when_it_started() -> None:
    """The route is deferred: each subscription reads the experience id and access code when
    it starts (the route object keeps none of them), so a second subscription made while the
    first waits for its experience does not change what the first routes with."""
    import attrs

    from fanfare_rx.models import wire

    loop = asyncio.get_running_loop()
    gate: asyncio.Future[None] = loop.create_future()
    experience = b.experience("queue")
    routed: list[tuple[str, str | None]] = []

    class Port:
        def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
            async def load() -> wire.Experience:
                await gate
                return experience

            return awaited(load)

        def route(self, experience_id: str, code: str | None) -> Observable[Any]:
            routed.append((experience_id, code))
            return items()

    snapshots = [attrs.evolve(SNAPSHOT, context=attrs.evolve(SNAPSHOT.context, access_code=code))
                 for code in ("A", "B")]
    now = [snapshots[0]]
    ctx = EffectRunner(Port(), LoopScheduler.of(loop), CallbackLink(  # type: ignore[arg-type]
        lambda _: None, lambda: now[0], lambda: 0))
    route = effect_for(ctx, JourneyAction.START, None)
    ended: list[str] = []
    route.subscribe(on_completed=lambda: ended.append("first"))
    await asyncio.sleep(0)
    now[0] = snapshots[1]
    route.subscribe(on_completed=lambda: ended.append("second"))
    await asyncio.sleep(0)
    gate.set_result(None)
    for _ in range(10):
        await asyncio.sleep(0)
    assert sorted(routed) == [(experience.id, "A"), (experience.id, "B")]
    assert sorted(ended) == ["first", "second"]
