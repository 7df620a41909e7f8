"""Auction bodies: the bid state (one shape for every status), enter result, bids and the
highest bid.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    AuctionStatus,
)

__all__ = [
    "AuctionConsumerState",
    "AuctionCurrentPrice",
    "AuctionEnterResult",
    "BidRecord",
    "BidRequest",
    "HighestBid",
]


@attrs.frozen
class AuctionConsumerState:
    """``BidState``: one shape for every status (the grant is present once ``WON``)."""

    status: AuctionStatus
    admission_grant: str | None = _secret()
    bid_count: int | None = None
    last_bid_amount: Decimal | None = None
    winning_bid_amount: Decimal | None = None
    expires_at: datetime | None = None
    highest_bid: Decimal | None = None


@attrs.frozen
class AuctionEnterResult:
    success: bool


@attrs.frozen
class BidRequest:
    amount: Decimal | None = None


@attrs.frozen
class HighestBid:
    amount: Decimal | None = None


@attrs.frozen
class BidRecord:
    """One bid of ``GET /auctions/{id}/bids`` (everyone's) or ``…/bids/history`` (the
    consumer's own): amount, whether it is the highest, when; a handle or the consumer."""

    amount: Decimal
    is_highest: bool
    timestamp: datetime
    bidder_handle: str | None = None
    consumer_id: str | None = None


@attrs.frozen
class AuctionCurrentPrice:
    """``GET /auctions/{id}/current-price`` (Dutch auctions): the price now, the units left
    and whether the auction ended."""

    current_price: Decimal
    remaining_quantity: int
    auction_ended: bool
