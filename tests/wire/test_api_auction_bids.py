"""Auction bids, own bid history and the current price over loopback HTTP against the sandbox;
bids the wire cannot carry are refused before any request (``UsageError``)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from client_helpers import distribution_id

from fanfare_rx.errors import UsageError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi


async def _auction(api: ConsumerApi, sandbox: Sandbox) -> str:
    experience = await api.get_experience(sandbox.experiences["auction"])
    auction_id = distribution_id(experience, "auctions")
    await api.enter_auction(auction_id)
    return auction_id


async def test_bids_history_and_current_price(api: ConsumerApi, sandbox: Sandbox) -> None:
    auction_id = await _auction(api, sandbox)
    price = await api.auction_current_price(auction_id)
    assert price == wire.AuctionCurrentPrice(current_price=Decimal("100.00"),
                                             remaining_quantity=1, auction_ended=False)
    await api.place_bid(auction_id, "150.00")
    await api.place_bid(auction_id, "160.5")
    bids = await api.auction_bids(auction_id)
    assert [b.amount for b in bids] == [Decimal("160.5"), Decimal("150.00")]
    assert [b.is_highest for b in bids] == [True, False]
    assert bids[0].bidder_handle == "bidder-1" and bids[0].consumer_id is None
    assert bids[0].timestamp >= bids[1].timestamp
    assert len(await api.auction_bids(auction_id, limit=1)) == 1
    mine = await api.auction_bid_history(auction_id)
    session = api.sessions.session
    assert session is not None
    assert [b.consumer_id for b in mine] == [session.consumer_id] * 2
    assert (await api.auction_current_price(auction_id)).current_price == Decimal("160.5")


@pytest.mark.parametrize("amount", [
    "1.123456789",           # 9 decimals: the wire carries at most 8
    "1234567890123.00",      # 13 digits before the point: at most 12
    Decimal("1E+13"),
    "-5", "0", "abc", "NaN",
])
async def test_bids_the_wire_cannot_carry_are_refused_locally(
    api: ConsumerApi, sandbox: Sandbox, amount: str | Decimal
) -> None:
    auction_id = await _auction(api, sandbox)
    with pytest.raises(UsageError) as caught:
        await api.place_bid(auction_id, amount)
    assert caught.value.code == "INVALID_BID_AMOUNT"
    assert (await api.auction_status(auction_id)).bid_count == 0  # nothing was sent


async def test_a_bad_limit_is_refused_locally(api: ConsumerApi, sandbox: Sandbox) -> None:
    auction_id = await _auction(api, sandbox)
    with pytest.raises(UsageError):
        await api.auction_bids(auction_id, limit=0)
