"""Rules the pure core states once and reads from several places: the outcome of a closed
distribution, the fallback for a state no table places, and what leaving a sequence resets."""

from __future__ import annotations

import attrs
import pytest
from factories import sequence

from fanfare_rx.journey.core import locate, stages
from fanfare_rx.journey.core.routing import left_sequence
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    JourneyContext,
    SequenceStage,
)

DS = DistributionStatus
SS = SequenceStage


@pytest.mark.parametrize(("stage", "outcome", "status", "expected"), [
    (SS.ENDED, None, DS.CLOSED, "closed"),
    (SS.ENDED, "lost", DS.CLOSED, "lost"),
    (SS.ENDED, None, DS.OPEN, None),
    (SS.PARTICIPATING, None, DS.CLOSED, None),
    (SS.ENDED, None, None, None),
])
def test_a_closed_distribution_ends_the_sequence_as_closed_unless_it_said_why(
        stage: SequenceStage, outcome: str | None, status: DistributionStatus | None,
        expected: str | None) -> None:
    assert stages.ended_outcome(stage, outcome, status) == expected


@pytest.mark.parametrize("status", [DS.UPCOMING, DS.OPEN, DS.SETTLING, DS.CLOSED, None])
def test_a_state_no_table_places_falls_back_to_the_distribution_s_timing(
        status: DistributionStatus | None) -> None:
    by_timing = stages.sequence_stage_for_distribution(status, on_waitlist=False)
    unknown_type = stages.state_outcome(object, "QUEUED", status, None, False, False)
    unknown_status = stages.stage_outcome(wire.DistributionType.QUEUE, "NO_SUCH_STATUS", status,
                                          None, False, False)
    assert unknown_type == unknown_status == stages.StatusOutcome(stage=by_timing, unknown=True)


def test_leaving_a_sequence_resets_every_participation_field_and_keeps_the_sequence() -> None:
    held = JourneyContext(
        experience_id="exp", sequence_id="seq-1",
        distribution=DistributionSummary(id="q-1", type=wire.DistributionType.QUEUE),
        position=3, estimated_wait_seconds=60, admittance_token="grt.secret",
        admittance_expires_at=1, outcome="admitted", waitlist_entered_at=2)
    left = left_sequence(held)
    assert left.sequence_id == "seq-1" and left.experience_id == "exp"
    fresh = JourneyContext(experience_id="exp", sequence_id="seq-1")
    assert attrs.evolve(left, offers=fresh.offers) == fresh


@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release", "none"])
def test_whether_a_sequence_lists_distributions_is_whether_it_has_summaries(kind: str) -> None:
    """The effect's question (ask ``/consumers/me``?) and the reducer's summaries agree."""
    if kind == "none":  # a gen C sequence whose timed release the experience does not list
        listed = sequence("timed_release")
        listed = attrs.evolve(listed, timed_releases=())
    else:
        listed = sequence(kind)
    assert locate.lists_distributions(listed) is bool(locate.summaries(listed))
    assert locate.lists_distributions(listed) is (kind != "none")
