"""Jupyter helpers: a live view of a journey that updates in place, a recorder of stage
changes, and a timeline plot of one or many journeys (extra ``fanfare_rx[notebook]``).

Usage (in a notebook cell, with top-level ``await``)::

    from fanfare_rx.notebook import live, record_stages, timeline

    view = live(journey)                    # updates in place while the journey runs
    rec = record_stages(journey, label="queue")
    await journey.start(); await journey.enter_queue(); journey.start_polling(250)
    await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=30)
    timeline([rec])                         # a matplotlib Figure
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any

import attrs
from reactivex import operators as ops

from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models._html import STAGE_COLORS, snapshot_html
from fanfare_rx.models.journey import EventKind, JourneySnapshot, JourneyStage, SequenceStage

__all__ = [
    "LiveView",
    "StageChange",
    "StageRecording",
    "live",
    "record_stages",
    "recording_from_events",
    "timeline",
]


def _require(module: str, extra: str = "notebook") -> ModuleType:
    """Import ``module`` or raise an ImportError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{module} is needed for this; install it with: pip install 'fanfare_rx[{extra}]'"
        ) from exc


# --------------------------------------------------------------------------------------------
# Live view


class LiveView:
    """A display of a journey's snapshot that follows every change until :meth:`close` or
    until the journey is destroyed.

    Usage: ``view = live(journey); ...; view.close()``
    """

    def __init__(self, journey: ExperienceJourney, *, widget: bool | None = None) -> None:
        self.journey = journey
        self.updates = 0
        """How many times the view was re-rendered."""
        self._title = f"ExperienceJourney {journey.experience_id}"
        self._widget: Any = None
        self._handle: Any = None
        display_mod = _require("IPython.display")
        if widget is None or widget:
            try:
                widgets = importlib.import_module("ipywidgets")
            except ImportError:
                if widget:
                    _require("ipywidgets")
                widgets = None
            if widgets is not None:
                self._widget = widgets.HTML(value=self._render(journey.state.get()))
                display_mod.display(self._widget)
        if self._widget is None:
            self._html_cls = display_mod.HTML
            self._handle = display_mod.display(
                display_mod.HTML(self._render(journey.state.get())), display_id=True
            )
        self._subscription = journey.state.pipe(ops.skip(1)).subscribe(
            on_next=self._update, on_error=lambda _: self.close(), on_completed=self.close
        )

    @property
    def uses_widget(self) -> bool:
        """Whether the view is an ipywidgets ``HTML`` widget (else a display update)."""
        return self._widget is not None

    def _render(self, snapshot: JourneySnapshot) -> str:
        return snapshot_html(snapshot, title=self._title)

    def _update(self, snapshot: JourneySnapshot) -> None:
        html = self._render(snapshot)
        if self._widget is not None:
            self._widget.value = html
        elif self._handle is not None:
            self._handle.update(self._html_cls(html))
        self.updates += 1

    def close(self) -> None:
        """Stop following the journey (the last rendering stays). Usage: ``view.close()``"""
        subscription = getattr(self, "_subscription", None)
        if subscription is not None:
            subscription.dispose()


def live(journey: ExperienceJourney, *, widget: bool | None = None) -> LiveView:
    """Display ``journey`` and keep the display current while it runs (top-level ``await``).

    With ipywidgets installed the view is an ``HTML`` widget; without it (or ``widget=False``,
    which also keeps a stored notebook readable on a code host) it is an
    ``IPython.display.display(..., display_id=True)`` updated in place.

    Usage: ``view = live(journey)``
    """
    return LiveView(journey, widget=widget)


# --------------------------------------------------------------------------------------------
# Recording stage changes


@attrs.frozen
class StageChange:
    """One change of journey or sequence stage at ``at`` (seconds on the recorder's clock)."""

    at: float
    journey_stage: JourneyStage
    sequence_stage: SequenceStage


class StageRecording:
    """Timestamped stage changes (and queue positions) of one journey.

    Usage: ``rec = record_stages(journey, label="draw"); ...; rec.segments()``
    """

    def __init__(self, label: str, clock: Callable[[], float]) -> None:
        self.label = label
        self.clock = clock
        self.changes: list[StageChange] = []
        self.positions: list[tuple[float, int | None]] = []
        """``(time, position)`` whenever the queue position changed (None: not queued)."""
        self.stopped_at: float | None = None
        self._dispose: Callable[[], None] | None = None

    def add(self, snapshot: JourneySnapshot, at: float | None = None) -> None:
        """Record ``snapshot`` if its stages or position changed. Usage: ``rec.add(snap)``"""
        when = self.clock() if at is None else at
        last = self.changes[-1] if self.changes else None
        if last is None or (last.journey_stage, last.sequence_stage) != (
            snapshot.journey_stage, snapshot.sequence_stage,
        ):
            self.changes.append(StageChange(when, snapshot.journey_stage, snapshot.sequence_stage))
        position = snapshot.context.position
        if not self.positions or self.positions[-1][1] != position:
            self.positions.append((when, position))

    @property
    def started_at(self) -> float | None:
        """The time of the first recorded change."""
        return self.changes[0].at if self.changes else None

    @property
    def end(self) -> float:
        """When the recording stopped, else now on its clock."""
        return self.stopped_at if self.stopped_at is not None else self.clock()

    def first(self, stage: SequenceStage | str) -> float | None:
        """When the sequence stage was first reached. Usage: ``rec.first("admitted")``"""
        for change in self.changes:
            if change.sequence_stage == stage:
                return change.at
        return None

    def segments(self, kind: str = "sequence", until: float | None = None) -> list[tuple[float, float, str]]:
        """``(start, end, stage)`` spans of the sequence (or ``kind="journey"``) stage.

        Usage: ``[s for _, _, s in rec.segments()] == ["none", "active_enterable", ...]``
        """
        if kind not in ("sequence", "journey"):
            raise ValueError("kind must be 'sequence' or 'journey'")
        stop = self.end if until is None else until
        spans: list[tuple[float, float, str]] = []
        for change in self.changes:
            stage = (change.sequence_stage if kind == "sequence" else change.journey_stage).value
            if spans and spans[-1][2] == stage:
                continue
            if spans:
                start, _, previous = spans[-1]
                spans[-1] = (start, change.at, previous)
            spans.append((change.at, stop, stage))
        return spans

    def stop(self) -> None:
        """Stop recording. Usage: ``rec.stop()``"""
        if self._dispose is not None:
            self._dispose()
            self._dispose = None
        if self.stopped_at is None:
            self.stopped_at = self.clock()

    def __repr__(self) -> str:
        stages = " → ".join(stage for _, _, stage in self.segments())
        return f"StageRecording({self.label!r}, {stages})"


