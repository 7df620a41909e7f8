"""Journey-stage transitions of the pure reducer (spec §3.3, DESIGN.md §3 routing table):
start, gates, optional access code, skip, reroute, no_access, requirement order."""

from __future__ import annotations

from typing import Any

import pytest
from factories import (
    EXPERIENCE_ID,
    T0,
    access_code_gate,
    act,
    auth_gate,
    bot_check_gate,
    experience,
    failed,
    fold,
    gated,
    members_only,
    no_access,
    offer,
    route,
    routed,
    sequence,
    snapshot_at,
    started,
)

from fanfare_rx.journey.core import routing
from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import RouteResolved, RoutingStarted
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceStage,
)

JA = JourneyAction
JS = JourneyStage
RT = RequirementType


def test_initial_snapshot_is_not_started_with_only_start() -> None:
    snap = initial_snapshot(EXPERIENCE_ID)
    assert (snap.journey_stage, snap.sequence_stage) == (JS.NOT_STARTED, SequenceStage.NONE)
    assert snap.available_actions.journey == (JA.START,)
    assert snap.available_actions.sequence == ()
    assert snap.revision == 0 and snap.events == () and snap.requirements == ()


def test_start_enters_and_keeps_the_access_code() -> None:
    snap = reduce(initial_snapshot(EXPERIENCE_ID), act(JA.START, "VIP", at=T0 + 5))
    assert snap.journey_stage is JS.ENTERING
    assert snap.context.access_code == "VIP"
    assert snap.available_actions.journey == ()
    assert snap.revision == 1 and snap.updated_at == T0 + 5


# --------------------------------------------------------------------------------------------
# Route result -> journey stage (DESIGN.md §3, first table)

GATE_ROWS: list[Any] = [
    pytest.param((auth_gate(),), JS.NEEDS_AUTH,
                 [(RT.AUTHENTICATION, True, "AUTH_REQUIRED")], (JA.AUTHENTICATE,), id="authentication"),
    pytest.param((access_code_gate(),), JS.NEEDS_ACCESS_CODE,
                 [(RT.ACCESS_CODE, True, "ACCESS_CODE_REQUIRED")], (JA.PROVIDE_ACCESS_CODE,),
                 id="access_code-missing"),
    pytest.param((access_code_gate(invalid=True),), JS.NEEDS_ACCESS_CODE,
                 [(RT.ACCESS_CODE, True, "ACCESS_CODE_INVALID")], (JA.PROVIDE_ACCESS_CODE,),
                 id="access_code-invalid"),
    pytest.param((bot_check_gate(),), JS.ROUTING,
                 [(RT.BOT_CHECK, True, "BOT_REQUIRED")], (JA.COMPLETE_BOT_CHECK,), id="bot_check"),
    pytest.param((bot_check_gate(), access_code_gate(), auth_gate()), JS.NEEDS_AUTH,
                 [(RT.AUTHENTICATION, True, "AUTH_REQUIRED"),
                  (RT.ACCESS_CODE, True, "ACCESS_CODE_REQUIRED"),
                  (RT.BOT_CHECK, True, "BOT_REQUIRED")], (JA.AUTHENTICATE,),
                 id="all-three-in-documented-order"),
    pytest.param((bot_check_gate(), access_code_gate()), JS.NEEDS_ACCESS_CODE,
                 [(RT.ACCESS_CODE, True, "ACCESS_CODE_REQUIRED"), (RT.BOT_CHECK, True, "BOT_REQUIRED")],
                 (JA.PROVIDE_ACCESS_CODE,), id="code-then-bot"),
]


@pytest.mark.parametrize(("gates", "stage", "requirements", "actions"), GATE_ROWS)
def test_gated_route(gates: tuple[wire.Gate, ...], stage: JS, requirements: list[Any],
                     actions: tuple[JA, ...]) -> None:
    snap = reduce(started(), route(gated(*gates), at=T0 + 1))
    assert snap.journey_stage is stage
    assert snap.sequence_stage is SequenceStage.NONE
    assert [(r.type, r.required, r.reason) for r in snap.requirements] == requirements
    assert snap.available_actions.journey == actions
    assert snap.available_actions.sequence == ()
    user = [e for e in snap.events if e.audience is EventAudience.USER]
    assert [e.kind for e in user] == [EventKind.REQUIREMENT] * len(requirements)
    assert [e.detail and e.detail["requirement"] for e in user] == [r[0].value for r in requirements]
    analytics = [e for e in snap.events if e.audience is EventAudience.ANALYTICS]
    assert analytics[-1].message == "journey_gated"


