"""Resuming a journey: from a ``/consumers/me`` projection, or into a known sequence.

Pure: imports only models, locate, routing and the journal.
"""

from __future__ import annotations

import attrs

from fanfare_rx.journey.core import locate
from fanfare_rx.journey.core.journal import Draft
from fanfare_rx.journey.core.messages import ResumedFromMe, ResumedFromServer
from fanfare_rx.journey.core.participation import money
from fanfare_rx.journey.core.routing import (
    offers_from_wire,
    requirement_events,
    requirements_from_gates,
    stage_for_requirements,
    stage_from_distribution,
)
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
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

_LIFECYCLE = {
    wire.DistributionLifecycle.SCHEDULED: DS.UPCOMING,
    wire.DistributionLifecycle.OPEN: DS.OPEN,
    wire.DistributionLifecycle.SETTLING: DS.SETTLING,
    wire.DistributionLifecycle.CLOSED: DS.CLOSED,
}

_PHASE_STAGE = {
    wire.SequencePhase.UNAVAILABLE: SS.NONE,
    wire.SequencePhase.SCHEDULED: SS.UPCOMING,
    wire.SequencePhase.ENTERABLE: SS.ACTIVE_ENTERABLE,
    wire.SequencePhase.PARTICIPATING: SS.PARTICIPATING,
    wire.SequencePhase.SETTLING: SS.PARTICIPATING,
    wire.SequencePhase.GRANTED: SS.ADMITTED,
    wire.SequencePhase.ENDED: SS.ENDED,
}


def on_resume_me(snap: JourneySnapshot, msg: ResumedFromMe) -> Draft:
    """A ``/consumers/me`` projection for this experience."""
    projection = msg.projection
    base = JourneyContext(experience_id=snap.context.experience_id,
                          experience_name=snap.context.experience_name,
                          access_code=snap.context.access_code)
    if isinstance(projection, wire.GatedJourneyProjection):
        requirements = requirements_from_gates(projection.gates)
        draft = attrs.evolve(
            snap, journey_stage=stage_for_requirements(requirements), sequence_stage=SS.NONE,
            requirements=requirements, context=base,
        )
        return draft, requirement_events(snap.requirements, requirements)
    seq = projection.sequence
    stage = _PHASE_STAGE[seq.phase]
    distribution: DistributionSummary | None = None
    if seq.distribution is not None:
        d = seq.distribution
        distribution = DistributionSummary(
            type=d.type, id=d.id, sequence_id=d.sequence_id, status=_LIFECYCLE[d.lifecycle],
            opens_at=locate.ms(d.opens_at), closes_at=locate.ms(d.closes_at),
            settles_at=locate.ms(d.settles_at),
        )
    waitlist = next((w for w in msg.waitlists if w.sequence_id == projection.sequence_id), None)
    if waitlist is not None and distribution is not None:
        distribution = attrs.evolve(distribution, waitlist_id=waitlist.waitlist_id)
    consumer = seq.consumer
    participation: Participation | None = None
    if consumer is not None and distribution is not None and stage in (SS.PARTICIPATING, SS.ADMITTED):
        participation = Participation(
            id=consumer.id or distribution.id,
            type=ParticipationType(distribution.type.value),
            status=consumer.status.upper(),
        )
    waitlist_at: int | None = None
    if stage is SS.UPCOMING and waitlist is not None:
        stage = SS.WAITLIST_ENTERED
        waitlist_at = locate.ms(waitlist.entered_at) or msg.at
        participation = Participation(id=waitlist.waitlist_id, type=ParticipationType.WAITLIST)
    grant = seq.grant if stage is SS.ADMITTED else None  # a grant counts only while granted
    grant_expires = locate.ms(grant.expires_at) if grant is not None else None
    token = grant.token if grant is not None else None
    outcome = seq.outcome.type.value if seq.outcome is not None else None
    if grant_expires is not None and grant_expires <= msg.at:
        stage, token, outcome = SS.ADMISSION_EXPIRED, None, "expired"  # as a Tick would
    ctx = attrs.evolve(
        base,
        sequence_id=projection.sequence_id,
        distribution=distribution,
        participation=participation,
        position=consumer.position if consumer is not None and stage is SS.PARTICIPATING else None,
        current_bid=money(consumer.current_bid) if consumer is not None else None,
        highest_bid=money(consumer.highest_bid) if consumer is not None else None,
        admittance_token=token,
        admittance_expires_at=grant_expires,
        outcome=outcome,
        waitlist_entered_at=waitlist_at,
        offers=offers_from_wire(projection.offers),
    )
    draft = attrs.evolve(snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=ctx)
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
        base = attrs.evolve(
            base, waitlist_entered_at=msg.waitlist_entered_at or msg.at,
            participation=Participation(id=msg.waitlist_id, type=ParticipationType.WAITLIST),
        )
    stage = stage_from_distribution(SS.NONE, base)
    draft = attrs.evolve(snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=base)
    return draft, []
