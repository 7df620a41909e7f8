"""Assert what a store (or any observable) emitted on virtual time, as a marble string:
:func:`record` starts a recording, :func:`assert_marbles` compares it with a diagram.

Marbles use the RxJS syntax: every character is one frame of ``timespan`` seconds; a letter
or digit is one value (named by the ``values`` legend, else the character itself, digits
as ``int``), ``-`` a
quiet frame, ``(ab)`` values at one time (the group's width advances time, as in RxJS),
``|`` completion, ``#`` an error; spaces only align diagrams::

    stages = record(journey.sequence_stage, scheduler)
    scheduler.advance_by(10)
    assert_marbles(stages, "n-e----p", **SEQUENCE_STAGES)
    # AssertionError on mismatch, with both diagrams:
    #   expected: n-e----p
    #   actual:   n-e---p

:data:`SEQUENCE_STAGES` and :data:`JOURNEY_STAGES` are ready-made one-letter legends.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from reactivex import Observable, abc
from reactivex.notification import Notification, OnCompleted, OnError, OnNext

from fanfare_rx.errors import UsageError
from fanfare_rx.models.journey import JourneyStage, SequenceStage

__all__ = [
    "JOURNEY_STAGES",
    "SEQUENCE_STAGES",
    "Recording",
    "assert_marbles",
    "parse_marbles",
    "record",
    "render_marbles",
]

T = TypeVar("T")

#: One letter per sequence stage: ``n``one, ``u``pcoming, ``w``aitlist_entered,
#: ``e``nterable (active_enterable), ``p``articipating, ``a``dmitted, e``x``pired, ``d``one (ended).
SEQUENCE_STAGES: Mapping[str, Any] = {  # Any: spreads into **values next to error=
    "n": SequenceStage.NONE,
    "u": SequenceStage.UPCOMING,
    "w": SequenceStage.WAITLIST_ENTERED,
    "e": SequenceStage.ACTIVE_ENTERABLE,
    "p": SequenceStage.PARTICIPATING,
    "a": SequenceStage.ADMITTED,
    "x": SequenceStage.ADMISSION_EXPIRED,
    "d": SequenceStage.ENDED,
}

#: One letter per journey stage: ``s`` not_started, ``e``ntering, ``a``uth (needs_auth),
#: ``c``ode (needs_access_code), ``g`` routing, ``r``outed.
JOURNEY_STAGES: Mapping[str, Any] = {
    "s": JourneyStage.NOT_STARTED,
    "e": JourneyStage.ENTERING,
    "a": JourneyStage.NEEDS_AUTH,
    "c": JourneyStage.NEEDS_ACCESS_CODE,
    "g": JourneyStage.ROUTING,
    "r": JourneyStage.ROUTED,
}

_Event = tuple[float, Notification[Any]]


class Recording(Generic[T]):
    """What an observable emitted since :func:`record`, with virtual times relative to the
    start of the recording.

    Usage: ``stages = record(journey.sequence_stage, scheduler); ...; stages.values``
    """

    def __init__(self, source: Observable[T], scheduler: abc.SchedulerBase, timespan: float = 1.0) -> None:
        self.scheduler = scheduler
        self.timespan = timespan
        self.started_at = _seconds(scheduler)
        self.events: list[_Event] = []
        """``(seconds since start, notification)`` pairs, in order."""
        self._subscription = source.subscribe(
            on_next=lambda v: self._add(OnNext(v)),
            on_error=lambda e: self._add(OnError(e)),
            on_completed=lambda: self._add(OnCompleted()),
        )

    def _add(self, notification: Notification[Any]) -> None:
        self.events.append((_seconds(self.scheduler) - self.started_at, notification))

    @property
    def values(self) -> list[T]:
        """The values emitted so far. Usage: ``assert stages.values[-1] == "admitted"``"""
        return [n.value for _, n in self.events if isinstance(n, OnNext)]

    @property
    def completed(self) -> bool:
        """Whether the source completed. Usage: ``assert stages.completed``"""
        return any(isinstance(n, OnCompleted) for _, n in self.events)

    def marbles(self, values: Mapping[str, Any] | None = None) -> str:
        """The recording as a marble string (letters from ``values``; ``?`` for others).

        Usage: ``print(stages.marbles(SEQUENCE_STAGES))``
        """
        return render_marbles(self.events, values or {}, self.timespan)

    def dispose(self) -> None:
        """Stop recording. Usage: ``stages.dispose()``"""
        self._subscription.dispose()


def _seconds(scheduler: abc.SchedulerBase) -> float:
    clock = getattr(scheduler, "clock", None)
    if isinstance(clock, int | float):
        return float(clock)
    return scheduler.now.timestamp()


def record(source: Observable[T], scheduler: abc.SchedulerBase, *, timespan: float = 1.0) -> Recording[T]:
    """Subscribe to ``source`` now and record what it emits on ``scheduler``'s virtual time.

    Usage: ``stages = record(journey.sequence_stage, scheduler)``
    """
    return Recording(source, scheduler, timespan)


def parse_marbles(
    marbles: str,
    values: Mapping[str, Any] | None = None,
    *,
    timespan: float = 1.0,
    error: Exception | None = None,
) -> list[tuple[float, Notification[Any]]]:
    """Read a marble string into ``(seconds, notification)`` pairs (RxJS syntax, see the
    module docstring); ``#`` raises ``error`` (a plain ``Exception("error")`` by default).

    Usage: ``parse_marbles("-a-(bc)|", {"a": 1})`` -> ``[(1.0, OnNext(1)), (3.0, OnNext("b")), ...]``
    """
    legend = values or {}
    failure = error if error is not None else Exception("error")

    def notification(char: str) -> Notification[Any]:
        if char == "|":
            return OnCompleted()
        if char == "#":
            return OnError(failure)
        if char in legend:
            return OnNext(legend[char])
        return OnNext(int(char) if char.isdigit() else char)

    events: list[tuple[float, Notification[Any]]] = []
    group_start: int | None = None
    for frame, char in enumerate(marbles.replace(" ", "")):
        if char == "(":
            if group_start is not None:
                raise UsageError(f"nested group in {marbles!r}")
            group_start = frame
        elif char == ")":
            if group_start is None:
                raise UsageError(f"unbalanced ')' in {marbles!r}")
            group_start = None
        elif char not in "-,":
            at = frame if group_start is None else group_start
            events.append((at * timespan, notification(char)))
    if group_start is not None:
        raise UsageError(f"unclosed group in {marbles!r}")
    return events


def _letter(value: Any, values: Mapping[str, Any]) -> str:
    for letter, candidate in values.items():
        try:
            if candidate == value:
                return letter
        except Exception:  # noqa: BLE001, S112 - odd __eq__: treat as no match
            continue
    return "?"


def _symbol(notification: Notification[Any], values: Mapping[str, Any]) -> str:
    if isinstance(notification, OnNext):
        return _letter(notification.value, values)
    return "#" if isinstance(notification, OnError) else "|"


def render_marbles(events: Sequence[_Event], values: Mapping[str, Any], timespan: float = 1.0) -> str:
    """Draw recorded events as a marble string that :func:`parse_marbles` reads back to the
    same times; events that no diagram can place (off-frame times, or
    inside a group's width) are listed as ``@t:x``.

    Usage: ``render_marbles(stages.events, SEQUENCE_STAGES)`` -> ``"n-e--p"``
    """
    frames: dict[int, list[str]] = {}
    loose: list[str] = []
    for time, notification in events:
        frame = time / timespan
        symbol = _symbol(notification, values)
        if not math.isclose(frame, round(frame), abs_tol=1e-6):
            loose.append(f"@{time:g}:{symbol}")
            continue
        frames.setdefault(round(frame), []).append(symbol)
    out: list[str] = []
    cursor = 0
    for frame in sorted(frames):
        symbols = frames[frame]
        if frame < cursor:
            loose.extend(f"@{frame * timespan:g}:{s}" for s in symbols)
            continue
        out.append("-" * (frame - cursor))
        token = symbols[0] if len(symbols) == 1 else "(" + "".join(symbols) + ")"
        out.append(token)
        cursor = frame + len(token)
    drawn = "".join(out)
    return drawn if not loose else f"{drawn} {' '.join(loose)}"


def _same(expected: _Event, actual: _Event, any_error: bool) -> bool:
    (t1, n1), (t2, n2) = expected, actual
    if not math.isclose(t1, t2, abs_tol=1e-6) or type(n1) is not type(n2):
        return False
    if isinstance(n1, OnNext) and isinstance(n2, OnNext):
        return bool(n1.value == n2.value)
    if isinstance(n1, OnError) and isinstance(n2, OnError):
        return any_error or (
            type(n1.exception) is type(n2.exception) and str(n1.exception) == str(n2.exception)
        )
    return True


def _plain(value: Any) -> Any:
    """An enum as its value in failure messages (``'admitted'``, not ``<SequenceStage...>``)."""
    return value.value if isinstance(value, enum.Enum) else value


def assert_marbles(
    recording: Recording[Any], marbles: str, *, error: Exception | None = None, **values: Any
) -> None:
    """Assert that ``recording`` holds exactly what ``marbles`` draws (times and values).

    ``values`` name the letters (``**SEQUENCE_STAGES`` gives the stage legend); ``#`` matches
    any error unless ``error`` is given (then type and message must match).

    Usage: ``assert_marbles(stages, "n-e--p", **SEQUENCE_STAGES)``
    """
    expected_events = parse_marbles(marbles, values, timespan=recording.timespan, error=error)
    actual = recording.events
    ok = len(expected_events) == len(actual) and all(
        _same(e, a, error is None) for e, a in zip(expected_events, actual, strict=True)
    )
    if ok:
        return
    names = {str(k): v for k, v in values.items()}
    drawn_expected = marbles.replace(" ", "")
    drawn_actual = render_marbles(actual, names, recording.timespan)
    listing = ", ".join(
        f"{t:g}s:{_plain(n.value)!r}" if isinstance(n, OnNext) else f"{t:g}s:{_symbol(n, names)}"
        for t, n in actual
    )
    raise AssertionError(
        "marbles differ\n"
        f"  expected: {drawn_expected}\n"
        f"  actual:   {drawn_actual}\n"
        f"  actual events: {listing}"
    )
