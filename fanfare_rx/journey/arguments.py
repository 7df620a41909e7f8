"""The checks of journey method arguments the app passes in directly (``mark_admitted``,
``start_polling``): bad values are a :class:`~fanfare_rx.errors.UsageError` where given.
"""

from __future__ import annotations

import math
from typing import Any

from fanfare_rx.errors import UsageError

__all__ = ["MIN_POLL_INTERVAL_MS", "admission_args", "poll_interval_ms"]

#: The shortest fixed polling interval ``start_polling(interval_ms)`` accepts: 10 polls a
#: second per journey at most (the docs' examples poll every 2-10 s).
MIN_POLL_INTERVAL_MS = 100


def _whole_number(value: Any) -> int | None:
    """``value`` as an int when it is a finite whole number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def admission_args(token: Any, expires_at_ms: Any) -> tuple[str, int | None]:
    """``mark_admitted``'s arguments, checked: a non-empty token string and an expiry that
    is None or whole epoch milliseconds.

    Usage: ``token, expires = admission_args("grant", 1_760_000_000_000)``
    """
    if not isinstance(token, str) or not token.strip():
        raise UsageError(f"token must be a non-empty string, got {type(token).__name__}")
    if expires_at_ms is None:
        return token, None
    expires = _whole_number(expires_at_ms)
    if expires is None or expires < 0:
        raise UsageError(f"expires_at_ms must be epoch milliseconds (a whole number >= 0) or "
                         f"None, got {expires_at_ms!r}")
    return token, expires


def poll_interval_ms(interval_ms: Any) -> int | None:
    """``start_polling``'s fixed interval, checked: None, or whole milliseconds of at least
    :data:`MIN_POLL_INTERVAL_MS`.

    Usage: ``poll_interval_ms(5000)`` -> ``5000``
    """
    if interval_ms is None:
        return None
    interval = _whole_number(interval_ms)
    if interval is None or interval < MIN_POLL_INTERVAL_MS:
        raise UsageError(f"interval_ms must be a whole number of milliseconds >= "
                         f"{MIN_POLL_INTERVAL_MS}, got {interval_ms!r}")
    return interval
