"""Every action-availability rule of ``tables.available_actions``, and that the reducer ignores
an action that is not available (the very same snapshot object comes back)."""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    EXPERIENCE_ID,
    access_code_gate,
    act,
    auth_gate,
    bot_check_gate,
    failed,
    gated,
    no_access,
    offer,
    route,
    routed,
    snapshot_at,
    started,
)

from fanfare_rx.journey.core import tables
from fanfare_rx.journey.core.machine import initial_snapshot, is_available, reduce
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    JourneyAction,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Offer,
    Requirement,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

JA = JourneyAction
SA = SequenceAction
JS = JourneyStage
SS = SequenceStage
RT = RequirementType
DS = DistributionStatus

BOT = Requirement(type=RT.BOT_CHECK)
CODE_REQUIRED = Requirement(type=RT.ACCESS_CODE, required=True)
CODE_OPTIONAL = Requirement(type=RT.ACCESS_CODE, required=False)
AUTH = Requirement(type=RT.AUTHENTICATION)
BASE = JourneyContext(experience_id=EXPERIENCE_ID)
FAILED = JourneyContext(experience_id=EXPERIENCE_ID, last_error="NETWORK_ERROR")
WITH_OFFERS = JourneyContext(experience_id=EXPERIENCE_ID,
                             offers=(Offer(sequence_id="vip", name="VIP", priority=10,
                                           gates=(RT.ACCESS_CODE,)),))

JOURNEY_RULES: list[Any] = [
    pytest.param(JS.NOT_STARTED, (), BASE, (JA.START,), id="not_started"),
    pytest.param(JS.ENTERING, (), BASE, (), id="entering"),
    pytest.param(JS.ENTERING, (), FAILED, (JA.RETRY,), id="entering-failed"),
    pytest.param(JS.NEEDS_AUTH, (AUTH,), BASE, (JA.AUTHENTICATE,), id="needs_auth"),
    pytest.param(JS.NEEDS_AUTH, (AUTH,), FAILED, (JA.AUTHENTICATE,), id="needs_auth-failed-no-retry"),
    pytest.param(JS.NEEDS_ACCESS_CODE, (CODE_REQUIRED,), BASE, (JA.PROVIDE_ACCESS_CODE,),
                 id="needs_access_code-required"),
    pytest.param(JS.NEEDS_ACCESS_CODE, (CODE_OPTIONAL,), BASE,
                 (JA.PROVIDE_ACCESS_CODE, JA.SKIP_ACCESS_CODE), id="needs_access_code-optional"),
    pytest.param(JS.NEEDS_ACCESS_CODE, (CODE_REQUIRED, BOT), BASE, (JA.PROVIDE_ACCESS_CODE,),
                 id="needs_access_code-with-bot-pending"),
    pytest.param(JS.ROUTING, (), BASE, (), id="routing"),
    pytest.param(JS.ROUTING, (BOT,), BASE, (JA.COMPLETE_BOT_CHECK,), id="routing-bot_check"),
    pytest.param(JS.ROUTING, (), FAILED, (JA.RETRY,), id="routing-failed"),
    pytest.param(JS.ROUTING, (BOT,), FAILED, (JA.COMPLETE_BOT_CHECK, JA.RETRY), id="routing-bot-failed"),
    pytest.param(JS.ROUTING, (CODE_OPTIONAL,), BASE, (), id="routing-no-skip"),
    pytest.param(JS.ROUTED, (), BASE, (JA.REQUEST_REROUTE, JA.REFRESH_DISTRIBUTION), id="routed"),
    pytest.param(JS.ROUTED, (), WITH_OFFERS,
                 (JA.REQUEST_REROUTE, JA.REFRESH_DISTRIBUTION, JA.PROVIDE_ACCESS_CODE),
                 id="routed-with-offers"),
    pytest.param(JS.ROUTED, (), FAILED, (JA.REQUEST_REROUTE, JA.REFRESH_DISTRIBUTION),
                 id="routed-failed-no-retry"),
    pytest.param(JS.NEEDS_AUTH, (BOT,), BASE, (JA.AUTHENTICATE,), id="needs_auth-no-bot-action"),
]


@pytest.mark.parametrize(("stage", "requirements", "context", "expected"), JOURNEY_RULES)
def test_journey_actions(stage: JS, requirements: tuple[Requirement, ...], context: JourneyContext,
                         expected: tuple[JA, ...]) -> None:
    actions = tables.available_actions(stage, SS.NONE, requirements, context)
    assert actions.journey == expected
    assert actions.sequence == ()


def _ctx(kind: str | None, status: DS | None = DS.OPEN, waitlist: bool = False) -> JourneyContext:
    if kind is None:
        return BASE
    return JourneyContext(
        experience_id=EXPERIENCE_ID, sequence_id="seq-1",
        distribution=DistributionSummary(type=wire.DistributionType(kind), id=f"{kind}-1",
                                         status=status, waitlist_id="wl-1" if waitlist else None),
    )


ENTER = {"queue": SA.ENTER_QUEUE, "draw": SA.ENTER_DRAW, "auction": SA.ENTER_AUCTION,
         "timed_release": SA.ENTER_TIMED_RELEASE}


