"""The default shopper's behaviour per mechanism: the opening bid of an auction, and an
appointment, which needs a way to list slots, refused at once without one."""

from __future__ import annotations

import time

import pytest

from fanfare_rx import Fanfare
from fanfare_rx.errors import JourneyError
from fanfare_rx.fleet.shoppers import (
    OUTCOME_BOOKED,
    booked_slot,
    enter_and_wait,
    in_appointment,
    opening_bid,
    place_opening_bid,
)
from fanfare_rx.models.journey import (
    AuctionTerms,
    DistributionSummary,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Participation,
    ParticipationType,
    SequenceStage,
)
from fanfare_rx.models.wire import DistributionType
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import parse_scenario


@pytest.mark.parametrize(("terms", "expected"), [
    (None, None),
    (AuctionTerms(), None),
    (AuctionTerms(start_price="100.00"), "100.00"),
    (AuctionTerms(start_price="100.00", reserve_price="150.00"), "150.00"),
    (AuctionTerms(start_price="100.00", reserve_price="150.00", minimum_next_bid="155.00"),
     "155.00"),
    (AuctionTerms(start_price="100.00", reserve_price="99.50", minimum_next_bid="100.00"),
     "100.00"),
    (AuctionTerms(start_price="9.00", reserve_price="10.00"), "10.00"),  # by value, not text
])
def test_the_opening_bid_is_the_least_accepted_that_meets_the_reserve(
        terms: AuctionTerms | None, expected: str | None) -> None:
    assert opening_bid(terms) == expected


@pytest.mark.integration
async def test_an_appointment_without_a_slot_finder_is_refused_at_once_then_booked_with_one(
) -> None:
    async with Sandbox(clock="real", speed=10) as sandbox:
        for slots in (None, "api"):
            async with await Fanfare.init(organization_id=sandbox.organization_id,
                                          publishable_key=sandbox.publishable_key,
                                          base_url=sandbox.base_url) as fanfare:
                journey = fanfare.experiences.create_journey(sandbox.experiences["appointment"])
                started = time.monotonic()
                if slots is None:
                    with pytest.raises(JourneyError, match="pass slots= to enter_and_wait"):
                        await enter_and_wait(journey, poll_ms=100, timeout=30)
                    assert time.monotonic() - started < 10
                    assert journey.state.get().context.participation is None
                else:
                    outcome = await enter_and_wait(journey, poll_ms=100, timeout=30,
                                                   slots=fanfare.api.appointment_slots)
                    assert outcome == OUTCOME_BOOKED
                    participation = journey.state.get().context.participation
                    assert participation is not None and participation.slot_id is not None


def test_a_booked_slot_is_read_only_from_an_appointment_participation() -> None:
    appointment = DistributionSummary(type=DistributionType.APPOINTMENT, id="appt-1")
    booked = Participation(id="p-1", type=ParticipationType.APPOINTMENT, status="BOOKED",
                           slot_id="slot-1")

    def snap(stage: str, **context: object) -> JourneySnapshot:
        return JourneySnapshot(journey_stage=JourneyStage.ROUTED,
                               sequence_stage=SequenceStage(stage),
                               context=JourneyContext(experience_id="exp-1", **context))  # type: ignore[arg-type]

    assert booked_slot(snap("participating", distribution=appointment,
                            participation=booked)) == "slot-1"
    assert booked_slot(snap("active_enterable", distribution=appointment)) is None
    assert booked_slot(snap("ended", distribution=appointment, participation=booked)) is None
    queue = DistributionSummary(type=DistributionType.QUEUE, id="q-1")
    assert booked_slot(snap("participating", distribution=queue, participation=booked)) is None
    assert in_appointment(snap("active_enterable", distribution=appointment))
    assert not in_appointment(snap("active_enterable", distribution=queue))


@pytest.mark.integration
@pytest.mark.parametrize("known", [True, False], ids=["the-journey-knows", "the-server-says"])
async def test_an_auction_that_closed_before_the_bid_is_not_bid_on_and_not_an_error(
        known: bool) -> None:
    """The default shopper bids when the auction is open; one that closed first (a slow shopper,
    or a retry after a faster bidder's ``BID_TOO_LOW``) gets no bid and no error: its outcome
    is the server's. The journey may know it closed (a poll folded it: no request is made) or
    not yet (the server answers ``AUCTION_CLOSED``)."""
    one_round = parse_scenario({"experiences": [{
        "id": "exp-auction", "label": "auction", "name": "Auction", "sequences": [{
            "id": "seq-1", "name": "General", "priority": 1, "distribution": {
                "type": "auction", "id": "auction-1", "openAt": 0, "settleAt": 300,
                "startPrice": "100.00", "reservePrice": "150.00", "supportsGuest": True}}]}]})
    async with Sandbox(one_round, clock="manual", seed=0) as sandbox, await Fanfare.init(
            organization_id=sandbox.organization_id, publishable_key=sandbox.publishable_key,
            base_url=sandbox.base_url) as fanfare:
        journey = fanfare.experiences.create_journey("exp-auction")
        await journey.start()
        assert journey.sequence_stage.get() is SequenceStage.ACTIVE_ENTERABLE
        await sandbox.advance(600)  # the one round settled: the auction closed
        if known:
            await journey.refresh_distribution()
            assert journey.sequence_stage.get() is SequenceStage.ENDED
        revision = journey.state.get().revision
        assert await place_opening_bid(journey) is None
        if known:
            assert journey.state.get().revision == revision  # nothing asked of the server
        else:
            assert journey.state.get().context.last_error == "AUCTION_CLOSED"
