"""Resuming a journey from a ``/consumers/me`` projection of each phase, and from the server
(a known sequence, optionally with a waitlist entry)."""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    EXPERIENCE_ID,
    SEQUENCE_ID,
    T0,
    access_code_gate,
    auth_gate,
    dist_id,
    dt,
    experience,
    me_projection,
    sequence,
    waitlist_id,
)

from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import ResumedFromMe, ResumedFromServer, Tick
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    JourneyAction,
    JourneyStage,
    ParticipationType,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

SS = SequenceStage
SA = SequenceAction


def _resume(projection: Any, waitlists: tuple[wire.WaitlistProjection, ...] = ()) -> Any:
    return reduce(initial_snapshot(EXPERIENCE_ID),
                  ResumedFromMe(at=T0 + 7, projection=projection, waitlists=waitlists))


def _waitlist(entered_at: int | None = T0 - 5_000) -> wire.WaitlistProjection:
    return wire.WaitlistProjection(waitlist_id="wl-9", sequence_id=SEQUENCE_ID,
                                   experience_id=EXPERIENCE_ID,
                                   entered_at=None if entered_at is None else dt(entered_at))


PHASES: list[Any] = [
    pytest.param(me_projection("unavailable"), SS.NONE, (), id="unavailable"),
    pytest.param(me_projection("scheduled", lifecycle="scheduled"), SS.UPCOMING, (), id="scheduled"),
    pytest.param(me_projection("enterable", consumer_status="not_queued"), SS.ACTIVE_ENTERABLE,
                 (SA.ENTER_QUEUE,), id="enterable-queue"),
    pytest.param(me_projection("enterable", "draw", consumer_status="not_entered"),
                 SS.ACTIVE_ENTERABLE, (SA.ENTER_DRAW,), id="enterable-draw"),
    pytest.param(me_projection("participating"), SS.PARTICIPATING, (SA.LEAVE_PARTICIPATION,),
                 id="participating-queue"),
    pytest.param(me_projection("participating", "auction", consumer_status="bidding"),
                 SS.PARTICIPATING, (), id="participating-auction"),
    pytest.param(me_projection("settling", "draw", consumer_status="entered", lifecycle="settling"),
                 SS.PARTICIPATING, (), id="settling-draw"),  # results pending: no leave
    pytest.param(me_projection("granted", grant="tok-9", grant_expires_at=T0 + 60_000,
                               consumer_status="granted"),
                 SS.ADMITTED, (), id="granted-queue"),
    pytest.param(me_projection("granted", "timed_release", grant="tok-9", consumer_status="granted"),
                 SS.ADMITTED, (SA.COMPLETE_TIMED_RELEASE,), id="granted-timed_release"),
    pytest.param(me_projection("ended", "draw", outcome="lost", consumer_status="denied",
                               lifecycle="closed"), SS.ENDED, (), id="ended-lost"),
]


@pytest.mark.parametrize(("projection", "stage", "actions"), PHASES)
def test_resume_from_me_phase(projection: wire.RoutedJourneyProjection, stage: SS,
                              actions: tuple[SA, ...]) -> None:
    snap = _resume(projection)
    assert snap.journey_stage is JourneyStage.ROUTED
    assert snap.sequence_stage is stage
    assert snap.available_actions.sequence == actions
    assert snap.context.sequence_id == SEQUENCE_ID
    assert snap.revision == 1 and snap.updated_at == T0 + 7
    distribution = snap.context.distribution
    if stage is SS.NONE:
        assert distribution is None
    else:
        assert distribution is not None and distribution.id == dist_id(projection.sequence.mechanism or "")


def test_resume_granted_carries_the_grant_and_expires_on_time() -> None:
    snap = _resume(me_projection("granted", grant="tok-9", grant_expires_at=T0 + 60_000,
                                 consumer_status="granted"))
    assert snap.context.admittance_token == "tok-9"
    assert snap.context.admittance_expires_at == T0 + 60_000
    assert snap.context.participation is not None
    assert snap.context.participation.status == "GRANTED"
    expired = reduce(snap, Tick(at=T0 + 60_000))
    assert expired.sequence_stage is SS.ADMISSION_EXPIRED
    assert expired.context.admittance_token is None


def test_resume_granted_past_its_expiry_is_expired() -> None:
    snap = _resume(me_projection("granted", grant="tok-9", grant_expires_at=T0 + 7,
                                 consumer_status="granted"))
    assert snap.sequence_stage is SS.ADMISSION_EXPIRED
    assert snap.context.admittance_token is None
    assert snap.available_actions.sequence == (SA.ENTER_QUEUE,)


