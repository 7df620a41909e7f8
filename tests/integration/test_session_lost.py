"""A session that is truly gone (access token rejected, refresh rejected) is an explicit
outcome: ``auth:session_lost`` on the bus, journeys holding a participation ask to sign in again
and keep it, no guest is minted behind the app's back; signing in again recovers an OTP-linked
consumer's place; a guest holding nothing is replaced by a new guest."""

from __future__ import annotations

import pytest
from integration_helpers import BusEvents, consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.errors import FanfareError
from fanfare_rx.models.journey import RequirementType
from fanfare_rx.models.wire import QueueStatus
from fanfare_rx.sandbox import Sandbox


def _revoke_all_sessions(sb: Sandbox) -> None:
    for session in sb.world.accounts.sessions.values():
        session.revoked = True


async def test_a_lost_session_asks_to_sign_in_and_keeps_the_place(
        sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    await fanfare.auth.verify_otp(sb.otp_code, email="ada@example.com")  # links the guest
    me = consumer_id(fanfare)
    _revoke_all_sessions(sb)

    with pytest.raises(FanfareError) as raised:
        await journey.refresh_distribution()
    assert raised.value.code == "SESSION_LOST"
    lost = events.of("auth:session_lost")
    assert len(lost) == 1 and lost[0]["replaced"] is False and lost[0]["participations"] == 1
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("needs_auth", "participating")
    assert snap.context.position == 41 and snap.context.participation is not None
    assert [r.type for r in snap.requirements] == [RequirementType.AUTHENTICATION]
    assert snap.available_actions.journey == ("authenticate",)
    assert any(e.detail and e.detail.get("code") == "SESSION_LOST" for e in snap.events)
    assert fanfare.auth.session is None
    assert len(sb.world.accounts.consumers) == 1  # no guest was minted

    again = await fanfare.auth.verify_otp(sb.otp_code, email="ada@example.com")
    assert again.consumer_id == me
    await journey.authenticate()
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "participating")
    assert snap.context.position == 41
    engine = engine_of(sb, "queue")
    assert list(engine.records) == [me] and engine.records[me].status is QueueStatus.QUEUED
    assert engine.line.count(me) == 1  # one entry, the same place


async def test_a_lost_guest_with_a_place_is_replaced_only_when_the_app_asks(
        sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    guest = consumer_id(fanfare)
    _revoke_all_sessions(sb)
    with pytest.raises(FanfareError):
        await journey.refresh_distribution()
    with pytest.raises(FanfareError):  # still lost: nothing replaced it
        await fanfare.experiences.get_me()
    assert journey.state.get().journey_stage == "needs_auth"
    assert events.of("auth:session_lost")[0]["replaced"] is False
    new = await fanfare.auth.start_new_guest()
    assert new.consumer_id != guest
    assert engine_of(sb, "queue").records[guest].status is QueueStatus.QUEUED  # untouched


async def test_a_lost_guest_holding_nothing_becomes_a_new_guest(
        sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    await fanfare.experiences.get_me()  # a guest session, no journey started
    first = consumer_id(fanfare)
    _revoke_all_sessions(sb)
    await fanfare.experiences.get_me()
    assert consumer_id(fanfare) != first
    lost = events.of("auth:session_lost")
    assert len(lost) == 1 and lost[0]["replaced"] is True and lost[0]["participations"] == 0
    assert events.names[-1] == "auth:authenticated"
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    assert journey.state.get().sequence_stage == "participating"


async def test_a_started_journey_counts_as_a_possible_participation(
        sb: Sandbox, fanfare: Fanfare) -> None:
    # Started and not ended: an entry's answer may have been lost, so no silent new guest.
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    assert fanfare.experiences.live_participations() == 1
    _revoke_all_sessions(sb)
    with pytest.raises(FanfareError):
        await journey.refresh_distribution()
    assert fanfare.auth.session is None
    assert journey.state.get().journey_stage == "needs_auth"


async def test_a_journey_started_while_the_session_is_lost_asks_to_sign_in(
        sb: Sandbox, fanfare: Fanfare) -> None:
    first = fanfare.experiences.create_journey(sb.experiences["queue"])
    await first.start()
    await first.enter_queue()
    _revoke_all_sessions(sb)
    with pytest.raises(FanfareError):
        await first.refresh_distribution()
    second = fanfare.experiences.create_journey(sb.experiences["draw"])
    with pytest.raises(FanfareError) as raised:
        await second.start()
    assert raised.value.code == "SESSION_LOST"
    snap = second.state.get()
    assert snap.journey_stage == "needs_auth"
    assert [r.type for r in snap.requirements] == [RequirementType.AUTHENTICATION]
