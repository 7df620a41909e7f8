"""The journey's rules as data: which actions are available in which state, how a consumer
status maps to a sequence stage, and what each stage change tells the user.

Pure: imports only models. :mod:`fanfare_rx.journey.core.machine` reads these tables.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    AvailableActions,
    DistributionStatus,
    EventSeverity,
    JourneyAction,
    JourneyContext,
    JourneyStage,
    Requirement,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "ENTER_ACTION_FOR_TYPE",
    "REQUIREMENT_ORDER",
    "SEQUENCE_STAGE_MESSAGES",
    "StatusOutcome",
    "available_actions",
    "is_settling",
    "mechanism_of",
    "sequence_stage_for",
    "sequence_stage_for_distribution",
    "sequence_stage_for_status",
    "stage_outcome",
    "state_outcome",
    "status_of",
]

DT = wire.DistributionType

#: Requirements are resolved (and listed) in this order: authentication, access code, bot check.
REQUIREMENT_ORDER: Mapping[RequirementType, int] = {
    RequirementType.AUTHENTICATION: 0,
    RequirementType.ACCESS_CODE: 1,
    RequirementType.BOT_CHECK: 2,
}

ENTER_ACTION_FOR_TYPE: Mapping[wire.DistributionType, SequenceAction] = {
    DT.QUEUE: SequenceAction.ENTER_QUEUE,
    DT.DRAW: SequenceAction.ENTER_DRAW,
    DT.AUCTION: SequenceAction.ENTER_AUCTION,
    DT.TIMED_RELEASE: SequenceAction.ENTER_TIMED_RELEASE,
}

# --------------------------------------------------------------------------------------------
# Action availability: a base table per stage plus conditional rules, all as data.

_JOURNEY_BASE: Mapping[JourneyStage, tuple[JourneyAction, ...]] = {
    JourneyStage.NOT_STARTED: (JourneyAction.START,),
    JourneyStage.ENTERING: (),
    JourneyStage.NEEDS_AUTH: (JourneyAction.AUTHENTICATE,),
    JourneyStage.NEEDS_ACCESS_CODE: (JourneyAction.PROVIDE_ACCESS_CODE,),
    JourneyStage.ROUTING: (),
    JourneyStage.ROUTED: (JourneyAction.REQUEST_REROUTE, JourneyAction.REFRESH_DISTRIBUTION),
}

_State = tuple[JourneyStage, SequenceStage, tuple[Requirement, ...], JourneyContext]


def _has_requirement(kind: RequirementType, *, required: bool | None = None) -> Callable[
    [_State], bool
]:
    def check(state: _State) -> bool:
        return any(
            r.type is kind and (required is None or r.required is required) for r in state[2]
        )

    return check


def _failed(state: _State) -> bool:
    return state[3].last_error is not None


def _has_offers(state: _State) -> bool:
    return bool(state[3].offers)


#: (action, stages where the rule applies, condition) — added to the base table.
_JOURNEY_RULES: tuple[
    tuple[JourneyAction, frozenset[JourneyStage], Callable[[_State], bool]], ...
] = (
    (
        JourneyAction.SKIP_ACCESS_CODE,
        frozenset({JourneyStage.NEEDS_ACCESS_CODE}),
        _has_requirement(RequirementType.ACCESS_CODE, required=False),
    ),
    (
        JourneyAction.COMPLETE_BOT_CHECK,
        frozenset({JourneyStage.ROUTING}),
        _has_requirement(RequirementType.BOT_CHECK),
    ),
    (JourneyAction.RETRY, frozenset({JourneyStage.ENTERING, JourneyStage.ROUTING}), _failed),
    (JourneyAction.PROVIDE_ACCESS_CODE, frozenset({JourneyStage.ROUTED}), _has_offers),
)


def _enter_action(context: JourneyContext) -> tuple[SequenceAction, ...]:
    distribution = context.distribution
    if distribution is None or distribution.type not in ENTER_ACTION_FOR_TYPE:
        return ()
    return (ENTER_ACTION_FOR_TYPE[distribution.type],)


def _upcoming(context: JourneyContext) -> tuple[SequenceAction, ...]:
    has_waitlist = context.distribution is not None and context.distribution.waitlist_id
    return (SequenceAction.ENTER_WAITLIST,) if has_waitlist else ()


#: Draw/auction timings in which an entry waits for results: closed to action (settling).
SETTLING_STATUSES = frozenset({DistributionStatus.SETTLING, DistributionStatus.CLOSED})
SETTLING_TYPES = frozenset({DT.DRAW, DT.AUCTION})


def is_settling(context: JourneyContext) -> bool:
    """Whether the participation waits for a draw's or auction's results (no action then)."""
    distribution = context.distribution
    return (
        distribution is not None
        and distribution.type in SETTLING_TYPES
        and distribution.status in SETTLING_STATUSES
    )


def _participating(context: JourneyContext) -> tuple[SequenceAction, ...]:
    # No auction leave endpoint exists in any API generation; nothing to do while settling.
    if context.distribution is not None and context.distribution.type is DT.AUCTION:
        return ()
    if is_settling(context):
        return ()
    return (SequenceAction.LEAVE_PARTICIPATION,)


def _admitted(context: JourneyContext) -> tuple[SequenceAction, ...]:
    if context.distribution is not None and context.distribution.type is DT.TIMED_RELEASE:
        return (SequenceAction.COMPLETE_TIMED_RELEASE,)
    return ()


def _expired(context: JourneyContext) -> tuple[SequenceAction, ...]:
    # Re-enter while the distribution is still open.
    if context.distribution is not None and context.distribution.status is DistributionStatus.CLOSED:
        return ()
    return _enter_action(context)


_SEQUENCE_TABLE: Mapping[SequenceStage, Callable[[JourneyContext], tuple[SequenceAction, ...]]] = {
    SequenceStage.NONE: lambda _: (),
    SequenceStage.UPCOMING: _upcoming,
    SequenceStage.WAITLIST_ENTERED: lambda _: (SequenceAction.LEAVE_WAITLIST,),
    SequenceStage.ACTIVE_ENTERABLE: _enter_action,
    SequenceStage.PARTICIPATING: _participating,
    SequenceStage.ADMITTED: _admitted,
    SequenceStage.ADMISSION_EXPIRED: _expired,
    SequenceStage.ENDED: lambda _: (),
}


def available_actions(
    journey_stage: JourneyStage,
    sequence_stage: SequenceStage,
    requirements: tuple[Requirement, ...],
    context: JourneyContext,
) -> AvailableActions:
    """The one table of what may be done now.

    Usage: ``available_actions(JourneyStage.NOT_STARTED, SequenceStage.NONE, (), ctx).journey``
    -> ``(JourneyAction.START,)``
    """
    state: _State = (journey_stage, sequence_stage, requirements, context)
    journey = list(_JOURNEY_BASE[journey_stage])
    for action, stages, condition in _JOURNEY_RULES:
        if journey_stage in stages and condition(state) and action not in journey:
            journey.append(action)
    sequence: tuple[SequenceAction, ...] = ()
    if journey_stage is JourneyStage.ROUTED:
        sequence = _SEQUENCE_TABLE[sequence_stage](context)
    return AvailableActions(journey=tuple(journey), sequence=sequence)


# --------------------------------------------------------------------------------------------
# Consumer status -> sequence stage: ONE mapping for the live status endpoints and the
# ``/consumers/me`` projection (both reduce to a mechanism, a status, a reason and a grant).


@attrs.frozen
class StatusOutcome:
    """What one consumer status means for the journey."""

    stage: SequenceStage
    participating: bool = False
    grant: str | None = None
    outcome: str | None = None
    #: The mechanism/status pair was not known: the stage came from the distribution alone.
    unknown: bool = False


_ENTERABLE = "enterable"  # stage depends on whether the distribution is still open
_GRANTED_IF_TOKEN = "granted_if_token"  # participating, or admitted when it carries a grant
_EXPIRED_REASON = "ADMISSION_EXPIRED"

_S = SequenceStage
#: (mechanism, upper-case status) -> stage. Gen A/B names (``ADMITTED``) are mapped by the codec.
_STATUS_TABLE: Mapping[tuple[wire.DistributionType, str], str | SequenceStage] = {
    (DT.QUEUE, "NOT_QUEUED"): _ENTERABLE,
    (DT.QUEUE, "QUEUED"): _S.PARTICIPATING,
    (DT.QUEUE, "GRANTED"): _S.ADMITTED,
    (DT.QUEUE, "LEFT"): _ENTERABLE,
    (DT.QUEUE, "COMPLETED"): _S.ENDED,
    (DT.QUEUE, "DENIED"): _S.ENDED,
    (DT.DRAW, "NOT_ENTERED"): _ENTERABLE,
    (DT.DRAW, "ENTERED"): _S.PARTICIPATING,
    (DT.DRAW, "WON"): _S.ADMITTED,
    (DT.DRAW, "COMPLETED"): _S.ENDED,
    (DT.DRAW, "DENIED"): _S.ENDED,
    (DT.DRAW, "LEFT"): _ENTERABLE,
    (DT.AUCTION, "NOT_BID"): _ENTERABLE,
    (DT.AUCTION, "BIDDING"): _S.PARTICIPATING,
    (DT.AUCTION, "WINNING"): _S.PARTICIPATING,
    (DT.AUCTION, "OUTBID"): _S.PARTICIPATING,
    (DT.AUCTION, "WON"): _S.ADMITTED,
    (DT.AUCTION, "LOST"): _S.ENDED,
    (DT.TIMED_RELEASE, "NOT_ENTERED"): _ENTERABLE,
    # Gen C: an entry holding an admission grant is the admission (spec §4.7, §5.4).
    (DT.TIMED_RELEASE, "ENTERED"): _GRANTED_IF_TOKEN,
    (DT.TIMED_RELEASE, "GRANTED"): _S.ADMITTED,
    (DT.TIMED_RELEASE, "COMPLETED"): _S.ENDED,
    (DT.TIMED_RELEASE, "DENIED"): _S.ENDED,
    (DT.TIMED_RELEASE, "LEFT"): _ENTERABLE,
    # Appointments: known from /consumers/me only (no status endpoint); never granted.
    (DT.APPOINTMENT, "NOT_BOOKED"): _ENTERABLE,
    (DT.APPOINTMENT, "BOOKED"): _S.PARTICIPATING,
    (DT.APPOINTMENT, "CHECKED_IN"): _S.PARTICIPATING,
    (DT.APPOINTMENT, "COMPLETED"): _S.ENDED,
    (DT.APPOINTMENT, "CANCELLED"): _S.ENDED,
    (DT.APPOINTMENT, "NO_SHOW"): _S.ENDED,
}

#: Why a participation ended, by the status that ended it (``outcome`` of the projection).
_OUTCOME_FOR_STATUS: Mapping[str, str] = {
    "COMPLETED": "completed",
    "DENIED": "denied",
    "LOST": "lost",
    "WON": "won",
    "CANCELLED": "cancelled",
    "NO_SHOW": "no_show",
}

#: Distribution timing with no participation deciding -> stage.
_STAGE_FOR_DISTRIBUTION: Mapping[DistributionStatus | None, SequenceStage] = {
    None: SequenceStage.ACTIVE_ENTERABLE,
    DistributionStatus.UPCOMING: SequenceStage.UPCOMING,
    DistributionStatus.OPEN: SequenceStage.ACTIVE_ENTERABLE,
    DistributionStatus.SETTLING: SequenceStage.ENDED,
    DistributionStatus.CLOSED: SequenceStage.ENDED,
}


def sequence_stage_for_distribution(
    status: DistributionStatus | None, *, on_waitlist: bool = False
) -> SequenceStage:
    """The stage when only the distribution's timing is known (no participation).

    Usage: ``sequence_stage_for_distribution(DistributionStatus.UPCOMING)`` -> ``upcoming``
    """
    stage = _STAGE_FOR_DISTRIBUTION[status]
    if stage is SequenceStage.UPCOMING and on_waitlist:
        return SequenceStage.WAITLIST_ENTERED
    return stage


def sequence_stage_for(
    mechanism: wire.DistributionType,
    status: str,
    distribution_status: DistributionStatus | None,
    *,
    reason: str | None = None,
    grant: str | None = None,
    on_waitlist: bool = False,
) -> StatusOutcome:
    """THE mapping from a consumer's server state to a sequence stage, for the live status
    endpoints and the ``/consumers/me`` projection alike.

    Usage: ``sequence_stage_for(DistributionType.QUEUE, "QUEUED", DistributionStatus.OPEN).stage``
    -> ``participating``
    """
    outcome = stage_outcome(mechanism, status, distribution_status, reason, bool(grant), on_waitlist)
    if outcome.stage is SequenceStage.ADMITTED:
        return attrs.evolve(outcome, grant=grant)
    return outcome


@functools.lru_cache(maxsize=4096)
def stage_outcome(
    mechanism: wire.DistributionType,
    status: str,
    distribution_status: DistributionStatus | None,
    reason: str | None,
    has_grant: bool,
    on_waitlist: bool,
) -> StatusOutcome:
    """:func:`sequence_stage_for` without the grant (cached: a poll's answer repeats the same
    few inputs, and the grant itself is never a key); ``grant`` of the outcome is None.

    Usage: ``stage_outcome(DistributionType.QUEUE, "QUEUED", OPEN, None, False, False).stage``
    """
    stage = _STATUS_TABLE.get((mechanism, status))
    if stage is None:
        status = status.upper()
        stage = _STATUS_TABLE.get((mechanism, status))
    if stage is None or stage == _ENTERABLE:
        # An entry that is gone (or a status this table does not know): the timing decides.
        return StatusOutcome(
            stage=sequence_stage_for_distribution(distribution_status, on_waitlist=on_waitlist),
            unknown=stage is None,
        )
    if stage == _GRANTED_IF_TOKEN:
        stage = SequenceStage.ADMITTED if has_grant else SequenceStage.PARTICIPATING
    assert isinstance(stage, SequenceStage)
    if status == "DENIED" and reason == _EXPIRED_REASON:
        return StatusOutcome(stage=SequenceStage.ADMISSION_EXPIRED, outcome="expired")
    if stage is SequenceStage.ADMITTED and not has_grant:
        # Won, but no grant to hand off: nothing left to do in this sequence.
        return StatusOutcome(stage=SequenceStage.ENDED, outcome=_OUTCOME_FOR_STATUS.get(status))
    if stage is SequenceStage.ENDED:
        outcome = "lost" if reason == "NOT_SELECTED" else _OUTCOME_FOR_STATUS.get(status)
        return StatusOutcome(stage=stage, outcome=outcome)
    return StatusOutcome(stage=stage, participating=True)


#: The mechanism of each live consumer-state type (auction and timed release share one type).
_MECHANISM_OF_STATE: Mapping[type, wire.DistributionType] = {
    **{t: DT.QUEUE for t in (wire.QueueNotQueued, wire.QueueQueued, wire.QueueGranted,
                             wire.QueueLeft, wire.QueueCompleted, wire.QueueDenied)},
    **{t: DT.DRAW for t in (wire.DrawNotEntered, wire.DrawEntered, wire.DrawWon,
                            wire.DrawCompleted, wire.DrawDenied)},
    wire.AuctionConsumerState: DT.AUCTION,
    wire.TimedReleaseConsumerState: DT.TIMED_RELEASE,
}


@functools.lru_cache(maxsize=4096)
def state_outcome(
    state_type: type,
    status: str,
    distribution_status: DistributionStatus | None,
    reason: str | None,
    has_grant: bool,
    on_waitlist: bool,
) -> StatusOutcome:
    """:func:`stage_outcome` for a live consumer state's type (cached as a whole: the status
    fold is the hot path of polling). A type that is no consumer state gives the stage of the
    distribution's timing, marked ``unknown``.

    Usage: ``state_outcome(QueueQueued, "QUEUED", OPEN, None, False, False).stage``
    """
    mechanism = _MECHANISM_OF_STATE.get(state_type)
    if mechanism is None:
        return StatusOutcome(
            stage=sequence_stage_for_distribution(distribution_status, on_waitlist=on_waitlist),
            unknown=True,
        )
    return stage_outcome(mechanism, status, distribution_status, reason, has_grant, on_waitlist)


def mechanism_of(state: object) -> wire.DistributionType | None:
    """The mechanism of a live consumer state (None for an object that is none)."""
    return _MECHANISM_OF_STATE.get(type(state))


def status_of(state: Any) -> str:
    """The wire status name of a live consumer state (``QUEUED``, ``WON`` ...)."""
    value = getattr(state, "status", None) or getattr(type(state), "STATUS", "")
    return str(value)


def sequence_stage_for_status(
    state: Any, distribution_status: DistributionStatus | None, *, on_waitlist: bool = False
) -> StatusOutcome:
    """Map one live consumer state (queue/draw/auction/timed release) to a sequence stage,
    through :func:`sequence_stage_for`.

    Usage: ``sequence_stage_for_status(QueueQueued(position=3, ...), OPEN).stage``
    -> ``participating``
    """
    mechanism = _MECHANISM_OF_STATE.get(type(state))
    if mechanism is None:
        return StatusOutcome(
            stage=sequence_stage_for_distribution(distribution_status, on_waitlist=on_waitlist),
            unknown=True,
        )
    return sequence_stage_for(
        mechanism, status_of(state), distribution_status,
        reason=getattr(state, "reason", None), grant=getattr(state, "admission_grant", None),
        on_waitlist=on_waitlist,
    )


# --------------------------------------------------------------------------------------------
# What a stage change tells the user

SEQUENCE_STAGE_MESSAGES: Mapping[SequenceStage, tuple[EventSeverity, str]] = {
    SequenceStage.NONE: (EventSeverity.INFO, "No sequence"),
    SequenceStage.UPCOMING: (EventSeverity.INFO, "Not open yet"),
    SequenceStage.WAITLIST_ENTERED: (EventSeverity.SUCCESS, "On the waitlist"),
    SequenceStage.ACTIVE_ENTERABLE: (EventSeverity.INFO, "Open for entry"),
    SequenceStage.PARTICIPATING: (EventSeverity.INFO, "Participating"),
    SequenceStage.ADMITTED: (EventSeverity.SUCCESS, "Admitted"),
    SequenceStage.ADMISSION_EXPIRED: (EventSeverity.WARNING, "Admission expired"),
    SequenceStage.ENDED: (EventSeverity.INFO, "Ended"),
}

REQUIREMENT_MESSAGES: Mapping[RequirementType, str] = {
    RequirementType.AUTHENTICATION: "Sign-in required",
    RequirementType.ACCESS_CODE: "Enter your access code to continue",
    RequirementType.BOT_CHECK: "Additional verification is required",
}
