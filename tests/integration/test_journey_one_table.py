"""The one table of what a shopper may do, end to end on the sandbox: the G1 stores and the view
agree on a settling draw, a lapsed grant, a guest on a members-only queue, an upgrade while
holding an entry, and no view offers a button that would fail (the order-limit refusal is in
test_journey_reports.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from integration_helpers import StartOne, engine_of, one_experience_sandboxes

from fanfare_rx import Fanfare
from fanfare_rx.errors import ActionNotAvailableError
from fanfare_rx.journey.view import LiveSequenceView
from fanfare_rx.models.actions import Enter
from fanfare_rx.models.journey import EventAudience, EventKind, EventSeverity, RequirementType
from fanfare_rx.sandbox import Sandbox


@pytest.fixture
async def custom() -> AsyncIterator[StartOne]:
    async with one_experience_sandboxes() as start:
        yield start


def _sequence(fanfare: Fanfare, sb: Sandbox) -> LiveSequenceView:
    view = fanfare.journeys.get(sb.experiences["x"]).view.get()
    assert view.sequence is not None, view
    return view.sequence


SLOW_DRAW = [
    {"id": "seq-d", "name": "Draw", "priority": 1,
     "distribution": {"type": "draw", "id": "d-1", "openAt": 0, "closeAt": 200, "drawAt": 400,
                      "winnerCount": 5, "admissionExpirationSeconds": 600}},
]


async def test_a_closed_draw_not_yet_drawn_is_settling_with_no_button(custom: StartOne) -> None:
    sb, fanfare = await custom(SLOW_DRAW)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    await journey.enter_draw()
    assert "leave" in _sequence(fanfare, sb)
    await sb.advance(250)  # entries closed, not drawn yet
    await journey.refresh_distribution()
    sequence = _sequence(fanfare, sb)
    assert (sequence.phase, sequence.actions) == ("settling", frozenset())
    assert journey.state.get().available_actions.sequence == ()
    with pytest.raises(ActionNotAvailableError):
        await sequence.leave()
    with pytest.raises(ActionNotAvailableError):
        await journey.leave_participation()


SHORT_GRANT = [
    {"id": "seq-q", "name": "Queue", "priority": 1,
     "distribution": {"type": "queue", "id": "q-1", "openAt": 0, "closeAt": 7200, "admitRate": 600,
                      "admissionExpirationSeconds": 30}},
]


async def test_a_lapsed_grant_offers_reenter_and_reports_journey_ended(custom: StartOne) -> None:
    sb, fanfare = await custom(SHORT_GRANT)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    await journey.enter_queue()
    await sb.advance(5)
    await journey.refresh_distribution()
    assert _sequence(fanfare, sb).phase == "granted"
    await sb.advance(60)  # the grant (30 s) lapses unclaimed
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert snap.sequence_stage == "admission_expired"
    sequence = _sequence(fanfare, sb)
    assert sequence.phase == "ended" and sequence.outcome is not None
    assert sequence.outcome.type == "expired"
    assert sequence.actions == {"reenter"}
    assert [a.value for a in snap.available_actions.sequence] == ["enter_queue"]  # the same row
    ended = [e for e in snap.events
             if e.audience is EventAudience.ANALYTICS and e.message == "journey_ended"]
    assert [e.detail for e in ended] == [{"outcome": "expired"}]
    view = await sequence.reenter()
    assert view.sequence is not None and view.sequence.phase in ("participating", "granted")


MEMBERS_QUEUE = [
    {"id": "seq-q", "name": "Members queue", "priority": 1,
     "distribution": {"type": "queue", "id": "q-1", "openAt": 0, "closeAt": 7200, "admitRate": 60,
                      "supportsGuest": False, "admissionExpirationSeconds": 600}},
]


async def test_a_guest_on_a_members_only_queue_is_asked_to_sign_in_before_any_entry(
        custom: StartOne) -> None:
    sb, fanfare = await custom(MEMBERS_QUEUE)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    view = await journey.view.get().start()
    assert view.journey_stage == "gated" and [g.type for g in view.gates] == ["authentication"]
    snap = journey.state.get()
    assert snap.journey_stage == "needs_auth" and snap.available_actions.sequence == ()
    assert [(r.type, r.required) for r in snap.requirements] == [(RequirementType.AUTHENTICATION, True)]
    assert not any(e.detail and e.detail.get("status") == 403 for e in snap.events)  # nothing refused

    assert await fanfare.auth.request_otp(email="ada@example.com")
    await fanfare.auth.verify_otp(sb.otp_code, email="ada@example.com")
    await journey.authenticate()
    assert "enter" in _sequence(fanfare, sb)
    await journey.act(Enter())
    assert journey.sequence_stage.get() == "participating"


async def test_no_view_offers_a_button_that_fails(sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    view = await journey.view.get().start()
    assert view.actions == {"reroute"}  # nothing failed, no offers: no retry, no code form
    assert view.sequence is not None and view.sequence.actions == {"enter"}
    with pytest.raises(ActionNotAvailableError):
        view.retry()
    with pytest.raises(ActionNotAvailableError):
        view.submit_access_code("X")
    view = await view.sequence.enter()
    assert view.sequence is not None and view.sequence.actions == {"leave"}
    assert view.actions == {"reroute"}


async def test_an_upgrade_while_holding_an_entry_is_info_sequence_changed(
        sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.experiences.create_journey(sb.experiences["vip"])
    await journey.start()
    await journey.skip_access_code()
    await journey.enter_queue()
    assert journey.sequence_stage.get() == "participating"
    await journey.provide_access_code(sb.access_codes["vip"])
    reroutes: list[Any] = [e for e in journey.state.get().events if e.kind is EventKind.REROUTE]
    assert len(reroutes) == 1
    (event,) = reroutes
    assert (event.severity, event.message) == (EventSeverity.INFO, "Sequence changed")
    assert event.detail["direction"] == "upgrade"
    assert event.detail["entry"] == "kept_on_server_not_followed"


MEMBERS_AUCTION = [
    {"id": "seq-a", "name": "Members auction", "priority": 1,
     "distribution": {"type": "auction", "id": "a-1", "openAt": 0, "settleAt": 3600,
                      "startPrice": "100.00", "minBidIncrement": "5.00", "supportsGuest": False}},
]


async def test_a_guest_on_a_sign_in_only_auction_is_asked_to_sign_in_before_bidding(
        custom: StartOne) -> None:
    sb, fanfare = await custom(MEMBERS_AUCTION)
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    view = await journey.view.get().start()
    assert view.journey_stage == "gated" and [g.type for g in view.gates] == ["authentication"]
    snap = journey.state.get()
    assert snap.journey_stage == "needs_auth" and snap.available_actions.sequence == ()
    assert not any(e.detail and e.detail.get("status") == 403 for e in snap.events)  # nothing refused
    with pytest.raises(ActionNotAvailableError):
        await journey.place_bid("100.00")
    assert engine_of(sb, "x").participants() == set()  # no bid reached the server

    assert await fanfare.auth.request_otp(email="ada@example.com")
    await fanfare.auth.verify_otp(sb.otp_code, email="ada@example.com")
    await journey.authenticate()
    assert "bid" in _sequence(fanfare, sb)
    await journey.place_bid("100.00")
    assert journey.sequence_stage.get() == "participating"
