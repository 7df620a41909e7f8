"""Spec details the sandbox follows: queue resource fields, money as decimal strings, an
auction's expired grant, waitlists closing at the opening, and why routing found no access."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox_helpers import Api, scenario_with

AUCTION = {"type": "auction", "id": "a1", "openAt": 0, "settleAt": 300, "startPrice": "100.00",
           "minBidIncrement": "5.00", "admissionExpirationSeconds": 60}


async def test_queue_resource_has_created_at_and_by(api: Api) -> None:
    queue_id = await api.distribution("queue", "queues")
    body = (await api.call("GET", f"/queues/{queue_id}")).body
    assert datetime.fromisoformat(body["createdAt"]).tzinfo is not None
    assert isinstance(body["createdBy"], str) and body["createdBy"]
    assert body["archived"] is False and body["sequenceId"] and body["organizationId"]


async def test_bid_amount_must_be_a_decimal_string(custom: Any) -> None:
    api: Api = await custom(scenario_with(AUCTION))
    token = await api.guest()
    number = await api.call("POST", "/auctions/a1/bid", token=token, json={"amount": 120})
    assert number.status == 400 and number.body["error"] == "validation_error"
    issue = number.body["issues"][0]
    assert issue["expected"] == "string" and issue["received"] == "number"
    assert [step["key"] for step in issue["path"]] == ["amount"]
    too_fine = await api.call("POST", "/auctions/a1/bid", token=token,
                              json={"amount": "120.123456789"})
    assert too_fine.status == 400 and too_fine.body["error"] == "validation_error"
    assert [step["key"] for step in too_fine.body["issues"][0]["path"]] == ["amount"]
    finest = await api.call("POST", "/auctions/a1/bid", token=token,
                            json={"amount": "120.12345678"})
    assert finest.status == 200 and finest.body["status"] == "WINNING"
    status = await api.call("GET", "/auctions/a1/status", token=token)
    assert status.body["bidCount"] == 1  # the refused bids left no trace


async def test_auction_grant_ends_when_it_expires(custom: Any) -> None:
    api: Api = await custom(scenario_with(AUCTION))
    token = await api.guest()
    await api.call("POST", "/auctions/a1/bid", token=token, json={"amount": "100.00"})
    await api.sandbox.advance(300)
    won = (await api.call("GET", "/auctions/a1/status", token=token)).body
    assert won["status"] == "WON" and won["admissionGrant"] and won["expiresAt"]
    await api.sandbox.advance(60)
    after = (await api.call("GET", "/auctions/a1/status", token=token)).body
    assert after["status"] == "WON"
    assert "admissionGrant" not in after and "expiresAt" not in after
    me = (await api.call("GET", "/consumers/me", token=token)).body
    sequence = me["active"]["journeys"][0]["sequence"]
    assert sequence["phase"] == "ended" and sequence["outcome"]["type"] == "expired"
    assert "admissionGrant" not in sequence["consumer"]


async def test_waitlist_closes_and_clears_when_the_distribution_opens(custom: Any) -> None:
    timed = {"type": "timed_release", "id": "t1", "openAt": 120, "closeAt": 600}
    api: Api = await custom(scenario_with(timed, waitlist={"id": "w1"}))
    member, late = await api.guest(), await api.guest()
    assert (await api.call("POST", "/waitlists/w1/enter", token=member)).status == 200
    me = (await api.call("GET", "/consumers/me", token=member)).body
    assert [w["waitlistId"] for w in me["waitlists"]] == ["w1"]
    await api.sandbox.advance(120)
    refused = await api.call("POST", "/waitlists/w1/enter", token=late)
    assert refused.status == 409 and refused.body["code"] == "WAITLIST_CLOSED"
    status = await api.call("GET", "/waitlists/w1/status", token=member)
    assert status.body == {"waitlistId": "w1", "isEntered": False}
    me = (await api.call("GET", "/consumers/me", token=member)).body
    assert not me.get("waitlists")
    waitlist = api.sandbox.world.waitlists["w1"]
    assert list(waitlist.notified.values()) == [api.sandbox.world.clock.start + 120]
    entered = await api.call("POST", "/timed-releases/t1/enter", token=member)
    assert entered.status == 200  # the journey goes on through the distribution


async def test_no_access_says_the_draw_was_drawn(custom: Any) -> None:
    draw = {"type": "draw", "id": "d1", "openAt": 0, "drawAt": 300, "closeAt": 300,
            "winnerCount": 1}
    api: Api = await custom(scenario_with(draw))
    token = await api.guest()
    await api.sandbox.advance(301)
    routed = await api.call("POST", "/experiences/exp-x/route", token=token, json={})
    assert routed.body["outcome"] == "no_access"
    assert routed.body["outcomeReasons"] == [
        {"code": "NO_ACCESS", "detail": "every sequence has ended: draw already drawn"}]


async def test_no_access_says_the_queue_closed(custom: Any) -> None:
    api: Api = await custom(scenario_with({"type": "queue", "id": "q1", "openAt": 0,
                                           "closeAt": 60, "admitRate": 10}))
    token = await api.guest()
    await api.sandbox.advance(61)
    routed = await api.call("POST", "/experiences/exp-x/route", token=token, json={})
    assert routed.body["outcomeReasons"][0]["detail"] == "every sequence has ended: queue closed"
