"""The auction: entered by bidding, bid again while open, settles to a winner (no leave
endpoint exists in any API generation)."""

from __future__ import annotations

from fanfare_rx.mechanisms.base import (
    ENTERABLE,
    ApiCalls,
    ItemTerms,
    MechanismEvents,
    MechanismSpec,
    Standing,
    epoch_ms,
    is_open,
    not_settling,
    rule,
)
from fanfare_rx.models import wire
from fanfare_rx.models.actions import Bid
from fanfare_rx.models.journey import SequenceAction, SequenceStage

__all__ = ["AUCTION", "PLACE_BID"]

SS = SequenceStage
_KIND = wire.DistributionType.AUCTION
#: The G1 name of a bid while participating (the docs' G1 list has no bid action).
PLACE_BID = "place_bid"


def _standing(state: wire.AuctionConsumerState) -> Standing:
    return Standing(status=state.status.value, grant=state.admission_grant,
                    expires_at=epoch_ms(state.expires_at), last_bid=state.last_bid_amount,
                    highest_bid=state.highest_bid or state.winning_bid_amount)


AUCTION = MechanismSpec(
    kind=_KIND,
    state_types=(wire.AuctionConsumerState,),
    standing=_standing,
    statuses={"NOT_BID": ENTERABLE, "BIDDING": SS.PARTICIPATING, "WINNING": SS.PARTICIPATING,
              "OUTBID": SS.PARTICIPATING, "WON": SS.ADMITTED, "LOST": SS.ENDED},
    rules=(
        rule(SequenceAction.ENTER_AUCTION, "bid", Bid, {SS.ACTIVE_ENTERABLE}, {_KIND}),
        rule(PLACE_BID, "bid", Bid, {SS.PARTICIPATING}, {_KIND}, not_settling),
        rule(SequenceAction.ENTER_AUCTION, "bid", Bid, {SS.ADMISSION_EXPIRED}, {_KIND}, is_open),
    ),
    api=ApiCalls(status="auction_status", enter="enter_auction", enter_answers_state=False),
    poll_interval_ms=2000,
    listed=lambda sequence: tuple(sequence.auctions or ()),
    terms=lambda item: ItemTerms(item.settle_at, item.admission_expiration_seconds,
                                 item.supports_guest),
    settles=True,
    events=MechanismEvents(
        entered="auction:entered", left="auction:left", granted="auction:won",
        expired="auction:expired",
        ended={"completed": "auction:left", "lost": "auction:lost", "denied": "auction:lost"},
        status_updated="auction:status-updated", error="auction:error", id_key="auctionId",
        bid_placed="auction:bid-placed", bid_updated="auction:bid-updated",
        bid_standing={"OUTBID": "auction:outbid", "WINNING": "auction:winning"},
        more=("auction:auto-rebid-enabled", "auction:auto-rebid-disabled")),
)
