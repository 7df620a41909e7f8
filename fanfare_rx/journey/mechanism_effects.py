"""Effects of the mechanism-specific actions: an auction bid (with the journey's own words for a
too-low bid) and an appointment's book, cancel and reschedule.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, assert_never

from reactivex import Observable

from fanfare_rx.errors import FanfareError, UsageError
from fanfare_rx.journey.core import auction
from fanfare_rx.journey.core.messages import ConsumerState, Message
from fanfare_rx.journey.core.rules import (
    BOOK_APPOINTMENT,
    CANCEL_APPOINTMENT,
    PLACE_BID,
    RESCHEDULE_APPOINTMENT,
)
from fanfare_rx.journey.effect_context import EffectContext, failure_message, to_status
from fanfare_rx.journey.lean import catch, defer, fail
from fanfare_rx.models import wire
from fanfare_rx.models._display import amount
from fanfare_rx.models.actions import Bid, Book, Cancel, Reschedule, parse_amount

__all__ = [
    "APPOINTMENT_ACTIONS",
    "BOOK_APPOINTMENT",
    "CANCEL_APPOINTMENT",
    "PLACE_BID",
    "RESCHEDULE_APPOINTMENT",
    "appointment",
    "bid",
    "parse_amount",
]


def bid(ctx: EffectContext, value: Bid) -> Observable[Message]:
    """Place the bid in the routed auction; a too-low bid raises with the journey's words."""

    def build() -> Observable[Message]:
        distribution = ctx.snapshot().context.distribution
        if distribution is None or distribution.type is not wire.DistributionType.AUCTION:
            return fail(UsageError("the journey is not in an auction"))
        return ctx.port.place_bid(distribution.id, value.amount).pipe(
            to_status(ctx, distribution.id), catch(_explain_too_low(ctx))
        )

    return defer(build)


def _explain_too_low(ctx: EffectContext) -> Callable[[Exception, Observable[Message]], Observable[Message]]:
    """A refused too-low bid raises with the message the journey's event shows (the minimum
    acceptable amount, or the starting price while nobody has bid), not the server's
    "higher than current bid"; the error stays the same type with the same code and details."""

    def handler(error: Exception, _: Observable[Message]) -> Observable[Message]:
        if not isinstance(error, FanfareError) or error.code != auction.BID_TOO_LOW:
            return fail(error)
        failure = failure_message(PLACE_BID, error, 0)
        text = auction.bid_too_low_message(ctx.snapshot().context, failure.min_bid,
                                           failure.current_highest)
        explained = copy.copy(error)
        explained.message, explained.args = text, (text,)
        explained.details = _spelled(error.details, ctx)
        return fail(explained)

    return handler


#: The money fields of a ``BID_TOO_LOW`` body's details.
_MONEY_DETAILS = ("minBid", "currentHighest")


def _spelled(details: Mapping[str, Any], ctx: EffectContext) -> dict[str, Any]:
    """The error's details with the body's amounts spelled as the message spells them
    (``100.00``, the currency's decimals)."""
    terms = ctx.snapshot().context.auction
    currency = terms.currency if terms is not None else None
    spelled = dict(details)
    inner = details.get("details")
    if isinstance(inner, Mapping):
        spelled["details"] = {
            key: amount(value, currency) if key in _MONEY_DETAILS and value is not None else value
            for key, value in inner.items()}
    return spelled


#: The appointment actions (the current SDK's ``book``, ``cancel``, ``reschedule``).
APPOINTMENT_ACTIONS = frozenset({BOOK_APPOINTMENT, CANCEL_APPOINTMENT, RESCHEDULE_APPOINTMENT})


def appointment(ctx: EffectContext, value: Book | Cancel | Reschedule) -> Observable[Message]:
    """Book, cancel (the booked slot, with the value's reason) or reschedule; the answer is
    folded as the consumer's booking state."""

    def build() -> Observable[Message]:
        snap = ctx.snapshot()
        distribution = snap.context.distribution
        if distribution is None or distribution.type is not wire.DistributionType.APPOINTMENT:
            return fail(UsageError("the journey is not in an appointment"))
        port = ctx.port
        states: Observable[ConsumerState]
        match value:
            case Cancel(reason=reason):
                participation = snap.context.participation
                slot_id = participation.slot_id if participation is not None else None
                if slot_id is None:
                    return fail(UsageError("no booked slot to cancel"))
                states = port.cancel_appointment(distribution.id, slot_id, reason)
            case Book(slot_id=slot_id, location_id=location_id):
                states = port.book_appointment(distribution.id, slot_id, location_id)
            case Reschedule(slot_id=slot_id, location_id=location_id):
                states = port.reschedule_appointment(distribution.id, slot_id, location_id)
            case _:
                assert_never(value)
        return states.pipe(to_status(ctx, distribution.id))

    return defer(build)
