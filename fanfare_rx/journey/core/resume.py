"""Resuming a journey: from a ``/consumers/me`` projection, or into a known sequence.

Pure: imports only models, locate, routing and the journal.
"""

from __future__ import annotations

from fanfare_rx.journey.core import locate, tables
from fanfare_rx.journey.core.journal import Draft
from fanfare_rx.journey.core.messages import ResumedFromMe, ResumedFromServer
from fanfare_rx.journey.core.participation import money, participation_type, unsupported_event
from fanfare_rx.journey.core.routing import (
    offers_from_wire,
    requirement_events,
    requirements_from_gates,
    stage_for_requirements,
    stage_from_distribution,
)
from fanfare_rx.journey.core.stages import ended_outcome
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Participation,
    ParticipationType,
    SequenceStage,
)

__all__ = ["on_resume_me", "on_resume_server"]

JS = JourneyStage
SS = SequenceStage
DS = DistributionStatus

#: Stages of phases without a consumer record (the rest go through the one status mapping).
_PHASE_STAGE = {
    wire.SequencePhase.UNAVAILABLE: SS.NONE,
    wire.SequencePhase.SCHEDULED: SS.UPCOMING,
    wire.SequencePhase.ENTERABLE: SS.ACTIVE_ENTERABLE,
    wire.SequencePhase.PARTICIPATING: SS.PARTICIPATING,
    wire.SequencePhase.SETTLING: SS.PARTICIPATING,
    wire.SequencePhase.GRANTED: SS.ADMITTED,
    wire.SequencePhase.ENDED: SS.ENDED,
}

#: A projection outcome that carries the reason the live status would give.
_REASON_FOR_OUTCOME = {
    wire.OutcomeType.EXPIRED: "ADMISSION_EXPIRED",
    wire.OutcomeType.LOST: "NOT_SELECTED",
}


#: Stages the live mapping may give that a projection phase of ``ended`` also allows: an
#: expired grant (re-enter while open), an entry left while open, an ended participation.
_ENDED_AGREES = frozenset({SS.ENDED, SS.ADMISSION_EXPIRED, SS.ACTIVE_ENTERABLE})


def _reconciled(phase: wire.SequencePhase, mapped: tables.StatusOutcome) -> SequenceStage:
    """The stage of a consumer record, through the live mapping, where the server's phase
    agrees; the phase where the record is unknown or contradicts it."""
    if mapped.unknown:
        return _PHASE_STAGE[phase]
    if phase is wire.SequencePhase.ENDED and mapped.stage not in _ENDED_AGREES:
        return SS.ENDED
    if phase is wire.SequencePhase.SETTLING:
        return SS.PARTICIPATING  # results pending: no action (see tables.is_settling)
    return mapped.stage


def _unsupported(snap: JourneySnapshot, base: JourneyContext, sequence_id: str, kind: object) -> Draft:
    ctx = evolve(base, sequence_id=sequence_id)
    draft = evolve(snap, journey_stage=JS.ROUTED, sequence_stage=SS.NONE, requirements=(), context=ctx)
    return draft, [unsupported_event(kind)]


