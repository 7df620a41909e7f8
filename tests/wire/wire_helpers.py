"""Shared helpers of the wire codec tests: payload fixtures and dotted-path attribute lookup.

Fixtures live in ``payloads/<group>.json``, each a map of name -> JSON body from the spec.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["at", "payload", "payload_text", "utc"]

PAYLOADS = Path(__file__).parent / "payloads"


@cache
def _group(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def payload(ref: str) -> Any:
    """``payload("route/no_access")`` -> the parsed JSON body (a fresh copy)."""
    group, name = ref.split("/", 1)
    return json.loads(json.dumps(_group(group)[name]))


def payload_text(ref: str) -> str:
    """The fixture as JSON text, ready for ``codec.decode``."""
    return json.dumps(payload(ref))


def at(obj: Any, path: str) -> Any:
    """``at(route, "selected.gates.0.challenge.provider")``: attributes and tuple indexes."""
    for part in path.split("."):
        obj = obj[int(part)] if part.isdigit() else getattr(obj, part)
    return obj


def utc(text: str) -> datetime:
    """An aware UTC datetime from ``"2025-06-01T14:00:00"``."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
