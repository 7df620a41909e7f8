"""When and how long the Consumer API client waits before repeating a request: exponential
backoff with jitter for network errors, timeouts, 429 and 5xx, honouring ``Retry-After``.
"""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import attrs

from fanfare_rx.errors import (
    APIConnectionError,
    FanfareError,
    RateLimitedError,
    ServerError,
    UsageError,
)
from fanfare_rx.errors import TimeoutError as FanfareTimeoutError

__all__ = [
    "DEFAULT_BASE_DELAY",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_RATE_LIMIT_WAIT",
    "DEFAULT_RETRY_AFTER_CAP",
    "RetryPolicy",
    "parse_retry_after",
]

DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BASE_DELAY = 0.5
DEFAULT_MAX_DELAY = 30.0
DEFAULT_RETRY_AFTER_CAP = 60.0
#: The SDK's wait after a 429 that carries no ``Retry-After``.
DEFAULT_RATE_LIMIT_WAIT = 5.0

#: 429 codes that describe the distribution, not our request rate: the journey decides.
_NOT_RETRIED_CODES = frozenset({"QUEUE_FULL"})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta seconds, an HTTP date or an ISO time.

    A date in the past gives 0; an unreadable value gives None.

    Args:
        value: the header value.
        now: the current epoch second to measure a date against (default: wall time).

    Usage: ``parse_retry_after("30")`` -> ``30.0``;
    ``parse_retry_after("2030-01-01T00:00:00Z", now=...)`` -> seconds until then
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)  # NaN is unreadable
    when = _parse_date(text)
    if when is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def _parse_date(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _seconds(name: str, value: object) -> None:
    """A delay the policy takes: a finite number of seconds, not negative (``nan`` and ``inf``
    would make the client wait forever or never)."""
    if not _finite(value) or value < 0:  # type: ignore[operator]
        raise UsageError(f"{name} must be a finite number of seconds >= 0, got {value!r}")


@attrs.frozen
class RetryPolicy:
    """Which failures the client repeats, how often, and how long it waits in between.

    The delay before retry ``n`` (0-based) is ``min(base_delay * 2**n, max_delay)`` times a
    jitter factor drawn from ``jitter``; a server ``Retry-After`` replaces it (capped at
    ``retry_after_cap``). Only network errors, timeouts, 429 and 5xx are retried; every other
    4xx, a 423 "not open yet" and undecodable bodies are not.

    Args:
        max_attempts: total tries including the first (1 disables retries).
        base_delay: seconds before the first retry, before jitter.
        max_delay: upper bound of the exponential delay, before jitter.
        jitter: (low, high) factor range applied to the exponential delay.
        retry_after_cap: the longest ``Retry-After`` honoured; a longer one is not retried.
        seed: seeds the jitter RNG (None: unpredictable).

    Usage: ``ConsumerApi(url, key, organization_id=org, retry=RetryPolicy(max_attempts=6, seed=1))``
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay: float = DEFAULT_BASE_DELAY
    max_delay: float = DEFAULT_MAX_DELAY
    jitter: tuple[float, float] = (0.5, 1.0)
    retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP
    seed: int | None = None
    _rng: random.Random = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) \
                or self.max_attempts < 1:
            raise UsageError(f"max_attempts must be an integer of at least 1, got {self.max_attempts!r}")
        for name in ("base_delay", "max_delay", "retry_after_cap"):
            _seconds(name, getattr(self, name))
        low, high = self.jitter
        if not (_finite(low) and _finite(high) and 0 <= low <= high):
            raise UsageError(f"jitter must be (low, high) with 0 <= low <= high, got {self.jitter!r}")
        object.__setattr__(self, "_rng", random.Random(self.seed))

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries.

        Usage: ``ConsumerApi(..., retry=RetryPolicy.none())``
        """
        return cls(max_attempts=1)

    def is_retryable(self, error: FanfareError) -> bool:
        """Whether the client repeats a request that failed with ``error``.

        Usage: ``policy.is_retryable(ServerError("boom", status=503))`` -> True
        """
        if isinstance(error, APIConnectionError | FanfareTimeoutError | ServerError):
            return True
        if isinstance(error, RateLimitedError):
            return error.code not in _NOT_RETRIED_CODES
        return False

    def backoff(self, attempt: int) -> float:
        """The jittered exponential delay before retry ``attempt`` (0 = first retry).

        Usage: ``RetryPolicy(jitter=(1, 1)).backoff(2)`` -> ``2.0``
        """
        raw = min(self.base_delay * 2.0**attempt, self.max_delay)
        low, high = self.jitter
        return raw * self._rng.uniform(low, high)

    def delay_for(self, error: FanfareError, attempt: int) -> float | None:
        """Seconds to wait before repeating after ``error`` on try ``attempt`` (0-based), or None
        when the request must not be repeated.

        Usage: ``policy.delay_for(err, 0)``
        """
        if attempt + 1 >= self.max_attempts or not self.is_retryable(error):
            return None
        if error.retry_after is not None:
            if error.retry_after > self.retry_after_cap:
                return None
            return error.retry_after
        if isinstance(error, RateLimitedError):
            return min(DEFAULT_RATE_LIMIT_WAIT, self.retry_after_cap)
        return self.backoff(attempt)
