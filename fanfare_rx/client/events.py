"""The SDK event bus (``fanfare.on(name, handler) -> off``) and the table that turns two
successive journey snapshots into the docs' event names (``queue:entered``, ``draw:won`` ...).

Payloads never carry a secret in full: tokens and grants appear redacted.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

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
        "auth:session_lost", "auth:guest_left", "storage:fallback",
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


def _waitlist(snapshot: JourneySnapshot) -> str | None:
    distribution = snapshot.context.distribution
    return None if distribution is None else distribution.waitlist_id


class _Change(NamedTuple):
    """One snapshot change, as the rules read it."""

    old: JourneySnapshot
    new: JourneySnapshot
    kind: str | None  # the distribution type, "queue" ...
    base: dict[str, Any]  # experienceId and the distribution's id

    @property
    def before(self) -> SequenceStage:
        return self.old.sequence_stage

    @property
    def after(self) -> SequenceStage:
        return self.new.sequence_stage


_Events = list[tuple[str, dict[str, Any]]]
S = SequenceStage

#: ``admitted`` is named after the distribution type.
_ADMITTED_NAME = {"queue": "queue:admitted", "draw": "draw:won", "auction": "auction:won"}


def _entered(c: _Change) -> _Events:
    if c.before not in _ENTERED_FROM or not c.kind:
        return []
    payload = dict(c.base)
    if c.kind == "queue":
        payload["position"] = c.new.context.position
    return [(f"{c.kind}:entered", payload)]


def _admitted(c: _Change) -> _Events:
    if not c.kind:
        return []
    ctx = c.new.context
    name = _ADMITTED_NAME.get(c.kind, "timed_release:entered")
    return [(name, {**c.base, "token": redact(ctx.admittance_token), "expiresAt": ctx.admittance_expires_at})]


def _expired(c: _Change) -> _Events:
    return [(f"{c.kind}:expired", c.base)] if c.kind else []


def _left(c: _Change) -> _Events:
    return [(f"{c.kind}:left", c.base)] if c.kind and c.before is S.PARTICIPATING else []


def _ended(c: _Change) -> _Events:
    kind, ctx = c.kind, c.new.context
    if not kind:
        return []
    if ctx.outcome == "completed":
        return [(f"{kind}:completed" if kind == "timed_release" else f"{kind}:left", c.base)]
    if kind == "queue" and c.before in (S.PARTICIPATING, S.ACTIVE_ENTERABLE):
        return [("queue:denied", {**c.base, "reason": ctx.outcome})]
    if kind in ("draw", "auction") and ctx.outcome in ("lost", "denied"):
        return [(f"{kind}:lost", {**c.base, "highestBid": ctx.highest_bid})]
    return []


def _waitlist_entered(c: _Change) -> _Events:
    entered_at = c.new.context.waitlist_entered_at
    return [("waitlist:entered", {**c.base, "waitlistId": _waitlist(c.new), "enteredAt": entered_at})]


def _waitlist_left(c: _Change) -> _Events:
    if c.before is not S.WAITLIST_ENTERED:
        return []
    return [("waitlist:left", {**c.base, "waitlistId": _waitlist(c.old)})]


#: What reaching a sequence stage means (the stage changed).
_ON_STAGE: Mapping[SequenceStage, Callable[[_Change], _Events]] = {
    S.PARTICIPATING: _entered,
    S.ADMITTED: _admitted,
    S.ADMISSION_EXPIRED: _expired,
    S.ACTIVE_ENTERABLE: _left,
    S.ENDED: _ended,
    S.WAITLIST_ENTERED: _waitlist_entered,
    S.UPCOMING: _waitlist_left,
}


def _position_changed(c: _Change) -> _Events:
    ctx, old = c.new.context, c.old.context
    moved = (ctx.position, ctx.estimated_wait_seconds) != (old.position, old.estimated_wait_seconds)
    if c.after is not c.before or c.after is not S.PARTICIPATING or c.kind != "queue" or not moved:
        return []
    return [("queue:position-changed", {**c.base, "position": ctx.position, "estimatedWait": ctx.estimated_wait_seconds})]


def _bid_placed(c: _Change) -> _Events:
    ctx = c.new.context
    if c.kind != "auction" or ctx.current_bid == c.old.context.current_bid or not ctx.current_bid:
        return []
    status = ctx.participation.status if ctx.participation else None
    return [("auction:bid-placed", {**c.base, "amount": ctx.current_bid, "status": status})]


_BID_STANDING = {"OUTBID": "auction:outbid", "WINNING": "auction:winning"}


def _bid_standing(c: _Change) -> _Events:
    ctx = c.new.context
    if c.kind != "auction" or ctx.participation is None:
        return []
    old = c.old.context.participation
    status = ctx.participation.status
    if status == (old.status if old else None) or status not in _BID_STANDING:
        return []
    return [(_BID_STANDING[status], {**c.base, "amount": ctx.current_bid, "highestBid": ctx.highest_bid})]


def _errors(c: _Change) -> _Events:
    old_ids = {event.id for event in c.old.events}
    return [
        ("journey:error", {**c.base, "code": (e.detail or {}).get("code"), "message": e.message})
        for e in c.new.events
        if e.kind.value == "error" and e.id not in old_ids
    ]


#: Rules read on every change, after the stage's rule, in this order.
_ALWAYS: tuple[Callable[[_Change], _Events], ...] = (_position_changed, _bid_placed, _bid_standing, _errors)


def bus_events(old: JourneySnapshot, new: JourneySnapshot) -> list[tuple[str, dict[str, Any]]]:
    """The bus events one snapshot change means: the rule of the stage reached (if the
    sequence stage changed), then the rules read on every change.

    Usage: ``for name, payload in bus_events(prev, snap): bus.emit(name, payload)``
    """
    kind = _kind(new) or _kind(old)
    distribution = new.context.distribution or old.context.distribution
    base: dict[str, Any] = {"experienceId": new.context.experience_id}
    if kind in _ID_KEY and distribution is not None:
        base[_ID_KEY[kind]] = distribution.id
    change = _Change(old, new, kind, base)
    found: _Events = []
    if change.after is not change.before and change.after in _ON_STAGE:
        found.extend(_ON_STAGE[change.after](change))
    for rule in _ALWAYS:
        found.extend(rule(change))
    return found