def test_bot_check_requirement_carries_the_challenge() -> None:
    snap = reduce(started(), route(gated(bot_check_gate("ch-9"))))
    (requirement,) = snap.requirements
    assert requirement.metadata is not None
    assert requirement.metadata["challenge_id"] == "ch-9"
    assert requirement.metadata["challenge_url"] == "https://bot.example/ch-9"


def test_invalid_access_code_is_dropped_and_warns() -> None:
    snap = reduce(started(access_code="WRONG"), route(gated(access_code_gate(invalid=True))))
    assert snap.context.access_code is None
    event = next(e for e in snap.events if e.kind is EventKind.REQUIREMENT)
    assert (event.severity, event.message) == (EventSeverity.WARNING, "Invalid access code")


def test_missing_code_requirement_event_is_info() -> None:
    snap = reduce(started(), route(gated(access_code_gate())))
    event = next(e for e in snap.events if e.kind is EventKind.REQUIREMENT)
    assert event.severity is EventSeverity.INFO
    assert event.audience is EventAudience.USER


def test_routed_with_code_only_offer_and_no_code_tried_asks_optionally() -> None:
    result = routed(offers=[offer("vip", access_code_gate())])
    snap = reduce(started(), route(result, at=T0 + 1))
    assert snap.journey_stage is JS.NEEDS_ACCESS_CODE
    (requirement,) = snap.requirements
    assert (requirement.type, requirement.required) == (RT.ACCESS_CODE, False)
    assert snap.available_actions.journey == (JA.PROVIDE_ACCESS_CODE, JA.SKIP_ACCESS_CODE)
    assert [o.sequence_id for o in snap.context.offers] == ["vip"]


@pytest.mark.parametrize(
    "offers",
    [
        pytest.param([offer("vip", auth_gate())], id="auth-gated-offer"),
        pytest.param([offer("vip", access_code_gate(), auth_gate())], id="code-and-auth-offer"),
        pytest.param([], id="no-offers"),
    ],
)
def test_routed_without_code_only_offers_routes_straight(offers: list[wire.OfferGated]) -> None:
    snap = reduce(started(), route(routed(offers=offers)))
    assert snap.journey_stage is JS.ROUTED
    assert snap.requirements == ()


def test_routed_with_code_offer_when_a_code_was_tried_routes() -> None:
    snap = reduce(started(access_code="NOPE"), route(routed(offers=[offer("vip", access_code_gate())])))
    assert snap.journey_stage is JS.ROUTED
    assert JA.PROVIDE_ACCESS_CODE in snap.available_actions.journey  # upgrade still possible


def test_skip_access_code_goes_routing_then_routed() -> None:
    result = routed(offers=[offer("vip", access_code_gate())])
    snap = reduce(started(), route(result, at=T0 + 1))
    snap = reduce(snap, act(JA.SKIP_ACCESS_CODE, at=T0 + 2))
    assert snap.journey_stage is JS.ROUTING
    assert snap.requirements == ()
    assert snap.context.access_code_skipped is True
    snap = reduce(snap, route(result, at=T0 + 3))
    assert snap.journey_stage is JS.ROUTED
    assert snap.sequence_stage is SequenceStage.ACTIVE_ENTERABLE


def test_skip_is_unavailable_when_the_code_is_required() -> None:
    snap = reduce(started(), route(gated(access_code_gate())))
    assert JA.SKIP_ACCESS_CODE not in snap.available_actions.journey
    assert reduce(snap, act(JA.SKIP_ACCESS_CODE)) is snap


# --------------------------------------------------------------------------------------------
# Spec §3.3 journey-stage table, one row each

def _needs_auth() -> Any:
    return reduce(started(), route(gated(auth_gate())))


def _needs_code() -> Any:
    return reduce(started(), route(gated(access_code_gate())))


