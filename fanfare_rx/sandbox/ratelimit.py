"""Per-caller request limits on the sandbox clock: a fixed one-minute window per caller,
reported in ``X-RateLimit-*`` headers on every response and enforced with 429.
"""

from __future__ import annotations

import math

import attrs

from fanfare_rx.errors import UsageError

__all__ = ["RateLimiter", "RateWindow"]


@attrs.frozen
class RateWindow:
    """What the headers report: limit, remaining, reset (epoch seconds), and whether this
    request was let through."""

    limit: int
    remaining: int
    reset: int
    allowed: bool = True

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}


class RateLimiter:
    """Usage: ``window = limiter.hit("cns_1", clock.time()); window.allowed``"""

    def __init__(self, per_minute: int) -> None:
        if per_minute < 1:
            raise UsageError(f"rate limit must be at least 1 per minute, got {per_minute}")
        self.per_minute = per_minute
        self._windows: dict[str, tuple[float, int]] = {}

    def _window(self, key: str, now: float) -> tuple[float, int]:
        start, count = self._windows.get(key, (now, 0))
        if now - start >= 60.0:
            start, count = now, 0
        return start, count

    def peek(self, key: str, now: float) -> RateWindow:
        start, count = self._window(key, now)
        return RateWindow(self.per_minute, max(0, self.per_minute - count), math.ceil(start + 60))

    def hit(self, key: str, now: float) -> RateWindow:
        """Count one request; ``allowed`` is False once the window is used up."""
        start, count = self._window(key, now)
        if count >= self.per_minute:
            self._windows[key] = (start, count)
            return RateWindow(self.per_minute, 0, math.ceil(start + 60), allowed=False)
        self._windows[key] = (start, count + 1)
        return RateWindow(self.per_minute, self.per_minute - count - 1, math.ceil(start + 60))

    def retry_after(self, window: RateWindow, now: float) -> int:
        return max(1, math.ceil(window.reset - now))
