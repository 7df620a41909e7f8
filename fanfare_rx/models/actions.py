"""What a shopper may ask for, as typed values: ``Enter()``, ``Bid(amount)``, ``Book(slot_id)``
... One value per action of the current SDK's ``SequenceView``; the docs' G1 names
(``enter_queue``, ``perform("enter_auction", "100")``) map onto them through the one table of
:mod:`fanfare_rx.journey.core.rules`.

Plain data: bad arguments raise :class:`~fanfare_rx.errors.UsageError` where they are given.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from fanfare_rx.errors import UsageError
from fanfare_rx.models.money import parse_amount

__all__ = [
    "Bid",
    "Book",
    "Cancel",
    "Claim",
    "Complete",
    "Enter",
    "JoinWaitlist",
    "Leave",
    "LeaveWaitlist",
    "Reschedule",
    "ShopperAction",
    "parse_amount",
]


def _slot(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{attribute.name} must be a non-empty string, got {value!r}")


def _optional_text(_: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise UsageError(f"{attribute.name} must be a non-empty string or None, got {value!r}")


@attrs.frozen
class Enter:
    """Enter the routed queue, draw or timed release (again, after a grant lapsed).

    Usage: ``await journey.act(Enter())``
    """


@attrs.frozen
class Bid:
    """Bid ``amount`` in the routed auction (the first bid enters it).

    Usage: ``await journey.act(Bid("125.00"))``
    """

    amount: Decimal = attrs.field(converter=parse_amount)


@attrs.frozen
class Book:
    """Book an appointment slot (and location).

    Usage: ``await journey.act(Book("slot-1", "loc-1"))``
    """

    slot_id: str = attrs.field(validator=_slot)
    location_id: str | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen
class Reschedule:
    """Move the booked appointment to another slot (and location).

    Usage: ``await journey.act(Reschedule("slot-2"))``
    """

    slot_id: str = attrs.field(validator=_slot)
    location_id: str | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen
class Cancel:
    """Cancel the booked appointment, with an optional reason.

    Usage: ``await journey.act(Cancel("cannot make it"))``
    """

    reason: str | None = attrs.field(default=None, validator=_optional_text)


@attrs.frozen
class Leave:
    """Leave the queue, draw or timed release the shopper is in.

    Usage: ``await journey.act(Leave())``
    """


@attrs.frozen
class Complete:
    """Mark a granted timed release completed (after purchase).

    Usage: ``await journey.act(Complete())``
    """


@attrs.frozen
class Claim:
    """Hand the admission grant to checkout (synchronous; the server owns the deadline).

    Usage: ``grant = live.sequence.claim()``
    """


@attrs.frozen
class JoinWaitlist:
    """Join the scheduled distribution's waitlist.

    Usage: ``await journey.act(JoinWaitlist())``
    """


@attrs.frozen
class LeaveWaitlist:
    """Leave the waitlist.

    Usage: ``await journey.act(LeaveWaitlist())``
    """


#: Every action value a shopper may ask for inside a sequence.
ShopperAction = (
    Enter | Bid | Book | Reschedule | Cancel | Leave | Complete | Claim | JoinWaitlist
    | LeaveWaitlist
)
