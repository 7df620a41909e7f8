"""Auction terms over loopback: the journey context carries the sandbox auction's start price,
reserve, increment, end time and minimum next bid; a too-low bid says the minimum."""

from __future__ import annotations

import pytest
from integration_helpers import BusEvents, MakeFanfare, engine_of

from fanfare_rx.errors import ValidationError  # the server's 400
from fanfare_rx.models.journey import EventKind
from fanfare_rx.sandbox import Sandbox


async def test_auction_terms_and_too_low_bids(sb: Sandbox, make_fanfare: MakeFanfare) -> None:
    ada_app, bob_app = await make_fanfare(), await make_fanfare()
    ada_events = BusEvents(ada_app)
    ada = ada_app.experiences.create_journey(sb.experiences["auction"])
    bob = bob_app.experiences.create_journey(sb.experiences["auction"])
    await ada.start()
    await bob.start()
    engine = engine_of(sb, "auction")
    terms = ada.state.get().context.auction
    assert terms is not None
    assert (terms.currency, terms.start_price, terms.reserve_price, terms.min_bid_increment,
            terms.auto_extend_seconds) == ("USD", "100.00", "150.00", "5.00", 30)
    assert terms.minimum_next_bid == "100.00"  # nobody bid: the start price
    assert terms.ends_at == int(engine.settle_at * 1000)

    # Too low with no current bid: the starting price, not "higher than current bid".
    with pytest.raises(ValidationError) as refused:
        await ada.enter_auction("50")
    assert refused.value.code == "BID_TOO_LOW" and refused.value.status == 400
    assert refused.value.details["details"] == {"minBid": "100.00", "currentHighest": None}
    assert refused.value.message == (
        "Bid too low: no bid yet, bid at least the starting price 100.00 USD")
    snap = ada.state.get()
    error = snap.events[-1]
    assert error.kind is EventKind.ERROR and error.detail is not None
    assert error.detail["code"] == "BID_TOO_LOW"
    assert error.message == "Bid too low: no bid yet, bid at least the starting price 100.00 USD"
    assert engine.highest is None

    # An accepted bid of 100 reads 100.00 in the snapshot and in the event.
    await ada.place_bid("100")
    snap = ada.state.get()
    assert (snap.context.current_bid, snap.context.highest_bid) == ("100.00", "100.00")
    assert snap.context.auction is not None and snap.context.auction.minimum_next_bid == "105.00"
    assert [e["amount"] for e in ada_events.of("auction:bid-placed")] == ["100.00"]

    # Too low with a current bid: the minimum acceptable amount.
    with pytest.raises(ValidationError) as refused:
        await bob.enter_auction("101")
    assert refused.value.message == (
        "Bid too low: the minimum acceptable bid is 105.00 USD (highest bid 100.00 USD)")
    # The details spell the amounts as the message does (the bid was "100": 100.00).
    assert refused.value.details["details"] == {"minBid": "105.00", "currentHighest": "100.00"}
    error = bob.state.get().events[-1]
    assert error.detail is not None and error.detail["code"] == "BID_TOO_LOW"
    assert error.message == "Bid too low: the minimum acceptable bid is 105.00 USD (highest bid 100.00 USD)"
    assert error.detail["minimum_bid"] == "105.00"


async def test_an_auto_extended_auction_shows_the_new_end_time(
    sb: Sandbox, make_fanfare: MakeFanfare
) -> None:
    app = await make_fanfare()
    journey = app.experiences.create_journey(sb.experiences["auction"])
    await journey.start()
    engine = engine_of(sb, "auction")
    before = journey.state.get().context.auction
    assert before is not None and before.ends_at is not None
    first_end = before.ends_at
    await sb.advance(290)  # within autoExtendSeconds (30) of settleAt (300)
    await journey.enter_auction("100.00")
    assert engine.settle_at * 1000 == first_end + 30_000  # the sandbox extended the auction
    await journey.refresh_distribution()
    terms = journey.state.get().context.auction
    assert terms is not None and terms.ends_at == first_end + 30_000
    assert terms.minimum_next_bid == "105.00"
