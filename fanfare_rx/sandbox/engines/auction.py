"""The English-auction engine: start price, minimum increment, reserve, auto-extend near the
end, and settlement at ``settleAt`` (the highest bidder at or above reserve wins a grant).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from fanfare_rx.models import wire
from fanfare_rx.sandbox.engines.base import Engine, Grant, Projection, not_open_yet
from fanfare_rx.sandbox.http import ApiError, conflict

__all__ = ["AuctionEngine"]

_DEFAULT_INCREMENT = Decimal("0.01")
_CENT = Decimal("0.01")  # the sandbox's auctions are in USD


@attrs.define
class _Bidder:
    entered_at: float
    bids: list[Decimal] = attrs.Factory(list)


class AuctionEngine(Engine):
    """Usage: ``engine.bid("cns_1", Decimal("120.00"), guest=False, now=t)``"""

    kind = "auction"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settle_at = self.start + float(self.spec.settle_at or 0.0)
        self.bidders: dict[str, _Bidder] = {}
        self.highest: tuple[str, Decimal] | None = None
        self.settled = False
        self.winner: str | None = None
        self.grant: Grant | None = None
        #: Every bid in order: (consumer, amount, when).
        self.bid_log: list[tuple[str, Decimal, float]] = []

    def accepts_entries(self, now: float) -> bool:
        return self.open_at <= now < self.settle_at and not self.settled

    def settles_at(self) -> float | None:
        return self.settle_at

    def closed_detail(self) -> str:
        return "auction settled" if self.settled else "auction closed"

    def advance(self, now: float) -> None:
        if not self.settled and now >= self.settle_at:
            self.settled = True
            if self.highest is not None:
                who, amount = self.highest
                reserve = self.spec.reserve_price
                if reserve is None or amount >= reserve:
                    self.winner, self.grant = who, self.issue_grant(who, self.settle_at)
        super().advance(now)

    def minimum_bid(self) -> Decimal:
        if self.highest is None:
            return self.spec.start_price if self.spec.start_price is not None else _DEFAULT_INCREMENT
        return self.highest[1] + (self.spec.min_bid_increment or _DEFAULT_INCREMENT)

    def _check_open(self, now: float) -> None:
        if now < self.open_at:
            raise not_open_yet("Auction", "AUCTION_NOT_OPEN", self.open_at)
        if not self.accepts_entries(now):
            raise ApiError(400, {"error": "Auction is closed", "code": "AUCTION_CLOSED"})

    def enter(self, consumer_id: str, *, guest: bool, now: float) -> wire.AuctionEnterResult:
        if consumer_id in self.bidders:
            raise conflict("Already in auction", "ALREADY_IN_AUCTION")
        self._check_open(now)
        self.check_guest(guest)
        self.count_entry(consumer_id)
        self.bidders[consumer_id] = _Bidder(entered_at=now)
        return wire.AuctionEnterResult(success=True)

    def bid(self, consumer_id: str, amount: Decimal, *, guest: bool,
            now: float) -> wire.AuctionConsumerState:
        """Place a bid (entering implicitly); too low -> 400 ``BID_TOO_LOW`` with the minimum."""
        self._check_open(now)
        self.check_guest(guest)
        minimum = self.minimum_bid()
        if amount < minimum:
            message = ("Bid must be higher than current bid" if self.highest is None
                       else "Bid must meet minimum increment")
            # Amounts with the currency's two decimals, as the message and the state spell them.
            details = {"minBid": format(minimum.quantize(_CENT), "f"),
                       "currentHighest": (format(self.highest[1].quantize(_CENT), "f")
                                          if self.highest else None)}
            raise ApiError(400, {"error": message, "code": "BID_TOO_LOW", "details": details})
        if consumer_id not in self.bidders:
            self.count_entry(consumer_id)
            self.bidders[consumer_id] = _Bidder(entered_at=now)
        self.bidders[consumer_id].bids.append(amount)
        self.bid_log.append((consumer_id, amount, now))
        self.highest = (consumer_id, amount)
        extend = self.spec.auto_extend_seconds
        if extend and self.settle_at - now <= extend:
            self.settle_at += extend
        return self.state(consumer_id)

    def status_of(self, consumer_id: str) -> wire.AuctionStatus:
        bidder = self.bidders.get(consumer_id)
        if bidder is None or not bidder.bids:
            return wire.AuctionStatus.LOST if self.settled and bidder else wire.AuctionStatus.NOT_BID
        if self.settled:
            return wire.AuctionStatus.WON if self.winner == consumer_id else wire.AuctionStatus.LOST
        leading = self.highest is not None and self.highest[0] == consumer_id
        return wire.AuctionStatus.WINNING if leading else wire.AuctionStatus.OUTBID

    def grant_live(self) -> bool:
        """The winner's grant exists and has not expired (as of the last advance)."""
        grant = self.grant
        return grant is not None and (grant.expires_at is None
                                      or self.clock_at < grant.expires_at)

    def state(self, consumer_id: str) -> wire.AuctionConsumerState:
        """``BidState``. A won grant that expired is no longer handed out: the status stays
        ``WON`` (BidState has no expired status) without ``admissionGrant``/``expiresAt``; the
        ``/consumers/me`` projection shows it ``ended`` with outcome ``expired``."""
        bidder = self.bidders.get(consumer_id)
        status = self.status_of(consumer_id)
        won = status is wire.AuctionStatus.WON and self.grant_live()
        return wire.AuctionConsumerState(
            status=status,
            admission_grant=self.grant.token if won and self.grant else None,
            bid_count=len(bidder.bids) if bidder else 0,
            last_bid_amount=bidder.bids[-1] if bidder and bidder.bids else None,
            winning_bid_amount=self.highest[1] if self.winner and self.highest else None,
            expires_at=self.dt(self.grant.expires_at) if won and self.grant else None,
            highest_bid=self.highest[1] if self.highest else None)

    def bids(self, *, limit: int | None, of: str | None = None) -> list[wire.BidRecord]:
        """``GET …/bids`` (everyone's, bidders by handle) or, with ``of``, ``…/bids/history``
        (that consumer's own): newest first, at most ``limit``."""
        handles = {who: f"bidder-{n}" for n, who in enumerate(dict.fromkeys(
            who for who, _, _ in self.bid_log), start=1)}
        top = len(self.bid_log) - 1
        records = [
            wire.BidRecord(amount=amount, is_highest=index == top, timestamp=self.dt(at),  # type: ignore[arg-type]
                           bidder_handle=None if of else handles[who],
                           consumer_id=who if of else None)
            for index, (who, amount, at) in enumerate(self.bid_log) if of is None or who == of]
        records.reverse()
        return records if limit is None else records[:limit]

    def current_price(self) -> wire.AuctionCurrentPrice:
        """``GET …/current-price``: an English auction's price is the next minimum bid; its one
        unit is gone once it settled with a winner."""
        return wire.AuctionCurrentPrice(
            current_price=self.highest[1] if self.highest else self.minimum_bid(),
            remaining_quantity=0 if self.settled and self.winner else 1,
            auction_ended=self.settled)

    def highest_bid(self) -> wire.HighestBid:
        return wire.HighestBid(amount=self.highest[1] if self.highest else None)

    def model(self) -> wire.Auction:
        return wire.Auction(
            id=self.id, time_zone=self.time_zone, settle_at=self.dt(self.settle_at),  # type: ignore[arg-type]
            currency_code="USD", auction_type="english",
            auto_extend_seconds=self.spec.auto_extend_seconds, open_at=self.dt(self.open_at),
            close_at=self.dt(self.close_at), start_price=self.spec.start_price,
            reserve_price=self.spec.reserve_price, min_bid_increment=self.spec.min_bid_increment,
            quantity=1, admission_expiration_seconds=self.spec.admission_expiration_seconds,
            sequence_id=self.sequence_id)

    def participants(self) -> set[str]:
        return set(self.bidders)

    def has_participant(self, consumer_id: str) -> bool:
        return consumer_id in self.bidders

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        bidder = self.bidders.get(consumer_id)
        if bidder is None:
            return None
        status = self.status_of(consumer_id)
        state = self.state(consumer_id)
        consumer = wire.ConsumerProjection(
            status=status.value.lower(), distribution_id=self.id,
            entered_at=self.dt(bidder.entered_at), current_bid=state.last_bid_amount,
            highest_bid=state.highest_bid, admission_grant=state.admission_grant,
            granted_at=self.dt(self.grant.issued_at) if state.admission_grant and self.grant else None)
        if status is wire.AuctionStatus.WON and self.grant is not None:
            expires = self.grant.expires_at
            if expires is None or now < expires:
                return Projection(wire.SequencePhase.GRANTED, consumer, grant=self.grant)
            return Projection(wire.SequencePhase.ENDED, consumer, outcome=wire.OutcomeType.EXPIRED,
                              outcome_at=expires)
        if status is wire.AuctionStatus.LOST:
            return Projection(wire.SequencePhase.ENDED, consumer, outcome=wire.OutcomeType.LOST,
                              outcome_at=self.settle_at)
        return Projection(wire.SequencePhase.PARTICIPATING, consumer)
