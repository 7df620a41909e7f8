"""The sandbox's two body shapes: ``compat`` adds a few fields the spec does not document (and
the gen A ``timedReleases`` list); spec mode (scenario ``timedReleaseShape: "genC"``) leaves
every one of them out, so each body has exactly the gen C shape.
"""

from __future__ import annotations

from typing import Any

import attrs

from fanfare_rx.models import wire

__all__ = ["EXTENSIONS", "spec_only"]

#: The fields the sandbox adds to the spec's bodies, by wire class (one declaration: the
#: sandbox's spec mode drops exactly these, and the shape tests list exactly these).
EXTENSIONS: dict[type, tuple[str, ...]] = {
    wire.SessionInfo: ("guest_id",),  # gen B / prose: the guest's consumer id
    wire.Sequence: ("timed_releases",),  # gen A: gen B/C list no timed releases
    wire.Draw: ("sequence_id", "winner_count", "admission_expiration_seconds"),
    wire.Auction: ("sequence_id", "admission_expiration_seconds"),
    wire.TimedRelease: ("sequence_id", "admission_expiration_seconds"),
    wire.DrawEntered: ("entered_at",),
    wire.AuctionConsumerState: ("expires_at", "highest_bid"),
    wire.TimedReleaseConsumerState: ("reason",),
}
#: A queue listed in a sequence carries no ``sequenceId`` (the ``GET /queues/{id}`` resource
#: does, as the spec says).
_LISTED_QUEUE = ("sequence_id",)


def spec_only(value: Any) -> Any:
    """``value`` (a wire model, or a tuple or list of them) without the sandbox's extensions,
    at any depth.

    Usage: ``codec.dumps(spec_only(engine.model()))``
    """
    if isinstance(value, tuple | list):
        return type(value)(spec_only(item) for item in value)
    if not attrs.has(type(value)):
        return value
    changes: dict[str, Any] = {name: None for name in EXTENSIONS.get(type(value), ())}
    for field in attrs.fields(type(value)):
        if field.name in changes or not field.init:
            continue
        inner = getattr(value, field.name)
        if isinstance(value, wire.Sequence) and field.name == "queues" and inner:
            changes["queues"] = tuple(attrs.evolve(q, **dict.fromkeys(_LISTED_QUEUE)) for q in inner)
            continue
        stripped = spec_only(inner)
        if stripped is not inner:
            changes[field.name] = stripped
    return attrs.evolve(value, **changes) if changes else value