def test_resume_keeps_a_grant_only_while_granted() -> None:
    snap = _resume(me_projection("ended", outcome="completed", consumer_status="completed",
                                 grant="used-token", lifecycle="open"))
    assert snap.sequence_stage is SS.ENDED
    assert snap.context.admittance_token is None


def test_resume_ended_carries_the_outcome() -> None:
    snap = _resume(me_projection("ended", "draw", outcome="lost", consumer_status="denied",
                                 lifecycle="closed"))
    assert snap.context.outcome == "lost"
    assert snap.context.distribution is not None
    assert snap.context.distribution.status is DistributionStatus.CLOSED


def test_resume_participating_carries_the_position() -> None:
    snap = _resume(me_projection("participating", position=12))
    assert snap.context.position == 12
    assert snap.context.participation is not None
    assert snap.context.participation.type is ParticipationType.QUEUE


def test_resume_scheduled_with_a_waitlist_entry() -> None:
    snap = _resume(me_projection("scheduled", lifecycle="scheduled"), (_waitlist(T0 - 5_000),))
    assert snap.sequence_stage is SS.WAITLIST_ENTERED
    assert snap.context.waitlist_entered_at == T0 - 5_000
    assert snap.context.participation is not None
    assert snap.context.participation.type is ParticipationType.WAITLIST
    assert snap.available_actions.sequence == (SA.LEAVE_WAITLIST,)
    assert snap.context.distribution is not None and snap.context.distribution.waitlist_id == "wl-9"


def test_resume_scheduled_waitlist_entry_without_time_uses_the_message_time() -> None:
    snap = _resume(me_projection("scheduled", lifecycle="scheduled"), (_waitlist(None),))
    assert snap.context.waitlist_entered_at == T0 + 7


def test_resume_from_gated_projection() -> None:
    projection = wire.GatedJourneyProjection(experience_id=EXPERIENCE_ID,
                                             gates=(access_code_gate(), auth_gate()))
    snap = _resume(projection)
    assert snap.journey_stage is JourneyStage.NEEDS_AUTH
    assert [r.type for r in snap.requirements] == [RequirementType.AUTHENTICATION,
                                                   RequirementType.ACCESS_CODE]
    assert snap.available_actions.journey == (JourneyAction.AUTHENTICATE,)


# --------------------------------------------------------------------------------------------
# resume_from_server

SERVER: list[Any] = [
    pytest.param(T0 + 60_000, None, None, SS.UPCOMING, id="upcoming"),
    pytest.param(T0 + 60_000, "wl-seq-1", T0 - 1_000, SS.WAITLIST_ENTERED, id="upcoming-on-waitlist"),
    pytest.param(T0 - 60_000, None, None, SS.ACTIVE_ENTERABLE, id="open"),
    pytest.param(T0 - 60_000, "wl-seq-1", T0 - 1_000, SS.ACTIVE_ENTERABLE, id="open-waitlist-ignored"),
    pytest.param(T0 - 120_000, None, None, SS.ENDED, id="closed"),
]


@pytest.mark.parametrize(("opens", "waitlist", "entered_at", "stage"), SERVER)
def test_resume_from_server(opens: int, waitlist: str | None, entered_at: int | None, stage: SS) -> None:
    closes = T0 - 60_000 if opens == T0 - 120_000 else T0 + 10 * 3_600_000
    exp = experience(sequence("draw", opens_at=opens, closes_at=closes, waitlist=True))
    snap = reduce(initial_snapshot(EXPERIENCE_ID),
                  ResumedFromServer(at=T0, experience=exp, sequence_id=SEQUENCE_ID,
                                    waitlist_id=waitlist, waitlist_entered_at=entered_at))
    assert snap.journey_stage is JourneyStage.ROUTED
    assert snap.sequence_stage is stage
    assert snap.context.sequence_id == SEQUENCE_ID
    assert snap.context.distribution is not None and snap.context.distribution.id == dist_id("draw")
    if stage is SS.WAITLIST_ENTERED:
        assert snap.context.waitlist_entered_at == entered_at
        assert snap.context.participation is not None
        assert snap.context.participation.id == waitlist_id()
    else:
        assert snap.context.waitlist_entered_at is None


def test_resume_from_server_unknown_sequence_has_no_stage() -> None:
    snap = reduce(initial_snapshot(EXPERIENCE_ID),
                  ResumedFromServer(at=T0, experience=experience(), sequence_id="nope"))
    assert snap.journey_stage is JourneyStage.ROUTED
    assert snap.sequence_stage is SS.NONE
    assert snap.available_actions.sequence == ()
