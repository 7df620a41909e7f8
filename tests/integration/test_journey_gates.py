"""Gates end to end: sign-in (OTP) then authenticate, a required and an optional access code
(wrong then right, skipped, provided for an upgrade), and the bot check."""

from __future__ import annotations

import pytest
from integration_helpers import BusEvents, consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.errors import ActionNotAvailableError, FanfareError
from fanfare_rx.models.journey import RequirementType
from fanfare_rx.sandbox import Sandbox


def _sequence_names(sb: Sandbox, label: str) -> dict[str, str]:
    experience = sb.world.experiences[sb.experiences[label]]
    return {s.name: s.id for s in experience.sequences}


async def test_needs_auth_then_otp_sign_in_then_routed(sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["signin"])
    await journey.start()
    snap = journey.state.get()
    assert snap.journey_stage == "needs_auth"
    assert [r.type for r in snap.requirements] == [RequirementType.AUTHENTICATION]
    with pytest.raises(ActionNotAvailableError):
        await journey.enter_queue()
    guest = consumer_id(fanfare)
    assert not fanfare.auth.is_authenticated

    assert await fanfare.auth.request_otp(email="ada@example.com")
    with pytest.raises(FanfareError) as wrong:
        await fanfare.auth.verify_otp("000000", email="ada@example.com")
    assert wrong.value.status == 401
    await fanfare.auth.verify_otp(sb.otp_code, email="ada@example.com")
    assert fanfare.auth.is_authenticated
    assert consumer_id(fanfare) == guest  # the guest is upgraded in place
    assert "auth:authenticated" in events.names
    assert sb.otp_code not in repr(events.items)

    await journey.authenticate()
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "active_enterable")
    assert snap.requirements == ()
    await journey.enter_queue()
    assert journey.sequence_stage.get() == "participating"
    assert consumer_id(fanfare) in engine_of(sb, "signin").records


async def test_vip_wrong_code_then_right_code_routes_to_vip(sb: Sandbox, fanfare: Fanfare) -> None:
    names = _sequence_names(sb, "vip")
    journey = fanfare.experiences.create_journey(sb.experiences["vip"])
    await journey.start()
    snap = journey.state.get()
    assert snap.journey_stage == "needs_access_code"
    (requirement,) = snap.requirements
    assert requirement.type is RequirementType.ACCESS_CODE and requirement.required is False

    await journey.provide_access_code("WRONG-CODE")
    snap = journey.state.get()
    assert snap.journey_stage == "needs_access_code"
    (requirement,) = snap.requirements
    assert requirement.reason == "ACCESS_CODE_INVALID"
    assert snap.context.access_code is None  # a rejected code is never kept
    assert "WRONG-CODE" not in repr(snap)

    await journey.provide_access_code(sb.access_codes["vip"])
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "active_enterable")
    assert snap.context.sequence_id == names["VIP early access"]
    assert sb.access_codes["vip"] not in repr(snap)
    await journey.enter_queue()
    assert journey.context.get().position == 1  # nobody simulated in the VIP line


async def test_optional_code_skipped_routes_general(sb: Sandbox, fanfare: Fanfare) -> None:
    names = _sequence_names(sb, "vip")
    journey = fanfare.experiences.create_journey(sb.experiences["vip"])
    await journey.start()
    assert journey.journey_stage.get() == "needs_access_code"
    await journey.skip_access_code()
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "active_enterable")
    assert snap.context.sequence_id == names["General queue"]
    assert [o.sequence_id for o in snap.context.offers] == [names["VIP early access"]]
    await journey.enter_queue()
    assert journey.context.get().position == 26  # 25 simulated consumers ahead


async def test_code_provided_after_routing_general_upgrades(sb: Sandbox, fanfare: Fanfare) -> None:
    """Routed to the general sequence first; the code then reroutes to the VIP sequence with
    a reroute event of direction "upgrade"."""
    names = _sequence_names(sb, "vip")
    journey = fanfare.experiences.create_journey(sb.experiences["vip"])
    await journey.start()
    await journey.skip_access_code()
    assert journey.context.get().sequence_id == names["General queue"]

    await journey.provide_access_code(sb.access_codes["vip"])
    snap = journey.state.get()
    assert snap.journey_stage == "routed"
    assert snap.context.sequence_id == names["VIP early access"]
    reroutes = [e for e in snap.events if e.kind == "reroute"]
    assert reroutes and reroutes[-1].detail is not None
    assert reroutes[-1].detail["direction"] == "upgrade"
    assert reroutes[-1].detail["from_sequence_id"] == names["General queue"]
    assert reroutes[-1].detail["to_sequence_id"] == names["VIP early access"]


async def test_bot_check_wrong_token_then_right_token(sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["botcheck"])
    await journey.start()
    snap = journey.state.get()
    (requirement,) = snap.requirements
    assert requirement.type is RequirementType.BOT_CHECK
    challenge = (requirement.metadata or {}).get("challenge_id")
    assert isinstance(challenge, str) and challenge in sb.world.challenges
    stage_before = snap.journey_stage

    with pytest.raises(FanfareError) as failed:
        await journey.complete_bot_check("not-the-token")
    assert failed.value.code == "BOT_CHECK_FAILED"
    snap = journey.state.get()
    assert snap.journey_stage == stage_before
    assert snap.journey_stage == "routing"
    assert [r.type for r in snap.requirements] == [RequirementType.BOT_CHECK]
    assert events.of("journey:error")[-1]["code"] == "BOT_CHECK_FAILED"
    assert (consumer_id(fanfare), sb.experiences["botcheck"]) not in sb.world.bot_verified

    await journey.complete_bot_check(sb.bot_check_token)
    snap = journey.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "active_enterable")
    assert (consumer_id(fanfare), sb.experiences["botcheck"]) in sb.world.bot_verified
    await journey.enter_queue()
    assert journey.sequence_stage.get() == "participating"