def record_stages(
    journey: ExperienceJourney, *, label: str | None = None, clock: Callable[[], float] | None = None
) -> StageRecording:
    """Record ``journey``'s stage changes from now (its current stages first) until
    :meth:`StageRecording.stop` or until the journey is destroyed.

    ``clock`` gives the timestamps in seconds: wall time by default; pass
    ``lambda: sandbox.now().timestamp()`` for sandbox time or ``lambda: scheduler.clock``
    for a ``TestScheduler``'s virtual time.

    Usage: ``rec = record_stages(journey, label="queue")``
    """
    recording = StageRecording(label or journey.experience_id, clock or time.time)
    subscription = journey.state.subscribe(
        on_next=recording.add, on_completed=recording.stop, on_error=lambda _: recording.stop()
    )
    recording._dispose = subscription.dispose
    return recording


def recording_from_events(journey: ExperienceJourney, *, label: str | None = None) -> StageRecording:
    """A recording rebuilt from the journey's ``sequence_change`` events (epoch seconds);
    only the last 100 events are kept by a journey, so record early when it matters.

    Usage: ``timeline([recording_from_events(journey)])``
    """
    snapshot = journey.state.get()
    recording = StageRecording(label or journey.experience_id, time.time)
    journey_stage = snapshot.journey_stage
    for event in snapshot.events:
        detail = event.detail or {}
        if event.kind is EventKind.SEQUENCE_CHANGE and "to_stage" in detail:
            at = event.ts / 1000.0
            if not recording.changes and "from_stage" in detail:
                recording.changes.append(
                    StageChange(at, journey_stage, SequenceStage(detail["from_stage"]))
                )
            recording.changes.append(StageChange(at, journey_stage, SequenceStage(detail["to_stage"])))
    if not recording.changes:
        recording.add(snapshot, at=(snapshot.updated_at or time.time() * 1000) / 1000.0)
    recording.stopped_at = max(snapshot.updated_at / 1000.0, recording.changes[-1].at)
    return recording


# --------------------------------------------------------------------------------------------
# Timeline plot


def _recordings(items: Any) -> list[StageRecording]:
    if isinstance(items, StageRecording | ExperienceJourney):
        items = [items]
    out: list[StageRecording] = []
    for item in items:
        if isinstance(item, StageRecording):
            out.append(item)
        elif isinstance(item, ExperienceJourney):
            out.append(recording_from_events(item))
        else:
            raise TypeError(f"timeline() takes StageRecording or ExperienceJourney, not {type(item).__name__}")
    return out


def timeline(
    items: StageRecording | ExperienceJourney | Iterable[StageRecording | ExperienceJourney],
    *,
    kind: str = "sequence",
    ax: Any = None,
    title: str | None = None,
) -> Any:
    """Plot stage spans over time, one row per journey, coloured by stage (matplotlib).

    Journeys given directly are rebuilt from their ``sequence_change`` events; recordings
    from :func:`record_stages` also show journey stages (``kind="journey"``). The x axis is
    seconds since the earliest start. Returns the ``Figure``.

    Usage: ``fig = timeline([rec_queue, rec_draw], title="distributions")``
    """
    recordings = _recordings(items)
    if not recordings:
        raise ValueError("timeline() needs at least one journey or recording")
    plt = _require("matplotlib.pyplot")
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 0.6 * len(recordings) + 1.6))
    else:
        fig = ax.figure
    starts = [r.started_at for r in recordings if r.started_at is not None]
    t0 = min(starts) if starts else 0.0
    seen: dict[str, Any] = {}
    labels: Sequence[str] = [r.label for r in recordings]
    for row, recording in enumerate(recordings):
        for start, end, stage in recording.segments(kind):
            color = STAGE_COLORS.get(stage, "#757575")
            bars = ax.barh(row, max(end - start, 1e-3), left=start - t0, height=0.6, color=color,
                           edgecolor="white", label=stage)
            seen.setdefault(stage, bars[0])
    ax.set_yticks(range(len(recordings)), labels=labels)
    ax.invert_yaxis()
    ax.set_xlabel("seconds since start")
    ax.set_title(title or f"{kind} stages")
    ax.legend(list(seen.values()), list(seen.keys()), loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8, frameon=False)
    fig.tight_layout()
    return fig
