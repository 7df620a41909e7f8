"""The reducer's side of a lost session: ``SessionLost`` asks for authentication, keeps the
participation and its numbers, reports an error event; ``authenticate`` is then the way on."""

from __future__ import annotations

import attrs

from fanfare_rx.journey.core import tables
from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import ActionRequested, SessionLost
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    DistributionType,
    EventKind,
    JourneyAction,
    JourneySnapshot,
    JourneyStage,
    Participation,
    ParticipationType,
    RequirementType,
    SequenceStage,
)


def _participating() -> JourneySnapshot:
    snap = initial_snapshot("exp-1")
    context = attrs.evolve(
        snap.context, sequence_id="seq-1",
        distribution=_distribution(),
        participation=Participation(id="q-1", type=ParticipationType.QUEUE, status="QUEUED"),
        position=12,
    )
    snap = attrs.evolve(snap, journey_stage=JourneyStage.ROUTED,
                        sequence_stage=SequenceStage.PARTICIPATING, context=context)
    return attrs.evolve(snap, available_actions=tables.available_actions(
        snap.journey_stage, snap.sequence_stage, snap.requirements, snap.context))


def _distribution() -> DistributionSummary:
    return DistributionSummary(type=DistributionType.QUEUE, id="q-1", sequence_id="seq-1",
                               status=DistributionStatus.OPEN)


def test_session_lost_asks_for_authentication_and_keeps_the_participation() -> None:
    before = _participating()
    after = reduce(before, SessionLost(at=5_000, code="SESSION_LOST", message="lost"))
    assert after.journey_stage is JourneyStage.NEEDS_AUTH
    assert after.sequence_stage is SequenceStage.PARTICIPATING
    assert after.context.participation == before.context.participation
    assert after.context.position == 12 and after.context.last_error == "SESSION_LOST"
    assert [r.type for r in after.requirements] == [RequirementType.AUTHENTICATION]
    assert after.requirements[0].required and after.requirements[0].reason == "SESSION_LOST"
    assert after.available_actions.journey == (JourneyAction.AUTHENTICATE,)
    assert after.available_actions.sequence == ()  # nothing to do without a session
    errors = [e for e in after.events if e.kind is EventKind.ERROR]
    assert len(errors) == 1 and errors[0].detail is not None
    assert errors[0].detail["code"] == "SESSION_LOST"
    assert after.revision == before.revision + 1


def test_authenticate_after_a_lost_session_routes_again_without_the_requirement() -> None:
    lost = reduce(_participating(), SessionLost(at=5_000, code="SESSION_LOST", message="lost"))
    routing = reduce(lost, ActionRequested(at=6_000, action=JourneyAction.AUTHENTICATE))
    assert routing.journey_stage is JourneyStage.ROUTING and routing.requirements == ()
    assert routing.context.participation == lost.context.participation


def test_a_journey_not_started_is_left_alone() -> None:
    snap = initial_snapshot("exp-1")
    assert reduce(snap, SessionLost(at=1, code="SESSION_LOST", message="lost")) is snap
