"""The one mapping from a consumer's server state to a sequence stage, shared by the live
status endpoints and the ``/consumers/me`` projection (resume), as tables.

Pure: imports only models, messages and :func:`~fanfare_rx.journey.core.values.evolve`.
Re-exported by :mod:`fanfare_rx.journey.core.tables`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import attrs

from fanfare_rx.journey.core.values import evolve
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import ENTERABLE, GRANTED_IF_TOKEN, Standing
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionStatus, SequenceStage

__all__ = [
    "CLOSED_OUTCOME",
    "StatusOutcome",
    "ended_outcome",
    "mechanism_of",
    "sequence_stage_for",
    "sequence_stage_for_distribution",
    "stage_outcome",
    "standing_of",
    "state_outcome",
]

DT = wire.DistributionType


# Both sources reduce to a mechanism, a status, a reason and whether a grant is held.


@attrs.frozen
class StatusOutcome:
    """What one consumer status means for the journey."""

    stage: SequenceStage
    participating: bool = False
    grant: str | None = None
    outcome: str | None = None
    #: The mechanism/status pair was not known: the stage came from the distribution alone.
    unknown: bool = False


_ENTERABLE = ENTERABLE  # stage depends on whether the distribution is still open
_GRANTED_IF_TOKEN = GRANTED_IF_TOKEN  # participating, or admitted when it carries a grant
_EXPIRED_REASON = "ADMISSION_EXPIRED"


def _row(mechanism: wire.DistributionType, status: str) -> str | SequenceStage | None:
    """The status row a mechanism declares (see :mod:`fanfare_rx.mechanisms`)."""
    spec = registry.spec_for(mechanism)
    return None if spec is None else spec.statuses.get(status)


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
        return evolve(outcome, grant=grant)
    return outcome


def _by_timing(distribution_status: DistributionStatus | None, on_waitlist: bool, *,
               unknown: bool) -> StatusOutcome:
    """The one fallback for a state the tables do not place (an unknown mechanism or status,
    or an entry that is gone): the distribution's timing decides the stage."""
    return StatusOutcome(
        stage=sequence_stage_for_distribution(distribution_status, on_waitlist=on_waitlist),
        unknown=unknown,
    )


#: The outcome of a sequence that ended because its distribution closed.
CLOSED_OUTCOME = "closed"


def ended_outcome(stage: SequenceStage, outcome: str | None,
                  distribution_status: DistributionStatus | None) -> str | None:
    """The outcome to show: an ended sequence whose distribution closed, with no other
    outcome, ended ``closed``; any other outcome is kept.

    Usage: ``ended_outcome(SequenceStage.ENDED, None, DistributionStatus.CLOSED)`` -> ``"closed"``
    """
    if stage is SequenceStage.ENDED and outcome is None \
            and distribution_status is DistributionStatus.CLOSED:
        return CLOSED_OUTCOME
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
    stage = _row(mechanism, status)
    if stage is None:
        status = status.upper()
        stage = _row(mechanism, status)
    if stage is None or stage == _ENTERABLE:
        # An entry that is gone (or a status this table does not know): the timing decides.
        return _by_timing(distribution_status, on_waitlist, unknown=stage is None)
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
    spec = registry.spec_of_state(state_type)
    if spec is None:
        return _by_timing(distribution_status, on_waitlist, unknown=True)
    return stage_outcome(spec.kind, status, distribution_status, reason, has_grant, on_waitlist)


def mechanism_of(state: object) -> wire.DistributionType | None:
    """The mechanism of a live consumer state (None for an object that is none)."""
    spec = registry.spec_of_state(type(state))
    return None if spec is None else spec.kind


def standing_of(state: object) -> Standing | None:
    """The common :class:`Standing` of a live consumer state, through its mechanism's
    normaliser (None for an object that is no consumer state)."""
    spec = registry.spec_of_state(type(state))
    return None if spec is None else spec.standing(state)
