"""The sandbox's two body shapes: ``compat`` adds a few fields the spec does not document (and
the gen A ``timedReleases`` list); spec mode (scenario ``timedReleaseShape: "genC"``) leaves
every one of them out, so each body has exactly the gen C shape. Each engine declares its own
additions (``Engine.extensions``, ``Engine.listed_extensions``); the rest are here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from fanfare_rx.models import wire
from fanfare_rx.sandbox.engines import registered_engines

__all__ = ["COMMON_EXTENSIONS", "extensions", "listed_extensions", "spec_only"]

#: The additions no mechanism owns.
COMMON_EXTENSIONS: Mapping[type, tuple[str, ...]] = {
    wire.SessionInfo: ("guest_id",),  # gen B / prose: the guest's consumer id
}


def extensions() -> dict[type, tuple[str, ...]]:
    """Wire class -> the fields the sandbox adds to it (those spec mode drops), the common ones
    and every registered engine's.

    Usage: ``extensions()[wire.Draw]``
    """
    found: dict[type, tuple[str, ...]] = dict(COMMON_EXTENSIONS)
    for engine in registered_engines().values():
        for cls, fields in engine.extensions.items():
            found[cls] = tuple(dict.fromkeys((*found.get(cls, ()), *fields)))
    return found


def listed_extensions() -> dict[str, tuple[str, ...]]:
    """``Sequence`` field -> the fields its listed items drop in spec mode (which they carry
    only as their own resource, e.g. a queue's ``sequenceId``).

    Usage: ``listed_extensions()["queues"]``
    """
    return {engine.listed_as: engine.listed_extensions for engine in registered_engines().values()
            if engine.listed_as is not None and engine.listed_extensions}


def spec_only(value: Any) -> Any:
    """``value`` (a wire model, or a tuple or list of them) without the sandbox's extensions,
    at any depth.

    Usage: ``codec.dumps(spec_only(engine.model()))``
    """
    return _strip(value, extensions(), listed_extensions())


def _strip(value: Any, drop: Mapping[type, tuple[str, ...]],
           listed: Mapping[str, tuple[str, ...]]) -> Any:
    if isinstance(value, tuple | list):
        return type(value)(_strip(item, drop, listed) for item in value)
    if not attrs.has(type(value)):
        return value
    changes: dict[str, Any] = dict.fromkeys(drop.get(type(value), ()))
    for field in attrs.fields(type(value)):
        if field.name in changes or not field.init:
            continue
        inner = getattr(value, field.name)
        if isinstance(value, wire.Sequence) and field.name in listed and inner:
            inner = tuple(attrs.evolve(item, **dict.fromkeys(listed[field.name]))
                          for item in inner)
        stripped = _strip(inner, drop, listed)
        if stripped is not getattr(value, field.name):
            changes[field.name] = stripped
    return attrs.evolve(value, **changes) if changes else value
