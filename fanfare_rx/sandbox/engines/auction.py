"""The English-auction engine: start price, minimum increment, reserve, auto-extend near the
end, and settlement at ``settleAt`` (the highest bidder at or above reserve wins a grant). With
``roundSeconds`` a new round opens right after each settlement; results are kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox._scenario_decode import non_negative, positive
from fanfare_rx.sandbox.engines.base import Engine, Grant, Projection, Timeline, not_open_yet
from fanfare_rx.sandbox.engines.handlers import eligible, engine_of, participant, serve_model
from fanfare_rx.sandbox.http import (
    ApiError,
    conflict,
    json_response,
    parse_json,
    read_body,
    validation_error,
)
from fanfare_rx.sandbox.scenario import DistributionSpec

__all__ = ["AuctionEngine", "AuctionSpec", "routes"]

routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class AuctionSpec(DistributionSpec):
    """``{"type": "auction", "settleAt": 300, "startPrice"?: "100.00", "reservePrice"?,
    "minBidIncrement"?, "autoExtendSeconds"?, "roundSeconds"?}`` (money as decimal strings)."""

    settle_at: float = attrs.field(validator=non_negative)
    start_price: Decimal | None = None
    reserve_price: Decimal | None = None
    min_bid_increment: Decimal | None = None
    auto_extend_seconds: int | None = attrs.field(default=None, validator=non_negative)
    #: After each settlement a new round opens at once, settled this much later (None: once).
    round_seconds: float | None = attrs.field(default=None, validator=positive)

    def times(self) -> dict[str, float]:
        return {"settleAt": self.settle_at}

_DEFAULT_INCREMENT = Decimal("0.01")


@attrs.define
class _Bidder:
    entered_at: float
    bids: list[Decimal] = attrs.Factory(list)


@attrs.frozen
class _Result:
    """A bidder's standing in a settled earlier round (kept while later rounds run)."""

    state: wire.AuctionConsumerState
    entered_at: float
    settled_at: float
    grant: Grant | None


