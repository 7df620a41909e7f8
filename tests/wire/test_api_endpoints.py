"""Every typed ConsumerApi method against the sandbox: each answer decodes into its model."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client_helpers import distribution_id

from fanfare_rx.errors import NotOpenYetError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.client import ConsumerApi

pytestmark = pytest.mark.integration


async def test_experience_enter_leave_and_archived_status(api: ConsumerApi,
                                                          sandbox: Sandbox) -> None:
    exp_id = sandbox.experiences["queue"]
    experience = await api.get_experience(exp_id)
    assert isinstance(experience, wire.Experience)
    assert experience.id == exp_id and experience.sequences
    entered = await api.enter_experience(exp_id)
    assert isinstance(entered, wire.ExperienceEntered)
    assert entered.experience_id == exp_id and entered.experience.id == exp_id
    assert (await api.leave_experience(exp_id)).left is True
    assert (await api.leave_experience(exp_id)).left is False
    live = await api.archived_status([exp_id, "00000000-0000-0000-0000-000000000000"])
    assert live.live_experience_ids == (exp_id,)


async def test_route_outcomes(api: ConsumerApi, sandbox: Sandbox) -> None:
    routed = await api.route(sandbox.experiences["queue"])
    assert isinstance(routed, wire.RouteRouted)
    gated = await api.route(sandbox.experiences["signin"])
    assert isinstance(gated, wire.RouteGated)
    assert isinstance(gated.selected.gates[0], wire.AuthenticationGate)
    vip = sandbox.experiences["vip"]
    optional = await api.route(vip)
    assert isinstance(optional, wire.RouteRouted)
    assert optional.selected.sequence.name == "General queue"
    with_code = await api.route(vip, access_code=sandbox.access_codes["vip"])
    assert isinstance(with_code, wire.RouteRouted)
    assert with_code.selected.sequence.name == "VIP early access"


async def test_bot_check_verify_opens_the_gate(api: ConsumerApi, sandbox: Sandbox) -> None:
    exp_id = sandbox.experiences["botcheck"]
    gated = await api.route(exp_id)
    assert isinstance(gated, wire.RouteGated)
    gate = gated.selected.gates[0]
    assert isinstance(gate, wire.BotCheckGate) and gate.challenge is not None
    result = await api.verify_bot_check(gate.challenge.id, sandbox.bot_check_token)
    assert result == wire.ChallengeVerifyResult(verified=True)
    assert isinstance(await api.route(exp_id), wire.RouteRouted)


async def test_queue_endpoints(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["queue"])
    queue_id = distribution_id(experience, "queues")
    queue = await api.get_queue(queue_id)
    assert isinstance(queue, wire.Queue) and queue.id == queue_id
    assert isinstance(await api.queue_status(queue_id), wire.QueueNotQueued)
    entered = await api.enter_queue(queue_id)
    assert isinstance(entered, wire.QueueQueued) and entered.position > 0
    # A second enter meets 409 "already in": the client answers with the status instead.
    again = await api.enter_queue(queue_id)
    assert again == await api.queue_status(queue_id)
    assert isinstance(again, wire.QueueQueued) and again.position == entered.position
    left = await api.leave_queue(queue_id)
    assert isinstance(left, wire.QueueLeft)


async def test_queue_grant_decodes_with_redacted_grant(api: ConsumerApi,
                                                       sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["queue"])
    queue_id = distribution_id(experience, "queues")
    await api.enter_queue(queue_id)
    await sandbox.advance(90)
    state = await api.queue_status(queue_id)
    assert isinstance(state, wire.QueueGranted)
    assert state.admission_grant and state.admission_grant not in repr(state)


async def test_draw_endpoints(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["draw"])
    draw_id = distribution_id(experience, "draws")
    draw = await api.get_draw(draw_id)
    assert isinstance(draw, wire.Draw) and draw.id == draw_id
    assert isinstance(await api.draw_status(draw_id), wire.DrawNotEntered)
    assert isinstance(await api.enter_draw(draw_id), wire.DrawEntered)
    assert isinstance(await api.enter_draw(draw_id), wire.DrawEntered)  # already in
    assert isinstance(await api.draw_status(draw_id), wire.DrawEntered)
    assert not isinstance(await api.leave_draw(draw_id), wire.DrawEntered)


async def test_auction_endpoints(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["auction"])
    auction_id = distribution_id(experience, "auctions")
    auction = await api.get_auction(auction_id)
    assert isinstance(auction, wire.Auction) and auction.start_price == Decimal("100.00")
    assert (await api.enter_auction(auction_id)).success is True
    assert (await api.enter_auction(auction_id)).success is True  # already in
    state = await api.place_bid(auction_id, "150.00")
    assert isinstance(state, wire.AuctionConsumerState)
    assert state.status in (wire.AuctionStatus.WINNING, wire.AuctionStatus.BIDDING)
    assert state.last_bid_amount == Decimal("150.00")
    status = await api.auction_status(auction_id)
    assert status.last_bid_amount == Decimal("150.00")
    highest = await api.highest_bid(auction_id)
    assert highest.amount is not None and highest.amount >= Decimal("150.00")
    higher = await api.place_bid(auction_id, highest.amount + Decimal("5.00"))
    assert higher.last_bid_amount == highest.amount + Decimal("5.00")


async def test_timed_release_endpoints(api: ConsumerApi, sandbox: Sandbox,
                                       sleep: RecordedSleep) -> None:
    experience = await api.get_experience(sandbox.experiences["timed_release"])
    release_id = distribution_id(experience, "timed_releases")
    release = await api.get_timed_release(release_id)
    assert isinstance(release, wire.TimedRelease) and release.id == release_id
    with pytest.raises(NotOpenYetError) as caught:
        await api.enter_timed_release(release_id)
    assert caught.value.retry_after == pytest.approx(120, abs=1)
    assert sleep.delays == []  # 423 is for the journey to schedule, not retried here
    await sandbox.advance(121)
    state = await api.enter_timed_release(release_id)
    assert isinstance(state, wire.TimedReleaseConsumerState)
    again = await api.enter_timed_release(release_id)  # already in -> status
    assert again.status == state.status
    assert (await api.timed_release_status(release_id)).status == state.status
    assert isinstance(await api.complete_timed_release(release_id), wire.SuccessResult)
    assert (await api.timed_release_status(release_id)).status == wire.TimedReleaseStatus.COMPLETED


async def test_timed_release_leave(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["timed_release"])
    release_id = distribution_id(experience, "timed_releases")
    await sandbox.advance(121)
    await api.enter_timed_release(release_id)
    assert (await api.leave_timed_release(release_id)).success is True
    assert (await api.timed_release_status(release_id)).status == wire.TimedReleaseStatus.LEFT


async def test_waitlist_endpoints(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["waitlist"])
    sequence = (experience.sequences or ())[0]
    assert sequence.waitlist is not None
    waitlist_id = sequence.waitlist.id
    assert (await api.waitlist_status(waitlist_id)).is_entered is False
    entered = await api.enter_waitlist(waitlist_id)
    assert entered.is_entered and entered.waitlist_id == waitlist_id
    assert entered.sequence_id == sequence.id
    again = await api.enter_waitlist(waitlist_id)  # already on it -> the status
    assert again.is_entered and again.waitlist_id == waitlist_id
    assert (await api.leave_waitlist(waitlist_id)).left is True
    assert (await api.waitlist_status(waitlist_id)).is_entered is False


async def test_get_me_projects_the_participation(api: ConsumerApi, sandbox: Sandbox) -> None:
    exp_id = sandbox.experiences["queue"]
    experience = await api.get_experience(exp_id)
    await api.route(exp_id)
    await api.enter_queue(distribution_id(experience, "queues"))
    me = await api.get_me()
    journey = me.journey_for(exp_id)
    assert isinstance(journey, wire.RoutedJourneyProjection)
    assert journey.sequence.phase == wire.SequencePhase.PARTICIPATING
