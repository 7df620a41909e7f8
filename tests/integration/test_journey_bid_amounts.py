"""A bid the wire cannot carry is refused where it is given (``UsageError``), by the journey
and its view alike, with nothing sent and the journey unchanged. Over loopback HTTP."""

from __future__ import annotations

import pytest
from integration_helpers import MakeFanfare, engine_of

from fanfare_rx.errors import UsageError
from fanfare_rx.sandbox import Sandbox


@pytest.mark.parametrize("amount", ["150.123456789", "1234567890123", "-1", "lots"])
async def test_a_bid_the_wire_cannot_carry_is_refused_before_any_request(
    sb: Sandbox, make_fanfare: MakeFanfare, amount: str
) -> None:
    fanfare = await make_fanfare()
    journey = fanfare.experiences.create_journey(sb.experiences["auction"])
    await journey.start()
    await journey.place_bid("150.00")
    before = journey.state.get()
    with pytest.raises(UsageError) as refused:
        await journey.place_bid(amount)
    assert refused.value.code == "INVALID_BID_AMOUNT"
    assert journey.state.get().revision == before.revision
    with pytest.raises(UsageError):
        journey.view.get().sequence.bid(amount)  # type: ignore[union-attr]
    assert len(engine_of(sb, "auction").bid_log) == 1  # only the good bid reached the server
