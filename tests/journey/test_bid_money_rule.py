"""One money rule: a ``Bid`` value accepts exactly the amounts the wire codec and the client's
bid accept (``fanfare_rx.models.money``), refusing the rest as ``INVALID_BID_AMOUNT``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.models import money
from fanfare_rx.models.actions import Bid
from fanfare_rx.wire import money as wire_money

AMOUNTS = ["150.00", "1", "0.00000001", "999999999999.99999999", "1234567890123", "1.123456789",
           "0", "-5", "NaN", "Infinity", "1e3", "abc", "", " 5", Decimal("10.5"), Decimal("1E-9")]


def test_the_wire_reads_the_models_rule() -> None:
    assert wire_money.bid_amount is money.bid_amount
    assert wire_money.is_money is money.is_money


@pytest.mark.parametrize("amount", AMOUNTS, ids=str)
def test_a_bid_value_and_the_wire_accept_the_same_amounts(amount: str | Decimal) -> None:
    try:
        expected: Decimal | None = money.bid_amount(amount)
    except UsageError as refused:
        assert refused.code == "INVALID_BID_AMOUNT"
        expected = None
    if expected is None:
        with pytest.raises(UsageError) as refused_too:
            Bid(amount)
        assert refused_too.value.code == "INVALID_BID_AMOUNT"
    else:
        assert Bid(amount).amount == expected
