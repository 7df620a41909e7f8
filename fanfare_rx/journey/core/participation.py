"""Participation: consumer states from the status endpoints, waitlist changes, failed
actions, admission marks and expiry ticks.

Pure: imports only models, tables, locate, the auction rules and the journal.
"""

from __future__ import annotations

from fanfare_rx.journey.core import tables
from fanfare_rx.journey.core.auction import BID_TOO_LOW, bid_too_low_message
from fanfare_rx.journey.core.journal import Draft, NewEvent, user
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    AdmissionMarked,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.journey.core.shared import shared
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import Standing
from fanfare_rx.models import wire
from fanfare_rx.models._display import amount
from fanfare_rx.models.journey import (
    DistributionStatus,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Participation,
    ParticipationType,
    Requirement,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "AUTH_CODES",
    "CLOSED_CODES",
    "REROUTE_CODES",
    "money",
    "on_failure",
    "on_marked",
    "on_status",
    "on_tick",
    "on_waitlist",
    "participation_type",
    "unsupported_event",
]

JS = JourneyStage
SS = SequenceStage
DS = DistributionStatus


def money(value: object, currency: str | None = None) -> str | None:
    """A money amount as decimal text with the currency's decimals (None stays None).

    Usage: ``money(Decimal("100"), "USD")`` -> ``'100.00'``
    """
    return None if value is None else amount(value, currency)


# Keyed by value: a DistributionType (a StrEnum) finds its participation type directly.
_PARTICIPATION_TYPES: dict[object, ParticipationType] = {t.value: t for t in ParticipationType}


def participation_type(kind: object) -> ParticipationType | None:
    """The participation type of a distribution type (None for one the journey cannot follow);
    a registered mechanism plug-in's kind has one too."""
    value = kind if isinstance(kind, str) else str(kind)
    found = _PARTICIPATION_TYPES.get(value)
    if found is None and registry.spec_for(value) is not None:
        found = ParticipationType._value2member_map_.get(value)  # type: ignore[assignment]
    return found


def unsupported_event(kind: object) -> NewEvent:
    """The event for a mechanism the journey cannot follow (never an internal error)."""
    return user(EventKind.ERROR, EventSeverity.WARNING,
                f"{kind} distributions are not supported by this journey",
                code="UNSUPPORTED_MECHANISM", mechanism=str(kind))


_GRANT_STAGES = frozenset({SS.ADMITTED, SS.ADMISSION_EXPIRED})
#: The standing of an answer no registered mechanism knows (it is reported, never folded).
_NO_STANDING = Standing(status="")


def on_status(snap: JourneySnapshot, msg: StatusReceived) -> Draft:
    """A consumer state for the current distribution (enter, leave, status poll, bid).

    The hot path of polling: the new context is built once, the snapshot by ``finish``.
    """
    ctx = snap.context
    distribution = ctx.distribution
    if distribution is None or distribution.id != msg.distribution_id:
        return snap, []  # stale: an answer for a distribution the journey left
    ptype = _PARTICIPATION_TYPES.get(distribution.type) or participation_type(distribution.type)
    if ptype is None:
        return snap, [unsupported_event(distribution.type)]
    state = msg.state
    state_type: type = type(state)
    spec = registry.spec_of_state(state_type)
    # What the core reads of any mechanism's answer: its Standing (no probing of bodies).
    standing = spec.standing(state) if spec is not None else _NO_STANDING
    status_text = standing.status
    grant = standing.grant
    # The one mapping shared with resume (tables.sequence_stage_for), cached per state type.
    outcome = tables.state_outcome(state_type, status_text, distribution.status,
                                   standing.reason, bool(grant),
                                   ctx.waitlist_entered_at is not None)
    events: list[NewEvent] = []
    if outcome.unknown:  # never a crash, never a dropped entry: an event, the stage stays
        return snap, [user(EventKind.INFO, EventSeverity.INFO, f"Unknown status {status_text!r}",
                           code="UNKNOWN_STATUS", status=status_text)]
    stage = outcome.stage
    if outcome.participating and distribution.status is DS.UPCOMING:
        distribution = shared(evolve(distribution, status=DS.OPEN))  # the server says so
    participation: Participation | None = None
    if outcome.participating or stage is SS.ADMISSION_EXPIRED:
        participation = ctx.participation
        slot_id, location_id = standing.slot_id, standing.location_id  # appointments
        if participation is None or not (participation.id == distribution.id
                                         and participation.type is ptype
                                         and participation.status == status_text
                                         and participation.slot_id == slot_id
                                         and participation.location_id == location_id):
            participation = shared(Participation(id=distribution.id, type=ptype,
                                                 status=status_text, slot_id=slot_id,
                                                 location_id=location_id))
    elif stage is SS.WAITLIST_ENTERED:
        participation = ctx.participation  # still on the waitlist: that entry stays
    expires = standing.expires_at
    token = grant if outcome.stage is SS.ADMITTED else None
    ended_as = outcome.outcome
    claimed = ctx.checkout_started  # after claim() the server reservation owns the deadline
    if stage is SS.ADMITTED and expires is not None and expires <= msg.at and not claimed:
        stage, token, ended_as = SS.ADMISSION_EXPIRED, None, "expired"  # as a Tick would
    if stage is SS.ENDED and ended_as is None and distribution.status is DS.CLOSED:
        ended_as = "closed"
    participating = stage is SS.PARTICIPATING
    last_bid, highest = standing.last_bid, standing.highest_bid
    currency = ctx.auction.currency if ctx.auction is not None else None
    new_ctx = evolve(
        ctx,
        distribution=distribution,
        participation=participation,
        position=standing.position if participating else None,
        estimated_wait_seconds=standing.estimated_wait_seconds if participating else None,
        current_bid=None if last_bid is None else money(last_bid, currency),
        highest_bid=None if highest is None else money(highest, currency),
        admittance_token=token if stage is SS.ADMITTED else None,
        admittance_expires_at=expires if stage in _GRANT_STAGES else None,
        outcome=ended_as,
        waitlist_entered_at=ctx.waitlist_entered_at if stage is SS.WAITLIST_ENTERED else None,
        position_display_mode=standing.position_display_mode if participating else None,
    )
    if stage is snap.sequence_stage and new_ctx == ctx:
        return snap, events  # the same answer again: nothing changes
    return evolve(snap, sequence_stage=stage, context=new_ctx), events