TRANSITIONS: list[Any] = [
    pytest.param(lambda: initial_snapshot(EXPERIENCE_ID), act(JA.START), JS.ENTERING,
                 id="not_started-start-entering"),
    pytest.param(started, route(gated(auth_gate())), JS.NEEDS_AUTH, id="entering-auth-needs_auth"),
    pytest.param(started, route(gated(access_code_gate())), JS.NEEDS_ACCESS_CODE,
                 id="entering-code-needs_access_code"),
    pytest.param(started, route(gated(bot_check_gate())), JS.ROUTING, id="entering-bot-routing"),
    pytest.param(started, route(routed()), JS.ROUTED, id="entering-routed"),
    pytest.param(_needs_auth, act(JA.AUTHENTICATE), JS.ROUTING, id="needs_auth-authenticate-routing"),
    pytest.param(_needs_code, act(JA.PROVIDE_ACCESS_CODE, "VIP"), JS.ROUTING,
                 id="needs_access_code-provide-routing"),
    pytest.param(lambda: reduce(_needs_auth(), act(JA.AUTHENTICATE)), route(routed()), JS.ROUTED,
                 id="routing-sequence_found-routed"),
    pytest.param(lambda: reduce(_needs_auth(), act(JA.AUTHENTICATE)), route(gated(auth_gate())),
                 JS.NEEDS_AUTH, id="routing-auth-needs_auth"),
    pytest.param(lambda: reduce(_needs_auth(), act(JA.AUTHENTICATE)), route(gated(access_code_gate())),
                 JS.NEEDS_ACCESS_CODE, id="routing-code-needs_access_code"),
    pytest.param(snapshot_at, act(JA.REQUEST_REROUTE), JS.ROUTING, id="routed-request_reroute-routing"),
    pytest.param(snapshot_at, route(routed()), JS.ROUTED, id="routed-routed-routed"),
    pytest.param(started, route(no_access()), JS.ROUTING, id="entering-no_access-routing"),
]


@pytest.mark.parametrize(("build", "message", "stage"), TRANSITIONS)
def test_journey_transition(build: Any, message: Any, stage: JS) -> None:
    before = build()
    after = reduce(before, message)
    assert after.journey_stage is stage


def test_authenticate_removes_the_auth_requirement_and_says_signed_in() -> None:
    snap = reduce(started(), route(gated(auth_gate(), bot_check_gate())))
    snap = reduce(snap, act(JA.AUTHENTICATE, at=T0 + 9))
    assert [r.type for r in snap.requirements] == [RT.BOT_CHECK]
    assert JA.COMPLETE_BOT_CHECK in snap.available_actions.journey
    last = [e for e in snap.events if e.ts == T0 + 9]
    assert [(e.kind, e.severity, e.message) for e in last] == [
        (EventKind.REQUIREMENT, EventSeverity.SUCCESS, "Signed in")
    ]


def test_provide_access_code_keeps_the_code_and_clears_skip() -> None:
    snap = reduce(_needs_code(), act(JA.PROVIDE_ACCESS_CODE, "VIP2024"))
    assert snap.context.access_code == "VIP2024"
    assert snap.context.access_code_skipped is False
    assert snap.requirements == ()


def test_no_access_sets_error_event_and_retry() -> None:
    snap = reduce(started(), route(no_access(), at=T0 + 4))
    assert snap.journey_stage is JS.ROUTING
    assert snap.sequence_stage is SequenceStage.NONE
    assert snap.requirements == ()
    assert snap.available_actions.journey == (JA.RETRY,)
    assert snap.context.last_error == "NO_SEQUENCE_AVAILABLE"
    event = snap.events[-1]
    assert (event.kind, event.severity, event.audience) == (
        EventKind.ERROR, EventSeverity.ERROR, EventAudience.USER)
    assert event.detail is not None and event.detail["code"] == "NO_SEQUENCE_AVAILABLE"
    assert snap.latest_event == event
    retried = reduce(snap, act(JA.RETRY, at=T0 + 5))
    assert retried.context.last_error is None
    assert retried.available_actions.journey == ()
    assert reduce(retried, route(routed(), at=T0 + 6)).journey_stage is JS.ROUTED


