"""The sandbox clock: real time, accelerated real time, or a manual clock tests advance.

Every behaviour of the sandbox (admissions, draws, settlements, expiries, rate windows,
token lifetimes) reads this clock, so a manual clock makes the whole server deterministic.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fanfare_rx.errors import UsageError

__all__ = ["CLOCK_MODES", "SandboxClock", "to_datetime"]

#: The accepted clock modes; ``"real"`` with ``speed`` N runs N sandbox seconds per second.
CLOCK_MODES = ("real", "manual")


class SandboxClock:
    """Sandbox time as epoch seconds, starting at the wall time of its creation.

    Args:
        mode: ``"real"`` (wall time, optionally accelerated) or ``"manual"``.
        speed: sandbox seconds per real second for ``"real"`` (default 1).
        start: the epoch second the clock starts at (default: now, whole seconds).

    Usage: ``clock = SandboxClock("manual"); clock.advance(60); clock.now()``
    """

    def __init__(self, mode: str = "manual", *, speed: float | None = None,
                 start: float | None = None) -> None:
        if mode not in CLOCK_MODES:
            raise UsageError(f"clock must be one of {', '.join(CLOCK_MODES)}, got {mode!r}")
        if speed is not None and mode == "manual":
            raise UsageError("speed applies to the real clock only")
        if speed is not None and not speed > 0:
            raise UsageError(f"speed must be positive, got {speed!r}")
        self.mode = mode
        self.speed = float(speed) if speed is not None else 1.0
        self.start = float(int(time.time())) if start is None else float(start)
        self._offset = 0.0  # manual advances, also allowed on a real clock
        self._mono_start = time.monotonic()

    def time(self) -> float:
        """Current sandbox time in epoch seconds.

        Usage: ``clock.time() - clock.start``
        """
        if self.mode == "manual":
            return self.start + self._offset
        elapsed = (time.monotonic() - self._mono_start) * self.speed
        return self.start + elapsed + self._offset

    def now(self) -> datetime:
        """Current sandbox time as an aware UTC datetime.

        Usage: ``clock.now().isoformat()``
        """
        return to_datetime(self.time())

    def advance(self, seconds: float) -> None:
        """Move time forward (any mode; the real clock keeps running from there).

        Usage: ``clock.advance(90)``
        """
        if not seconds >= 0:
            raise UsageError(f"seconds must be >= 0, got {seconds!r}")
        self._offset += seconds

    def describe(self) -> str:
        """``manual``, ``real`` or ``real x60`` for banners.

        Usage: ``print(clock.describe())``
        """
        if self.mode == "real" and self.speed != 1.0:
            return f"real x{self.speed:g}"
        return self.mode


def to_datetime(epoch: float) -> datetime:
    """Epoch seconds to an aware UTC datetime (millisecond precision).

    Usage: ``to_datetime(0).year == 1970``
    """
    return datetime.fromtimestamp(round(epoch, 3), tz=UTC)
