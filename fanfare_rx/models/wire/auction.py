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

__all__ = ["AuctionConsumerState", "AuctionEnterResult", "BidRequest", "HighestBid"]


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