class AuctionEngine(Engine, kind="auction", spec=AuctionSpec, routes=routes, noun="Auction",
                    listed_as="auctions", idle_status="not_bid",
                    extensions={wire.Auction: ("sequence_id", "admission_expiration_seconds",
                                               "supports_guest"),
                                wire.AuctionConsumerState: ("expires_at", "highest_bid")}):
    """Usage: ``engine.bid("cns_1", Decimal("120.00"), guest=False, now=t)``"""

    spec: AuctionSpec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settle_at = self.start + self.spec.settle_at
        self.bidders: dict[str, _Bidder] = {}
        self.highest: tuple[str, Decimal] | None = None
        self.settled = False
        self.winner: str | None = None
        self.grant: Grant | None = None
        self.round = 1
        #: Bidders of settled earlier rounds (not in the current one) -> their result.
        self.results: dict[str, _Result] = {}
        #: Every bid of the current round in order: (consumer, amount, when).
        self.bid_log: list[tuple[str, Decimal, float]] = []

    def accepts_entries(self, now: float) -> bool:
        return self.open_at <= now < self.settle_at and not self.settled

    def settles_at(self) -> float | None:
        return self.settle_at

    def closed_detail(self) -> str:
        return "auction settled" if self.settled else "auction closed"

    def recurs(self) -> bool:
        """Whether another round follows the current one's settlement."""
        return self.spec.round_seconds is not None and (
            self.close_at is None or self.settle_at < self.close_at)

    def timeline(self, now: float) -> Timeline:
        if now < self.open_at:
            return Timeline("upcoming", "opens", self.open_at)
        if self.accepts_entries(now):
            doing = f"open for bids, round {self.round}" if self.spec.round_seconds else (
                "open for bids")
            then = "reopens" if self.recurs() else None
            return Timeline(doing, "settles", self.settle_at, then)
        return Timeline("settled")

    def advance(self, now: float) -> None:
        if not self.settled and now >= self.settle_at:
            self.settled = True
            if self.highest is not None:
                who, amount = self.highest
                reserve = self.spec.reserve_price
                if reserve is None or amount >= reserve:
                    self.winner, self.grant = who, self.issue_grant(who, self.settle_at)
            if self.recurs():
                self._reopen(now)
        super().advance(now)

    def _reopen(self, now: float) -> None:
        """Keep each bidder's result and open the next round (rounds that ended before
        ``now`` had no bidders and are skipped)."""
        self.clock_at = max(self.clock_at, now)
        for who, bidder in self.bidders.items():
            self.results[who] = _Result(state=self.state(who), entered_at=bidder.entered_at,
                                        settled_at=self.settle_at,
                                        grant=self.grant if who == self.winner else None)
        step = float(self.spec.round_seconds or 0.0)
        skipped = max(0, int((now - self.settle_at) // step))
        self.open_at = self.settle_at + skipped * step
        self.settle_at = self.open_at + step
        self.round += 1 + skipped
        self.bidders, self.highest, self.settled = {}, None, False
        self.winner, self.grant, self.bid_log = None, None, []

    def _result_grant_live(self, result: _Result) -> bool:
        grant = result.grant
        return grant is not None and (grant.expires_at is None or self.clock_at < grant.expires_at)

    def _join(self, consumer_id: str, now: float) -> None:
        """Make the consumer a bidder of the current round; a live won grant of an earlier
        round is a place already held (409)."""
        result = self.results.get(consumer_id)
        if result is not None and self._result_grant_live(result):
            raise conflict("Already won this auction", "ALREADY_IN_AUCTION")
        self.count_entry(consumer_id)
        self.results.pop(consumer_id, None)
        self.bidders[consumer_id] = _Bidder(entered_at=now)

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
        self._join(consumer_id, now)
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
            details = {"minBid": format(minimum, "f"),
                       "currentHighest": format(self.highest[1], "f") if self.highest else None}
            raise ApiError(400, {"error": message, "code": "BID_TOO_LOW", "details": details})
        if consumer_id not in self.bidders:
            self._join(consumer_id, now)
        self.bidders[consumer_id].bids.append(amount)
        self.bid_log.append((consumer_id, amount, now))
        self.highest = (consumer_id, amount)
        extend = self.spec.auto_extend_seconds
        if extend and self.settle_at - now <= extend:
            self.settle_at += extend
        return self.state(consumer_id)

    def status_of(self, consumer_id: str) -> wire.AuctionStatus:
        result = self.results.get(consumer_id)
        if result is not None:
            return result.state.status
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
        result = self.results.get(consumer_id)
        if result is not None:
            if self._result_grant_live(result):
                return result.state
            return attrs.evolve(result.state, admission_grant=None, expires_at=None)
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
            sequence_id=self.sequence_id, supports_guest=self.spec.supports_guest)

    def participants(self) -> set[str]:
        return set(self.bidders) | set(self.results)

    def has_participant(self, consumer_id: str) -> bool:
        return consumer_id in self.bidders or consumer_id in self.results

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        result = self.results.get(consumer_id)
        if result is not None:
            return self._past_projection(consumer_id, result, now)
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

    def _past_projection(self, consumer_id: str, result: _Result, now: float) -> Projection:
        state = self.state(consumer_id)
        consumer = wire.ConsumerProjection(
            status=state.status.value.lower(), distribution_id=self.id,
            entered_at=self.dt(result.entered_at), current_bid=state.last_bid_amount,
            highest_bid=state.highest_bid, admission_grant=state.admission_grant,
            granted_at=self.dt(result.grant.issued_at) if state.admission_grant and result.grant
            else None)
        if state.status is wire.AuctionStatus.WON and result.grant is not None:
            expires = result.grant.expires_at
            if expires is None or now < expires:
                return Projection(wire.SequencePhase.GRANTED, consumer, grant=result.grant)
            return Projection(wire.SequencePhase.ENDED, consumer, outcome=wire.OutcomeType.EXPIRED,
                              outcome_at=expires)
        return Projection(wire.SequencePhase.ENDED, consumer, outcome=wire.OutcomeType.LOST,
                          outcome_at=result.settled_at)


# --- routes -------------------------------------------------------------------------------------


serve_model(routes, "/auctions/{id}", AuctionEngine)


@routes.post("/auctions/{id}/enter")
async def enter_auction(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, AuctionEngine)
    eligible(request, identity, engine)
    return json_response(engine.enter(identity.consumer.id, guest=identity.consumer.guest, now=now))


@routes.post("/auctions/{id}/bid")
async def bid(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, AuctionEngine)
    body = await read_body(request, wire.BidRequest)
    if body.amount is None:
        raise validation_error("amount is required", ["amount"], body={}, expected="string",
                               type_="missing")
    _money_is_a_string(parse_json(await request.read()))
    eligible(request, identity, engine)
    return json_response(engine.bid(identity.consumer.id, body.amount,
                                    guest=identity.consumer.guest, now=now))


def _money_is_a_string(raw: dict[str, Any]) -> None:
    """Money is a decimal string on the wire; a JSON number (binary float) is refused."""
    if not isinstance(raw.get("amount"), str):
        raise validation_error('amount must be a decimal string like "1500.00"', ["amount"],
                               body=raw, expected="string", type_="invalid_type")


@routes.get("/auctions/{id}/status")
async def auction_status(request: web.Request) -> web.Response:
    identity, engine, _ = participant(request, AuctionEngine)
    return json_response(engine.state(identity.consumer.id))


@routes.get("/auctions/{id}/highest-bid")
async def highest_bid(request: web.Request) -> web.Response:
    _, engine, _ = participant(request, AuctionEngine)
    return json_response(engine.highest_bid())


@routes.get("/auctions/{id}/bids")
async def bids(request: web.Request) -> web.Response:
    """Everyone's bids, newest first; ``organizationId`` is required (spec §4.6)."""
    _, engine, _ = participant(request, AuctionEngine)
    if not request.query.get("organizationId"):
        raise validation_error("organizationId is required", ["organizationId"], body={},
                               expected="string", type_="missing")
    return json_response(engine.bids(limit=_limit(request)))


@routes.get("/auctions/{id}/bids/history")
async def bid_history(request: web.Request) -> web.Response:
    """The consumer's own bids, newest first."""
    identity, engine, _ = participant(request, AuctionEngine)
    return json_response(engine.bids(limit=_limit(request), of=identity.consumer.id))


@routes.get("/auctions/{id}/current-price")
async def current_price(request: web.Request) -> web.Response:
    context.now(request)  # engines advanced to the request's time
    return json_response(engine_of(request, AuctionEngine).current_price())


def _limit(request: web.Request) -> int | None:
    raw = request.query.get("limit")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise validation_error("limit must be a positive integer", ["limit"],
                               body={"limit": raw}, expected="positive integer",
                               type_="invalid_type")
    return int(raw)
