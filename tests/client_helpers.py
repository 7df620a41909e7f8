"""Helpers of the API client tests (``tests/wire``, ``tests/client``): an event collector and
experience lookups."""

from __future__ import annotations

from typing import Any


class Events:
    """Collects session events as (name, payload)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, payload: Any) -> None:
        self.items.append((name, dict(payload)))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.items]


def distribution_id(experience: Any, kind: str) -> str:
    """The first distribution id of ``kind`` ("queues", "draws", ...) in an experience."""
    for sequence in experience.sequences or ():
        items = getattr(sequence, kind) or ()
        if items:
            return str(items[0].id)
    raise AssertionError(f"no {kind} in {experience.id}")
