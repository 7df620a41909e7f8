"""A text live view of a journey for terminals and CI logs: a line per stage change and a
progress bar for queue position / estimated wait, redrawn in place on a TTY.
"""

from __future__ import annotations

import sys
from typing import TextIO

import attrs

from fanfare_rx.models.journey import EventAudience, JourneySnapshot, SequenceStage

__all__ = ["LiveView", "ViewState", "progress_bar", "progress_line", "stage_line", "view_state"]

_BAR_WIDTH = 24


@attrs.frozen
class ViewState:
    """What the live view shows of a snapshot; two equal states print nothing new.

    Usage: ``view_state(journey.state.get()).sequence_stage``
    """

    journey_stage: str
    sequence_stage: str
    sequence_name: str | None = None
    distribution: str | None = None
    position: int | None = None
    estimated_wait_seconds: float | None = None
    current_bid: str | None = None
    highest_bid: str | None = None
    outcome: str | None = None
    requirements: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    error: str | None = None


def view_state(snapshot: JourneySnapshot) -> ViewState:
    """The displayable part of a snapshot (never a token or an access code).

    Usage: ``state = view_state(journey.state.get())``
    """
    ctx = snapshot.context
    return ViewState(
        journey_stage=snapshot.journey_stage.value,
        sequence_stage=snapshot.sequence_stage.value,
        sequence_name=ctx.sequence_name,
        distribution=ctx.distribution.type.value if ctx.distribution else None,
        position=ctx.position,
        estimated_wait_seconds=ctx.estimated_wait_seconds,
        current_bid=ctx.current_bid,
        highest_bid=ctx.highest_bid,
        outcome=ctx.outcome,
        requirements=tuple(
            f"{r.type.value}{'' if r.required else ' (optional)'}" for r in snapshot.requirements
        ),
        offers=tuple(o.name for o in ctx.offers),
        error=ctx.last_error,
    )


def stage_line(state: ViewState) -> str:
    """One line naming both stages and what they are about.

    Usage: ``stage_line(view_state(snap))`` -> ``'stage: routed / participating (Main, queue)'``
    """
    line = f"stage: {state.journey_stage} / {state.sequence_stage}"
    about = ", ".join(x for x in (state.sequence_name, state.distribution) if x)
    if about:
        line += f" ({about})"
    if state.requirements:
        line += f" needs {', '.join(state.requirements)}"
    if state.offers:
        line += f"; offers: {', '.join(state.offers)}"
    if state.outcome and state.sequence_stage in (
        SequenceStage.ENDED.value, SequenceStage.ADMISSION_EXPIRED.value
    ):
        line += f" outcome: {state.outcome}"
    if state.error:
        line += f" [error: {state.error}]"
    return line


def progress_bar(done: float, width: int = _BAR_WIDTH) -> str:
    """``[#####-----]`` for a fraction in 0..1 (clamped).

    Usage: ``progress_bar(0.5, 10)`` -> ``'[#####-----]'``
    """
    fraction = min(1.0, max(0.0, done))
    filled = round(fraction * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def _wait_text(seconds: float) -> str:
    whole = round(seconds)
    if whole >= 60:
        return f"~{whole // 60} min {whole % 60:02d} s wait"
    return f"~{whole} s wait"


def progress_line(state: ViewState, start_position: int | None) -> str | None:
    """The progress line of a participation, or None when there is nothing to measure: the
    queue position against the first position seen (a bar), or the bids of an auction.

    Usage: ``progress_line(view_state(snap), start_position=40)``
    """
    if state.position is not None:
        first = max(start_position or state.position, state.position, 1)
        done = (first - state.position) / first
        line = f"position {state.position} of {first} {progress_bar(done)}"
        if state.estimated_wait_seconds is not None:
            line += f" {_wait_text(state.estimated_wait_seconds)}"
        return line
    if state.current_bid is not None or state.highest_bid is not None:
        return f"bid {state.current_bid or '-'}, highest {state.highest_bid or '-'}"
    return None


class LiveView:
    """Prints a journey as it changes. On a non-TTY every change is one line; on a TTY the
    progress line is redrawn in place. Tokens and access codes are never printed.

    Args:
        out: where to write (default ``sys.stdout``).
        tty: force TTY (redraw) mode on or off; default: ``out.isatty()``.

    Usage::

        view = LiveView()
        off = journey.state.listen(view.update)
        view.note("entering the queue")
    """

    def __init__(self, out: TextIO | None = None, *, tty: bool | None = None) -> None:
        self._out = out if out is not None else sys.stdout
        if tty is None:
            isatty = getattr(self._out, "isatty", None)
            tty = bool(isatty()) if callable(isatty) else False
        self._tty = tty
        self._last: ViewState | None = None
        self._last_stage: str | None = None
        self._last_progress: str | None = None
        self._start_position: int | None = None
        self._open_line = False
        self._seen_events: set[str] = set()

    @property
    def last(self) -> ViewState | None:
        """The state shown last."""
        return self._last

    def update(self, snapshot: JourneySnapshot) -> None:
        """Show what changed since the last snapshot (subscribe it to ``journey.state``).

        Usage: ``journey.state.listen(view.update)``
        """
        state = view_state(snapshot)
        for event in snapshot.events:
            if event.id in self._seen_events:
                continue
            self._seen_events.add(event.id)
            if event.audience is EventAudience.USER:
                self._line(f"event: {event.message} ({event.severity.value})")
        if state == self._last:
            return
        self._last = state
        stage = stage_line(state)
        if stage != self._last_stage:
            self._last_stage = stage
            self._line(stage)
        if state.position is not None and (
            self._start_position is None or state.position > self._start_position
        ):
            self._start_position = state.position
        progress = progress_line(state, self._start_position)
        if progress is not None and progress != self._last_progress:
            self._last_progress = progress
            self._progress(progress)

    def note(self, text: str) -> None:
        """Print a narration line (what the program does next).

        Usage: ``view.note("signing in with the sandbox OTP")``
        """
        self._line(text)

    def close(self) -> None:
        """End a progress line left open on a TTY."""
        if self._open_line:
            self._out.write("\n")
            self._open_line = False
        self._out.flush()

    def _line(self, text: str) -> None:
        self.close()
        self._out.write(text + "\n")
        self._out.flush()

    def _progress(self, text: str) -> None:
        if not self._tty:
            self._line("  " + text)
            return
        self._out.write("\r\x1b[K  " + text)
        self._open_line = True
        self._out.flush()
