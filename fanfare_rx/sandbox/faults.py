"""The fault plan: seeded, rule-based injection of error statuses, delays, dropped connections
and malformed JSON bodies, off by default and counted per rule in ``fired``.
"""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["FAULT_KINDS", "FaultPlanError", "FaultRule", "Faults"]

FAULT_KINDS = ("status", "delay", "drop", "malformed")


class FaultPlanError(ValueError):
    """A fault plan that does not match the schema; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@attrs.frozen
class FaultRule:
    match: str
    kind: str
    status: int = 503
    retry_after: float | None = None
    seconds: float = 0.0
    when: str = "before"
    times: int | None = None
    probability: float | None = None

    def matches(self, method: str, path: str) -> bool:
        return self.match == "*" or fnmatch.fnmatchcase(f"{method} {path}", self.match)


def _field(rule: Mapping[str, Any], key: str, kinds: tuple[type, ...], path: str,
           default: Any = None) -> Any:
    if key not in rule or rule[key] is None:
        return default
    value = rule[key]
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        raise FaultPlanError(f"{path}.{key}", f"expected {'/'.join(k.__name__ for k in kinds)}")
    return value


def _parse_rule(raw: Any, path: str) -> FaultRule:
    if not isinstance(raw, Mapping):
        raise FaultPlanError(path, "expected an object")
    unknown = set(raw) - {"match", "kind", "status", "retryAfter", "seconds", "when", "times",
                          "probability"}
    if unknown:
        raise FaultPlanError(f"{path}.{min(unknown)}", "unknown field")
    kind = _field(raw, "kind", (str,), path)
    if kind not in FAULT_KINDS:
        raise FaultPlanError(f"{path}.kind", f"expected one of {', '.join(FAULT_KINDS)}")
    status = _field(raw, "status", (int,), path, 503)
    if not 400 <= status <= 599:
        raise FaultPlanError(f"{path}.status", "expected an error status 400-599")
    when = _field(raw, "when", (str,), path, "before")
    if when not in ("before", "after"):
        raise FaultPlanError(f"{path}.when", "expected before or after")
    probability = _field(raw, "probability", (int, float), path)
    if probability is not None and not 0 <= probability <= 1:
        raise FaultPlanError(f"{path}.probability", "expected a number from 0 to 1")
    times = _field(raw, "times", (int,), path)
    if times is not None and times < 0:
        raise FaultPlanError(f"{path}.times", "must not be negative")
    seconds = float(_field(raw, "seconds", (int, float), path, 0.0))
    if not 0 <= seconds <= 30:
        raise FaultPlanError(f"{path}.seconds", "expected 0 to 30 seconds")
    return FaultRule(match=_field(raw, "match", (str,), path, "*"), kind=kind, status=status,
                     retry_after=_field(raw, "retryAfter", (int, float), path), seconds=seconds,
                     when=when, times=times, probability=probability)


class Faults:
    """The live fault plan of a sandbox.

    Usage: ``sandbox.faults.set({"seed": 7, "rules": [{"match": "*", "kind": "malformed",
    "times": 1}]}); ...; sandbox.faults.fired == [1]``
    """

    def __init__(self, plan: Mapping[str, Any] | None = None) -> None:
        self.rules: tuple[FaultRule, ...] = ()
        self.fired: list[int] = []
        self.seed = 0
        self._rng = random.Random(0)
        if plan is not None:
            self.set(plan)

    def set(self, plan: Mapping[str, Any]) -> None:
        """Validate and install a plan (raises :class:`FaultPlanError`); counters restart."""
        if not isinstance(plan, Mapping):
            raise FaultPlanError("$", "expected an object")
        unknown = set(plan) - {"seed", "rules"}
        if unknown:
            raise FaultPlanError(min(unknown), "unknown field")
        seed = _field(plan, "seed", (int,), "$", 0)
        rules_raw = plan.get("rules", [])
        if not isinstance(rules_raw, list):
            raise FaultPlanError("rules", "expected an array")
        rules = tuple(_parse_rule(raw, f"rules[{i}]") for i, raw in enumerate(rules_raw))
        self.rules, self.seed = rules, seed
        self.fired = [0] * len(rules)
        self._rng = random.Random(seed)

    def clear(self) -> None:
        """Turn every fault off."""
        self.rules, self.fired = (), []

    @property
    def active(self) -> bool:
        return bool(self.rules)

    def draw(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request (delays, then at most one other fault)."""
        chosen: list[FaultRule] = []
        other = False
        for index, rule in enumerate(self.rules):
            if not rule.matches(method, path):
                continue
            if rule.times is not None and self.fired[index] >= rule.times:
                continue
            if rule.kind != "delay" and other:
                continue
            if rule.probability is not None and self._rng.random() >= rule.probability:
                continue
            self.fired[index] += 1
            other = other or rule.kind != "delay"
            chosen.append(rule)
        return chosen

    def describe(self) -> dict[str, Any]:
        return {"seed": self.seed, "fired": list(self.fired),
                "rules": [{"match": r.match, "kind": r.kind, "times": r.times} for r in self.rules]}
