"""Signing in mid-queue (spec §4.1): a guest is upgraded with its places kept; an email that
already has an account is a conflict (``already_linked``) that drops nothing; leaving the guest
is an explicit choice the bus names. Over loopback HTTP against the sandbox."""

from __future__ import annotations

import aiohttp
import pytest
from integration_helpers import BusEvents, MakeFanfare, distribution_id, settle

from fanfare_rx import ConflictError, Fanfare
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox import Sandbox

EMAIL = "ada@example.com"


async def _account(sb: Sandbox, make_fanfare: MakeFanfare) -> str:
    """Ada signs in once on another device: her email now has an account."""
    other = await make_fanfare()
    session = await other.auth.verify_otp(sb.otp_code, email=EMAIL)
    return str(session.consumer_id)


async def _queued_guest(sb: Sandbox, fanfare: Fanfare) -> ExperienceJourney:
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    assert journey.sequence_stage.get() == "participating"
    return journey


async def test_a_guest_signing_in_with_a_new_email_keeps_its_place(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    journey = await _queued_guest(sb, fanfare)
    guest = fanfare.auth.session
    assert guest is not None
    session = await fanfare.auth.verify_otp(sb.otp_code, email=EMAIL)
    assert session.type == "authenticated" and session.consumer_id == guest.consumer_id
    await settle(journey)
    assert journey.sequence_stage.get() == "participating"


async def test_an_email_with_an_account_is_a_conflict_that_drops_no_place(
    sb: Sandbox, fanfare: Fanfare, make_fanfare: MakeFanfare
) -> None:
    await _account(sb, make_fanfare)
    bus = BusEvents(fanfare)
    journey = await _queued_guest(sb, fanfare)
    position = journey.state.get().context.position
    guest = fanfare.auth.session
    assert guest is not None
    with pytest.raises(ConflictError) as caught:
        await fanfare.auth.verify_otp(sb.otp_code, email=EMAIL)
    assert caught.value.code == "ALREADY_LINKED" and caught.value.status == 409
    assert "already_linked" in str(caught.value)
    session = fanfare.auth.session
    assert session is not None and session.consumer_id == guest.consumer_id
    assert session.type == "guest"
    await settle(journey)
    snap = journey.state.get()
    assert snap.sequence_stage == "participating" and snap.context.position == position
    assert "queue:left" not in bus.names


async def test_leaving_the_guest_is_explicit_and_named_on_the_bus(
    sb: Sandbox, fanfare: Fanfare, make_fanfare: MakeFanfare
) -> None:
    ada = await _account(sb, make_fanfare)
    journey = await _queued_guest(sb, fanfare)
    bus = BusEvents(fanfare)
    session = await fanfare.auth.verify_otp(sb.otp_code, email=EMAIL, leave_guest=True)
    assert session.consumer_id == ada
    [left] = bus.of("auth:guest_left")
    assert left["session"].consumer_id == ada and left["guest"].type == "guest"
    assert left["places"] == [{"experienceId": sb.experiences["queue"], "type": "queue",
                               "id": distribution_id(journey),
                               "sequenceStage": "participating", "held": True}]


async def test_a_guest_holding_nothing_signs_in_to_the_existing_account(
    sb: Sandbox, fanfare: Fanfare, make_fanfare: MakeFanfare
) -> None:
    ada = await _account(sb, make_fanfare)
    await fanfare.auth.guest()
    session = await fanfare.auth.verify_otp(sb.otp_code, email=EMAIL)
    assert session.consumer_id == ada


async def test_a_guest_that_only_looked_signs_in_to_the_existing_account(
    sb: Sandbox, fanfare: Fanfare, make_fanfare: MakeFanfare
) -> None:
    ada = await _account(sb, make_fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    assert journey.sequence_stage.get() == "active_enterable"  # routed, not entered
    session = await fanfare.auth.verify_otp(sb.otp_code, email=EMAIL)
    assert session.consumer_id == ada


async def test_an_answer_naming_another_consumer_is_not_adopted_while_a_place_is_held(
    sb: Sandbox, fanfare: Fanfare, make_fanfare: MakeFanfare
) -> None:
    """The server no longer sees the guest's place (left elsewhere), the journey still holds
    it: the client does not swap the guest for the account behind the journey's back."""
    await _account(sb, make_fanfare)
    journey = await _queued_guest(sb, fanfare)
    await fanfare.api.leave_queue(distribution_id(journey))  # behind the journey's back
    guest = fanfare.auth.session
    assert guest is not None
    with pytest.raises(ConflictError) as caught:
        await fanfare.auth.verify_otp(sb.otp_code, email=EMAIL)
    assert caught.value.code == "ALREADY_LINKED" and caught.value.status is None
    session = fanfare.auth.session
    assert session is not None and session.consumer_id == guest.consumer_id


IDENTITY = {"provider": "shopify", "issuer": "https://shop.example", "subject": "ada-1"}


async def _exchange_code(sb: Sandbox) -> str:
    """The merchant's backend authorizes Ada's identity (secret key) for an exchange code."""
    async with aiohttp.ClientSession() as http, http.post(
            f"{sb.base_url}/auth/external/authorize", json=IDENTITY,
            headers={"Authorization": f"Bearer {sb.secret_key}"}) as reply:
        assert reply.status == 200, await reply.text()
        return str((await reply.json())["exchangeCode"])


async def _external_account(sb: Sandbox, make_fanfare: MakeFanfare) -> str:
    """Ada signs in once through the partner on another device: her identity has an account."""
    other = await make_fanfare()
    return str((await other.auth.exchange_external(await _exchange_code(sb))).consumer_id)


async def test_an_external_identity_with_an_account_is_a_conflict_that_drops_no_place(
    sb: Sandbox, fanfare: Fanfare, make_fanfare: MakeFanfare
) -> None:
    ada = await _external_account(sb, make_fanfare)
    bus = BusEvents(fanfare)
    journey = await _queued_guest(sb, fanfare)
    position = journey.state.get().context.position
    guest = fanfare.auth.session
    assert guest is not None
    code = await _exchange_code(sb)
    with pytest.raises(ConflictError) as caught:
        await fanfare.auth.exchange_external(code)
    assert caught.value.code == "ALREADY_LINKED" and caught.value.status == 409
    assert "already_linked" in str(caught.value)
    session = fanfare.auth.session
    assert session is not None and session.consumer_id == guest.consumer_id
    assert session.type == "guest"
    await settle(journey)
    snap = journey.state.get()
    assert snap.sequence_stage == "participating" and snap.context.position == position
    assert "queue:left" not in bus.names and not bus.of("auth:guest_left")

    # Leaving the guest is the explicit choice, with the same (still unused) code.
    session = await fanfare.auth.exchange_external(code, leave_guest=True)
    assert session.consumer_id == ada
    [left] = bus.of("auth:guest_left")
    assert left["guest"].consumer_id == guest.consumer_id and left["session"].consumer_id == ada
    assert [place["held"] for place in left["places"]] == [True]


async def test_a_new_external_identity_takes_the_guest_and_its_place_along(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    journey = await _queued_guest(sb, fanfare)
    guest = fanfare.auth.session
    assert guest is not None
    session = await fanfare.auth.exchange_external(await _exchange_code(sb))
    assert session.type == "authenticated" and session.consumer_id == guest.consumer_id
    await settle(journey)
    assert journey.sequence_stage.get() == "participating"
