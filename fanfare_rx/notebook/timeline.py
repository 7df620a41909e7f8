"""The timeline plot: stage spans of one or many journeys over time, one row each, in-progress
stages by stage colour and final stages by outcome (success, failure, neutral).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models._display import OUTCOME_COLORS, outcome_kind
from fanfare_rx.models._html import STAGE_COLORS
from fanfare_rx.notebook.live import require
from fanfare_rx.notebook.recording import Span, StageRecording, recording_from_events

__all__ = ["FINAL_STAGES", "timeline"]

def _recordings(items: Any) -> list[StageRecording]:
    if isinstance(items, StageRecording | ExperienceJourney):
        items = [items]
    if not isinstance(items, Iterable):
        raise UsageError(f"timeline() takes StageRecording or ExperienceJourney, not {type(items).__name__}")
    out: list[StageRecording] = []
    for item in items:
        if isinstance(item, StageRecording):
            out.append(item)
        elif isinstance(item, ExperienceJourney):
            out.append(recording_from_events(item))
        else:
            raise UsageError(f"timeline() takes StageRecording or ExperienceJourney, not {type(item).__name__}")
    return out


#: Sequence stages that end a participation: drawn by outcome, up to the plot's right edge.
FINAL_STAGES = frozenset({"admitted", "ended", "admission_expired"})

#: Share of the time range a final stage shows at least, so an admission at the very end of a
#: recording is still a visible band.
_MIN_TAIL = 0.06


def _style(span: Span, kind: str) -> tuple[str, str, str | None]:
    """``(legend label, colour, hatch)`` of a span: stage colours while in progress; success,
    failure or neutral colours for a final sequence stage."""
    outcome = outcome_kind(span.stage, span.outcome) if kind == "sequence" else None
    if outcome is None:
        return span.stage, STAGE_COLORS.get(span.stage, "#757575"), None
    name = span.stage if span.stage != "ended" or not span.outcome else f"ended: {span.outcome}"
    return f"{name} ({outcome})", OUTCOME_COLORS[outcome], "///" if span.stage == "ended" else None


def timeline(
    items: StageRecording | ExperienceJourney | Iterable[StageRecording | ExperienceJourney],
    *,
    kind: str = "sequence",
    ax: Any = None,
    title: str | None = None,
    xlabel: str = "seconds since start",
) -> Any:
    """Plot stage spans over time, one row per journey (matplotlib). Stages in progress are
    coloured by stage; a final stage (admitted, ended, admission_expired) by its outcome:
    green for success (admitted, won, completed), red for failure (lost, denied, expired),
    grey otherwise, hatched when ended. A final stage runs to the plot's right edge.

    Journeys given directly are rebuilt from their ``sequence_change`` events; recordings
    from :func:`record_stages` also show journey stages (``kind="journey"``). The x axis is
    seconds since the earliest start. Returns the ``Figure``.

    Usage: ``fig = timeline([rec_queue, rec_draw], title="distributions")``
    """
    recordings = _recordings(items)
    if not recordings:
        raise UsageError("timeline() needs at least one journey or recording")
    plt = require("matplotlib.pyplot")
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 0.6 * len(recordings) + 1.6))
    else:
        fig = ax.figure
    rows = [r.spans(kind) for r in recordings]
    starts = [r.started_at for r in recordings if r.started_at is not None]
    t0 = min(starts) if starts else 0.0
    right = max([span.end for spans in rows for span in spans] or [t0])
    tail = max(right - t0, 1.0) * _MIN_TAIL
    edge = max([right] + [spans[-1].start + tail for spans in rows
                          if spans and spans[-1].stage in FINAL_STAGES and kind == "sequence"])
    seen: dict[str, Any] = {}
    labels: Sequence[str] = [r.label for r in recordings]
    for row, spans in enumerate(rows):
        for index, span in enumerate(spans):
            end = span.end
            if index == len(spans) - 1 and span.stage in FINAL_STAGES and kind == "sequence":
                end = edge
            label, color, hatch = _style(span, kind)
            bars = ax.barh(row, max(end - span.start, 1e-3), left=span.start - t0, height=0.6,
                           color=color, edgecolor="white", hatch=hatch, label=label)
            seen.setdefault(label, bars[0])
    ax.set_yticks(range(len(recordings)), labels=labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(edge - t0, 1e-3))
    ax.set_xlabel(xlabel)
    ax.set_title(title or f"{kind} stages")
    in_progress = [k for k in seen if "(" not in k]
    final = [k for k in seen if "(" in k]
    ordered = in_progress + final
    ax.legend([seen[k] for k in ordered], ordered, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize=8, frameon=False, title="stage (outcome)" if final else "stage",
              title_fontsize=8)
    fig.tight_layout()
    return fig
