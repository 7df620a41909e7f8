"""One money rule (models/money.py): the journey's ``Bid`` action, the client's ``place_bid`` and
the codec's money decoding read the same declaration, so they refuse and accept the same amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanfare_rx import Bid
from fanfare_rx.errors import DecodeError, UsageError
from fanfare_rx.models import money
from fanfare_rx.wire import codec, distributions

AMOUNTS = ["125.00", "1", "999999999999.12345678", "0", "-1", "1.123456789", "1234567890123",
           "NaN", "lots", "1e3", " 1.00", "1.00\n"]


def test_one_declaration_serves_the_action_and_the_client() -> None:
    assert distributions.parse_amount is money.parse_amount
    assert Bid.__attrs_attrs__.amount.converter is money.parse_amount


@pytest.mark.parametrize("text", AMOUNTS)
def test_the_action_and_the_codec_agree_on_every_amount(text: str) -> None:
    try:
        accepted: Decimal | None = Bid(text).amount
    except UsageError as error:
        assert error.code == "INVALID_BID_AMOUNT"
        accepted = None
    try:
        decoded: Decimal | None = codec.structure(text, Decimal)
    except DecodeError:
        decoded = None
    # every positive amount the codec reads, the action takes as the same value; what the action
    # takes is sent as money on the wire (decimal text like "1e3" is sent as "1000")
    if decoded is not None and decoded > 0:
        assert accepted == decoded
    if accepted is not None:
        assert money.is_money(format(accepted, "f"))
    else:
        assert decoded is None or decoded <= 0
