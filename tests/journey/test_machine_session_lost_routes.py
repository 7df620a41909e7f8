"""After a lost session, whatever route answer arrives, a journey never says ``routed`` while
it still lists the sign-in requirement (stage and requirements come from one answer)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanfare_rx.journey.core import tables
from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import RouteResolved, SessionLost, StatusReceived
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceStage,
)
from fanfare_rx.testing import builders as b

EXPERIENCE = b.experience("queue")


def _queued_then_lost() -> JourneySnapshot:
    snap = initial_snapshot(b.EXPERIENCE_ID)
    snap = reduce(snap, RouteResolved(at=1_000, result=b.routed(), experience=EXPERIENCE))
    snap = reduce(snap, StatusReceived(at=1_500, distribution_id=b.distribution_id("queue"),
                                       state=b.queued(12)))
    assert snap.sequence_stage is SequenceStage.PARTICIPATING
    return reduce(snap, SessionLost(at=2_000, code="SESSION_LOST", message="lost"))


def _asks_to_sign_in(snap: JourneySnapshot) -> bool:
    return any(r.type is RequirementType.AUTHENTICATION and r.required
               for r in snap.requirements)


ROUTES: dict[str, wire.RouteResult] = {
    "no_access": b.no_access(),
    "routed": b.routed(),
    "gated_auth": b.gated(b.auth_gate()),
}


@pytest.mark.parametrize("follow", [True, False])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_route_answer_after_a_lost_session_keeps_stage_and_requirements_together(
        name: str, follow: bool) -> None:
    lost = _queued_then_lost()
    assert lost.journey_stage is JourneyStage.NEEDS_AUTH and _asks_to_sign_in(lost)
    after = reduce(lost, RouteResolved(at=3_000, result=ROUTES[name], experience=EXPERIENCE,
                                       follow=follow))
    if _asks_to_sign_in(after):
        assert after.journey_stage is JourneyStage.NEEDS_AUTH
    if after.journey_stage is JourneyStage.ROUTED:
        assert after.requirements == ()
    if name == "no_access":  # the server still holds the queue place: it stays followed
        assert after.context.participation == lost.context.participation
    assert after.available_actions == tables.available_actions(
        after.journey_stage, after.sequence_stage, after.requirements, after.context)


def test_no_access_while_the_session_is_lost_still_asks_to_sign_in() -> None:
    lost = _queued_then_lost()
    after = reduce(lost, RouteResolved(at=3_000, result=b.no_access(), experience=EXPERIENCE))
    assert after.journey_stage is JourneyStage.NEEDS_AUTH
    assert after.sequence_stage is SequenceStage.PARTICIPATING
    assert _asks_to_sign_in(after)


def _menu() -> list[Any]:
    queue = b.distribution_id("queue")
    return [
        ("lost", None),
        ("route", (b.no_access(), True)), ("route", (b.no_access(), False)),
        ("route", (b.routed(), True)), ("route", (b.routed(), False)),
        ("route", (b.gated(b.auth_gate()), True)), ("route", (b.gated(b.auth_gate()), False)),
        ("status", (queue, b.queued(5))), ("status", (queue, b.queue_granted())),
        ("status", (queue, b.queue_denied())), ("status", (queue, b.not_queued())),
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, len(_menu()) - 1), min_size=1, max_size=12))
def test_no_answer_order_leaves_routed_listing_the_sign_in(steps: list[int]) -> None:
    """Found by fuzzing the reducer: whatever arrives after a lost session, in any order."""
    menu = _menu()
    snap = initial_snapshot(b.EXPERIENCE_ID)
    snap = reduce(snap, RouteResolved(at=1_000, result=b.routed(), experience=EXPERIENCE))
    at = 1_000
    for index in steps:
        at += 100
        kind, data = menu[index]
        if kind == "lost":
            snap = reduce(snap, SessionLost(at=at, code="SESSION_LOST", message="lost"))
        elif kind == "route":
            result, follow = data
            snap = reduce(snap, RouteResolved(at=at, result=result, experience=EXPERIENCE,
                                              follow=follow))
        else:
            distribution_id, state = data
            snap = reduce(snap, StatusReceived(at=at, distribution_id=distribution_id,
                                               state=state))
        if snap.journey_stage is JourneyStage.ROUTED:
            assert not _asks_to_sign_in(snap), steps


@pytest.mark.parametrize("gate", [b.auth_gate(), b.bot_check_gate()], ids=["auth", "bot_check"])
def test_a_gated_route_asked_for_while_holding_a_place_keeps_the_place(gate: Any) -> None:
    snap = initial_snapshot(b.EXPERIENCE_ID)
    snap = reduce(snap, RouteResolved(at=1_000, result=b.routed(), experience=EXPERIENCE))
    snap = reduce(snap, StatusReceived(at=1_500, distribution_id=b.distribution_id("queue"),
                                       state=b.queued(12)))
    held = snap.context
    after = reduce(snap, RouteResolved(at=2_000, result=b.gated(gate), experience=EXPERIENCE,
                                       follow=True))
    assert after.requirements  # the gate is asked for ...
    assert after.sequence_stage is SequenceStage.PARTICIPATING  # ... and the place stays
    assert after.context.participation == held.participation
    assert after.context.position == 12
    assert after.context.distribution == held.distribution
