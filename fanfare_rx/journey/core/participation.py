"""Participation: consumer states from the status endpoints, waitlist changes, failed
actions, admission marks and expiry ticks.

Pure: imports only models, tables, locate and the journal.
"""

from __future__ import annotations

import attrs

from fanfare_rx.journey.core import locate, tables
from fanfare_rx.journey.core.journal import Draft, user
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    AdmissionMarked,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.models.journey import (
    DistributionStatus,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneySnapshot,
    Participation,
    ParticipationType,
    SequenceAction,
    SequenceStage,
)

__all__ = ["money", "on_failure", "on_marked", "on_status", "on_tick", "on_waitlist"]

SS = SequenceStage
DS = DistributionStatus


def money(value: object) -> str | None:
    """A money amount as its decimal text (None stays None)."""
    return None if value is None else format(value, "f") if hasattr(value, "as_tuple") else str(value)


def on_status(snap: JourneySnapshot, msg: StatusReceived) -> Draft:
    """A consumer state for the current distribution (enter, leave, status poll, bid)."""
    ctx = snap.context
    distribution = ctx.distribution
    if distribution is None or distribution.id != msg.distribution_id:
        return snap, []  # stale: an answer for a distribution the journey left
    state = msg.state
    outcome = tables.sequence_stage_for_status(
        state, distribution.status, on_waitlist=ctx.waitlist_entered_at is not None
    )
    stage = outcome.stage
    if outcome.participating and distribution.status is DS.UPCOMING:
        distribution = attrs.evolve(distribution, status=DS.OPEN)  # the server says it is open
    ptype = ParticipationType(distribution.type.value)
    status_text = str(getattr(state, "status", None) or type(state).STATUS)  # type: ignore[union-attr]
    participation: Participation | None = None
    if outcome.participating or stage is SS.ADMISSION_EXPIRED:
        participation = Participation(id=distribution.id, type=ptype, status=status_text)
    elif stage is SS.WAITLIST_ENTERED:
        participation = ctx.participation  # still on the waitlist: that entry stays
    expires = locate.ms(getattr(state, "expires_at", None))
    token, ended_as = outcome.grant, outcome.outcome
    claimed = ctx.checkout_started  # after claim() the server reservation owns the deadline
    if stage is SS.ADMITTED and expires is not None and expires <= msg.at and not claimed:
        stage, token, ended_as = SS.ADMISSION_EXPIRED, None, "expired"  # as a Tick would
    ctx = attrs.evolve(
        ctx,
        distribution=distribution,
        participation=participation,
        position=getattr(state, "position", None) if stage is SS.PARTICIPATING else None,
        estimated_wait_seconds=getattr(state, "estimated_wait_time_in_seconds", None)
        if stage is SS.PARTICIPATING
        else None,
        current_bid=money(getattr(state, "last_bid_amount", None)),
        highest_bid=money(getattr(state, "highest_bid", None) or getattr(state, "winning_bid_amount", None)),
        admittance_token=token if stage is SS.ADMITTED else None,
        admittance_expires_at=expires if stage in (SS.ADMITTED, SS.ADMISSION_EXPIRED) else None,
        outcome=ended_as,
        waitlist_entered_at=ctx.waitlist_entered_at if stage is SS.WAITLIST_ENTERED else None,
    )
    return attrs.evolve(snap, sequence_stage=stage, context=ctx), []


def on_waitlist(snap: JourneySnapshot, msg: WaitlistChanged) -> Draft:
    """The consumer joined or left the sequence's waitlist."""
    ctx = snap.context
    if ctx.distribution is None or ctx.distribution.waitlist_id != msg.waitlist_id:
        return snap, []
    if msg.entered and snap.sequence_stage is SS.UPCOMING:
        ctx = attrs.evolve(
            ctx, waitlist_entered_at=msg.entered_at if msg.entered_at is not None else msg.at,
            participation=Participation(id=msg.waitlist_id, type=ParticipationType.WAITLIST),
        )
        return attrs.evolve(snap, sequence_stage=SS.WAITLIST_ENTERED, context=ctx), []
    if not msg.entered and snap.sequence_stage is SS.WAITLIST_ENTERED:
        ctx = attrs.evolve(ctx, waitlist_entered_at=None, participation=None)
        return attrs.evolve(snap, sequence_stage=SS.UPCOMING, context=ctx), []
    return snap, []


def on_failure(snap: JourneySnapshot, msg: ActionFailed) -> Draft:
    """An action or a poll failed: an error event; the stage stays unless the server said why."""
    action = msg.action.value if isinstance(msg.action, JourneyAction | SequenceAction) else msg.action
    ctx = attrs.evolve(snap.context, last_error=msg.code)
    event = user(
        EventKind.ERROR, EventSeverity.ERROR, msg.message,
        code=msg.code, action=action, status=msg.status, retryable=msg.retryable,
    )
    stage = snap.sequence_stage
    not_open = msg.status == 423 or msg.code == "NOT_OPEN_YET" or msg.code.endswith("_NOT_OPEN")
    if not_open and ctx.distribution is not None and stage is SS.ACTIVE_ENTERABLE:
        # The server says the distribution is not open after all.
        ctx = attrs.evolve(ctx, distribution=attrs.evolve(ctx.distribution, status=DS.UPCOMING))
        stage = SS.UPCOMING
    return attrs.evolve(snap, sequence_stage=stage, context=ctx), [event]


def on_tick(snap: JourneySnapshot, msg: Tick) -> Draft:
    """A timer fired: an admission whose deadline passed expires."""
    ctx = snap.context
    deadline = ctx.admittance_expires_at
    claimed = ctx.checkout_started  # after claim() the server reservation owns the deadline
    if snap.sequence_stage is SS.ADMITTED and deadline is not None and msg.at >= deadline and not claimed:
        ctx = attrs.evolve(ctx, admittance_token=None, outcome="expired")
        return attrs.evolve(snap, sequence_stage=SS.ADMISSION_EXPIRED, context=ctx), []
    return snap, []


def on_marked(snap: JourneySnapshot, msg: AdmissionMarked) -> Draft:
    """``mark_admitted(token, expires_at_ms)``."""
    expired = msg.expires_at is not None and msg.expires_at <= msg.at
    ctx = attrs.evolve(
        snap.context,
        admittance_token=None if expired else msg.token,
        admittance_expires_at=msg.expires_at,
    )
    stage = SS.ADMISSION_EXPIRED if expired else SS.ADMITTED
    return attrs.evolve(snap, sequence_stage=stage, context=ctx), []