def _drawn() -> wire.RouteNoAccess:
    reason = wire.Reason(wire.ReasonCode.NO_ACCESS, "every sequence has ended: draw already drawn")
    return wire.RouteNoAccess(experience_id=EXPERIENCE_ID, outcome_reasons=(reason,))


def test_no_access_says_the_servers_reason_once_until_it_changes_or_is_retried() -> None:
    snap = reduce(started(), route(_drawn(), at=T0 + 4))
    event = snap.events[-1]
    assert event.message == "No sequence is available: every sequence has ended: draw already drawn"
    assert event.detail is not None
    assert event.detail["details"] == ["every sequence has ended: draw already drawn"]
    assert reduce(snap, route(_drawn(), at=T0 + 9)) is snap  # a poll's route: nothing new
    changed = reduce(snap, route(no_access(), at=T0 + 10))  # another reason: said again
    assert len(changed.events) == len(snap.events) + 1
    retried = reduce(reduce(snap, act(JA.RETRY, at=T0 + 11)), route(_drawn(), at=T0 + 12))
    assert retried.events[-1].message.startswith("No sequence is available")
    assert retried.events[-1].id != event.id


def test_no_access_after_admission_keeps_the_admission() -> None:
    """The server still holds the grant: a reroute that finds no sequence drops nothing."""
    snap = snapshot_at("queue", state="GRANTED")
    assert snap.context.admittance_token == "grant-1"
    before = snap
    snap = reduce(snap, act(JA.REQUEST_REROUTE, at=T0 + 10))
    snap = reduce(snap, route(no_access(), at=T0 + 11))
    assert (snap.journey_stage, snap.sequence_stage) == (JS.ROUTED, SequenceStage.ADMITTED)
    assert snap.context.admittance_token == "grant-1"
    assert snap.context.participation == before.context.participation
    assert snap.events[-1].detail is not None
    assert snap.events[-1].detail["code"] == "NO_SEQUENCE_AVAILABLE"


def test_gated_reroute_while_admitted_keeps_the_grant() -> None:
    # A gate on the sequence asked for is no word from the server about the held entry:
    # the grant, its expiry and the participation stay (DESIGN: the client never drops a place).
    admitted = snapshot_at("queue", state="GRANTED")
    snap = reduce(admitted, act(JA.REQUEST_REROUTE, at=T0 + 10))
    snap = reduce(snap, route(gated(auth_gate()), at=T0 + 11))
    assert snap.journey_stage is JS.NEEDS_AUTH
    assert snap.sequence_stage is SequenceStage.ADMITTED
    assert snap.context.admittance_token == admitted.context.admittance_token is not None
    assert snap.context.admittance_expires_at == admitted.context.admittance_expires_at
    assert snap.context.participation == admitted.context.participation is not None


def test_failure_while_entering_offers_retry() -> None:
    snap = reduce(started(), failed("NETWORK_ERROR", JA.START))
    assert snap.journey_stage is JS.ENTERING
    assert snap.available_actions.journey == (JA.RETRY,)
    event = snap.events[-1]
    assert (event.kind, event.severity, event.audience) == (
        EventKind.ERROR, EventSeverity.ERROR, EventAudience.USER)
    assert event.detail is not None and event.detail["action"] == "start"


def test_start_with_reset_starts_over_from_any_stage() -> None:
    snap = snapshot_at("queue", state="QUEUED")
    assert reduce(snap, act(JA.START)) is snap  # start without reset is unavailable once started
    again = reduce(snap, act(JA.START, reset=True, at=T0 + 50))
    assert again.journey_stage is JS.ENTERING and again.sequence_stage is SequenceStage.NONE
    assert again.context.distribution is None and again.context.sequence_id is None
    assert again.revision == snap.revision + 1


# --------------------------------------------------------------------------------------------
# Reroute events (upgrade / downgrade / lateral)

REROUTES: list[Any] = [
    pytest.param(10, EventSeverity.INFO, "Sequence changed", "upgrade", id="upgrade"),
    pytest.param(0.5, EventSeverity.WARNING, "Sequence downgraded", "downgrade", id="downgrade"),
    pytest.param(1, EventSeverity.INFO, "Sequence changed", "lateral", id="lateral"),
]


