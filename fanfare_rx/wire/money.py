"""Money on the wire: the one rule lives in :mod:`fanfare_rx.models.money` (plain data, read by
the action values too); the codec and the client import it from here.

Usage: ``bid_amount("155.00")`` -> ``Decimal("155.00")``
"""

from __future__ import annotations

from fanfare_rx.models.money import MONEY_RULE, bid_amount, is_money

__all__ = ["MONEY_RULE", "bid_amount", "is_money"]
