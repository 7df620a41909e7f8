"""User reports end to end on the sandbox: a wrong upgrade code while queued, refresh after
sign-in, an entry refused for want of sign-in, a distribution closing under an enterable
journey, the server's reroute hint, and a settling draw."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from integration_helpers import consumer_id, engine_of, one_experience_sandboxes

from fanfare_rx import Fanfare
from fanfare_rx.errors import FanfareError
from fanfare_rx.models.journey import RequirementType
from fanfare_rx.sandbox import Sandbox

Custom = Callable[..., Awaitable[tuple[Sandbox, Fanfare]]]


@pytest.fixture
async def custom() -> AsyncIterator[Custom]:
    """A sandbox (manual clock) on one experience "x" with these sequences, and a Fanfare on it."""
    async with one_experience_sandboxes() as start:
        yield start


async def _sign_in(sb: Sandbox, fanfare: Fanfare) -> None:
    assert await fanfare.auth.request_otp(email="ada@example.com")
    await fanfare.auth.verify_otp(sb.otp_code, email="ada@example.com")


# --- 3 ----------------------------------------------------------------------------------------


async def test_wrong_upgrade_code_while_queued_keeps_the_place_and_polling(
        sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.experiences.create_journey(sb.experiences["vip"])
    await journey.start()
    await journey.skip_access_code()
    await journey.enter_queue()
    before = journey.state.get()
    assert before.sequence_stage == "participating" and before.context.position == 26

    await journey.provide_access_code("WRONG-CODE")
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "participating")
    assert snap.context.sequence_id == before.context.sequence_id
    assert snap.context.participation == before.context.participation
    assert snap.available_actions == before.available_actions
    assert any(e.message == "Access code rejected" for e in snap.events)
    assert "WRONG-CODE" not in repr(snap)

    journey.start_polling(100)
    await sb.advance(120)  # 60 admissions a minute: the 26th is long admitted
    await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=10)
    journey.stop_polling()
    token = journey.state.get().context.admittance_token
    assert token is not None


# --- 4 ----------------------------------------------------------------------------------------

MEMBERS_AND_GENERAL = [
    {"id": "seq-members", "name": "Members", "priority": 10, "requiresSignIn": True,
     "distribution": {"type": "queue", "id": "q-members", "openAt": 0, "closeAt": 7200,
                      "admitRate": 60, "crowd": 0, "admissionExpirationSeconds": 600}},
    {"id": "seq-general", "name": "General", "priority": 1,
     "distribution": {"type": "queue", "id": "q-general", "openAt": 0, "closeAt": 7200,
                      "admitRate": 60, "crowd": 30, "admissionExpirationSeconds": 600}},
]


async def test_refresh_after_sign_in_keeps_the_queued_guest_in_place(custom: Custom) -> None:
    sb, fanfare = await custom(MEMBERS_AND_GENERAL)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    await journey.enter_queue()
    before = journey.state.get()
    assert before.context.sequence_id == "seq-general" and before.context.position == 31

    await _sign_in(sb, fanfare)
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert (snap.sequence_stage, snap.context.sequence_id) == ("participating", "seq-general")
    assert snap.context.participation == before.context.participation
    assert not any(e.kind == "reroute" for e in snap.events)

    await journey.request_reroute()  # asked for: moves, and says what happens to the entry
    snap = journey.state.get()
    assert snap.context.sequence_id == "seq-members"
    left = [e for e in snap.events if e.detail and e.detail.get("entry") == "kept_on_server_not_followed"]
    assert len(left) == 1


# --- 5 ----------------------------------------------------------------------------------------

MEMBERS_AUCTION = [
    {"id": "seq-a", "name": "Auction", "priority": 1,
     "distribution": {"type": "auction", "id": "a-1", "openAt": 0, "settleAt": 300,
                      "startPrice": "100.00", "minBidIncrement": "5.00",
                      "supportsGuest": False, "admissionExpirationSeconds": 600}},
]


async def test_guest_refused_by_a_members_auction_is_asked_to_sign_in(custom: Custom) -> None:
    """A gen C server does not say whether an auction takes guests (the sandbox in spec mode
    drops its ``supportsGuest``): the refused bid (403) asks for sign-in. Where the server says
    so, the guest is asked before bidding (test_journey_one_table.py)."""
    sb, fanfare = await custom(MEMBERS_AUCTION, shape="genC")
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    assert journey.sequence_stage.get() == "active_enterable"
    with pytest.raises(FanfareError) as refused:
        await journey.enter_auction("110")
    assert refused.value.status == 403
    snap = journey.state.get()
    assert snap.journey_stage == "needs_auth"
    assert [(r.type, r.required) for r in snap.requirements] == [(RequirementType.AUTHENTICATION, True)]

    await _sign_in(sb, fanfare)
    await journey.authenticate()
    await journey.enter_auction("120")
    assert journey.sequence_stage.get() == "participating"


# --- 7 ----------------------------------------------------------------------------------------


ONE_ROUND_DRAW = [
    {"id": "seq-d", "name": "Draw", "priority": 1,
     "distribution": {"type": "draw", "id": "d-1", "openAt": 0, "closeAt": 300, "drawAt": 300,
                      "winnerCount": 5, "admissionExpirationSeconds": 600}},
]


async def test_polling_an_enterable_draw_notices_it_closed(custom: Custom) -> None:
    # the built-in draw reopens after each draw (roundSeconds); this one runs one round
    sb, fanfare = await custom(ONE_ROUND_DRAW)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    assert journey.sequence_stage.get() == "active_enterable"
    journey.start_polling(100)
    await sb.advance(400)  # entries closed at 300
    await journey.sequence_stage.wait_for(lambda s: s == "ended", timeout=10)
    journey.stop_polling()
    snap = journey.state.get()
    assert snap.journey_stage == "routed" and snap.context.outcome == "closed"
    assert snap.available_actions.sequence == ()
    assert not any(e.message == "No sequence is available" for e in snap.events)


# --- 8 ----------------------------------------------------------------------------------------

LIMITED_QUEUE = [
    {"id": "seq-q", "name": "Queue", "priority": 1,
     "distribution": {"type": "queue", "id": "q-1", "openAt": 0, "closeAt": 7200, "admitRate": 60,
                      "orderLimit": 0, "admissionExpirationSeconds": 600}},
]


async def test_order_limit_reroute_hint_is_followed(custom: Custom) -> None:
    sb, fanfare = await custom(LIMITED_QUEUE)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    with pytest.raises(FanfareError) as refused:  # a failed action raises
        await journey.enter_queue()  # refused (409, action: reroute): the journey routes again
    assert refused.value.code == "DISTRIBUTION_ORDER_LIMIT" and refused.value.status == 409
    snap = journey.state.get()
    assert "enter_queue" not in snap.available_actions.sequence
    assert snap.sequence_stage == "ended" and snap.context.outcome == "denied"  # the spec's word
    view = journey.view.get()
    assert view.outcome is not None and view.outcome.type == "denied"
    errors = [e for e in snap.events if e.detail and e.detail.get("code") == "DISTRIBUTION_ORDER_LIMIT"]
    assert len(errors) == 1 and errors[0].detail is not None and errors[0].detail["hint"] == "reroute"
    assert consumer_id(fanfare) not in engine_of(sb, "x").records


# --- 9 ----------------------------------------------------------------------------------------

SLOW_DRAW = [
    {"id": "seq-d", "name": "Draw", "priority": 1,
     "distribution": {"type": "draw", "id": "d-1", "openAt": 0, "closeAt": 200, "drawAt": 400,
                      "winnerCount": 5, "admissionExpirationSeconds": 600}},
]


async def test_a_settling_draw_offers_no_leave(custom: Custom) -> None:
    sb, fanfare = await custom(SLOW_DRAW)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    await journey.enter_draw()
    assert "leave_participation" in journey.state.get().available_actions.sequence
    await sb.advance(250)  # entries closed, not drawn yet
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.available_actions.sequence == ()
    assert any(e.detail and e.detail.get("situation") == "settling" for e in snap.events)
    await sb.advance(200)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "admitted"  # everyone wins five places
