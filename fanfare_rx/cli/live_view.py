"""A text live view of a journey for terminals and CI logs: a line per stage change, a
progress bar for the queue and a waiting line for draws, auctions and openings.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import textwrap
import time
from collections.abc import Callable
from typing import TextIO

import attrs

from fanfare_rx.models._display import clock_time, duration, money
from fanfare_rx.models.journey import EventAudience, JourneySnapshot, SequenceStage

__all__ = [
    "Clock",
    "LiveView",
    "ViewState",
    "fit_line",
    "progress_bar",
    "progress_line",
    "stage_line",
    "terminal_width",
    "view_state",
    "wait_text",
]

#: Server time in epoch seconds (the sandbox's accelerated clock in ``fanfare-rx demo``).
Clock = Callable[[], float]

_BAR_WIDTH = 24
#: Spaces before a progress line.
_INDENT = 2


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
    opens_at: int | None = None
    settles_at: int | None = None
    currency: str | None = None
    minimum_next_bid: str | None = None
    ends_at: int | None = None


def view_state(snapshot: JourneySnapshot) -> ViewState:
    """The displayable part of a snapshot (never a token or an access code).

    Usage: ``state = view_state(journey.state.get())``
    """
    ctx = snapshot.context
    auction = ctx.auction
    settles_at = ctx.distribution.settles_at if ctx.distribution else None
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
        opens_at=ctx.distribution.opens_at if ctx.distribution else None,
        settles_at=settles_at,
        currency=auction.currency if auction else None,
        minimum_next_bid=auction.minimum_next_bid if auction else None,
        ends_at=auction.ends_at if auction and auction.ends_at is not None else settles_at,
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


def _real(seconds: float, speed: float) -> str:
    real = seconds / speed
    return f"(~{duration(real)} real, clock x{speed:g})" if real >= 0.5 else f"(<1 s real, clock x{speed:g})"


def wait_text(seconds: float, speed: float = 1.0, *, detail: int = 2) -> str:
    """A wait in server seconds; on an accelerated clock (``speed`` server seconds per real
    second) it says so and gives the real wait too. A lower ``detail`` is shorter, for a
    narrow terminal: 1 drops the real wait, 0 gives only the real wait.

    Usage: ``wait_text(41, speed=5)`` -> ``'41 s sandbox time (~8 s real, clock x5)'``
    """
    if speed == 1.0:
        return duration(seconds)
    if detail <= 0:
        return f"{duration(seconds / speed)} real" if seconds / speed >= 0.5 else "<1 s real"
    if detail == 1:
        return f"{duration(seconds)} sandbox time"
    return f"{duration(seconds)} sandbox time {_real(seconds, speed)}"


def _until(label: str, at_ms: int, now: float, speed: float, detail: int = 2) -> str:
    left = at_ms / 1000 - now
    if detail <= 0:
        return f"{label} now" if left < 0.5 else (
            f"{label} in ~{wait_text(left, speed, detail=0)}")
    when = f"{label} at {clock_time(at_ms / 1000)}" + ("" if speed == 1.0 else " sandbox time")
    if left < 0.5:
        return f"{when}, due now"
    return f"{when}, in {duration(left)}" + (
        "" if speed == 1.0 or detail < 2 else f" {_real(left, speed)}")


#: Sequence stages in which an auction takes bids (its line shows the bids and the minimum).
_BIDDING = frozenset({SequenceStage.PARTICIPATING.value, SequenceStage.ACTIVE_ENTERABLE.value})


def _bid_parts(state: ViewState, detail: int = 2) -> list[str]:
    """``your bid 100.00 USD, highest 100.00 USD, next bid at least 105.00 USD`` (``detail``
    0: ``bid 100.00, high 100.00, min 105.00 USD``)."""
    if state.distribution != "auction" or state.sequence_stage not in _BIDDING:
        return []
    currency = state.currency
    if detail <= 0:
        short = [f"{name} {money(amount, None)}" for name, amount in (
            ("bid", state.current_bid), ("high", state.highest_bid),
            ("min", state.minimum_next_bid)) if amount is not None]
        return [", ".join(short) + (f" {currency}" if currency else "")] if short else []
    bids: list[str] = []
    if state.current_bid is not None or state.highest_bid is not None:
        bids.append(f"your bid {money(state.current_bid, currency)},"
                    f" highest {money(state.highest_bid, currency)}")
    if state.minimum_next_bid is not None:
        label = "next bid" if state.highest_bid is not None else "first bid"
        bids.append(f"{label} at least {money(state.minimum_next_bid, currency)}")
    return [", ".join(bids)] if bids else []


#: Which time a waiting line counts down to, by sequence stage and distribution type.
_WAITING: dict[tuple[str, str | None], tuple[str, str]] = {
    ("participating", "draw"): ("draw", "settles_at"),
    ("participating", "auction"): ("ends", "ends_at"),
    ("active_enterable", "auction"): ("ends", "ends_at"),
    ("upcoming", None): ("opens", "opens_at"),
    ("waitlist_entered", None): ("opens", "opens_at"),
}

#: The narrowest queue bar a narrow terminal gets.
_MIN_BAR_WIDTH = 10


def fit_line(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in ``…`` when cut.

    Usage: ``fit_line("position 3 of 41 ...", 20)``
    """
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…" if width > 0 else ""


