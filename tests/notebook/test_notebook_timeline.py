"""The stage recorder (timestamps on a TestScheduler's virtual clock) and the timeline plot
(Agg backend: one row per journey, one bar per stage span, a legend of stages)."""

from __future__ import annotations

import sys

import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.notebook import record_stages, recording_from_events, timeline
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _admitted_queue() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", "-o|", "-g|", n=b.not_queued(), o=b.queued(1), g=b.queue_granted())
    h.server.on_enter("--q|", q=b.queued(2))
    return h


def _draw_lost() -> JourneyHarness:
    h = JourneyHarness(b.experience("draw"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", "-l|", n=b.draw_not_entered(), l=b.draw_lost())
    h.server.on_enter("-e|", e=b.draw_entered())
    return h


def test_recorder_timestamps_stage_changes_and_positions() -> None:
    h = _admitted_queue()
    rec = record_stages(h.journey, label="queue", clock=lambda: h.now)
    h.act("-s---q-P", s="start", q="enter_queue", P=lambda j: j.start_polling(2000))
    h.advance(14)
    stages = [(c.at, c.journey_stage.value, c.sequence_stage.value) for c in rec.changes]
    assert stages == [
        (0.0, "not_started", "none"),
        (1.0, "entering", "none"),
        (2.0, "routing", "none"),  # an ungated start passes through routing
        (2.0, "routed", "active_enterable"),
        (7.0, "routed", "participating"),
        (14.0, "routed", "admitted"),
    ]
    assert rec.positions == [(0.0, None), (7.0, 2), (10.0, 1), (14.0, None)]
    assert rec.first("admitted") == 14.0 and rec.first("ended") is None
    assert rec.segments(until=20) == [
        (0.0, 2.0, "none"), (2.0, 7.0, "active_enterable"), (7.0, 14.0, "participating"),
        (14.0, 20.0, "admitted"),
    ]
    assert [s for _, _, s in rec.segments("journey", until=20)] == [
        "not_started", "entering", "routing", "routed"]
    h.destroy()
    assert rec.stopped_at == 14.0  # stopped with the journey
    assert repr(rec) == "StageRecording('queue', none → active_enterable → participating → admitted)"


def test_recorder_stop_keeps_what_was_recorded() -> None:
    h = _admitted_queue()
    rec = record_stages(h.journey, clock=lambda: h.now)
    h.act("-s", s="start")
    h.advance(3)
    rec.stop()
    h.act("q", q="enter_queue")
    h.advance(5)
    assert [c.sequence_stage.value for c in rec.changes][-1] == "active_enterable"
    assert rec.label == "exp-1" and rec.stopped_at == 3.0
    h.destroy()


def test_recording_from_events_rebuilds_sequence_stages() -> None:
    h = _admitted_queue()
    h.act("-s---q-P", s="start", q="enter_queue", P=lambda j: j.start_polling(2000))
    h.advance(14)
    rec = recording_from_events(h.journey, label="rebuilt")
    assert [(c.at, c.sequence_stage.value) for c in rec.changes] == [
        (2.0, "none"), (2.0, "active_enterable"), (7.0, "participating"), (14.0, "admitted"),
    ]
    h.destroy()


def test_timeline_draws_one_row_per_journey_and_a_bar_per_span() -> None:
    q, d = _admitted_queue(), _draw_lost()
    rq = record_stages(q.journey, label="queue", clock=lambda: q.now)
    rd = record_stages(d.journey, label="draw", clock=lambda: d.now)
    q.act("-s---q-P", s="start", q="enter_queue", P=lambda j: j.start_polling(2000))
    d.act("-s---e-P", s="start", e="enter_draw", P=lambda j: j.start_polling(2000))
    q.advance(16)
    d.advance(16)
    rq.stop()
    rd.stop()
    fig = timeline([rq, rd], title="two journeys")
    try:
        [ax] = fig.axes
        assert [t.get_text() for t in ax.get_yticklabels()] == ["queue", "draw"]
        spans = rq.segments() + rd.segments()
        assert len(ax.patches) == len(spans)
        lefts = sorted(round(p.get_x(), 6) for p in ax.patches)
        assert lefts == sorted(round(s, 6) for s, _, _ in spans)
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["none", "active_enterable", "participating", "admitted (success)",
                          "ended: lost (failure)"]
        assert ax.get_xlabel() == "seconds since start" and ax.get_title() == "two journeys"
    finally:
        plt.close(fig)
        q.destroy()
        d.destroy()


def test_timeline_of_journeys_and_journey_stages() -> None:
    q = _admitted_queue()
    rec = record_stages(q.journey, label="queue", clock=lambda: q.now)
    q.act("-s", s="start")
    q.advance(4)
    fig = timeline(rec, kind="journey")
    try:
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert legend == ["not_started", "entering", "routing", "routed"]
        assert fig.axes[0].get_legend().get_title().get_text() == "stage"
    finally:
        plt.close(fig)
    fig = timeline(q.journey)  # rebuilt from the events
    try:
        assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["exp-1"]
    finally:
        plt.close(fig)
    with pytest.raises(UsageError):
        timeline([object()])  # type: ignore[list-item]
    q.destroy()


def test_timeline_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    q = _admitted_queue()
    rec = record_stages(q.journey, clock=lambda: q.now)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'fanfare_rx\[notebook\]'"):
        timeline(rec)
    q.destroy()


def _completed_release() -> JourneyHarness:
    h = JourneyHarness(b.experience("timed_release"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.timed_release_state("NOT_ENTERED"))
    h.server.on_enter("-g|", g=b.timed_release_granted())
    h.server.on_complete("-c|", c=b.timed_release_state("COMPLETED"))
    return h


def test_spans_carry_the_outcome() -> None:
    d = _draw_lost()
    rec = record_stages(d.journey, label="draw", clock=lambda: d.now)
    d.act("-s---e-P", s="start", e="enter_draw", P=lambda j: j.start_polling(2000))
    d.advance(16)
    rec.stop()
    last = rec.spans()[-1]
    assert (last.stage, last.outcome, last.end) == ("ended", "lost", 16.0)
    assert {s.outcome for s in rec.spans()[:-1]} == {None}
    d.destroy()


def test_a_final_stage_reached_when_the_recording_stops_is_still_visible() -> None:
    q = _admitted_queue()
    rec = record_stages(q.journey, label="queue", clock=lambda: q.now)
    q.act("-s---q-P", s="start", q="enter_queue", P=lambda j: j.start_polling(2000))
    q.advance(14)
    rec.stop()  # at the admission, as a notebook does right after waiting for it
    assert rec.segments()[-1] == (14.0, 14.0, "admitted")
    fig = timeline(rec)
    try:
        [ax] = fig.axes
        admitted = max(ax.patches, key=lambda p: p.get_x())
        assert admitted.get_x() == 14.0
        assert admitted.get_width() >= 0.05 * 14.0
        assert ax.get_xlim()[1] == pytest.approx(admitted.get_x() + admitted.get_width())
    finally:
        plt.close(fig)
        q.destroy()


def test_final_stages_are_coloured_by_outcome() -> None:
    q, d, t = _admitted_queue(), _draw_lost(), _completed_release()
    recs = [record_stages(h.journey, label=label, clock=lambda h=h: h.now)  # type: ignore[misc]
            for h, label in ((q, "queue"), (d, "draw"), (t, "timed_release"))]
    q.act("-s---q-P", s="start", q="enter_queue", P=lambda j: j.start_polling(2000))
    d.act("-s---e-P", s="start", e="enter_draw", P=lambda j: j.start_polling(2000))
    t.act("-s--e--c", s="start", e="enter_timed_release", c="complete_timed_release")
    for h in (q, d, t):
        h.advance(20)
    assert [r.spans()[-1].outcome for r in recs] == [None, "lost", "completed"]
    fig = timeline(recs)
    try:
        [ax] = fig.axes
        finals = {}
        for row in range(3):
            bars = [p for p in ax.patches if round(p.get_y() + p.get_height() / 2) == row]
            finals[row] = max(bars, key=lambda p: p.get_x())
        colors = [matplotlib.colors.to_hex(finals[row].get_facecolor()) for row in range(3)]
        assert colors == ["#2e7d32", "#c62828", "#2e7d32"]  # success, failure, success
        assert [bool(finals[row].get_hatch()) for row in range(3)] == [False, True, True]
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend[-3:] == ["admitted (success)", "ended: lost (failure)",
                               "ended: completed (success)"]
        assert ax.get_legend().get_title().get_text() == "stage (outcome)"
    finally:
        plt.close(fig)
        for h in (q, d, t):
            h.destroy()
