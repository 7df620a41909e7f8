"""Pipeline action tests: single-flight, unavailable and unknown actions, ``perform``,
failing effects, raising subscribers and malformed port values."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fanfare_rx import (
    ActionNotAvailableError,
    DecodeError,
    ServerError,
    UnknownActionError,
)
from fanfare_rx.testing import SEQUENCE_STAGES, JourneyHarness
from fanfare_rx.testing import builders as b


def started() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("(s|)", s=b.not_queued())
    h.act("s", s="start")
    h.advance(2)
    return h


def test_two_concurrent_enters_make_one_port_call_and_share_the_snapshot() -> None:
    h = started()
    h.server.on_enter("---q|", q=b.queued(3))
    first, second = h.act("-(ab)", a="enter_queue", b="enter_queue")
    h.advance(6)
    assert len(h.server.calls_to("enter")) == 1
    assert first.ok and second.ok
    assert first.snapshot is second.snapshot
    assert first.snapshot is not None and first.snapshot.sequence_stage == "participating"


def test_unavailable_action_raises_without_a_port_call() -> None:
    h = JourneyHarness(b.experience("queue"))
    with pytest.raises(ActionNotAvailableError):
        h.journey.request("enter_queue")
    (outcome,) = h.act("a", a="authenticate")
    h.advance(1)
    assert isinstance(outcome.error, ActionNotAvailableError)
    assert h.server.calls == []
    assert h.journey.state.get().revision == 0


def test_unknown_action_name_raises() -> None:
    h = JourneyHarness(b.experience("queue"))
    with pytest.raises(UnknownActionError):
        h.journey.request("fly_to_the_moon")
    assert h.server.calls == []


async def test_perform_dispatches_by_name() -> None:
    h = started()
    h.server.on_enter("-q|", q=b.queued(2))
    task = asyncio.ensure_future(h.journey.perform("enter_queue"))
    await asyncio.sleep(0)
    h.advance(2)
    snapshot = await asyncio.wait_for(task, 1)
    assert snapshot.sequence_stage == "participating"
    assert snapshot.context.position == 2
    with pytest.raises(UnknownActionError):
        await h.journey.perform("no_such_action")


def test_failing_effect_folds_an_error_and_the_pipeline_stays_alive() -> None:
    h = started()
    boom = ServerError("upstream failed", status=503)
    h.server.on_enter("-#", "-q|", error=boom, q=b.queued(4))
    first, second = h.act("-a--b", a="enter_queue", b="enter_queue")
    h.expect(h.journey.sequence_stage, "e----p", **SEQUENCE_STAGES)
    h.run(7)
    assert isinstance(first.error, ServerError) and first.error is boom
    event = h.journey.state.get().events[-2]
    assert event.kind == "error" and event.detail is not None
    assert event.detail["code"] == "INTERNAL_ERROR" and event.detail["status"] == 503
    assert second.ok


def test_a_raising_subscriber_does_not_break_the_pipeline(caplog: pytest.LogCaptureFixture) -> None:
    h = started()
    h.server.on_enter("-q|", q=b.queued(1))
    seen: list[str] = []

    def bad(_: object) -> None:
        raise RuntimeError("subscriber bug")

    h.journey.sequence_stage.subscribe(bad)
    h.journey.sequence_stage.listen(bad)
    h.journey.sequence_stage.subscribe(seen.append)
    with caplog.at_level(logging.ERROR):
        h.act("a", a="enter_queue")
        h.advance(3)
    assert h.outcome("enter_queue").ok
    assert seen == ["active_enterable", "participating"]
    assert "subscriber" in caplog.text


def test_unexpected_value_from_the_port_becomes_an_error_event() -> None:
    h = started()
    h.server.on_enter("-x|", "-q|", x="not a consumer state", q=b.queued(5))
    first, second = h.act("a--b", a="enter_queue", b="enter_queue")
    h.advance(2)
    snap = h.journey.state.get()
    assert snap.sequence_stage == "active_enterable"
    assert snap.latest_event is not None and snap.latest_event.kind == "error"
    assert snap.latest_event.detail is not None
    assert snap.latest_event.detail["code"] == "DECODE_ERROR"
    assert isinstance(first.error, DecodeError)
    h.advance(3)
    assert second.ok and h.journey.sequence_stage.get() == "participating"


def test_unexpected_route_answer_is_an_error_not_a_crash() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-x|", "-r|", x=42, r=b.routed())
    h.server.on_status("(s|)", s=b.not_queued())
    h.act("s---R", s="start", R="retry")
    h.advance(2)
    snap = h.journey.state.get()
    assert snap.journey_stage == "entering"
    assert isinstance(h.outcome("start").error, DecodeError)
    assert "retry" in snap.available_actions.journey
    h.advance(4)
    assert h.outcome("retry").ok and h.journey.journey_stage.get() == "routed"
