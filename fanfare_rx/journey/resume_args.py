"""The arguments of ``resume_from_server`` in every shape callers use: keywords, a
``(waitlist_id, entered_at_ms)`` tuple, or the docs' object ``{"sequenceId", "waitlist"}``.

Bad input raises :class:`~fanfare_rx.errors.UsageError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fanfare_rx.errors import UsageError

__all__ = ["ResumeTarget", "resume_target"]

#: ``(sequence_id, waitlist_id or None, waitlist entered_at in epoch ms or None)``
ResumeTarget = tuple[str, str | None, int | None]


def _pick(data: Mapping[str, Any], *names: str) -> Any:
    return next((data[name] for name in names if name in data), None)


def _epoch_ms(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise UsageError(f"{field} must be epoch milliseconds or an ISO date-time")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        return int(value.timestamp() * 1000)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise UsageError(f"{field} is not an ISO date-time: {value!r}") from None
        if parsed.tzinfo is None:
            raise UsageError(f"{field} needs a time zone: {value!r}")
        return int(parsed.timestamp() * 1000)
    raise UsageError(f"{field} must be epoch milliseconds or an ISO date-time")


def _waitlist(value: Any) -> tuple[str | None, int | None]:
    if value is None:
        return None, None
    if isinstance(value, Mapping):
        waitlist_id = _pick(value, "waitlistId", "waitlist_id")
        entered_at = _epoch_ms(_pick(value, "enteredAt", "entered_at"), "waitlist.enteredAt")
    elif isinstance(value, tuple | list) and len(value) == 2:
        waitlist_id, entered_at = value[0], _epoch_ms(value[1], "waitlist entered_at")
    else:
        raise UsageError("waitlist must be {waitlistId, enteredAt} or (waitlist_id, entered_at_ms)")
    if not isinstance(waitlist_id, str) or not waitlist_id:
        raise UsageError("waitlist.waitlistId must be a non-empty string")
    return waitlist_id, entered_at


def resume_target(sequence: Any, waitlist: Any = None) -> ResumeTarget:
    """Normalise ``resume_from_server``'s arguments.

    Usage: ``resume_target({"sequenceId": "s1", "waitlist": {"waitlistId": "w1", "enteredAt": 0}})``
    -> ``("s1", "w1", 0)``
    """
    if isinstance(sequence, Mapping):
        if waitlist is not None:
            raise UsageError("pass the waitlist inside the object or as an argument, not both")
        waitlist = _pick(sequence, "waitlist")
        sequence = _pick(sequence, "sequenceId", "sequence_id")
    if not isinstance(sequence, str) or not sequence:
        raise UsageError("sequenceId must be a non-empty string")
    waitlist_id, entered_at = _waitlist(waitlist)
    return sequence, waitlist_id, entered_at
