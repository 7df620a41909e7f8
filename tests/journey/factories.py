"""Builders for the journey reducer's inputs: experiences, route results, consumer states,
``/consumers/me`` projections, messages, and snapshots folded to a given stage.

Times are epoch milliseconds counted from :data:`T0`; ``dt(ms)`` turns one into the aware
datetime the wire models carry. Usage::

    from factories import experience, routed, consumer_state, snapshot_at

    snap = snapshot_at("queue", availability="open")          # routed, active_enterable
    snap = fold(snap, status(consumer_state("queue", "QUEUED"), at=T0 + 2_000))
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ActionRequested,
    AdmissionMarked,
    AllEventsAcked,
    ConsumerState,
    EventAcked,
    ExperienceLoaded,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    RouteResolved,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction
from fanfare_rx.testing import builders
from fanfare_rx.testing.builders import access_code_gate, auth_gate

__all__ = [
    "DISTRIBUTION_TYPES",
    "EXPERIENCE_ID",
    "SEQUENCE_ID",
    "STATUSES",
    "T0",
    "access_code_gate",
    "act",
    "auth_gate",
    "bot_check_gate",
    "consumer_state",
    "dist_id",
    "dt",
    "experience",
    "failed",
    "fold",
    "gated",
    "granted_state",
    "me_projection",
    "no_access",
    "offer",
    "route",
    "routed",
    "sequence",
    "sequence_ref",
    "snapshot_at",
    "started",
    "status",
    "waitlist_id",
]

EXPERIENCE_ID = "exp-1"
SEQUENCE_ID = "seq-1"
#: The epoch ms every builder's default times count from.
T0 = 1_700_000_000_000
HOUR = 3_600_000

DT = wire.DistributionType
#: The distribution types a journey can enter (appointments have no consumer state here).
DISTRIBUTION_TYPES: tuple[str, ...] = ("queue", "draw", "auction", "timed_release")

#: Every consumer status per distribution type.
STATUSES: dict[str, tuple[str, ...]] = {
    "queue": tuple(s.value for s in wire.QueueStatus),
    "draw": tuple(s.value for s in wire.DrawStatus),
    "auction": tuple(s.value for s in wire.AuctionStatus),
    "timed_release": tuple(s.value for s in wire.TimedReleaseStatus),
}


def dt(ms: int) -> datetime:
    """The aware UTC datetime of an epoch-ms time. Usage: ``dt(T0 + 60_000)``"""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def dist_id(kind: str, sequence_id: str = SEQUENCE_ID) -> str:
    """The id :func:`sequence` gives its distribution. Usage: ``dist_id("queue")``"""
    return f"{kind}-{sequence_id}"


def waitlist_id(sequence_id: str = SEQUENCE_ID) -> str:
    """The id :func:`sequence` gives its waitlist. Usage: ``waitlist_id()``"""
    return f"wl-{sequence_id}"


# --------------------------------------------------------------------------------------------
# Experiences


def sequence(
    kind: str = "queue",
    sequence_id: str = SEQUENCE_ID,
    *,
    priority: float = 1,
    opens_at: int | None = T0 - HOUR,
    closes_at: int | None = T0 + 10 * HOUR,
    waitlist: bool = False,
    admission_expiration_seconds: int | None = 300,
    distribution: str | None = None,
) -> wire.Sequence:
    """A sequence holding one distribution of ``kind`` (open around :data:`T0` by default).

    Usage: ``sequence("draw", "vip", priority=10, waitlist=True)``
    """
    ident = distribution or dist_id(kind, sequence_id)
    open_at = None if opens_at is None else dt(opens_at)
    close_at = None if closes_at is None else dt(closes_at)
    items: dict[str, Any] = {}
    if kind == "queue":
        items["queues"] = (
            wire.Queue(id=ident, time_zone="UTC", admit_rate=60.0, supports_guest=True,
                       open_at=open_at, close_at=close_at,
                       admission_expiration_seconds=admission_expiration_seconds),
        )
    elif kind == "draw":
        items["draws"] = (
            wire.Draw(id=ident, time_zone="UTC", draw_at=dt(T0 + 11 * HOUR), supports_guest=True,
                      open_at=open_at, close_at=close_at,
                      admission_expiration_seconds=admission_expiration_seconds),
        )
    elif kind == "auction":
        items["auctions"] = (
            wire.Auction(id=ident, time_zone="UTC", settle_at=dt(T0 + 11 * HOUR),
                         currency_code="USD", open_at=open_at, close_at=close_at,
                         admission_expiration_seconds=admission_expiration_seconds),
        )
    elif kind == "timed_release":
        items["timed_releases"] = (
            wire.TimedRelease(id=ident, time_zone="UTC", supports_guest=True, open_at=open_at,
                              close_at=close_at,
                              admission_expiration_seconds=admission_expiration_seconds),
        )
    else:
        raise ValueError(f"no distribution builder for {kind!r}")
    return wire.Sequence(
        id=sequence_id, name=f"Sequence {sequence_id}", priority=priority,
        experience_id=EXPERIENCE_ID,
        waitlist=wire.WaitlistRef(id=waitlist_id(sequence_id)) if waitlist else None,
        **items,
    )


def experience(*sequences: wire.Sequence, name: str = "Drop") -> wire.Experience:
    """An experience; with no argument, one open queue sequence.

    Usage: ``experience(sequence("draw"), sequence("queue", "vip", priority=10))``
    """
    return wire.Experience(
        id=EXPERIENCE_ID, name=name, time_zone="UTC", currency_code="USD",
        sequences=sequences or (sequence(),),
    )


def members_only(kind: str) -> wire.Experience:
    """An experience whose one sequence's distributions of ``kind`` take no guests.

    Usage: ``RouteResolved(at=T0, result=routed(), experience=members_only("queue"), guest=True)``
    """
    seq = sequence(kind)
    items = {"queue": "queues", "draw": "draws", "auction": "auctions",
             "timed_release": "timed_releases"}[kind]
    only: Any = tuple(attrs.evolve(item, supports_guest=False) for item in getattr(seq, items))
    return experience(attrs.evolve(seq, **{items: only}))


# --------------------------------------------------------------------------------------------
# Route results


def sequence_ref(
    sequence_id: str = SEQUENCE_ID, *, priority: float = 1, availability: str | None = "open"
) -> wire.SequenceRef:
    """A route result's sequence reference. Usage: ``sequence_ref("vip", priority=10)``"""
    return builders.sequence_ref(
        sequence_id, priority=priority, availability=availability, name=f"Sequence {sequence_id}"
    )


