"""Effects of the mechanism-specific actions: an auction bid (with the journey's own words for a
too-low bid) and an appointment's book, cancel and reschedule.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal

import reactivex
from reactivex import Observable
from reactivex import operators as ops

from fanfare_rx.errors import FanfareError, ValidationError
from fanfare_rx.journey.core import auction
from fanfare_rx.journey.core.messages import ConsumerState, Message
from fanfare_rx.journey.effect_context import EffectContext, failure_message, to_status
from fanfare_rx.models import wire
from fanfare_rx.wire.money import bid_amount

__all__ = [
    "APPOINTMENT_ACTIONS",
    "BOOK_APPOINTMENT",
    "CANCEL_APPOINTMENT",
    "PLACE_BID",
    "RESCHEDULE_APPOINTMENT",
    "appointment",
    "appointment_arg",
    "bid",
    "parse_amount",
]


def parse_amount(value: str | Decimal) -> Decimal:
    """A bid amount as the wire carries it (the client's one rule, spec §1 money); raises
    :class:`~fanfare_rx.errors.UsageError` (``INVALID_BID_AMOUNT``) when it is not one."""
    return bid_amount(value)


def bid(ctx: EffectContext, amount: str) -> Observable[Message]:
    def build() -> Observable[Message]:
        distribution = ctx.snapshot().context.distribution
        if distribution is None or distribution.type is not wire.DistributionType.AUCTION:
            return reactivex.throw(ValidationError("the journey is not in an auction"))
        return ctx.port.place_bid(distribution.id, parse_amount(amount)).pipe(
            to_status(ctx, distribution.id), ops.catch(_explain_too_low(ctx))
        )

    return reactivex.defer(lambda _: build())


def _explain_too_low(ctx: EffectContext) -> Callable[[Exception, Observable[Message]], Observable[Message]]:
    """A refused too-low bid raises with the message the journey's event shows (the minimum
    acceptable amount, or the starting price while nobody has bid), not the server's
    "higher than current bid"; the error stays the same type with the same code and details."""

    def handler(error: Exception, _: Observable[Message]) -> Observable[Message]:
        if not isinstance(error, FanfareError) or error.code != auction.BID_TOO_LOW:
            return reactivex.throw(error)
        failure = failure_message(PLACE_BID, error, 0)
        text = auction.bid_too_low_message(ctx.snapshot().context, failure.min_bid,
                                           failure.current_highest)
        explained = copy.copy(error)
        explained.message, explained.args = text, (text,)
        return reactivex.throw(explained)

    return handler


PLACE_BID = "place_bid"
#: The appointment actions (the current SDK's ``book``, ``cancel``, ``reschedule``).
BOOK_APPOINTMENT = "book_appointment"
CANCEL_APPOINTMENT = "cancel_appointment"
RESCHEDULE_APPOINTMENT = "reschedule_appointment"
APPOINTMENT_ACTIONS = frozenset({BOOK_APPOINTMENT, CANCEL_APPOINTMENT, RESCHEDULE_APPOINTMENT})


def appointment_arg(slot_id: str, location_id: str | None) -> str:
    """The one-string argument of ``book_appointment`` / ``reschedule_appointment``.

    Usage: ``journey.request(BOOK_APPOINTMENT, appointment_arg("slot-1", None))``
    """
    if not isinstance(slot_id, str) or not slot_id.strip():
        raise ValidationError(f"slot_id must be a non-empty string, got {slot_id!r}")
    if location_id is not None and (not isinstance(location_id, str) or not location_id.strip()):
        raise ValidationError(f"location_id must be a non-empty string or None, got {location_id!r}")
    return json.dumps([slot_id, location_id])


def _slot_and_location(arg: str | None) -> tuple[str, str | None]:
    try:
        slot_id, location_id = json.loads(arg or "")
    except (ValueError, TypeError):
        raise ValidationError("an appointment action needs a slot (see appointment_arg)") from None
    if not isinstance(slot_id, str) or not (location_id is None or isinstance(location_id, str)):
        raise ValidationError("an appointment action needs a slot (see appointment_arg)")
    return slot_id, location_id


def appointment(ctx: EffectContext, action: str, arg: str | None) -> Observable[Message]:
    """Book, cancel (the booked slot, ``arg`` the reason) or reschedule; the answer is folded
    as the consumer's booking state."""

    def build() -> Observable[Message]:
        snap = ctx.snapshot()
        distribution = snap.context.distribution
        if distribution is None or distribution.type is not wire.DistributionType.APPOINTMENT:
            return reactivex.throw(ValidationError("the journey is not in an appointment"))
        port = ctx.port
        states: Observable[ConsumerState]
        if action == CANCEL_APPOINTMENT:
            participation = snap.context.participation
            slot_id = participation.slot_id if participation is not None else None
            if slot_id is None:
                return reactivex.throw(ValidationError("no booked slot to cancel"))
            states = port.cancel_appointment(distribution.id, slot_id, arg)
        elif action == BOOK_APPOINTMENT:
            states = port.book_appointment(distribution.id, *_slot_and_location(arg))
        else:
            states = port.reschedule_appointment(distribution.id, *_slot_and_location(arg))
        return states.pipe(to_status(ctx, distribution.id))

    return reactivex.defer(lambda _: build())


