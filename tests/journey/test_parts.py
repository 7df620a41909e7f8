"""The journey's parts alone: the :class:`EffectRunner` and the :class:`Poller` work with what
they are given at construction (a port, a scheduler, a link to the pipeline: ``send``, ``snapshot``, ``now``), no journey
object; and the view's code reaches the journey only through public methods and its parts."""

from __future__ import annotations

import ast
import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest
import reactivex
from reactivex.testing import TestScheduler

from fanfare_rx.errors import FanfareError, JourneyDestroyedError, UsageError
from fanfare_rx.journey import polling, runner, view, view_actions, view_store
from fanfare_rx.journey.core.machine import initial_snapshot
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ConsumerState,
    Message,
    StatusReceived,
    Tick,
)
from fanfare_rx.journey.effect_context import CallbackLink, status_messages
from fanfare_rx.journey.lean import LoopScheduler, awaited, items
from fanfare_rx.journey.polling import Poller
from fanfare_rx.journey.runner import EffectRunner
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.testing import JourneyHarness, ScriptedEffects
from fanfare_rx.testing import builders as b


def parts(snapshot: JourneySnapshot | None = None) -> tuple[TestScheduler, ScriptedEffects,
                                                             EffectRunner, list[Message]]:
    scheduler = TestScheduler()
    server = ScriptedEffects(scheduler, experience=b.experience("queue"))
    sent: list[Message] = []
    current = snapshot or initial_snapshot(b.EXPERIENCE_ID)
    effects = EffectRunner(server, scheduler, CallbackLink(sent.append, lambda: current,
                                                           lambda: 1_000))
    return scheduler, server, effects, sent


def test_the_runner_sends_an_effects_messages_and_yields_the_snapshot_once_done() -> None:
    scheduler, _, effects, sent = parts()
    ticks = [Tick(at=1), Tick(at=2)]
    result = effects.run("refresh", reactivex.from_iterable(ticks), "refresh_distribution")
    assert effects.in_flight("refresh") is result  # single-flight: the caller joins this one
    done: list[JourneySnapshot] = []
    result.subscribe(done.append)
    scheduler.advance_by(1)
    assert sent == ticks
    assert done == [initial_snapshot(b.EXPERIENCE_ID)]
    assert effects.in_flight("refresh") is None and effects._running is None  # nothing kept


def test_a_failed_effect_is_folded_and_raised_to_its_caller() -> None:
    scheduler, _, effects, sent = parts()
    result = effects.run("enter_queue", reactivex.throw(KeyError("boom")), "enter_queue")
    errors: list[Exception] = []
    result.subscribe(on_error=errors.append)
    scheduler.advance_by(1)
    assert [type(m) for m in sent] == [ActionFailed]
    assert isinstance(sent[0], ActionFailed) and sent[0].action == "enter_queue"
    assert len(errors) == 1 and isinstance(errors[0], FanfareError)
    assert isinstance(errors[0].__cause__, KeyError)


def test_dispose_cancels_every_run_and_fails_its_callers() -> None:
    scheduler, _, effects, sent = parts()
    never = effects.run("start", reactivex.never(), "start")
    errors: list[Exception] = []
    never.subscribe(on_error=errors.append)
    effects.dispose(JourneyDestroyedError("gone"))
    scheduler.advance_by(5)
    assert [type(e) for e in errors] == [JourneyDestroyedError]
    assert effects.in_flight("start") is None and sent == []


def test_the_poller_polls_on_its_scheduler_through_the_runner() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    h.server.on_enter("-q|", q=b.queued(3))
    h.act("-s---e", s="start", e="enter_queue")
    h.advance(8)
    participating = h.journey.state.get()
    assert participating.sequence_stage == "participating"
    sent: list[Message] = []
    effects = EffectRunner(h.server, h.scheduler, CallbackLink(sent.append, lambda: participating,
                                                                 lambda: 1_000))
    poller = Poller(effects, h.scheduler)
    h.server.on_status("-p|", p=b.queued(2))
    poller.start(interval_ms=2000)
    assert poller.is_polling
    h.advance(7)  # polls due at 2 s, then 2 s after each answer (1 s): at 2, 5
    assert [type(m) for m in sent] == [StatusReceived, StatusReceived]
    poller.stop()
    h.advance(10)
    assert not poller.is_polling and len(sent) == 2
    with pytest.raises(UsageError):
        poller.start(interval_ms=5)
    assert h.journey.state.get() is participating  # the poller folded nothing of the journey's


def _private_reads_of_the_journey(module: object) -> list[str]:
    source = Path(str(getattr(module, "__file__", ""))).read_text()
    return [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
        and node.value.id in {"journey", "_journey"} and node.attr.startswith("_")
    ] + [
        f"self._journey.{node.attr}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
        and node.value.attr == "_journey" and node.attr.startswith("_")
    ]


@pytest.mark.parametrize("module", [view_actions, view, view_store, polling, runner])
def test_the_views_and_parts_use_no_private_member_of_the_journey(module: object) -> None:
    assert _private_reads_of_the_journey(module) == []


async def test_a_waiting_poller_on_the_loop_is_itself_and_its_handle() -> None:
    """Between polls a journey on the loop keeps its poller and the loop's handle, which calls
    the poller itself: no disposable, context copy, argument tuple or bound method per
    timer."""
    scheduler = LoopScheduler.of(asyncio.get_running_loop())
    current = initial_snapshot(b.EXPERIENCE_ID)
    runners = [EffectRunner(ScriptedEffects(TestScheduler()), scheduler,
                            CallbackLink(lambda _: None, lambda: current, lambda: 1_000))
               for _ in range(101)]
    Poller(runners[0], scheduler).start(interval_ms=60_000)  # warm
    gc.collect()
    before = len(gc.get_objects())
    pollers = [Poller(runner, scheduler) for runner in runners[1:]]
    for poller in pollers:
        poller.start(interval_ms=60_000)
    gc.collect()
    per_poller = (len(gc.get_objects()) - before - 1) / 100  # the list of pollers
    for poller in pollers:
        poller.stop()
    assert per_poller <= 2, per_poller


def test_a_status_answer_becomes_its_message_with_one_small_object_per_call() -> None:
    """The poll's status call is mapped to its message by one slotted callable fused into the
    call: no closure cells, operator or ``pipe`` composition per poll (each lived as long as
    the request, long enough to be promoted by the collections meanwhile)."""
    runner_ = EffectRunner(ScriptedEffects(TestScheduler()), TestScheduler(),
                           CallbackLink(lambda _: None, lambda: initial_snapshot("e"),
                                        lambda: 7))

    async def state() -> ConsumerState:
        return b.queued(2)

    def count(build: Any) -> float:
        gc.collect()
        before = len(gc.get_objects())
        made = [build() for _ in range(100)]
        gc.collect()
        return (len(gc.get_objects()) - before - 1) / len(made)

    call_alone = count(lambda: awaited(state))
    as_messages = count(lambda: status_messages(runner_, "d-1", awaited(state)))
    assert as_messages - call_alone <= 1.05, (as_messages, call_alone)
    sent: list[Message] = []
    status_messages(runner_, "d-1", items(b.queued(2))).subscribe(sent.append)
    assert sent == [StatusReceived(at=7, distribution_id="d-1", state=b.queued(2))]