def bot_check_gate(challenge_id: str = "ch-1") -> wire.BotCheckGate:
    """A ``bot_check`` gate with a challenge. Usage: ``gated(bot_check_gate())``"""
    return wire.BotCheckGate(
        status="required", reason=wire.Reason(wire.ReasonCode.BOT_REQUIRED),
        challenge=wire.BotChallenge(id=challenge_id, provider="turnstile", type="managed",
                                    iframe_url=f"https://bot.example/{challenge_id}",
                                    expires_at=dt(T0 + HOUR)),
    )


def offer(sequence_id: str, *gates: wire.Gate, priority: float = 10) -> wire.OfferGated:
    """A gated offer next to the routed sequence. Usage: ``offer("vip", access_code_gate())``"""
    return wire.OfferGated(sequence=sequence_ref(sequence_id, priority=priority, availability=None),
                           gates=gates)


def routed(
    sequence_id: str = SEQUENCE_ID,
    *,
    availability: str | None = "open",
    priority: float = 1,
    offers: Iterable[wire.OfferGated] = (),
) -> wire.RouteRouted:
    """A ``routed`` result selecting ``sequence_id``. Usage: ``routed(availability="upcoming")``"""
    return wire.RouteRouted(
        experience_id=EXPERIENCE_ID,
        selected=wire.Selected(status="routed",
                               sequence=sequence_ref(sequence_id, priority=priority,
                                                     availability=availability)),
        offers=tuple(offers),
    )


def gated(*gates: wire.Gate, sequence_id: str = SEQUENCE_ID) -> wire.RouteGated:
    """A ``gated`` result. Usage: ``gated(auth_gate(), access_code_gate())``"""
    return wire.RouteGated(
        experience_id=EXPERIENCE_ID,
        selected=wire.Selected(status="gated", sequence=sequence_ref(sequence_id, availability=None),
                               gates=gates),
    )


