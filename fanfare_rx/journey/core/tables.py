"""The journey's rules as data: G1 ``available_actions`` (read from the one table of
:mod:`.rules`) and what each stage change tells the user; the consumer-status mapping of
:mod:`.stages` is re-exported.

Pure: imports only models. :mod:`fanfare_rx.journey.core.machine` reads these tables.
"""

from __future__ import annotations

from collections.abc import Mapping

from fanfare_rx.journey.core import rules
from fanfare_rx.journey.core.rules import SETTLING_STATUSES, is_settling
from fanfare_rx.journey.core.shared import shared
from fanfare_rx.journey.core.stages import (
    StatusOutcome,
    mechanism_of,
    sequence_stage_for,
    sequence_stage_for_distribution,
    stage_outcome,
    state_outcome,
)
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import Facts
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    AvailableActions,
    EventSeverity,
    JourneyContext,
    JourneyStage,
    Requirement,
    RequirementType,
    SequenceStage,
)

__all__ = [
    "REQUIREMENT_ORDER",
    "SEQUENCE_STAGE_MESSAGES",
    "SETTLING_STATUSES",
    "StatusOutcome",
    "available_actions",
    "is_settling",
    "mechanism_of",
    "sequence_stage_for",
    "sequence_stage_for_distribution",
    "stage_outcome",
    "state_outcome",
]

DT = wire.DistributionType

#: Requirements are resolved (and listed) in this order: authentication, access code, bot check.
REQUIREMENT_ORDER: Mapping[RequirementType, int] = {
    RequirementType.AUTHENTICATION: 0,
    RequirementType.ACCESS_CODE: 1,
    RequirementType.BOT_CHECK: 2,
}

def available_actions(
    journey_stage: JourneyStage,
    sequence_stage: SequenceStage,
    requirements: tuple[Requirement, ...],
    context: JourneyContext,
) -> AvailableActions:
    """G1 ``available_actions``, read from the one table of :mod:`.rules`.

    Usage: ``available_actions(JourneyStage.NOT_STARTED, SequenceStage.NONE, (), ctx).journey``
    -> ``(JourneyAction.START,)``
    """
    return _actions_for(rules.facts_of(journey_stage, sequence_stage, requirements, context))


@registry.table_cache
def _actions_for(facts: Facts) -> AvailableActions:
    # the table's conditions read the facts alone, so each distinct facts is answered once
    return shared(AvailableActions(journey=rules.journey_actions(facts),
                                   sequence=rules.sequence_actions(facts)))


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
