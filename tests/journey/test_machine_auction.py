"""Auction terms in the journey context (from the experience and the status answers), the
minimum next bid rules, bids with the currency's decimals and the too-low bid message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import pytest
from factories import (
    HOUR,
    T0,
    dist_id,
    dt,
    experience,
    fold,
    route,
    routed,
    sequence,
    snapshot_at,
    status,
)

from fanfare_rx.journey.core.auction import bid_too_low_message, minimum_next_bid
from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.messages import ActionFailed, ExperienceLoaded
from fanfare_rx.models import wire
from fanfare_rx.models.journey import AuctionTerms, JourneyContext, JourneySnapshot, SequenceAction

AUCTION_ID = dist_id("auction")


def auction_experience(currency: str = "USD", settle_at: int = T0 + 11 * HOUR,
                       **terms: Any) -> wire.Experience:
    """The default auction sequence with the given ``wire.Auction`` fields."""
    seq = sequence("auction")
    assert seq.auctions is not None
    item = attrs.evolve(seq.auctions[0], currency_code=currency, settle_at=dt(settle_at), **terms)
    return experience(attrs.evolve(seq, auctions=(item,)))


TERMS: dict[str, Any] = {"start_price": Decimal(100), "reserve_price": Decimal(150),
         "min_bid_increment": Decimal(5), "auto_extend_seconds": 30}


def bid_state(status_name: str = "WINNING", *, last: str | None = None,
              highest: str | None = None) -> wire.AuctionConsumerState:
    return wire.AuctionConsumerState(
        status=wire.AuctionStatus(status_name),
        last_bid_amount=None if last is None else Decimal(last),
        highest_bid=None if highest is None else Decimal(highest),
    )


def routed_to(exp: wire.Experience) -> JourneySnapshot:
    return snapshot_at("auction", exp=exp)


def after(snap: JourneySnapshot, state: wire.AuctionConsumerState) -> JourneySnapshot:
    return reduce(snap, status(state, kind="auction", at=T0 + 5))


# --- terms from the experience ------------------------------------------------------------------


def test_route_fills_the_terms_from_the_experience_and_the_first_bid_is_the_start_price() -> None:
    snap = routed_to(auction_experience(**TERMS))
    assert snap.sequence_stage == "active_enterable"
    assert snap.context.auction == AuctionTerms(
        currency="USD", start_price="100.00", reserve_price="150.00", min_bid_increment="5.00",
        minimum_next_bid="100.00", ends_at=T0 + 11 * HOUR, auto_extend_seconds=30,
    )


def test_terms_the_server_does_not_publish_stay_unknown() -> None:
    snap = routed_to(auction_experience())
    assert snap.context.auction == AuctionTerms(currency="USD", ends_at=T0 + 11 * HOUR)
    # No start price, no increment: no minimum is invented (not the docs' 0.01 fallback).
    snap = after(snap, bid_state(last="10", highest="10"))
    assert snap.context.auction is not None and snap.context.auction.minimum_next_bid is None


def test_status_answers_move_the_minimum_next_bid() -> None:
    snap = after(routed_to(auction_experience(**TERMS)), bid_state("WINNING", last="120", highest="120"))
    assert snap.context.current_bid == "120.00" and snap.context.highest_bid == "120.00"
    assert snap.context.auction is not None and snap.context.auction.minimum_next_bid == "125.00"
    outbid = after(snap, bid_state("OUTBID", last="120", highest="140.5"))
    assert outbid.context.auction is not None and outbid.context.auction.minimum_next_bid == "145.50"
    assert outbid.context.auction.start_price == "100.00"  # the terms stay


@pytest.mark.parametrize(("start", "increment", "highest", "minimum"), [
    ("100.00", "5.00", None, "100.00"),      # nobody bid: the start price
    ("100.00", "5.00", "100.00", "105.00"),  # highest + increment
    ("100.00", "5.00", "20.00", "100.00"),   # never under the start price
    (None, "5.00", "20.00", "25.00"),        # no start price: highest + increment
    ("100.00", None, "120.00", None),        # the increment is not published
    (None, None, None, None),                # nothing published
    ("1500", "100", "1500", "1600"),         # a zero-decimal currency (JPY below)
])
def test_minimum_next_bid_rules(start: str | None, increment: str | None, highest: str | None,
                                minimum: str | None) -> None:
    currency = "JPY" if start == "1500" else "USD"
    terms = AuctionTerms(currency=currency, start_price=start, min_bid_increment=increment)
    assert minimum_next_bid(terms, highest) == minimum


def test_an_auto_extended_end_time_is_read_again_from_the_experience() -> None:
    snap = after(routed_to(auction_experience(**TERMS)), bid_state(last="120", highest="120"))
    extended = reduce(snap, ExperienceLoaded(
        at=T0 + 10, experience=auction_experience(settle_at=T0 + 11 * HOUR + 30_000, **TERMS)))
    assert extended.context.auction is not None
    assert extended.context.auction.ends_at == T0 + 11 * HOUR + 30_000
    assert extended.context.auction.minimum_next_bid == "125.00"  # the bids are kept


def test_no_minimum_once_the_auction_is_won_or_lost() -> None:
    snap = after(routed_to(auction_experience(**TERMS)), bid_state(last="120", highest="120"))
    lost = after(snap, bid_state("LOST", last="120", highest="200"))
    assert lost.sequence_stage == "ended"
    assert lost.context.auction is not None and lost.context.auction.minimum_next_bid is None
    assert lost.context.auction.reserve_price == "150.00"


def test_rerouting_to_a_queue_drops_the_auction_terms() -> None:
    snap = routed_to(auction_experience(**TERMS))
    queue = experience(sequence("queue", "seq-2"))
    moved = fold(snap, route(routed("seq-2"), queue, at=T0 + 10))
    assert moved.context.distribution is not None and moved.context.distribution.type == "queue"
    assert moved.context.auction is None


def test_bids_use_the_currency_decimals() -> None:
    usd = after(routed_to(auction_experience(**TERMS)), bid_state(last="100", highest="100"))
    assert (usd.context.current_bid, usd.context.highest_bid) == ("100.00", "100.00")
    jpy = after(routed_to(auction_experience(currency="JPY", start_price=Decimal(1500))),
                bid_state(last="1500", highest="1500"))
    assert (jpy.context.current_bid, jpy.context.highest_bid) == ("1500", "1500")


# --- BID_TOO_LOW ---------------------------------------------------------------------------------


def too_low(min_bid: str | None = None, current_highest: str | None = None) -> ActionFailed:
    return ActionFailed(at=T0 + 20, action=SequenceAction.ENTER_AUCTION, code="BID_TOO_LOW",
                        message="Bid must be higher than current bid", status=400,
                        min_bid=min_bid, current_highest=current_highest)


def test_too_low_with_no_bid_says_the_starting_price() -> None:
    snap = reduce(routed_to(auction_experience(**TERMS)), too_low(min_bid="100.00"))
    event = snap.events[-1]
    assert event.message == "Bid too low: no bid yet, bid at least the starting price 100.00 USD"
    assert "higher than current bid" not in event.message
    assert event.detail is not None and event.detail["minimum_bid"] == "100.00"
    assert snap.context.last_error == "BID_TOO_LOW"


def test_too_low_with_no_bid_and_no_details_uses_the_context_start_price() -> None:
    snap = reduce(routed_to(auction_experience(**TERMS)), too_low())
    assert snap.events[-1].message == ("Bid too low: no bid yet, bid at least the starting price"
                                       " 100.00 USD")


def test_too_low_with_a_bid_says_the_minimum_acceptable_amount() -> None:
    snap = after(routed_to(auction_experience(**TERMS)), bid_state("OUTBID", last="100", highest="110"))
    from_server = reduce(snap, too_low(min_bid="115.00", current_highest="110.00"))
    assert from_server.events[-1].message == ("Bid too low: the minimum acceptable bid is"
                                              " 115.00 USD (highest bid 110.00 USD)")
    from_context = reduce(snap, too_low())
    assert from_context.events[-1].message == from_server.events[-1].message


@pytest.mark.parametrize(("ctx", "min_bid", "highest", "text"), [
    (JourneyContext(experience_id="e"), None, None,
     "Bid too low: no bid yet, bid at least the starting price"),
    (JourneyContext(experience_id="e", highest_bid="20.00"), None, None,
     "Bid too low: bid more than the highest bid 20.00 by at least the minimum increment"),
    (JourneyContext(experience_id="e", auction=AuctionTerms(currency="JPY")), "1600", "1500",
     "Bid too low: the minimum acceptable bid is 1600 JPY (highest bid 1500 JPY)"),
])
def test_too_low_message_when_little_is_known(ctx: JourneyContext, min_bid: str | None,
                                              highest: str | None, text: str) -> None:
    assert bid_too_low_message(ctx, min_bid, highest) == text
