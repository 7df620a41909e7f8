"""``GET /consumers/me``: the gen C journey projection (phase, mechanism, distribution,
consumer, grant, outcome) of every experience a consumer routed or entered, plus waitlists.
"""

from __future__ import annotations

from fanfare_rx.models import wire
from fanfare_rx.sandbox.auth import Consumer
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.routing import route
from fanfare_rx.sandbox.world import World

__all__ = ["consumer_me", "sequence_projection"]

P = wire.SequencePhase


def sequence_projection(world: World, consumer: Consumer, sequence_id: str,
                        now: float) -> wire.SequenceProjection:
    """The routed sequence's phase for this consumer.

    Usage: ``sequence_projection(world, consumer, "seq-1", world.tick()).phase``
    """
    engine = world.engine_of_sequence.get(sequence_id)
    if engine is None:
        return wire.SequenceProjection(phase=P.UNAVAILABLE, reason="no distribution")
    mechanism = engine.mechanism
    distribution = engine.distribution_projection(now)
    found = engine.projection(consumer.id, now)
    if found is None:
        idle = wire.ConsumerProjection(status=engine.idle_status, distribution_id=engine.id)
        lifecycle = distribution.lifecycle
        if lifecycle is wire.DistributionLifecycle.SCHEDULED:
            return wire.SequenceProjection(phase=P.SCHEDULED, mechanism=mechanism,
                                           distribution=distribution)
        if lifecycle is wire.DistributionLifecycle.OPEN:
            return wire.SequenceProjection(phase=P.ENTERABLE, mechanism=mechanism,
                                           distribution=distribution, consumer=idle)
        closed = wire.OutcomeProjection(type=wire.OutcomeType.CLOSED, distribution_id=engine.id,
                                        distribution_type=mechanism)
        return wire.SequenceProjection(phase=P.ENDED, mechanism=mechanism,
                                       distribution=distribution, consumer=idle, outcome=closed)
    grant = None
    if found.grant is not None:
        grant = wire.GrantProjection(
            token=found.grant.token, distribution_type=mechanism, distribution_id=engine.id,
            sequence_id=sequence_id, experience_id=engine.experience_id,
            expires_at=None if found.grant.expires_at is None else to_datetime(found.grant.expires_at),
            issued_at=to_datetime(found.grant.issued_at))
    outcome: wire.OutcomeProjection | None = None
    if found.outcome is not None:
        outcome = wire.OutcomeProjection(
            type=found.outcome, distribution_id=engine.id, distribution_type=mechanism,
            at=None if found.outcome_at is None else to_datetime(found.outcome_at),
            reason=found.reason)
    return wire.SequenceProjection(
        phase=found.phase, mechanism=mechanism, distribution=distribution,
        consumer=found.consumer, grant=grant if found.phase is P.GRANTED else None,
        outcome=outcome)


def consumer_me(world: World, consumer: Consumer, now: float) -> wire.ConsumerMe:
    """Usage: ``codec.encode(consumer_me(world, consumer, world.tick()))``"""
    journeys: list[wire.JourneyProjection] = []
    for experience_id, updated in world.journeys.get(consumer.id, {}).items():
        experience = world.experiences[experience_id]
        result = route(world, consumer, experience, None, now, peek=True)
        if isinstance(result, wire.RouteRouted):
            sequence_id = result.selected.sequence.id
            journeys.append(wire.RoutedJourneyProjection(
                experience_id=experience_id, sequence_id=sequence_id,
                sequence=sequence_projection(world, consumer, sequence_id, now),
                offers=result.offers, updated_at=to_datetime(updated)))
        elif isinstance(result, wire.RouteGated):
            journeys.append(wire.GatedJourneyProjection(
                experience_id=experience_id, gates=result.selected.gates,
                selected=wire.SelectedRef(sequence_id=result.selected.sequence.id),
                updated_at=to_datetime(updated)))
    waitlists = tuple(
        wire.WaitlistProjection(waitlist_id=w.id, sequence_id=w.sequence_id,
                                experience_id=w.experience_id, entered_at=w.entered_at(consumer.id),
                                position=w.position(consumer.id))
        for w in world.waitlists.values() if consumer.id in w.members)
    return wire.ConsumerMe(active=wire.ActiveJourneys(journeys=tuple(journeys)), waitlists=waitlists)
