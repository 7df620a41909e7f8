"""Reading scenario JSON: typed field access that names the offending field in every error
(``experiences[0].sequences[1].distribution.admitRate: expected a number``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

__all__ = ["Reader", "ScenarioError", "kind", "read_bool", "read_int", "read_list", "read_money",
           "read_number", "read_positive", "read_str"]

T = TypeVar("T")
_MISSING: Any = object()


class ScenarioError(ValueError):
    """A scenario file or dict that does not match the schema; ``field`` names the culprit.

    Usage: ``except ScenarioError as exc: print(exc.field)``
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class Reader:
    """Typed field access on one JSON object with the path kept for error messages."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            raise ScenarioError(path or "$", f"expected an object, got {kind(value)}")
        self.value = value
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, check: Callable[[Any, str], T], default: Any = _MISSING) -> T:
        self.used.add(key)
        if key not in self.value:
            if default is _MISSING:
                raise ScenarioError(self.at(key), "required field missing")
            return default  # type: ignore[no-any-return]
        raw = self.value[key]
        if raw is None and default is not _MISSING and default is None:
            none: Any = None
            return none  # type: ignore[no-any-return]
        return check(raw, self.at(key))

    def finish(self) -> None:
        extra = sorted(set(self.value) - self.used)
        if extra:
            raise ScenarioError(self.at(extra[0]), "unknown field")


def kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number")


def read_str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(path, f"expected a non-empty string, got {kind(value)}")
    return value


def read_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(path, f"expected a boolean, got {kind(value)}")
    return value


def read_number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(path, f"expected a number, got {kind(value)}")
    if value < 0:
        raise ScenarioError(path, f"must not be negative, got {value}")
    return float(value)


def read_int(value: Any, path: str) -> int:
    number = read_number(value, path)
    if not number.is_integer():
        raise ScenarioError(path, f"expected a whole number, got {value}")
    return int(number)


def read_money(value: Any, path: str) -> Decimal:
    if not isinstance(value, str):
        raise ScenarioError(path, f"expected a decimal string like \"10.00\", got {kind(value)}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ScenarioError(path, f"expected a decimal string, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ScenarioError(path, f"expected a non-negative amount, got {value!r}")
    return amount


def read_positive(value: Any, path: str) -> float:
    number = read_number(value, path)
    if number <= 0:
        raise ScenarioError(path, "must be greater than 0")
    return number


def read_list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(path, f"expected an array, got {kind(value)}")
    return value


