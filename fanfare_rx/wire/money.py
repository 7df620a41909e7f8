"""Money on the wire (spec §1): the one rule lives in :mod:`fanfare_rx.models.money` (plain data,
read by the typed ``Bid`` action too); the codec and the client import it from here.
"""

from __future__ import annotations

from fanfare_rx.models.money import MONEY_RULE, bid_amount, is_money

__all__ = ["MONEY_RULE", "bid_amount", "is_money"]
