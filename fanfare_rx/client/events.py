"""The SDK event bus (``fanfare.on(name, handler) -> off``) and the table that turns two
successive journey snapshots into the docs' event names (``queue:entered``, ``draw:won`` ...).

Payloads never carry a secret in full: tokens and grants appear redacted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple

from fanfare_rx.errors import UsageError
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import MechanismEvents
from fanfare_rx.models._redact import redact
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import JourneySnapshot, SequenceStage
from fanfare_rx.wire import listeners

__all__ = ["CONNECTION_EVENTS", "CONNECTION_LOST", "CONNECTION_RESTORED", "EVENT_NAMES",
           "MECHANISM_EVENTS", "SESSION_EVENTS", "EventBus", "EventHandler", "MechanismEvents",
           "Off", "bus_events", "connection_events"]

log = logging.getLogger("fanfare_rx.client.events")

EventHandler = Callable[[Mapping[str, Any]], Any]
Off = Callable[[], None]


class _RegisteredEvents(Mapping[str, MechanismEvents]):
    """Each registered mechanism's event names, read from its declaration (``events`` of its
    :class:`~fanfare_rx.mechanisms.base.MechanismSpec`; named after its kind when it declares
    none), so a plug-in registered later is known to the bus at once."""

    def __getitem__(self, kind: str) -> MechanismEvents:
        spec = registry.spec_for(kind)
        if spec is None:
            raise KeyError(kind)
        return spec.events or MechanismEvents.named_after(str(spec.kind))

    def __iter__(self) -> Iterator[str]:
        return iter([str(spec.kind) for spec in registry.registered()])

    def __len__(self) -> int:
        return len(registry.registered())


#: One declaration per mechanism, in its module: every bus name of a participation derives
#: from it.
#:
#: Usage: ``MECHANISM_EVENTS["draw"].granted`` -> ``"draw:won"``
MECHANISM_EVENTS: Mapping[str, MechanismEvents] = _RegisteredEvents()

#: Names outside a mechanism: the session's, the storage's, the waitlist attachment's and the
#: journey's own error.
SESSION_EVENTS: frozenset[str] = frozenset({
    "auth:authenticated", "auth:refreshed", "auth:logout", "auth:error", "auth:session_lost",
    "auth:guest_left", "storage:fallback",
})
_OTHER_EVENTS = frozenset({"waitlist:entered", "waitlist:left", "waitlist:error", "journey:error"})

#: The connection's names: the transport got no answer or a 502/503/504 after answers
#: (``{status, since}``), and answers again (``{since, downSince, downMs}``); times in epoch ms
#: on the server's clock.
CONNECTION_LOST = "connection:lost"
CONNECTION_RESTORED = "connection:restored"
CONNECTION_EVENTS: frozenset[str] = frozenset({CONNECTION_LOST, CONNECTION_RESTORED})


class _EventNames(AbstractSet[str]):
    """Every name the bus knows, the registered mechanisms' included: built again only when
    the registry changed (the bus checks a name on every emit)."""

    def __init__(self) -> None:
        self._built: tuple[tuple[int, ...], frozenset[str]] | None = None

    def _names(self) -> frozenset[str]:
        specs = tuple(map(id, registry.registered()))  # a spec registered again is new
        if self._built is None or self._built[0] != specs:
            names = frozenset().union(SESSION_EVENTS, _OTHER_EVENTS, CONNECTION_EVENTS,
                                      *(events.names() for events in MECHANISM_EVENTS.values()))
            self._built = (specs, names)
        return self._built[1]

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


#: Every name the bus knows (documented ones and the library's own), plus ``*`` to receive
#: them all (the handler then gets ``{"name": ..., **payload}``).
EVENT_NAMES: AbstractSet[str] = _EventNames()

#: Stages from which reaching ``participating`` means the consumer just entered (a resume or a
#: reroute straight into participation is not an entry).
_ENTERED_FROM = frozenset(
    {SequenceStage.ACTIVE_ENTERABLE, SequenceStage.ADMISSION_EXPIRED, SequenceStage.UPCOMING,
     SequenceStage.WAITLIST_ENTERED}
)



class EventBus:
    """Named events with handlers; a handler that raises is logged, never propagated.

    Usage::

        off = bus.on("queue:position-changed", lambda e: print(e["position"]))
        off()
    """

    __slots__ = ("_handlers",)

    def __init__(self) -> None:
        # Made on the first ``on``, each name's handlers held as one callable or a tuple
        # (:mod:`~fanfare_rx.wire.listeners`): thousands of buses in one process keep no
        # dict of empty lists each.
        self._handlers: dict[str, listeners.Held[EventHandler]] | None = None

    def on(self, name: str, handler: EventHandler) -> Off:
        """Register ``handler`` for ``name`` (or ``"*"``); returns the ``off`` callable."""
        if name != "*" and name not in EVENT_NAMES:
            raise UsageError(f"unknown event name {name!r}; known: {', '.join(sorted(EVENT_NAMES))}",
                             details={"known": sorted(EVENT_NAMES)})
        if self._handlers is None:
            self._handlers = {}
        self._handlers[name] = listeners.added(self._handlers.get(name), handler)

        def off() -> None:
            handlers = self._handlers
            if handlers is None or handlers.get(name) is None:
                return
            left = listeners.removed(handlers[name], handler)
            if left is None:
                del handlers[name]
            else:
                handlers[name] = left

        return off

    def emit(self, name: str, payload: Mapping[str, Any]) -> None:
        """Call every handler of ``name`` and of ``"*"``.

        Usage: ``bus.emit("queue:entered", {"experienceId": "exp-1", "queueId": "q1"})``
        """
        if name not in EVENT_NAMES:  # a library bug: still delivered to "*", never raised
            log.error("event %r is not in EVENT_NAMES", name)
        handlers = self._handlers
        if handlers is None:
            return
        for handler in listeners.each(handlers.get(name)):
            self._call(handler, payload)
        for handler in listeners.each(handlers.get("*")):
            self._call(handler, {"name": name, **payload})

    #: The bus is a session event handler itself (``SessionManager(on_event=bus)``): the
    #: session manager holds the bus, not a bound ``emit`` of it.
    __call__ = emit

    def listens_beyond(self, names: AbstractSet[str]) -> bool:
        """Whether a handler waits for an event not in ``names`` (``"*"`` counts): a fold
        nobody listens to needs no bus events worked out.

        Usage: ``if bus.listens_beyond(SESSION_EVENTS): ...``
        """
        return self._handlers is not None and any(
            name == "*" or name not in names for name in self._handlers)

    @staticmethod
    def _call(handler: EventHandler, payload: Mapping[str, Any]) -> None:
        try:
            handler(payload)
        except Exception:
            log.exception("event handler raised")

    def clear(self) -> None:
        """Remove every handler."""
        self._handlers = None


def connection_events(old: Connection, new: Connection) -> list[tuple[str, dict[str, Any]]]:
    """The bus events of one connection change (a change of offset alone tells nothing).

    Usage: ``connection_events(Connection(), Connection(status="offline", since=5))`` ->
    ``[("connection:lost", {"status": "offline", "since": 5})]``
    """
    if old.online and not new.online:
        return [(CONNECTION_LOST, {"status": new.status.value, "since": new.since})]
    if not old.online and new.online:
        down = old.since
        return [(CONNECTION_RESTORED, {
            "since": new.since, "downSince": down,
            "downMs": None if down is None or new.since is None else new.since - down})]
    if not old.online and new.status is not old.status:
        return [(CONNECTION_LOST, {"status": new.status.value, "since": new.since})]
    return []


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

def _declared(c: _Change) -> MechanismEvents | None:
    return MECHANISM_EVENTS.get(c.kind) if c.kind else None


def _entered(c: _Change) -> _Events:
    events = _declared(c)
    if c.before not in _ENTERED_FROM or events is None:
        return []
    payload = dict(c.base)
    if events.position_changed is not None:  # a mechanism with a place in line tells it
        payload["position"] = c.new.context.position
    return [(events.entered, payload)]


def _admitted(c: _Change) -> _Events:
    """The grant, under the mechanism's grant name; an entry answered at once by a grant (a
    timed release) is announced as the entry first, once."""
    events = _declared(c)
    if events is None or events.granted is None:
        return []
    ctx = c.new.context
    granted = (events.granted, {**c.base, "token": redact(ctx.admittance_token),
                                "expiresAt": ctx.admittance_expires_at})
    return [*_entered(c), granted]


def _expired(c: _Change) -> _Events:
    events = _declared(c)
    return [(events.expired, c.base)] if events is not None and events.expired else []


def _left(c: _Change) -> _Events:
    events = _declared(c)
    if events is None or events.left is None or c.before is not S.PARTICIPATING:
        return []
    return [(events.left, c.base)]


def _ended(c: _Change) -> _Events:
    events, outcome = _declared(c), c.new.context.outcome
    if events is None:
        return []
    name = events.ended.get(outcome or "")
    if name is None and c.before in (S.PARTICIPATING, S.ACTIVE_ENTERABLE):
        name = events.ended.get("*")
    if name is None:
        return []
    payload = {**c.base}
    if name.endswith(":denied"):
        payload["reason"] = outcome
    if name.endswith(":lost"):
        payload["highestBid"] = c.new.context.highest_bid
    return [(name, payload)]


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
    ctx, old, events = c.new.context, c.old.context, _declared(c)
    moved = (ctx.position, ctx.estimated_wait_seconds) != (old.position, old.estimated_wait_seconds)
    if (events is None or events.position_changed is None or c.after is not c.before
            or c.after is not S.PARTICIPATING or not moved):
        return []
    return [(events.position_changed,
             {**c.base, "position": ctx.position, "estimatedWait": ctx.estimated_wait_seconds})]


def _bid_placed(c: _Change) -> _Events:
    ctx, events = c.new.context, _declared(c)
    if (events is None or events.bid_placed is None or not ctx.current_bid
            or ctx.current_bid == c.old.context.current_bid):
        return []
    status = ctx.participation.status if ctx.participation else None
    return [(events.bid_placed, {**c.base, "amount": ctx.current_bid, "status": status})]


def _bid_standing(c: _Change) -> _Events:
    ctx, events = c.new.context, _declared(c)
    if events is None or ctx.participation is None:
        return []
    old = c.old.context.participation
    status = ctx.participation.status
    name = events.bid_standing.get(status or "")
    if name is None or status == (old.status if old else None):
        return []
    return [(name, {**c.base, "amount": ctx.current_bid, "highestBid": ctx.highest_bid})]


def _bid_updated(c: _Change) -> _Events:
    ctx, events = c.new.context, _declared(c)
    if (events is None or events.bid_updated is None or not ctx.highest_bid
            or ctx.highest_bid == c.old.context.highest_bid):
        return []
    return [(events.bid_updated, {**c.base, "highestBid": ctx.highest_bid})]


def _status_updated(c: _Change) -> _Events:
    events, new, old = _declared(c), c.new.context.participation, c.old.context.participation
    if (events is None or events.status_updated is None or new is None or old is None
            or c.after is not c.before or new.status == old.status):
        return []
    return [(events.status_updated, {**c.base, "status": new.status})]


def _errors(c: _Change) -> _Events:
    old_ids = {event.id for event in c.old.events}
    events = _declared(c) if c.new.context.distribution is not None else None
    found: _Events = []
    for e in c.new.events:
        if e.kind.value != "error" or e.id in old_ids:
            continue
        payload = {**c.base, "code": (e.detail or {}).get("code"), "message": e.message}
        if events is not None:
            found.append((events.error, {**payload, "error": payload["code"]}))
        found.append(("journey:error", payload))
    return found


#: Rules read on every change, after the stage's rule, in this order.
_ALWAYS: tuple[Callable[[_Change], _Events], ...] = (
    _position_changed, _bid_placed, _bid_standing, _bid_updated, _status_updated, _errors)


def _camel(kind: str) -> str:
    head, *rest = kind.split("_")
    return head + "".join(part.title() for part in rest)


def bus_events(old: JourneySnapshot, new: JourneySnapshot) -> list[tuple[str, dict[str, Any]]]:
    """The bus events one snapshot change means: the rule of the stage reached (if the
    sequence stage changed), then the rules read on every change.

    Usage: ``for name, payload in bus_events(prev, snap): bus.emit(name, payload)``
    """
    kind = _kind(new) or _kind(old)
    distribution = new.context.distribution or old.context.distribution
    base: dict[str, Any] = {"experienceId": new.context.experience_id}
    declared = MECHANISM_EVENTS.get(kind) if kind else None
    if declared is not None and distribution is not None:
        base[declared.id_key or f"{_camel(kind or '')}Id"] = distribution.id
    change = _Change(old, new, kind, base)
    found: _Events = []
    if change.after is not change.before and change.after in _ON_STAGE:
        found.extend(_ON_STAGE[change.after](change))
    for rule in _ALWAYS:
        found.extend(rule(change))
    return found
