"""The connection in the snapshot: what the transport saw (``ConnectionObserved``) and the
opt-in fail-open notice (``FailOpenElapsed``). Pure; never touches a participation or a grant.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fanfare_rx.journey.core.journal import Draft, user
from fanfare_rx.journey.core.messages import ConnectionObserved, FailOpenElapsed
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.models.connection import Connection, ConnectionStatus
from fanfare_rx.models.journey import EventKind, EventSeverity, JourneySnapshot

__all__ = ["UNREACHABLE", "on_connection", "on_fail_open", "unreachable_message"]

#: The ``detail.code`` of the fail-open event.
UNREACHABLE = "WAITING_ROOM_UNREACHABLE"


def unreachable_message(since: int | None) -> str:
    """What the shopper is told once the fail-open time passed.

    Usage: ``unreachable_message(0)`` -> ``'The waiting room is unreachable since 00:00:00 UTC'``
    """
    if since is None:
        return "The waiting room is unreachable"
    at = datetime.fromtimestamp(since / 1000, tz=UTC)
    return f"The waiting room is unreachable since {at:%H:%M:%S} UTC"


def on_connection(snap: JourneySnapshot, msg: ConnectionObserved) -> Draft:
    """Keep what the transport saw; a fail-open notice stays while the connection stays down."""
    ctx = snap.context
    old = ctx.connection
    new = msg.connection
    if old is not None and old.fail_open and not new.online and new.since == old.since:
        new = evolve(new, fail_open=True)
    if new == old or (old is None and new == Connection()):
        return snap, []
    return evolve(snap, context=evolve(ctx, connection=new)), []


def on_fail_open(snap: JourneySnapshot, msg: FailOpenElapsed) -> Draft:
    """The connection stayed down for the policy's time: say so (once per outage)."""
    ctx = snap.context
    old = ctx.connection
    if old is None or old.online or old.fail_open or old.since != msg.since:
        return snap, []  # restored meanwhile, or a later outage: its own timer decides
    status = old.status
    event = user(EventKind.ERROR, EventSeverity.WARNING, unreachable_message(old.since),
                 code=UNREACHABLE, status=ConnectionStatus(status).value, since=old.since)
    return evolve(snap, context=evolve(ctx, connection=evolve(
        old, fail_open=True))), [event]
