"""Auction terms in the journey context: start price, reserve, increment, end time and the
minimum next bid, and the wording of a refused (too low) bid.

Pure: imports only models, the messages and the journal's draft types.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from fanfare_rx.journey.core.messages import (
    AccessCodeAdvanced,
    ExperienceLoaded,
    Message,
    ResumedFromServer,
    RouteResolved,
)
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.models import wire
from fanfare_rx.models._display import amount, money
from fanfare_rx.models.journey import (
    AuctionTerms,
    DistributionStatus,
    JourneyContext,
    JourneySnapshot,
    SequenceStage,
)

__all__ = ["BID_TOO_LOW", "bid_too_low_message", "minimum_next_bid", "refresh", "terms_for"]

#: The error code of a bid under the minimum (the server's ``details.minBid`` says how much).
BID_TOO_LOW = "BID_TOO_LOW"

#: Sequence stages in which no bid can be placed any more (no minimum next bid then).
_NO_BIDDING = frozenset({SequenceStage.ENDED, SequenceStage.ADMITTED, SequenceStage.ADMISSION_EXPIRED})
_NO_BIDDING_STATUS = frozenset({DistributionStatus.SETTLING, DistributionStatus.CLOSED})
_AUCTION = wire.DistributionType.AUCTION  # bound once: refresh runs on every message
#: Messages carrying the experience, so the terms are (re)read from it.
_WITH_EXPERIENCE = (ExperienceLoaded, RouteResolved, AccessCodeAdvanced, ResumedFromServer)


def _text(value: Decimal | None, currency: str | None) -> str | None:
    return None if value is None else amount(value, currency)


def _number(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def terms_for(experience: wire.Experience, auction_id: str) -> AuctionTerms | None:
    """The terms of auction ``auction_id`` as the experience states them (no minimum yet).

    Usage: ``terms_for(experience, "auc-1").start_price`` -> ``'50.00'``
    """
    for sequence in experience.sequences or ():
        for item in sequence.auctions or ():
            if item.id == auction_id:
                currency = item.currency_code or None
                return AuctionTerms(
                    currency=currency,
                    start_price=_text(item.start_price, currency),
                    reserve_price=_text(item.reserve_price, currency),
                    min_bid_increment=_text(item.min_bid_increment, currency),
                    ends_at=int(item.settle_at.timestamp() * 1000),
                    auto_extend_seconds=item.auto_extend_seconds,
                )
    return None


def minimum_next_bid(terms: AuctionTerms, highest_bid: str | None) -> str | None:
    """``max(start price, highest bid + minimum increment)`` from the server's numbers only:
    the start price while nobody bid; None when a needed number is not published.

    Usage: ``minimum_next_bid(AuctionTerms(start_price="50.00", min_bid_increment="5.00"), "100.00")`` -> ``'105.00'``
    """
    start = _number(terms.start_price)
    highest = _number(highest_bid)
    if highest is None:
        return _text(start, terms.currency)
    increment = _number(terms.min_bid_increment)
    if increment is None:
        return None
    following = highest + increment
    return _text(following if start is None else max(start, following), terms.currency)


def _current_terms(before: JourneyContext, ctx: JourneyContext, message: Message) -> AuctionTerms | None:
    distribution = ctx.distribution
    if distribution is None or distribution.type is not _AUCTION:
        return None
    if isinstance(message, _WITH_EXPERIENCE):
        found = terms_for(message.experience, distribution.id)
        if found is not None:
            return found
    same = before.distribution is not None and before.distribution.id == distribution.id
    return ctx.auction if same else None


def refresh(before: JourneySnapshot, draft: JourneySnapshot, message: Message) -> JourneySnapshot:
    """The draft with the routed auction's terms and minimum next bid brought up to date: read
    from the experience when the message carries one, kept while the distribution stays,
    dropped when the journey leaves the auction.

    Usage: ``draft = refresh(snapshot, draft, message)`` (in :func:`..machine.reduce`)
    """
    ctx = draft.context
    if ctx.auction is None:
        distribution = ctx.distribution
        if distribution is None or distribution.type is not _AUCTION:
            return draft  # the common case: not in an auction
    terms = _current_terms(before.context, ctx, message)
    if terms is not None:
        closed = (draft.sequence_stage in _NO_BIDDING
                  or (ctx.distribution is not None and ctx.distribution.status in _NO_BIDDING_STATUS))
        minimum = None if closed else minimum_next_bid(terms, ctx.highest_bid)
        if minimum != terms.minimum_next_bid:
            terms = evolve(terms, minimum_next_bid=minimum)
    if terms == ctx.auction:
        return draft
    return evolve(draft, context=evolve(ctx, auction=terms))


def bid_too_low_message(ctx: JourneyContext, min_bid: str | None, current_highest: str | None) -> str:
    """What a refused bid tells the shopper: the minimum acceptable amount when known, the
    starting price while nobody has bid (the server's numbers first, then the context's).

    Usage: ``bid_too_low_message(ctx, "50.00", None)`` -> ``'Bid too low: no bid yet, bid at least the starting price 50.00 USD'``
    """
    terms = ctx.auction or AuctionTerms()
    currency = terms.currency
    highest = current_highest if current_highest is not None else ctx.highest_bid
    if highest is None:
        start = min_bid if min_bid is not None else terms.start_price
        if start is None:
            return "Bid too low: no bid yet, bid at least the starting price"
        return f"Bid too low: no bid yet, bid at least the starting price {money(start, currency)}"
    minimum = min_bid if min_bid is not None else minimum_next_bid(terms, highest)
    if minimum is None:
        return (f"Bid too low: bid more than the highest bid {money(highest, currency)}"
                " by at least the minimum increment")
    return (f"Bid too low: the minimum acceptable bid is {money(minimum, currency)}"
            f" (highest bid {money(highest, currency)})")
