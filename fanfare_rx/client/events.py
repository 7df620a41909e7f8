"""The SDK event bus (``fanfare.on(name, handler) -> off``) and the table that turns two
successive journey snapshots into the docs' event names (``queue:entered``, ``draw:won`` ...).

Payloads never carry a secret in full: tokens and grants appear redacted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import JourneySnapshot, SequenceStage

__all__ = ["EVENT_NAMES", "EventBus", "EventHandler", "Off", "bus_events"]

log = logging.getLogger("fanfare_rx.client.events")

EventHandler = Callable[[Mapping[str, Any]], Any]
Off = Callable[[], None]

#: Every name the bus emits (spec §3.5, the ones that apply to a Python journey), plus ``*``
#: to receive them all (the handler then gets ``{"name": ..., **payload}``).
EVENT_NAMES: frozenset[str] = frozenset(
    {
        "auth:authenticated", "auth:refreshed", "auth:logout", "auth:error",
        "auth:session_lost", "storage:fallback",
        "queue:entered", "queue:left", "queue:position-changed", "queue:admitted",
        "queue:expired", "queue:denied",
        "draw:entered", "draw:left", "draw:won", "draw:lost", "draw:expired",
        "auction:entered", "auction:bid-placed", "auction:outbid", "auction:winning",
        "auction:won", "auction:lost",
        "waitlist:entered", "waitlist:left",
        "timed_release:entered", "timed_release:left", "timed_release:completed",
        "timed_release:expired",
        "journey:error",
    }
)

#: Stages from which reaching ``participating`` means the consumer just entered (a resume or a
#: reroute straight into participation is not an entry).
_ENTERED_FROM = frozenset(
    {SequenceStage.ACTIVE_ENTERABLE, SequenceStage.ADMISSION_EXPIRED, SequenceStage.UPCOMING,
     SequenceStage.WAITLIST_ENTERED}
)

_ID_KEY = {"queue": "queueId", "draw": "drawId", "auction": "auctionId", "timed_release": "timedReleaseId"}


class EventBus:
    """Named events with handlers; a handler that raises is logged, never propagated.

    Usage::

        off = bus.on("queue:position-changed", lambda e: print(e["position"]))
        off()
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[EventHandler]] = defaultdict(list)

    def on(self, name: str, handler: EventHandler) -> Off:
        """Register ``handler`` for ``name`` (or ``"*"``); returns the ``off`` callable."""
        if name != "*" and name not in EVENT_NAMES:
            raise ValueError(f"unknown event name {name!r}; known: {', '.join(sorted(EVENT_NAMES))}")
        self._handlers[name].append(handler)

        def off() -> None:
            handlers = self._handlers.get(name, [])
            if handler in handlers:
                handlers.remove(handler)

        return off

    def emit(self, name: str, payload: Mapping[str, Any]) -> None:
        """Call every handler of ``name`` and of ``"*"``."""
        for handler in list(self._handlers.get(name, ())):
            self._call(handler, payload)
        for handler in list(self._handlers.get("*", ())):
            self._call(handler, {"name": name, **payload})

    @staticmethod
    def _call(handler: EventHandler, payload: Mapping[str, Any]) -> None:
        try:
            handler(payload)
        except Exception:
            log.exception("event handler raised")

    def clear(self) -> None:
        """Remove every handler."""
        self._handlers.clear()


def _kind(snapshot: JourneySnapshot) -> str | None:
    distribution = snapshot.context.distribution
    return None if distribution is None else distribution.type.value


def bus_events(old: JourneySnapshot, new: JourneySnapshot) -> list[tuple[str, dict[str, Any]]]:
    """The bus events one snapshot change means.

    Usage: ``for name, payload in bus_events(prev, snap): bus.emit(name, payload)``
    """
    found: list[tuple[str, dict[str, Any]]] = []
    kind = _kind(new) or _kind(old)
    ctx, distribution = new.context, new.context.distribution or old.context.distribution
    base: dict[str, Any] = {"experienceId": ctx.experience_id}
    if kind in _ID_KEY and distribution is not None:
        base[_ID_KEY[kind]] = distribution.id
    before, after = old.sequence_stage, new.sequence_stage
    S = SequenceStage

    if after is not before:
        if after is S.PARTICIPATING and before in _ENTERED_FROM and kind:
            payload = dict(base)
            if kind == "queue":
                payload["position"] = ctx.position
            found.append((f"{kind}:entered", payload))
        elif after is S.ADMITTED and kind:
            name = {"queue": "queue:admitted", "draw": "draw:won", "auction": "auction:won"}.get(
                kind, "timed_release:entered"
            )
            found.append(
                (name, {**base, "token": redact(ctx.admittance_token), "expiresAt": ctx.admittance_expires_at})
            )
        elif after is S.ADMISSION_EXPIRED and kind:
            found.append((f"{kind}:expired", base))
        elif after is S.ACTIVE_ENTERABLE and before is S.PARTICIPATING and kind:
            found.append((f"{kind}:left", base))
        elif after is S.ENDED and kind:
            outcome = ctx.outcome
            if outcome == "completed":
                found.append((f"{kind}:completed" if kind == "timed_release" else f"{kind}:left", base))
            elif kind == "queue" and before in (S.PARTICIPATING, S.ACTIVE_ENTERABLE):
                found.append(("queue:denied", {**base, "reason": outcome}))
            elif kind in ("draw", "auction") and outcome in ("lost", "denied"):
                found.append((f"{kind}:lost", {**base, "highestBid": ctx.highest_bid}))
        if after is S.WAITLIST_ENTERED:
            found.append(("waitlist:entered", {**base, "waitlistId": _waitlist(new), "enteredAt": ctx.waitlist_entered_at}))
        if before is S.WAITLIST_ENTERED and after is S.UPCOMING:
            found.append(("waitlist:left", {**base, "waitlistId": _waitlist(old)}))
    elif after is S.PARTICIPATING and kind == "queue" and (
        (ctx.position, ctx.estimated_wait_seconds)
        != (old.context.position, old.context.estimated_wait_seconds)
    ):
            found.append(
                ("queue:position-changed", {**base, "position": ctx.position, "estimatedWait": ctx.estimated_wait_seconds})
            )
    if kind == "auction" and new.context.current_bid != old.context.current_bid and new.context.current_bid:
        status = ctx.participation.status if ctx.participation else None
        found.append(("auction:bid-placed", {**base, "amount": ctx.current_bid, "status": status}))
    if kind == "auction" and ctx.participation is not None:
        old_status = old.context.participation.status if old.context.participation else None
        if ctx.participation.status != old_status and ctx.participation.status in ("OUTBID", "WINNING"):
            name = "auction:outbid" if ctx.participation.status == "OUTBID" else "auction:winning"
            found.append((name, {**base, "amount": ctx.current_bid, "highestBid": ctx.highest_bid}))
    old_ids = {event.id for event in old.events}
    new_errors = [e for e in new.events if e.kind.value == "error" and e.id not in old_ids]
    for event in new_errors:
        found.append(("journey:error", {**base, "code": (event.detail or {}).get("code"), "message": event.message}))
    return found


def _waitlist(snapshot: JourneySnapshot) -> str | None:
    distribution = snapshot.context.distribution
    return None if distribution is None else distribution.waitlist_id
