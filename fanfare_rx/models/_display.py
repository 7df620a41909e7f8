"""Human formatting shared by the terminal live view and the HTML reprs: money with the
currency's decimals, durations, clock times, enum values and outcome colours.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

__all__ = [
    "OUTCOME_COLORS",
    "clock_time",
    "duration",
    "money",
    "outcome_kind",
    "shown",
]

#: Currencies without minor units (ISO 4217 exponent 0); every other one shows 2 decimals.
_ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                           "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"})

#: How an ended participation turned out, by outcome: success, failure or neutral.
_OUTCOME_KINDS: Mapping[str, str] = {
    "won": "success", "completed": "success",
    "lost": "failure", "denied": "failure", "expired": "failure", "no_show": "failure",
    "left": "neutral", "closed": "neutral", "cancelled": "neutral",
}

#: Colours of the outcome kinds (the timeline's end marks and legend).
OUTCOME_COLORS: Mapping[str, str] = {
    "success": "#2e7d32", "failure": "#c62828", "neutral": "#757575",
}


def money(amount: object, currency: str | None = None) -> str:
    """An amount with the currency's decimals (2 unless the currency has none); text that is
    not a number is returned unchanged.

    Usage: ``money("100")`` -> ``'100.00'``; ``money(1500, "JPY")`` -> ``'1500'``
    """
    if amount is None:
        return "-"
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    if not value.is_finite():
        return str(amount)
    places = 0 if (currency or "").upper() in _ZERO_DECIMAL else 2
    text = f"{value:,.{places}f}".replace(",", "")
    return f"{text} {currency.upper()}" if currency else text


def duration(seconds: float) -> str:
    """A duration for people: ``41 s``, ``4 min 40 s``, ``2 min``, ``1 h 05 min``.

    Usage: ``duration(280)`` -> ``'4 min 40 s'``
    """
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min" + (f" {rest:02d} s" if rest else "")
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60:02d} min"


def clock_time(epoch_seconds: float) -> str:
    """A UTC time of day, ``16:35:00 UTC``.

    Usage: ``clock_time(snapshot.context.distribution.settles_at / 1000)``
    """
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).strftime("%H:%M:%S UTC")


def shown(value: object) -> str:
    """A value as text for people: an enum as its value (``admitted``, not
    ``<SequenceStage.ADMITTED: 'admitted'>``), anything else as ``str``.

    Usage: ``shown(SequenceStage.ADMITTED)`` -> ``'admitted'``
    """
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def outcome_kind(stage: str, outcome: str | None) -> str | None:
    """``success``, ``failure`` or ``neutral`` for a final sequence stage, else None.

    Usage: ``outcome_kind("ended", "lost")`` -> ``'failure'``
    """
    if stage == "admitted":
        return "success"
    if stage == "admission_expired":
        return "failure"
    if stage == "ended":
        return _OUTCOME_KINDS.get(outcome or "", "neutral")
    return None
