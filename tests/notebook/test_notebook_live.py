"""The live view: an ipywidgets HTML widget when ipywidgets is there, else a display updated
in place (checked with a fake IPython display); it stops when the journey is destroyed."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest
from reactivex.testing import TestScheduler

from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.notebook import live
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b


class FakeHTML:
    def __init__(self, data: str) -> None:
        self.data = data


class FakeHandle:
    def __init__(self) -> None:
        self.updates: list[Any] = []

    def update(self, obj: Any, **kwargs: Any) -> None:
        self.updates.append(obj)


class FakeDisplay(types.ModuleType):
    def __init__(self) -> None:
        super().__init__("IPython.display")
        self.shown: list[tuple[Any, dict[str, Any]]] = []
        self.handles: list[FakeHandle] = []
        self.HTML = FakeHTML

    def display(self, obj: Any, **kwargs: Any) -> FakeHandle | None:
        self.shown.append((obj, kwargs))
        if kwargs.get("display_id"):
            handle = FakeHandle()
            self.handles.append(handle)
            return handle
        return None


@pytest.fixture
def fake_display(monkeypatch: pytest.MonkeyPatch) -> FakeDisplay:
    fake = FakeDisplay()
    monkeypatch.setitem(sys.modules, "IPython.display", fake)
    return fake


def _queue_harness() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", "-g|", n=b.not_queued(), g=b.queue_granted("grant-secret-" + "x" * 40))
    h.server.on_enter("-q|", q=b.queued(2))
    return h


def test_without_ipywidgets_the_display_is_updated_in_place(
    monkeypatch: pytest.MonkeyPatch, fake_display: FakeDisplay
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets -> ImportError
    h = _queue_harness()
    view = live(h.journey)
    assert not view.uses_widget
    [(first, options)] = fake_display.shown
    assert options == {"display_id": True}
    assert isinstance(first, FakeHTML) and ">not_started</span>" in first.data
    h.act("s--e", s="start", e="enter_queue")
    h.advance(6)
    handle = fake_display.handles[0]
    stages = [u.data for u in handle.updates]
    assert any(">participating</span>" in page for page in stages)
    assert view.updates == len(handle.updates) >= 3
    assert len(fake_display.shown) == 1  # one display, updated in place
    h.destroy()
    count = len(handle.updates)
    assert view.updates == count  # stopped with the journey


def test_widget_false_forces_the_display_fallback(fake_display: FakeDisplay) -> None:
    h = _queue_harness()
    view = live(h.journey, widget=False)
    assert not view.uses_widget and fake_display.handles
    view.close()
    h.act("s", s="start")
    h.advance(3)
    assert h.journey.state.get().revision > 0
    assert fake_display.handles[0].updates == [] and view.updates == 0
    h.destroy()


def test_widget_true_without_ipywidgets_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, fake_display: FakeDisplay
) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    scheduler = TestScheduler()
    journey = ExperienceJourney("exp-1", _queue_harness().server, scheduler=scheduler)
    with pytest.raises(ImportError, match=r"fanfare_rx\[notebook\]"):
        live(journey, widget=True)
    journey.destroy()


def test_with_ipywidgets_the_widget_value_follows_the_journey(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ipywidgets")
    display_module = pytest.importorskip("IPython.display")
    fake_display = FakeDisplay()
    monkeypatch.setattr(display_module, "display", fake_display.display)
    h = _queue_harness()
    view = live(h.journey)
    assert view.uses_widget
    widget = view._widget
    [(bundle, options)] = fake_display.shown
    assert options == {"raw": True, "display_id": True}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
    assert ">not_started</span>" in widget.value == bundle["text/html"]
    h.act("s--e", s="start", e="enter_queue")
    h.advance(6)
    assert ">participating</span>" in widget.value
    assert "grant-secret" not in widget.value
    # The static copy beside the widget follows too: an HTML export shows the last state.
    last = fake_display.handles[0].updates[-1]
    assert last["text/html"] == widget.value
    assert last["text/plain"] == "ExperienceJourney exp-1: routed / participating"
    assert "grant-secret" not in last["text/html"] + last["text/plain"]
    # Closed, the widget gives way to its static copy: a saved notebook keeps no widget.
    view.close()
    final = fake_display.handles[0].updates[-1]
    assert final == {"text/html": widget.value, "text/plain": last["text/plain"]}
    assert not view.uses_widget and widget.comm is None
    h.destroy()
