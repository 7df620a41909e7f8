"""Money on the wire (spec §1): decimal strings matching ``^\\d{1,12}(\\.\\d{1,8})?$``. One rule,
read by the codec (decoding), the client (a bid) and the journey (a ``Bid`` action).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from fanfare_rx.errors import ErrorCode, UsageError

__all__ = ["MONEY_RULE", "is_money", "parse_amount"]

# ASCII digits only, matched against the whole string (``$`` alone would accept "1.00\\n").
_MONEY = re.compile(r"[0-9]{1,12}(\.[0-9]{1,8})?")
#: The spec's money rule, in words for error messages.
MONEY_RULE = "a decimal string of at most 12 digits before the point and 8 after, like '1500.00'"


def is_money(text: str) -> bool:
    """Whether ``text`` is a money value of the wire.

    Usage: ``is_money("155.00")`` -> True; ``is_money("1.123456789")`` -> False
    """
    return _MONEY.fullmatch(text) is not None


def parse_amount(value: object) -> Decimal:
    """A bid amount as the wire carries it (a positive decimal of at most 12 digits before the
    point and 8 after), or :class:`~fanfare_rx.errors.UsageError` (code ``INVALID_BID_AMOUNT``)
    where it is given: not decimal text or a ``Decimal``, not positive, or more digits than
    money has.

    Usage: ``parse_amount("125.00")`` -> ``Decimal('125.00')``
    """
    code = ErrorCode.INVALID_BID_AMOUNT
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        raise UsageError(f"a bid amount is decimal text or a Decimal, got {value!r}", code=code)
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        raise UsageError(f"invalid bid amount {value!r}", code=code) from None
    if not amount.is_finite() or amount <= 0:
        raise UsageError(f"invalid bid amount {value!r}: it must be a positive number", code=code)
    if not is_money(format(amount, "f")):
        raise UsageError(f"invalid bid amount {value!r}: {MONEY_RULE}", code=code)
    return amount