def no_access() -> wire.RouteNoAccess:
    """A ``no_access`` result. Usage: ``route(no_access())``"""
    return builders.no_access(EXPERIENCE_ID)


# --------------------------------------------------------------------------------------------
# Consumer states


def consumer_state(
    kind: str,
    status_name: str,
    *,
    grant: str | None = "grant-1",
    expires_at: int | None = None,
    reason: str = "BLOCKED",
    position: int = 3,
    bid: str | None = None,
) -> ConsumerState:
    """Any consumer state of any distribution type, by its wire status.

    ``grant`` only goes into states that carry one (``GRANTED``/``WON``); ``reason`` into
    ``DENIED``; ``expires_at`` (epoch ms) into granted states.

    Usage: ``consumer_state("draw", "DENIED", reason="NOT_SELECTED")``
    """
    expires = None if expires_at is None else dt(expires_at)
    if kind == "queue":
        queue: dict[str, ConsumerState] = {
            "NOT_QUEUED": wire.QueueNotQueued(),
            "QUEUED": wire.QueueQueued(position=position, estimated_wait_time_in_seconds=position * 10.0),
            "GRANTED": wire.QueueGranted(admission_grant=grant or "", expires_at=expires),
            "LEFT": wire.QueueLeft(),
            "DENIED": wire.QueueDenied(reason=reason),
            "COMPLETED": wire.QueueCompleted(),
        }
        return queue[status_name]
    if kind == "draw":
        draw: dict[str, ConsumerState] = {
            "NOT_ENTERED": wire.DrawNotEntered(),
            "ENTERED": wire.DrawEntered(),
            "WON": wire.DrawWon(admission_grant=grant or "", expires_at=expires),
            "COMPLETED": wire.DrawCompleted(),
            "DENIED": wire.DrawDenied(reason=reason),
        }
        return draw[status_name]
    if kind == "auction":
        return wire.AuctionConsumerState(
            status=wire.AuctionStatus(status_name),
            admission_grant=grant if status_name == "WON" else None,
            expires_at=expires if status_name == "WON" else None,
            last_bid_amount=None if bid is None else Decimal(bid),
        )
    if kind == "timed_release":
        return wire.TimedReleaseConsumerState(
            status=wire.TimedReleaseStatus(status_name),
            admission_grant=grant if status_name == "GRANTED" else None,
            expires_at=expires if status_name == "GRANTED" else None,
            reason=reason if status_name == "DENIED" else None,
        )
    raise ValueError(f"no consumer state builder for {kind!r}")


def granted_state(kind: str, *, grant: str = "grant-1", expires_at: int | None = None) -> ConsumerState:
    """The state holding an admission grant for ``kind`` (``GRANTED`` or ``WON``).

    Usage: ``granted_state("draw", expires_at=T0 + 60_000)``
    """
    name = "WON" if kind in ("draw", "auction") else "GRANTED"
    return consumer_state(kind, name, grant=grant, expires_at=expires_at)


# --------------------------------------------------------------------------------------------
# /consumers/me projections


def me_projection(
    phase: str,
    kind: str = "queue",
    *,
    grant: str | None = None,
    grant_expires_at: int | None = None,
    outcome: str | None = None,
    consumer_status: str = "queued",
    position: int | None = 4,
    lifecycle: str = "open",
) -> wire.RoutedJourneyProjection:
    """A routed ``/consumers/me`` journey in ``phase`` (fills what each phase requires).

    Usage: ``me_projection("granted", grant="tok", grant_expires_at=T0 + 60_000)``
    """
    ident = dist_id(kind)
    p = wire.SequencePhase(phase)
    distribution = None
    consumer = None
    if p is not wire.SequencePhase.UNAVAILABLE:
        distribution = wire.DistributionProjection(
            type=DT(kind), id=ident, sequence_id=SEQUENCE_ID,
            lifecycle=wire.DistributionLifecycle(lifecycle),
            opens_at=dt(T0 - HOUR), closes_at=dt(T0 + 10 * HOUR),
        )
    if p not in (wire.SequencePhase.UNAVAILABLE, wire.SequencePhase.SCHEDULED):
        consumer = wire.ConsumerProjection(status=consumer_status, position=position,
                                           distribution_id=ident, id=f"{kind}-entry-1")
    grant_projection = None
    if grant is not None:
        grant_projection = wire.GrantProjection(
            token=grant, distribution_type=DT(kind), distribution_id=ident, sequence_id=SEQUENCE_ID,
            experience_id=EXPERIENCE_ID,
            expires_at=None if grant_expires_at is None else dt(grant_expires_at),
        )
    outcome_projection = (
        None if outcome is None else wire.OutcomeProjection(type=wire.OutcomeType(outcome))
    )
    return wire.RoutedJourneyProjection(
        experience_id=EXPERIENCE_ID, sequence_id=SEQUENCE_ID,
        sequence=wire.SequenceProjection(
            phase=p, mechanism=None if p is wire.SequencePhase.UNAVAILABLE else DT(kind),
            distribution=distribution, consumer=consumer, grant=grant_projection,
            outcome=outcome_projection,
        ),
    )