def progress_line(state: ViewState, start_position: int | None, *, now: float | None = None,
                  speed: float = 1.0, width: int | None = None) -> str | None:
    """The progress line of a participation, or None when there is nothing to show: the queue
    position against the largest position seen (a bar, full once admitted), the bids of an
    auction, and what a draw, an auction or an opening waits for (a countdown to ``now``, in
    server seconds; ``speed`` is the server clock's acceleration).

    With ``width`` the line fits in that many characters: it drops detail first (the real
    wait beside the sandbox wait, then the clock times), narrows the bar, and at last is cut.

    Usage: ``progress_line(view_state(snap), start_position=40, now=time.time(), width=77)``
    """
    line: str | None = None
    for detail in (2, 1, 0):
        line = _progress_line(state, start_position, now, speed, detail)
        if line is None or width is None or len(line) <= width:
            return line
    assert line is not None
    return fit_line(line, width) if width is not None else line


def _progress_line(state: ViewState, start_position: int | None, now: float | None,
                   speed: float, detail: int) -> str | None:
    parts: list[str] = []
    bar_width = _BAR_WIDTH if detail > 0 else _MIN_BAR_WIDTH
    first = max(start_position or 0, state.position or 0, 1)
    if state.sequence_stage == SequenceStage.ADMITTED.value and start_position is not None:
        return f"admitted: {first} of {first} through the line {progress_bar(1.0, bar_width)}"
    if state.position is not None and state.sequence_stage == SequenceStage.PARTICIPATING.value:
        # Position P of N: N - P + 1 of N places done; full only once admitted.
        done = min((first - state.position + 1) / first, 1 - 1 / bar_width)
        line = f"position {state.position} of {first} {progress_bar(done, bar_width)}"
        if state.estimated_wait_seconds is not None:
            line += f" wait ~{wait_text(state.estimated_wait_seconds, speed, detail=detail)}"
        return line
    parts.extend(_bid_parts(state, detail))
    waiting = _WAITING.get((state.sequence_stage, state.distribution)) or _WAITING.get(
        (state.sequence_stage, None))
    if waiting is not None:
        label, field = waiting
        at_ms = getattr(state, field)
        if at_ms is not None and now is not None:
            parts.append(_until(label, at_ms, now, speed, detail))
        elif not parts and state.sequence_stage == SequenceStage.PARTICIPATING.value:
            parts.append(f"waiting for the {state.distribution}")
    return "; ".join(parts) or None


def terminal_width(out: TextIO) -> int:
    """The width of the terminal ``out`` writes to (its own size when it has a file
    descriptor, else ``shutil.get_terminal_size``: ``$COLUMNS``, then 80).

    Usage: ``terminal_width(sys.stdout)`` -> ``80``
    """
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return shutil.get_terminal_size().columns


class LiveView:
    """Prints a journey as it changes. On a non-TTY every change is one line; on a TTY the
    progress line is redrawn in place, and every line fits the terminal's width (read at each
    write, so a resized window is followed): the progress line drops detail (and is cut last),
    other lines wrap with an indent. Tokens and access codes are never printed.

    Args:
        out: where to write (default ``sys.stdout``).
        tty: force TTY (redraw) mode on or off; default: ``out.isatty()``.
        clock: the server's time in epoch seconds for countdowns (default ``time.time``).
        speed: server seconds per real second (the sandbox's ``--speed``); waits then say
            they are sandbox time and give the real wait.
        width: the terminal's width in columns (default: :func:`terminal_width` of ``out``,
            on a TTY only).

    Usage::

        view = LiveView()
        off = journey.state.listen(view.update)
        view.note("entering the queue")
    """

    def __init__(self, out: TextIO | None = None, *, tty: bool | None = None,
                 clock: Clock | None = None, speed: float = 1.0,
                 width: int | None = None) -> None:
        self._out = out if out is not None else sys.stdout
        if tty is None:
            isatty = getattr(self._out, "isatty", None)
            tty = bool(isatty()) if callable(isatty) else False
        self._tty = tty
        self._clock = clock if clock is not None else time.time
        self._speed = speed
        self._width = width
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
        if state != self._last and state.sequence_stage == SequenceStage.ADMITTED.value:
            self._show_progress(state)  # the bar fills in place before the admitted lines
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
        self._show_progress(state)

    def tick(self) -> None:
        """Redraw the countdown of the progress line (on a TTY; a log gets no ticks).

        Usage: ``loop.call_later(1, view.tick)``
        """
        if self._tty and self._last is not None and self._open_line:
            self._show_progress(self._last)

    def _columns(self) -> int | None:
        """The columns a line may fill on a TTY (one fewer than the terminal, so that the
        cursor never wraps), None on a non-TTY."""
        if not self._tty:
            return None
        width = self._width if self._width is not None else terminal_width(self._out)
        return max(width - 1, 20)

    def _show_progress(self, state: ViewState) -> None:
        columns = self._columns()
        progress = progress_line(state, self._start_position, now=self._clock(),
                                 speed=self._speed,
                                 width=None if columns is None else columns - _INDENT)
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
        columns = self._columns()
        if columns is not None and len(text) > columns:
            text = "\n".join(textwrap.wrap(text, columns, subsequent_indent=" " * 4,
                                            break_on_hyphens=False)) or text[:columns]
        self._out.write(text + "\n")
        self._out.flush()

    def _progress(self, text: str) -> None:
        if not self._tty:
            self._line(" " * _INDENT + text)
            return
        self._out.write("\r\x1b[K" + " " * _INDENT + text)
        self._open_line = True
        self._out.flush()
