"""Draw and auction lifecycles on the manual clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox_helpers import scenario_with

from fanfare_rx.models import wire
from fanfare_rx.wire import codec

DRAW = {"type": "draw", "id": "d1", "openAt": 0, "drawAt": 300, "closeAt": 300,
        "winnerCount": 2, "admissionExpirationSeconds": 60}
AUCTION = {"type": "auction", "id": "a1", "openAt": 0, "settleAt": 300, "startPrice": "100.00",
           "reservePrice": "150.00", "minBidIncrement": "5.00", "autoExtendSeconds": 30,
           "admissionExpirationSeconds": 60}


async def _draw_results(custom: Any, seed: int, entrants: int) -> list[str]:
    api = await custom(scenario_with(DRAW), seed=seed)
    tokens = [await api.guest() for _ in range(entrants)]
    for token in tokens:
        entered = await api.call("POST", "/draws/d1/enter", token=token)
        assert entered.body["status"] == "ENTERED"
    await api.sandbox.advance(300)
    return [(await api.call("GET", "/draws/d1/status", token=t)).body["status"] for t in tokens]


async def test_draw_picks_winner_count_with_seeded_rng(custom: Any) -> None:
    first = await _draw_results(custom, seed=11, entrants=6)
    assert sorted(first) == ["DENIED"] * 4 + ["WON"] * 2
    assert first == await _draw_results(custom, seed=11, entrants=6)


async def test_everyone_wins_when_entries_are_fewer(custom: Any) -> None:
    assert await _draw_results(custom, seed=1, entrants=2) == ["WON", "WON"]


async def test_draw_loser_reason_and_winner_grant_expiry(custom: Any) -> None:
    api = await custom(scenario_with({**DRAW, "winnerCount": 1}), seed=3)
    tokens = [await api.guest() for _ in range(3)]
    for token in tokens:
        await api.call("POST", "/draws/d1/enter", token=token)
    dup = await api.call("POST", "/draws/d1/enter", token=tokens[0])
    assert dup.status == 409 and dup.body["code"] == "ALREADY_IN_DRAW"
    await api.sandbox.advance(300)
    states = [codec.structure((await api.call("GET", "/draws/d1/status", token=t)).body,
                              wire.DrawConsumerState) for t in tokens]
    winners = [s for s in states if isinstance(s, wire.DrawWon)]
    losers = [s for s in states if isinstance(s, wire.DrawDenied)]
    assert len(winners) == 1 and {s.reason for s in losers} == {"NOT_SELECTED"}
    late = await api.call("POST", "/draws/d1/enter", token=await api.guest())
    assert late.status == 400 and late.body["error"] == "Draw is closed"
    await api.sandbox.advance(60)
    after = [(await api.call("GET", "/draws/d1/status", token=t)).body for t in tokens]
    assert sum(1 for body in after if body.get("reason") == "ADMISSION_EXPIRED") == 1


async def test_draw_leave_only_before_grant(custom: Any) -> None:
    api = await custom(scenario_with(DRAW))
    token = await api.guest()
    await api.call("POST", "/draws/d1/enter", token=token)
    left = await api.call("POST", "/draws/d1/leave", token=token)
    assert left.body == {"status": "NOT_ENTERED"}
    await api.call("POST", "/draws/d1/enter", token=token)
    await api.sandbox.advance(300)
    refused = await api.call("POST", "/draws/d1/leave", token=token)
    assert refused.status == 409


async def test_draw_not_open_yet(custom: Any) -> None:
    api = await custom(scenario_with({**DRAW, "openAt": 100}))
    early = await api.call("POST", "/draws/d1/enter", token=await api.guest())
    assert early.status == 423 and early.body["error"] == "Draw is not open yet"
    assert "Retry-After" in early.headers


async def test_auction_increment_reserve_autoextend_settle(custom: Any) -> None:
    api = await custom(scenario_with(AUCTION))
    alice, bob = await api.guest(), await api.guest()
    assert (await api.call("POST", "/auctions/a1/enter", token=alice)).body == {"success": True}
    again = await api.call("POST", "/auctions/a1/enter", token=alice)
    assert again.status == 409 and again.body["code"] == "ALREADY_IN_AUCTION"
    low = await api.call("POST", "/auctions/a1/bid", token=alice, json={"amount": "99.99"})
    assert low.status == 400 and low.body["code"] == "BID_TOO_LOW"
    assert low.body["details"]["minBid"] == "100.00"
    first = await api.call("POST", "/auctions/a1/bid", token=alice, json={"amount": "100.00"})
    assert first.body["status"] == "WINNING" and first.body["bidCount"] == 1
    small = await api.call("POST", "/auctions/a1/bid", token=bob, json={"amount": "104.00"})
    assert small.status == 400 and small.body["error"] == "Bid must meet minimum increment"
    await api.call("POST", "/auctions/a1/bid", token=bob, json={"amount": "105.00"})
    outbid = codec.structure((await api.call("GET", "/auctions/a1/status", token=alice)).body,
                             wire.AuctionConsumerState)
    assert outbid.status is wire.AuctionStatus.OUTBID
    highest = await api.call("GET", "/auctions/a1/highest-bid", token=alice)
    assert highest.body == {"amount": "105.00"}
    await api.sandbox.advance(280)  # 20 s left: a bid extends settleAt by 30 s
    await api.call("POST", "/auctions/a1/bid", token=alice, json={"amount": "160.00"})
    settle = datetime.fromisoformat((await api.call("GET", "/auctions/a1")).body["settleAt"])
    assert settle - api.sandbox.now() == timedelta(seconds=50)  # 300 + 30 from start
    await api.sandbox.advance(25)  # past the original settleAt, before the extended one
    assert (await api.call("GET", "/auctions/a1/status", token=alice)).body["status"] == "WINNING"
    await api.sandbox.advance(26)
    won = codec.structure((await api.call("GET", "/auctions/a1/status", token=alice)).body,
                          wire.AuctionConsumerState)
    assert won.status is wire.AuctionStatus.WON and won.admission_grant
    assert won.winning_bid_amount == codec.structure("160.00", type(won.winning_bid_amount))
    lost = await api.call("GET", "/auctions/a1/status", token=bob)
    assert lost.body["status"] == "LOST" and "admissionGrant" not in lost.body
    closed = await api.call("POST", "/auctions/a1/bid", token=bob, json={"amount": "500.00"})
    assert closed.status == 400 and closed.body["error"] == "Auction is closed"


async def test_auction_reserve_not_met_means_no_winner(custom: Any) -> None:
    api = await custom(scenario_with(AUCTION))
    token = await api.guest()
    await api.call("POST", "/auctions/a1/bid", token=token, json={"amount": "120.00"})
    await api.sandbox.advance(301)
    assert (await api.call("GET", "/auctions/a1/status", token=token)).body["status"] == "LOST"


async def test_auction_without_guests_refuses_guest(custom: Any) -> None:
    api = await custom(scenario_with({**AUCTION, "supportsGuest": False}))
    refused = await api.call("POST", "/auctions/a1/enter", token=await api.guest())
    assert refused.status == 403
    member = await api.signed_in()
    assert (await api.call("POST", "/auctions/a1/enter", token=member)).status == 200


async def test_auction_order_limit_is_structured_409(custom: Any) -> None:
    api = await custom(scenario_with({**AUCTION, "orderLimit": 0}))
    refused = await api.call("POST", "/auctions/a1/enter", token=await api.guest())
    assert refused.status == 409
    assert refused.body["code"] == "DISTRIBUTION_ORDER_LIMIT" and refused.body["action"] == "reroute"
