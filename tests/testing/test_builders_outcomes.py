"""The outcome builders drive a journey to the stage and outcome their names promise (a lost
draw ends ``lost``, a won auction admits), on virtual time with a scripted server."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from fanfare_rx.models import wire
from fanfare_rx.models.journey import SequenceStage
from fanfare_rx.testing import ActionSpec, JourneyHarness
from fanfare_rx.testing import builders as b


def run_to_end(kind: str, enter: str, final: Any, *, entered: Any, enter_args: tuple[Any, ...] = ()) -> JourneyHarness:
    h = JourneyHarness(b.experience(kind))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", "-f|", n=b.draw_not_entered() if kind == "draw" else b.not_queued(), f=final)
    h.server.on_enter("-e|", e=entered)
    if kind == "auction":
        h.server.on_bid("-e|", e=entered)
    action: ActionSpec = (enter, enter_args[0]) if enter_args else enter
    h.act("-s--e-P", s="start", e=action, P=lambda j: j.start_polling(2000))
    h.advance(12)
    return h


@pytest.mark.parametrize(("kind", "enter", "args", "entered", "final", "stage", "outcome"), [
    ("draw", "enter_draw", (), b.draw_entered(), b.draw_lost(), "ended", "lost"),
    ("draw", "enter_draw", (), b.draw_entered(), b.draw_won(), "admitted", None),
    ("auction", "enter_auction", ("100.00",), b.auction_winning("100.00"), b.auction_lost("100.00", highest_bid="200.00"), "ended", "lost"),
    ("auction", "enter_auction", ("100.00",), b.auction_outbid("100.00", "120.00"), b.auction_won("150.00"), "admitted", None),
    ("queue", "enter_queue", (), b.queued(3), b.queue_completed(), "ended", "completed"),
    ("queue", "enter_queue", (), b.queued(3), b.queue_left(), "active_enterable", None),  # may enter again
    ("timed_release", "enter_timed_release", (), b.timed_release_state("ENTERED"), b.timed_release_granted(), "admitted", None),
])
def test_outcome_builders_reach_their_stage(
    kind: str, enter: str, args: tuple[Any, ...], entered: Any, final: Any, stage: str, outcome: str | None
) -> None:
    h = run_to_end(kind, enter, final, entered=entered, enter_args=args)
    snapshot = h.journey.state.get()
    assert snapshot.sequence_stage is SequenceStage(stage)
    assert snapshot.context.outcome == outcome
    if stage == "admitted":
        assert snapshot.context.admittance_token == "grant-1"
    h.destroy()


def test_money_builders_carry_decimals() -> None:
    won = b.auction_won("150.00")
    assert won.status is wire.AuctionStatus.WON and won.winning_bid_amount is not None
    assert str(won.winning_bid_amount) == "150.00"
    outbid = b.auction_outbid("100", "120.50")
    assert (outbid.status, outbid.last_bid_amount, outbid.highest_bid) == (
        wire.AuctionStatus.OUTBID, Decimal(100), Decimal("120.50"))
    lost = b.draw_lost()
    assert isinstance(lost, wire.DrawDenied) and lost.reason == "NOT_SELECTED"
