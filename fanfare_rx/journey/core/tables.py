"""The journey's rules as data: which actions are available in which state and what each
stage change tells the user; the consumer-status mapping of :mod:`.stages` is re-exported.

Pure: imports only models. :mod:`fanfare_rx.journey.core.machine` reads these tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fanfare_rx.journey.core.stages import (
    StatusOutcome,
    mechanism_of,
    sequence_stage_for,
    sequence_stage_for_distribution,
    sequence_stage_for_status,
    stage_outcome,
    state_outcome,
    status_of,
)
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
