"""One fold step as the journey takes it: the pure reducer, and when it raises, an
``internal`` error event with the snapshot kept. The live pipeline and the replay of a
recording fold through this one function, so they cannot differ.
"""

from __future__ import annotations

import logging

from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.messages import ActionFailed, Message
from fanfare_rx.models.journey import JourneySnapshot

__all__ = ["fold"]

log = logging.getLogger("fanfare_rx.journey")


def fold(snapshot: JourneySnapshot, message: Message) -> JourneySnapshot:
    """Fold one message; a reducer failure becomes an ``INTERNAL_ERROR`` event, the snapshot
    is kept. Returns ``snapshot`` itself when nothing changed.

    Usage: ``snapshot = fold(snapshot, Tick(at=now))``
    """
    try:
        return reduce(snapshot, message)
    except Exception as exc:
        log.exception("reducer failed on %s; snapshot kept", type(message).__name__)
        failure = ActionFailed(
            at=getattr(message, "at", snapshot.updated_at), action="internal",
            code="INTERNAL_ERROR", message=f"internal error: {type(exc).__name__}",
        )
        try:
            return reduce(snapshot, failure)
        except Exception:  # noqa: BLE001
            return snapshot