def on_resume_me(snap: JourneySnapshot, msg: ResumedFromMe) -> Draft:
    """A ``/consumers/me`` projection for this experience: the consumer record goes through
    the same mapping as a live status (:func:`tables.sequence_stage_for`)."""
    projection = msg.projection
    base = JourneyContext(experience_id=snap.context.experience_id,
                          experience_name=snap.context.experience_name,
                          access_code=snap.context.access_code)
    if isinstance(projection, wire.GatedJourneyProjection):
        requirements = requirements_from_gates(projection.gates)
        draft = evolve(
            snap, journey_stage=stage_for_requirements(requirements), sequence_stage=SS.NONE,
            requirements=requirements, context=base,
        )
        return draft, requirement_events(snap.requirements, requirements)
    seq = projection.sequence
    distribution = locate.from_projection(seq.distribution) if seq.distribution is not None else None
    kind = distribution.type if distribution is not None else seq.mechanism
    if kind is not None and participation_type(kind) is None:
        return _unsupported(snap, base, projection.sequence_id, kind)
    waitlist = next((w for w in msg.waitlists if w.sequence_id == projection.sequence_id), None)
    if waitlist is not None and distribution is not None:
        distribution = evolve(distribution, waitlist_id=waitlist.waitlist_id)
    consumer = seq.consumer
    grant = seq.grant if seq.phase is wire.SequencePhase.GRANTED else None
    token = grant.token if grant is not None else None
    outcome: str | None = seq.outcome.type.value if seq.outcome is not None else None
    participation: Participation | None = None
    if consumer is not None and distribution is not None:
        reason = consumer.denied_reason
        if seq.outcome is not None:
            reason = reason or seq.outcome.reason or _REASON_FOR_OUTCOME.get(seq.outcome.type)
        mapped = tables.sequence_stage_for(
            distribution.type, consumer.status, distribution.status,
            reason=reason, grant=token or consumer.admission_grant,
        )
        stage = _reconciled(seq.phase, mapped)
        if seq.outcome is not None and seq.outcome.type is wire.OutcomeType.EXPIRED:
            stage, outcome = SS.ADMISSION_EXPIRED, "expired"
        elif stage is not SS.ENDED or mapped.stage is SS.ENDED and mapped.outcome is not None:
            outcome = mapped.outcome
        token = mapped.grant if stage is SS.ADMITTED else None
        ptype = participation_type(distribution.type)
        holding = stage in (SS.PARTICIPATING, SS.ADMITTED, SS.ADMISSION_EXPIRED)
        if holding and ptype is not None:
            participation = Participation(id=consumer.id or distribution.id, type=ptype,
                                          status=consumer.status.upper(),
                                          slot_id=consumer.slot_id,
                                          location_id=consumer.location_id)
    else:
        stage = _PHASE_STAGE[seq.phase]
        if distribution is not None and stage is not SS.NONE:
            stage = tables.sequence_stage_for_distribution(distribution.status)
    waitlist_at: int | None = None
    if stage is SS.UPCOMING and waitlist is not None:
        stage = SS.WAITLIST_ENTERED
        waitlist_at = locate.ms(waitlist.entered_at) or msg.at
        participation = Participation(id=waitlist.waitlist_id, type=ParticipationType.WAITLIST)
    grant_expires = locate.ms(grant.expires_at) if grant is not None else None
    if stage is SS.ADMITTED and grant_expires is not None and grant_expires <= msg.at:
        stage, token, outcome = SS.ADMISSION_EXPIRED, None, "expired"  # as a Tick would
    outcome = ended_outcome(stage, outcome, distribution.status if distribution is not None else None)
    ctx = evolve(
        base,
        sequence_id=projection.sequence_id,
        distribution=distribution,
        participation=participation,
        position=consumer.position if consumer is not None and stage is SS.PARTICIPATING else None,
        current_bid=money(consumer.current_bid) if consumer is not None else None,
        highest_bid=money(consumer.highest_bid) if consumer is not None else None,
        admittance_token=token if stage is SS.ADMITTED else None,
        admittance_expires_at=grant_expires if stage in (SS.ADMITTED, SS.ADMISSION_EXPIRED) else None,
        outcome=outcome,
        waitlist_entered_at=waitlist_at,
        offers=offers_from_wire(projection.offers),
    )
    draft = evolve(snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=ctx)
    return draft, []


def on_resume_server(snap: JourneySnapshot, msg: ResumedFromServer) -> Draft:
    """Resume into a known sequence; its status follows as a ``StatusReceived``."""
    sequence = locate.find_sequence(msg.experience, msg.sequence_id)
    distribution = locate.distribution_for(msg.experience, msg.sequence_id, None, msg.at)
    base = JourneyContext(
        experience_id=snap.context.experience_id, experience_name=msg.experience.name,
        access_code=snap.context.access_code,
        sequence_id=msg.sequence_id,
        sequence_name=sequence.name if sequence else None,
        sequence_priority=sequence.priority if sequence else None,
        distribution=distribution,
    )
    on_waitlist = (
        msg.waitlist_id is not None
        and distribution is not None
        and distribution.waitlist_id == msg.waitlist_id
        and distribution.status is DS.UPCOMING
    )
    if on_waitlist:
        assert msg.waitlist_id is not None
        base = evolve(
            base, waitlist_entered_at=msg.waitlist_entered_at or msg.at,
            participation=Participation(id=msg.waitlist_id, type=ParticipationType.WAITLIST),
        )
    stage = stage_from_distribution(SS.NONE, base)
    draft = evolve(snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=base)
    return draft, []
