"""The journey's rules as data: which actions are available in which state, how a consumer
status maps to a sequence stage, and what each stage change tells the user.

Pure: imports only models. :mod:`fanfare_rx.journey.core.machine` reads these tables.
"""

from __future__ import annotations

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
    "sequence_stage_for_distribution",
    "sequence_stage_for_status",
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


def _participating(context: JourneyContext) -> tuple[SequenceAction, ...]:
    # No auction leave endpoint exists in any API generation.
    if context.distribution is not None and context.distribution.type is DT.AUCTION:
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
# Consumer status -> sequence stage


@attrs.frozen
class StatusOutcome:
    """What one consumer status means for the journey."""

    stage: SequenceStage
    participating: bool = False
    grant: str | None = None
    outcome: str | None = None


_ENTERABLE = "enterable"  # stage depends on whether the distribution is still open
_EXPIRED_REASON = "ADMISSION_EXPIRED"


def _status_table() -> dict[tuple[type, str], str | SequenceStage]:
    S = SequenceStage
    return {
        (wire.QueueNotQueued, "NOT_QUEUED"): _ENTERABLE,
        (wire.QueueQueued, "QUEUED"): S.PARTICIPATING,
        (wire.QueueGranted, "GRANTED"): S.ADMITTED,
        (wire.QueueLeft, "LEFT"): _ENTERABLE,
        (wire.QueueCompleted, "COMPLETED"): S.ENDED,
        (wire.QueueDenied, "DENIED"): S.ENDED,
        (wire.DrawNotEntered, "NOT_ENTERED"): _ENTERABLE,
        (wire.DrawEntered, "ENTERED"): S.PARTICIPATING,
        (wire.DrawWon, "WON"): S.ADMITTED,
        (wire.DrawCompleted, "COMPLETED"): S.ENDED,
        (wire.DrawDenied, "DENIED"): S.ENDED,
        (wire.AuctionConsumerState, "NOT_BID"): _ENTERABLE,
        (wire.AuctionConsumerState, "BIDDING"): S.PARTICIPATING,
        (wire.AuctionConsumerState, "WINNING"): S.PARTICIPATING,
        (wire.AuctionConsumerState, "OUTBID"): S.PARTICIPATING,
        (wire.AuctionConsumerState, "WON"): S.ADMITTED,
        (wire.AuctionConsumerState, "LOST"): S.ENDED,
        (wire.TimedReleaseConsumerState, "NOT_ENTERED"): _ENTERABLE,
        (wire.TimedReleaseConsumerState, "ENTERED"): S.PARTICIPATING,
        (wire.TimedReleaseConsumerState, "GRANTED"): S.ADMITTED,
        (wire.TimedReleaseConsumerState, "COMPLETED"): S.ENDED,
        (wire.TimedReleaseConsumerState, "DENIED"): S.ENDED,
        (wire.TimedReleaseConsumerState, "LEFT"): _ENTERABLE,
    }


_STATUS_TABLE = _status_table()

#: Why a participation ended, by the status that ended it (``outcome`` of the projection).
_OUTCOME_FOR_STATUS: Mapping[str, str] = {
    "COMPLETED": "completed",
    "DENIED": "denied",
    "LOST": "lost",
    "WON": "won",
}


def sequence_stage_for_distribution(
    status: DistributionStatus | None, *, on_waitlist: bool = False
) -> SequenceStage:
    """The stage when only the distribution's timing is known (no participation).

    Usage: ``sequence_stage_for_distribution(DistributionStatus.UPCOMING)`` -> ``upcoming``
    """
    if status is DistributionStatus.UPCOMING:
        return SequenceStage.WAITLIST_ENTERED if on_waitlist else SequenceStage.UPCOMING
    if status is DistributionStatus.CLOSED:
        return SequenceStage.ENDED
    if status is DistributionStatus.SETTLING:
        return SequenceStage.ENDED
    return SequenceStage.ACTIVE_ENTERABLE


def _status_of(state: Any) -> str:
    value = getattr(state, "status", None) or getattr(type(state), "STATUS", "")
    return str(value)


def sequence_stage_for_status(
    state: Any, distribution_status: DistributionStatus | None, *, on_waitlist: bool = False
) -> StatusOutcome:
    """Map one consumer state (queue/draw/auction/timed release) to a sequence stage.

    Usage: ``sequence_stage_for_status(QueueQueued(position=3, ...), OPEN).stage``
    -> ``participating``
    """
    status = _status_of(state)
    grant: str | None = getattr(state, "admission_grant", None)
    stage = _STATUS_TABLE.get((type(state), status))
    if stage is None:
        # A status this table does not know: keep what the distribution says.
        return StatusOutcome(
            stage=sequence_stage_for_distribution(distribution_status, on_waitlist=on_waitlist)
        )
    if stage == _ENTERABLE:
        return StatusOutcome(
            stage=sequence_stage_for_distribution(distribution_status, on_waitlist=on_waitlist)
        )
    assert isinstance(stage, SequenceStage)
    reason = getattr(state, "reason", None)
    if status == "DENIED" and reason == _EXPIRED_REASON:
        return StatusOutcome(stage=SequenceStage.ADMISSION_EXPIRED, outcome="expired")
    if stage is SequenceStage.ADMITTED and not grant:
        # Won, but no grant to hand off: nothing left to do in this sequence.
        return StatusOutcome(stage=SequenceStage.ENDED, outcome=_OUTCOME_FOR_STATUS.get(status))
    if stage is SequenceStage.ENDED:
        outcome = "lost" if reason == "NOT_SELECTED" else _OUTCOME_FOR_STATUS.get(status)
        return StatusOutcome(stage=stage, outcome=outcome)
    return StatusOutcome(
        stage=stage,
        participating=stage in (SequenceStage.PARTICIPATING, SequenceStage.ADMITTED),
        grant=grant if stage is SequenceStage.ADMITTED else None,
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