# --------------------------------------------------------------------------------------------
# Messages and folding


def act(action: JourneyAction | SequenceAction | str, arg: str | None = None, *, at: int = T0,
        reset: bool = False) -> ActionRequested:
    """An ``ActionRequested``; ``action`` may be its string value. Usage: ``act("enter_queue")``"""
    if isinstance(action, str) and not isinstance(action, JourneyAction | SequenceAction):
        values = {a.value for a in JourneyAction}
        action = JourneyAction(action) if action in values else SequenceAction(action)
    return ActionRequested(at=at, action=action, arg=arg, reset=reset)


def route(result: wire.RouteResult, exp: wire.Experience | None = None, *, at: int = T0) -> RouteResolved:
    """A ``RouteResolved`` against ``exp`` (default :func:`experience`). Usage: ``route(routed())``"""
    return RouteResolved(at=at, result=result, experience=exp or experience())


def status(state: ConsumerState, distribution_id: str | None = None, *, kind: str = "queue",
           at: int = T0) -> StatusReceived:
    """A ``StatusReceived`` for the default distribution of ``kind``.

    Usage: ``status(consumer_state("queue", "QUEUED"), at=T0 + 1000)``
    """
    return StatusReceived(at=at, distribution_id=distribution_id or dist_id(kind), state=state)


def failed(code: str = "NETWORK_ERROR", action: JourneyAction | SequenceAction | str = "start", *,
           at: int = T0) -> ActionFailed:
    """An ``ActionFailed``. Usage: ``failed("NOT_OPEN_YET", SequenceAction.ENTER_QUEUE)``"""
    return ActionFailed(at=at, action=action, code=code, message=f"failed: {code}", retryable=True)


def fold(snapshot: JourneySnapshot, *messages: Message) -> JourneySnapshot:
    """Reduce ``messages`` in order. Usage: ``fold(initial_snapshot("exp-1"), act("start"))``"""
    for message in messages:
        snapshot = reduce(snapshot, message)
    return snapshot


def started(*, at: int = T0, access_code: str | None = None) -> JourneySnapshot:
    """A journey in ``entering`` (``start`` applied). Usage: ``started()``"""
    return reduce(initial_snapshot(EXPERIENCE_ID), act(JourneyAction.START, access_code, at=at))


def snapshot_at(
    kind: str = "queue",
    *,
    availability: str | None = "open",
    waitlist: bool = False,
    state: ConsumerState | str | None = None,
    at: int = T0,
    exp: wire.Experience | None = None,
) -> JourneySnapshot:
    """A journey routed to one sequence of ``kind``, optionally folded with one consumer state
    (a ``state`` string is a wire status of ``kind``).

    Usage: ``snapshot_at("draw", state="ENTERED")`` -> ``participating``
    """
    exp = exp or experience(sequence(kind, waitlist=waitlist))
    snap = fold(started(at=at), route(routed(availability=availability), exp, at=at + 1))
    if state is not None:
        if isinstance(state, str):
            state = consumer_state(kind, state)
        snap = reduce(snap, status(state, kind=kind, at=at + 2))
    return snap


# Re-exported message types, so tests import builders and messages from one place.
MESSAGE_TYPES = (
    ActionFailed, ActionRequested, AdmissionMarked, AllEventsAcked, EventAcked, ExperienceLoaded,
    ResumedFromMe, ResumedFromServer, RouteResolved, StatusReceived, Tick, WaitlistChanged,
)
