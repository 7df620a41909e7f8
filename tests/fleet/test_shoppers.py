"""The default shopper's behaviour per mechanism: the opening bid of an auction, and an
appointment, which needs a way to list slots, refused at once without one."""

from __future__ import annotations

import time

import pytest

from fanfare_rx import Fanfare
from fanfare_rx.errors import JourneyError
from fanfare_rx.fleet.shoppers import OUTCOME_BOOKED, enter_and_wait, opening_bid
from fanfare_rx.models.journey import AuctionTerms
from fanfare_rx.sandbox import Sandbox


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