def on_waitlist(snap: JourneySnapshot, msg: WaitlistChanged) -> Draft:
    """The consumer joined or left the sequence's waitlist."""
    ctx = snap.context
    if ctx.distribution is None or ctx.distribution.waitlist_id != msg.waitlist_id:
        return snap, []
    if msg.entered and snap.sequence_stage is SS.UPCOMING:
        ctx = evolve(
            ctx, waitlist_entered_at=msg.entered_at if msg.entered_at is not None else msg.at,
            participation=Participation(id=msg.waitlist_id, type=ParticipationType.WAITLIST),
        )
        return evolve(snap, sequence_stage=SS.WAITLIST_ENTERED, context=ctx), []
    if not msg.entered and snap.sequence_stage is SS.WAITLIST_ENTERED:
        ctx = evolve(ctx, waitlist_entered_at=None, participation=None)
        return evolve(snap, sequence_stage=SS.UPCOMING, context=ctx), []
    return snap, []


#: Error codes saying the distribution no longer takes entries.
CLOSED_CODES = frozenset({
    "QUEUE_CLOSED", "DRAW_CLOSED", "AUCTION_CLOSED", "AUCTION_ENDED", "TIMED_RELEASE_CLOSED",
    "TIMED_RELEASE_ENDED", "DISTRIBUTION_CLOSED", "WAITLIST_CLOSED",
})
#: Error codes saying the consumer must sign in first (whatever the HTTP status).
AUTH_CODES = frozenset({"AUTHENTICATION_REQUIRED", "AUTH_REQUIRED"})
#: Error codes saying this sequence is not for the consumer: route elsewhere.
REROUTE_CODES = frozenset({"DISTRIBUTION_ORDER_LIMIT"})
#: Sequence stages in which an entry may be attempted (so the server's refusal ends them).
_ENTRY_STAGES = frozenset({SS.ACTIVE_ENTERABLE, SS.ADMISSION_EXPIRED, SS.UPCOMING})


def _not_open(msg: ActionFailed) -> bool:
    return msg.status == 423 or msg.code == "NOT_OPEN_YET" or msg.code.endswith("_NOT_OPEN")


def _ended(snap: JourneySnapshot, ctx: JourneyContext, outcome: str, status: DS | None) -> JourneySnapshot:
    distribution = ctx.distribution
    if distribution is not None and status is not None:
        distribution = shared(evolve(distribution, status=status))
    ctx = evolve(ctx, distribution=distribution, outcome=outcome, participation=None,
                 admittance_token=None, waitlist_entered_at=None)
    return evolve(snap, sequence_stage=SS.ENDED, context=ctx)


