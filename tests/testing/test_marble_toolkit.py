"""Tests of the marble-testing toolkit itself (fanfare_rx.testing)."""

from __future__ import annotations

import pytest
from reactivex.notification import OnCompleted, OnError, OnNext
from reactivex.testing import TestScheduler

from fanfare_rx import testing
from fanfare_rx.errors import UsageError
from fanfare_rx.testing import (
    SEQUENCE_STAGES,
    JourneyHarness,
    ScriptedEffects,
    UnscriptedCallError,
    assert_marbles,
    parse_marbles,
    record,
    render_marbles,
)
from fanfare_rx.testing import builders as b


def test_public_names() -> None:
    assert sorted(testing.__all__) == sorted(
        name for name in dir(testing) if not name.startswith(("_", "@")) and name != "annotations"
        and name not in {"harness", "marbles", "paths", "sleep", "stages", "plugin"}  # plugin: by pytest
    )


def test_parse_marbles_rxjs_syntax() -> None:
    events = parse_marbles("a-(bc)-1|", {"a": "A"})
    assert [(t, type(n)) for t, n in events] == [
        (0.0, OnNext), (2.0, OnNext), (2.0, OnNext), (7.0, OnNext), (8.0, OnCompleted),
    ]
    values = [n.value for _, n in events if isinstance(n, OnNext)]
    assert values == ["A", "b", "c", 1]
    err = ValueError("x")
    ((_, failure),) = parse_marbles("--#", error=err, timespan=0.5)[-1:]
    assert isinstance(failure, OnError) and failure.exception is err
    assert parse_marbles("--#", timespan=0.5)[0][0] == 1.0
    with pytest.raises(UsageError):
        parse_marbles("a(b")


def test_render_round_trips_and_lists_unplaceable_events() -> None:
    events = parse_marbles("n-e--(pa)-|", SEQUENCE_STAGES)
    assert render_marbles(events, SEQUENCE_STAGES) == "n-e--(pa)-|"
    odd = [(0.0, OnNext("none")), (0.5, OnNext("ended"))]
    assert render_marbles(odd, SEQUENCE_STAGES) == "n @0.5:d"


def test_assert_marbles_failure_shows_both_diagrams() -> None:
    scheduler = TestScheduler()
    stream = ScriptedEffects(scheduler).on_route("-a--b|", a="x", b="y")
    recording = record(stream.route("exp-1", None), scheduler)
    scheduler.advance_by(10)
    assert_marbles(recording, "-a--b|", a="x", b="y")
    with pytest.raises(AssertionError) as caught:
        assert_marbles(recording, "-a-b|", a="x", b="y")
    assert "expected: -a-b|" in str(caught.value) and "actual:   -a--b|" in str(caught.value)
    with pytest.raises(AssertionError):
        assert_marbles(recording, "-a--c|", a="x", c="z")


def test_scripted_answers_go_in_order_and_the_last_repeats() -> None:
    scheduler = TestScheduler()
    server = ScriptedEffects(scheduler).on_enter("-a|", "--b|", a=1, b=2)
    seen: list[tuple[float, int]] = []
    for _ in range(3):
        server.enter(None).subscribe(lambda v: seen.append((scheduler.clock, v)))  # type: ignore[arg-type]
        scheduler.advance_by(5)
    assert seen == [(1.0, 1), (7.0, 2), (12.0, 2)]
    assert server.call_times("enter") == [0.0, 5.0, 10.0]


def test_unscripted_calls_error_and_fail_the_harness() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.act("s", s="start")
    with pytest.raises(UnscriptedCallError, match="route"):
        h.run(2)
    assert h.outcome("start").error is not None


def test_drive_rejects_unnamed_letters() -> None:
    h = JourneyHarness(b.experience("queue"))
    with pytest.raises(UsageError, match="names no action"):
        h.act("s-z", s="start")
    h.advance(5)
    assert h.server.calls == []  # nothing was scheduled


def test_script_rejects_unknown_methods() -> None:
    with pytest.raises(UsageError):
        ScriptedEffects(TestScheduler()).script("teleport", "-a|")