def _sequence_rules() -> list[Any]:
    rows: list[Any] = []
    for kind in ("queue", "draw", "auction", "timed_release"):
        rows += [
            pytest.param(SS.NONE, _ctx(kind), (), id=f"{kind}-none"),
            pytest.param(SS.UPCOMING, _ctx(kind, DS.UPCOMING), (), id=f"{kind}-upcoming"),
            pytest.param(SS.UPCOMING, _ctx(kind, DS.UPCOMING, waitlist=True), (SA.ENTER_WAITLIST,),
                         id=f"{kind}-upcoming-waitlist"),
            pytest.param(SS.WAITLIST_ENTERED, _ctx(kind, DS.UPCOMING, waitlist=True),
                         (SA.LEAVE_WAITLIST,), id=f"{kind}-waitlist_entered"),
            pytest.param(SS.ACTIVE_ENTERABLE, _ctx(kind), (ENTER[kind],), id=f"{kind}-active_enterable"),
            pytest.param(SS.PARTICIPATING, _ctx(kind),
                         () if kind == "auction" else (SA.LEAVE_PARTICIPATION,),
                         id=f"{kind}-participating"),
            pytest.param(SS.ADMITTED, _ctx(kind),
                         (SA.COMPLETE_TIMED_RELEASE,) if kind == "timed_release" else (),
                         id=f"{kind}-admitted"),
            pytest.param(SS.ADMISSION_EXPIRED, _ctx(kind), (ENTER[kind],),
                         id=f"{kind}-admission_expired-open"),
            pytest.param(SS.ADMISSION_EXPIRED, _ctx(kind, DS.CLOSED), (),
                         id=f"{kind}-admission_expired-closed"),
            pytest.param(SS.ENDED, _ctx(kind, DS.CLOSED), (), id=f"{kind}-ended"),
        ]
    rows += [
        pytest.param(SS.ACTIVE_ENTERABLE, _ctx(None), (), id="no-distribution-enterable"),
        pytest.param(SS.ACTIVE_ENTERABLE, _ctx("appointment"), (), id="appointment-enterable"),
        pytest.param(SS.ADMISSION_EXPIRED, _ctx(None), (), id="no-distribution-expired"),
        pytest.param(SS.UPCOMING, _ctx(None), (), id="no-distribution-upcoming"),
    ]
    return rows


@pytest.mark.parametrize(("stage", "context", "expected"), _sequence_rules())
def test_sequence_actions_when_routed(stage: SS, context: JourneyContext,
                                      expected: tuple[SA, ...]) -> None:
    actions = tables.available_actions(JS.ROUTED, stage, (), context)
    assert actions.sequence == expected


@pytest.mark.parametrize("journey_stage", [s for s in JS if s is not JS.ROUTED])
@pytest.mark.parametrize("sequence_stage", list(SS))
def test_no_sequence_action_unless_routed(journey_stage: JS, sequence_stage: SS) -> None:
    context = _ctx("timed_release", waitlist=True)
    assert tables.available_actions(journey_stage, sequence_stage, (), context).sequence == ()


@pytest.mark.parametrize("kind", ["queue", "draw", "auction", "timed_release"])
def test_enter_action_matches_the_distribution_type(kind: str) -> None:
    enters = set(ENTER.values())
    for stage in SS:
        sequence = tables.available_actions(JS.ROUTED, stage, (), _ctx(kind)).sequence
        assert set(sequence) & enters <= {ENTER[kind]}


# --------------------------------------------------------------------------------------------
# The reducer ignores unavailable actions

def _snapshots() -> list[Any]:
    return [
        pytest.param(lambda: initial_snapshot(EXPERIENCE_ID), id="not_started"),
        pytest.param(started, id="entering"),
        pytest.param(lambda: reduce(started(), route(gated(auth_gate()))), id="needs_auth"),
        pytest.param(lambda: reduce(started(), route(gated(access_code_gate()))), id="needs_code"),
        pytest.param(lambda: reduce(started(), route(routed(offers=[offer("vip", access_code_gate())]))),
                     id="needs_code-optional"),
        pytest.param(lambda: reduce(started(), route(gated(bot_check_gate()))), id="routing-bot"),
        pytest.param(lambda: reduce(started(), route(no_access())), id="routing-no_access"),
        pytest.param(lambda: reduce(started(), failed()), id="entering-failed"),
        pytest.param(lambda: snapshot_at("queue", availability="upcoming", waitlist=True), id="upcoming"),
        pytest.param(lambda: snapshot_at("draw"), id="draw-enterable"),
        pytest.param(lambda: snapshot_at("auction", state="BIDDING"), id="auction-participating"),
        pytest.param(lambda: snapshot_at("queue", state="QUEUED"), id="queue-participating"),
        pytest.param(lambda: snapshot_at("timed_release", state="GRANTED"), id="tr-admitted"),
        pytest.param(lambda: snapshot_at("queue", availability="closed"), id="ended"),
    ]


ALL_ACTIONS: list[JA | SA] = [*JA, *SA]


@pytest.mark.parametrize("build", _snapshots())
def test_unavailable_action_returns_the_same_snapshot(build: Any) -> None:
    snap: JourneySnapshot = build()
    unavailable = [a for a in ALL_ACTIONS if not is_available(snap, a)]
    assert unavailable  # every stage forbids something
    for action in unavailable:
        after = reduce(snap, act(action, "ARG", at=snap.updated_at + 1))
        assert after is snap, action


@pytest.mark.parametrize("build", _snapshots())
def test_snapshot_actions_equal_the_table(build: Any) -> None:
    snap: JourneySnapshot = build()
    assert snap.available_actions == tables.available_actions(
        snap.journey_stage, snap.sequence_stage, snap.requirements, snap.context)


@pytest.mark.parametrize("build", _snapshots())
def test_available_actions_apply_without_raising(build: Any) -> None:
    snap: JourneySnapshot = build()
    for action in [*snap.available_actions.journey, *snap.available_actions.sequence]:
        after = reduce(snap, act(action, "VIP", at=snap.updated_at + 1))
        if after is not snap:
            assert after.revision == snap.revision + 1, action
            assert after != snap