@pytest.mark.parametrize(("priority", "severity", "message", "direction"), REROUTES)
def test_reroute_event(priority: float, severity: EventSeverity, message: str, direction: str) -> None:
    exp = experience(sequence("queue"), sequence("queue", "seq-2", priority=priority))
    snap = fold(started(), route(routed(), exp, at=T0 + 1))
    snap = fold(snap, act(JA.REQUEST_REROUTE, at=T0 + 2),
                route(routed("seq-2", priority=priority), exp, at=T0 + 3))
    assert snap.context.sequence_id == "seq-2"
    assert snap.context.distribution is not None and snap.context.distribution.id == "queue-seq-2"
    reroutes = [e for e in snap.events if e.kind is EventKind.REROUTE]
    assert len(reroutes) == 1
    event = reroutes[0]
    assert (event.severity, event.audience, event.message) == (severity, EventAudience.USER, message)
    assert event.detail is not None
    assert event.detail == {"direction": direction, "from_sequence_id": "seq-1",
                            "to_sequence_id": "seq-2"}


def test_routed_to_the_same_sequence_again_emits_no_reroute() -> None:
    snap = snapshot_at("queue")
    again = fold(snap, act(JA.REQUEST_REROUTE, at=T0 + 5), route(routed(), at=T0 + 6))
    assert not [e for e in again.events if e.kind is EventKind.REROUTE]
    assert again.sequence_stage is SequenceStage.ACTIVE_ENTERABLE


def test_routed_with_a_rejected_code_on_the_offers_asks_again_optionally() -> None:
    result = routed(offers=[offer("vip", access_code_gate(invalid=True))])
    snap = reduce(started(access_code="WRONG"), route(result, at=T0 + 1))
    assert snap.journey_stage is JS.NEEDS_ACCESS_CODE
    assert snap.context.access_code is None
    (requirement,) = snap.requirements
    assert (requirement.type, requirement.required, requirement.reason) == (
        RT.ACCESS_CODE, False, "ACCESS_CODE_INVALID")
    assert snap.available_actions.journey == (JA.PROVIDE_ACCESS_CODE, JA.SKIP_ACCESS_CODE)


# --------------------------------------------------------------------------------------------
# entering -> routing: the effect asks the route's own handler (one answer, not a second table)


ANSWERS: list[Any] = [
    pytest.param(started(), route(routed()), True, id="routed"),
    pytest.param(started(), route(no_access()), True, id="no_access"),
    pytest.param(started(), route(gated(bot_check_gate())), True, id="bot-check-gate"),
    pytest.param(started(), route(gated(auth_gate())), False, id="auth-gate"),
    pytest.param(started(), route(gated(access_code_gate())), False, id="code-gate"),
    pytest.param(started(), route(routed(offers=[offer("vip", access_code_gate())])), False,
                 id="optional-code"),
    pytest.param(started(access_code="NOPE"), route(routed(offers=[offer("vip", access_code_gate())])),
                 True, id="optional-code-tried"),
    pytest.param(started(), RouteResolved(at=T0, result=routed(), experience=members_only("queue"),
                                          guest=True), False, id="guest-on-members-only"),
    pytest.param(snapshot_at("queue"), route(routed()), False, id="not-entering"),
]


@pytest.mark.parametrize(("snap", "answer", "through"), ANSWERS)
def test_an_answer_passes_through_routing_where_the_fold_takes_it(
        snap: JourneySnapshot, answer: RouteResolved, through: bool) -> None:
    """``passes_through_routing`` and the fold give one answer: the effect sends
    ``RoutingStarted`` exactly for the answers the reducer leaves in routing or routed."""
    assert routing.passes_through_routing(snap, answer) is through
    folded = reduce(snap, answer).journey_stage
    assert through is (snap.journey_stage is JS.ENTERING and folded in (JS.ROUTED, JS.ROUTING))
    if through:  # and the journey the effect drives passes through routing to the same stage
        via = fold(snap, RoutingStarted(at=answer.at), answer)
        assert reduce(snap, RoutingStarted(at=answer.at)).journey_stage is JS.ROUTING
        assert via.journey_stage is folded