def _needs_auth(snap: JourneySnapshot, ctx: JourneyContext, msg: ActionFailed) -> Draft:
    requirement = Requirement(type=RequirementType.AUTHENTICATION, required=True,
                              reason=wire.ReasonCode.AUTH_REQUIRED.value,
                              metadata={"status": "required", "code": msg.code})
    requirements = (requirement, *(r for r in snap.requirements if r.type is not requirement.type))
    event = user(EventKind.REQUIREMENT, EventSeverity.INFO,
                 tables.REQUIREMENT_MESSAGES[RequirementType.AUTHENTICATION],
                 requirement=requirement.type.value, required=True, reason=requirement.reason)
    draft = evolve(snap, journey_stage=JS.NEEDS_AUTH, requirements=requirements, context=ctx)
    return draft, [event]


def on_failure(snap: JourneySnapshot, msg: ActionFailed) -> Draft:
    """An action or a poll failed: an error event, and what the server's answer implies:

    ========================================  =================================================
    the answer                                the journey
    ========================================  =================================================
    ``AUTHENTICATION_REQUIRED`` (any status)  ``needs_auth`` with an ``authentication`` requirement
    423 / not open yet, while enterable       ``upcoming``
    ``*DS.CLOSED``, while entry is possible     ``ended`` (outcome ``closed``)
    ``action: reroute`` (order limit)         ``ended`` (outcome ``denied``); the effect reroutes
    a failed route while routed               back to ``routed``, the participation untouched
    anything else                             the stage stays
    ========================================  =================================================
    """
    action = msg.action.value if isinstance(msg.action, JourneyAction | SequenceAction) else msg.action
    ctx = evolve(snap.context, last_error=msg.code)
    message, extra = msg.message, {"hint": msg.hint} if msg.hint else {}
    if msg.code == BID_TOO_LOW:
        message = bid_too_low_message(ctx, msg.min_bid, msg.current_highest)
        minimum = msg.min_bid or (ctx.auction.minimum_next_bid if ctx.auction else None)
        if minimum is not None:
            extra["minimum_bid"] = amount(minimum, ctx.auction.currency if ctx.auction else None)
    event = user(
        EventKind.ERROR, EventSeverity.ERROR, message,
        code=msg.code, action=action, status=msg.status, retryable=msg.retryable, **extra,
    )
    stage = snap.sequence_stage
    if snap.journey_stage is JS.ROUTING and ctx.distribution is not None:
        # A reroute or an access code failed in flight: the journey stays where it stood.
        snap = evolve(snap, journey_stage=JS.ROUTED)
    if msg.code in AUTH_CODES and snap.journey_stage is not JS.NOT_STARTED:
        signed_out, events = _needs_auth(snap, ctx, msg)
        return signed_out, [event, *events]
    draft: JourneySnapshot
    if snap.journey_stage is not JS.ROUTED or ctx.distribution is None or stage not in _ENTRY_STAGES:
        draft = evolve(snap, context=ctx)
    elif msg.code in REROUTE_CODES or msg.hint == "reroute":
        draft = _ended(snap, ctx, "denied", None)  # the projection's word for a refusal
    elif msg.code in CLOSED_CODES:
        draft = _ended(snap, ctx, "closed", DS.CLOSED)
    elif _not_open(msg) and stage is SS.ACTIVE_ENTERABLE:
        # The server says the distribution is not open after all.
        ctx = evolve(ctx, distribution=evolve(ctx.distribution, status=DS.UPCOMING))
        draft = evolve(snap, sequence_stage=SS.UPCOMING, context=ctx)
    else:
        draft = evolve(snap, context=ctx)
    return draft, [event]


def on_tick(snap: JourneySnapshot, msg: Tick) -> Draft:
    """A timer fired: an admission whose deadline passed expires."""
    ctx = snap.context
    deadline = ctx.admittance_expires_at
    claimed = ctx.checkout_started  # after claim() the server reservation owns the deadline
    if snap.sequence_stage is SS.ADMITTED and deadline is not None and msg.at >= deadline and not claimed:
        ctx = evolve(ctx, admittance_token=None, outcome="expired")
        return evolve(snap, sequence_stage=SS.ADMISSION_EXPIRED, context=ctx), []
    return snap, []


def on_marked(snap: JourneySnapshot, msg: AdmissionMarked) -> Draft:
    """``mark_admitted(token, expires_at_ms)``."""
    expired = msg.expires_at is not None and msg.expires_at <= msg.at
    ctx = evolve(
        snap.context,
        admittance_token=None if expired else msg.token,
        admittance_expires_at=msg.expires_at,
    )
    stage = SS.ADMISSION_EXPIRED if expired else SS.ADMITTED
    return evolve(snap, sequence_stage=stage, context=ctx), []
