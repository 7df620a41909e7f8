"""Strict scalar hooks of the codec: a wrong JSON type is an error, never a silent coercion;
decimal-string money, ISO-8601 date-times that can be written back, finite numbers only.
"""

from __future__ import annotations

import enum
import math
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import cattrs

from fanfare_rx.models.money import is_money

__all__ = ["register_scalars", "type_name"]

# A date-time must carry a time part: a bare date ("2024-05-01") is not a wire date-time.
_HAS_TIME = re.compile(r"^[0-9]{4}-?[0-9]{2}-?[0-9]{2}[Tt ][0-9]")


def type_name(value: object) -> str:
    """The JSON-ish name of a parsed value's type, for error messages (``null``, ``str`` ...)."""
    return "null" if value is None else type(value).__name__


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type_name(value)}")
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected an integer, got {type_name(value)}")
    if isinstance(value, float):
        if not value.is_integer():  # also rejects NaN and +-Infinity
            raise ValueError(f"expected an integer, got {value!r}")
        return int(value)
    return value


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {type_name(value)}")
    if not math.isfinite(value):  # NaN/Infinity are not JSON: JavaScript could not read it back
        raise ValueError(f"expected a finite number, got {value!r}")
    return float(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type_name(value)}")
    return value


def _structure_enum(value: Any, cls: Any) -> Any:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(f"expected a string, got {type_name(value)}")
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in cls)
        raise ValueError(f"unknown value {value!r} (expected one of {allowed})") from None


def _structure_money(value: Any, _: type) -> Decimal:
    if isinstance(value, str):
        if not is_money(value):
            raise ValueError(f"expected a decimal string like '1500.00', got {value!r}")
        return Decimal(value)
    if isinstance(value, int | float) and not isinstance(value, bool):  # gen A sent numbers
        try:
            result = Decimal(str(value))
        except InvalidOperation as exc:  # pragma: no cover - str(float) always parses
            raise ValueError(f"invalid amount {value!r}") from exc
        if not result.is_finite():
            raise ValueError(f"expected a finite amount, got {value!r}")
        if result < 0:
            raise ValueError(f"amount must not be negative, got {value!r}")
        return result
    raise TypeError(f"expected a decimal string, got {type_name(value)}")


def _unstructure_money(value: Decimal) -> str:
    return format(value, "f")


def _structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 date-time string, got {type_name(value)}")
    try:
        if not _HAS_TIME.match(value):
            raise ValueError("no time part")
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"expected an ISO-8601 date-time, got {value!r}") from exc
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:  # we write UTC: a date-time that has no UTC equivalent could never be written back
        parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"date-time out of range in UTC, got {value!r}") from None
    return parsed


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def register_scalars(conv: cattrs.Converter) -> None:
    """Register the strict scalar hooks on ``conv``.

    Usage: ``register_scalars(converter)``
    """
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    # StrEnum precedes str in a StrEnum's MRO, so this hook (not the str one) decodes enums.
    conv.register_structure_hook(enum.StrEnum, _structure_enum)
    conv.register_structure_hook(enum.Enum, _structure_enum)
    conv.register_structure_hook(Decimal, _structure_money)
    conv.register_unstructure_hook(Decimal, _unstructure_money)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
