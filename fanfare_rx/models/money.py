"""Money on the wire (spec §1): decimal strings matching ``^\\d{1,12}(\\.\\d{1,8})?$``. One rule,
read by the codec (decoding), the client (a bid) and the typed `Bid` action (:mod:`fanfare_rx.models.actions`).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from fanfare_rx.errors import ErrorCode, UsageError

__all__ = ["MONEY_RULE", "bid_amount", "is_money"]

# ASCII digits only, matched against the whole string (``$`` alone would accept "1.00\\n").
_MONEY = re.compile(r"[0-9]{1,12}(\.[0-9]{1,8})?")
#: The spec's money rule, in words for error messages.
MONEY_RULE = "a decimal string of at most 12 digits before the point and 8 after, like '1500.00'"


def is_money(text: str) -> bool:
    """Whether ``text`` is a money value of the wire.

    Usage: ``is_money("155.00")`` -> True; ``is_money("1.123456789")`` -> False
    """
    return _MONEY.fullmatch(text) is not None


def bid_amount(amount: Decimal | str) -> Decimal:
    """A bid as the wire carries it, or :class:`~fanfare_rx.errors.UsageError` (code
    ``INVALID_BID_AMOUNT``): not a decimal, not positive, or more digits than money has.

    Usage: ``bid_amount("155.00")`` -> ``Decimal("155.00")``
    """
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(amount)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise UsageError(f"bid amount is not a decimal: {amount!r}",
                         code=ErrorCode.INVALID_BID_AMOUNT) from exc
    if not value.is_finite() or value <= 0:
        raise UsageError(f"bid amount must be positive: {amount!r}",
                         code=ErrorCode.INVALID_BID_AMOUNT)
    if not is_money(format(value, "f")):
        raise UsageError(f"bid amount {amount!r} is not money on the wire: {MONEY_RULE}",
                         code=ErrorCode.INVALID_BID_AMOUNT)
    return value
