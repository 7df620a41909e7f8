"""Every response body the sandbox gives on a tour of all its Consumer API endpoints (over
loopback, successes and errors) is checked against the spec's shapes in ``spec_shapes``; the
tour must reach every endpoint there with a success, so new or drifting answers fail."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from sandbox_helpers import Api, Reply

from fanfare_rx.models import wire
from fanfare_rx.models.spec_shapes import (
    AUCTION_ITEM,
    BID_STATE,
    DRAW_ITEM,
    DRAW_STATE,
    QUEUE_ITEM,
    SEQUENCE,
    SESSION,
    SHAPES,
    TIMED_RELEASE_ITEM,
    TIMED_RELEASE_STATE,
    check,
    template_of,
)
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines import QueueEngine
from fanfare_rx.sandbox.scenario import Scenario, parse_scenario
from fanfare_rx.sandbox.shapes import extensions


def _experience(key: str, *sequences: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"exp-{key}", "label": key, "name": key.title(), "sequences": list(sequences)}


def _scenario(shape: str) -> Scenario:
    queue = {"type": "queue", "id": "q1", "openAt": 0, "closeAt": 3600, "admitRate": 30,
             "crowd": 1, "admissionExpirationSeconds": 30}
    draw = {"type": "draw", "id": "d1", "openAt": 0, "drawAt": 100, "closeAt": 90,
            "winnerCount": 1, "admissionExpirationSeconds": 60}
    auction = {"type": "auction", "id": "a1", "openAt": 0, "settleAt": 100,
               "startPrice": "10.00", "minBidIncrement": "1.00", "reservePrice": "11.00",
               "admissionExpirationSeconds": 60}
    timed = {"type": "timed_release", "id": "t1", "openAt": 50, "closeAt": 3600,
             "admissionExpirationSeconds": 60}
    early = {"type": "draw", "id": "d0", "openAt": 0, "drawAt": 10, "winnerCount": 1}
    appointment = {"type": "appointment", "id": "p1", "openAt": 0, "closeAt": 3600,
                   "supportsGuest": True, "firstSlotAt": 600, "slotCount": 2,
                   "slotDurationMinutes": 10, "bufferMinutes": 5, "maxCapacityPerSlot": 1,
                   "locations": [{"id": "loc1", "name": "Main store"}]}
    return parse_scenario({
        "timedReleaseShape": shape,
        "experiences": [
            _experience("queue", {"id": "s-q", "name": "Q", "priority": 1, "distribution": queue}),
            _experience("draw", {"id": "s-d", "name": "D", "priority": 1, "distribution": draw}),
            _experience("auction", {"id": "s-a", "name": "A", "priority": 1,
                                    "distribution": auction}),
            _experience("timed", {"id": "s-t", "name": "T", "priority": 1, "distribution": timed,
                                  "waitlist": {"id": "w1", "capacity": 10}}),
            _experience("ended", {"id": "s-e", "name": "E", "priority": 1, "distribution": early}),
            _experience("appoint", {"id": "s-p", "name": "P", "priority": 1,
                                    "distribution": appointment}),
            _experience("gates",
                        {"id": "s-vip", "name": "VIP", "priority": 30, "accessCode": "VIP1",
                         "distribution": {**queue, "id": "q-vip"}},
                        {"id": "s-bot", "name": "Bot", "priority": 20, "botCheck": True,
                         "distribution": {**queue, "id": "q-bot"}},
                        {"id": "s-sign", "name": "Sign", "priority": 10, "requiresSignIn": True,
                         "distribution": {**queue, "id": "q-sign"}}),
        ]})


class Recorder(Api):
    """An :class:`Api` that remembers every answer."""

    def __init__(self, session: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        super().__init__(session, sandbox)
        self.seen: list[tuple[str, str, int, Any]] = []

    async def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        reply = await super().call(method, path, **kwargs)
        self.seen.append((method, path, reply.status, reply.body))
        return reply


async def _tour(api: Recorder) -> None:
    call, secret = api.call, api.secret
    a = await api.guest()
    await call("POST", "/auth/otp/request", json={"email": "b@example.com"})
    await call("POST", "/auth/otp/request", json={})  # no field is required
    b = await api.signed_in("b@example.com")
    await call("POST", "/auth/otp/verify", json={"code": "000000", "email": "x@example.com"})
    code = (await secret("POST", "/auth/external/authorize",
                         json={"provider": "p", "issuer": "i", "subject": "s"})).body
    c = (await call("POST", "/auth/external/exchange",
                    json={"exchangeCode": code["exchangeCode"]})).body["accessToken"]
    await call("POST", "/auth/external/exchange", json={"exchangeCode": code["exchangeCode"]})
    await call("POST", "/auth/external/authorize", json={"provider": "p"})  # 401
    envelope = (await call("POST", "/auth/guest")).body
    await call("POST", "/auth/refresh", json={"refreshToken": envelope["refreshToken"]})
    await call("POST", "/auth/refresh", json={"refreshToken": envelope["refreshToken"]})  # 401
    await call("GET", "/consumers/me", token=a)
    await call("GET", "/consumers/me")  # 401

    for key in ("queue", "draw", "auction", "timed", "ended", "gates", "appoint"):
        await call("GET", f"/experiences/exp-{key}")
        await call("POST", f"/experiences/exp-{key}/route", token=a, json={})
    await call("GET", "/experiences/nope")  # 404
    await call("POST", "/experiences/exp-queue/enter", token=b)
    await call("DELETE", "/experiences/exp-queue/leave", token=b)
    await call("POST", "/experiences/archived-status", json={"experienceIds": ["exp-queue", "x"]})
    await call("POST", "/experiences/exp-gates/route", token=a, json={"accessCode": "NOPE"})
    await call("POST", "/experiences/exp-gates/route", token=b, json={})  # bot check challenge
    await call("POST", "/experiences/exp-gates/route", token=c, json={"accessCode": "VIP1"})
    await call("POST", "/queues/q-bot/enter", token=b)  # 403 bot check
    await call("GET", "/consumers/me", token=b)

    # queue
    await call("GET", "/queues/q1")
    await call("GET", "/queues/nope")  # 404
    await call("GET", "/queues/q1/status", token=a)  # NOT_QUEUED
    await call("POST", "/queues/q1/enter", token=a)
    await call("POST", "/queues/q1/enter", token=a)  # 409
    await call("POST", "/queues/q1/leave", token=a)
    await call("POST", "/queues/q1/leave", token=a)  # 404
    await call("POST", "/queues/q1/enter", token=a)
    await call("POST", "/queues/q1/enter", token=b)
    await call("POST", "/queues/q1/enter", token=c)
    await call("GET", "/consumers/me", token=a)  # participating
    await secret("POST", "/queues/q1/admit", json={"consumerId": "nobody"})  # 404
    b_consumer = await _consumer_id(api, b)
    await secret("POST", "/queues/q1/admit", json={"consumerId": b_consumer})
    await call("GET", "/queues/q1/status", token=b)  # GRANTED
    await call("GET", "/consumers/me", token=b)  # granted
    await secret("POST", "/queues/q1/deny", json={"consumerId": await _consumer_id(api, c),
                                                  "reason": "BOT_DETECTED"})
    await secret("POST", "/queues/q1/deny", json={"consumerId": b_consumer, "reason": "nope"})
    await call("GET", "/queues/q1/status", token=c)  # DENIED
    await call("POST", "/queues/q1/admit", token=a, json={"consumerId": b_consumer})  # 401

    # draw and auction before their end
    await call("GET", "/draws/d1")
    await call("GET", "/draws/d1/status", token=a)
    await call("POST", "/draws/d1/enter", token=a)
    await call("POST", "/draws/d1/enter", token=a)  # 409
    await call("POST", "/draws/d1/enter", token=b)
    await call("POST", "/draws/d1/leave", token=b)
    await call("GET", "/draws/d1/status", token=a)
    await call("GET", "/auctions/a1")
    await call("GET", "/auctions/a1/highest-bid", token=a)
    await call("POST", "/auctions/a1/enter", token=b)
    await call("POST", "/auctions/a1/enter", token=b)  # 409
    await call("GET", "/auctions/a1/status", token=b)  # NOT_BID
    await call("POST", "/auctions/a1/bid", token=b, json={"amount": 12})  # 400 number
    await call("POST", "/auctions/a1/bid", token=b, json={"amount": "9.00"})  # 400 too low
    await call("POST", "/auctions/a1/bid", token=b, json={"amount": "10.00"})
    await call("POST", "/auctions/a1/bid", token=c, json={"amount": "12.00"})
    await call("GET", "/auctions/a1/status", token=b)  # OUTBID
    await call("GET", "/auctions/a1/highest-bid", token=b)
    org = api.sandbox.world.scenario.organization_id
    await call("GET", f"/auctions/a1/bids?organizationId={org}&limit=5", token=b)
    await call("GET", "/auctions/a1/bids", token=b)  # 400 organizationId missing
    await call("GET", "/auctions/a1/bids/history", token=b)
    await call("GET", "/auctions/a1/bids/history?limit=1", token=a)  # no bid: []
    await call("GET", "/auctions/a1/current-price")
    await call("POST", "/experiences/exp-auction/route", token=c, json={})
    await call("GET", "/consumers/me", token=c)

    await _appointment_tour(api, a, b, c)

    # timed release and its waitlist before the opening
    await call("GET", "/timed-releases/t1")
    await call("POST", "/timed-releases/t1/enter", token=a, json={})  # 423
    await call("GET", "/waitlists/w1/status", token=a)
    await call("POST", "/waitlists/w1/enter", token=a)
    await call("POST", "/waitlists/w1/enter", token=a)  # 409
    await call("GET", "/waitlists/w1/status", token=a)
    await call("GET", "/consumers/me", token=a)
    await call("DELETE", "/waitlists/w1/leave", token=a)
    await call("POST", "/waitlists/w1/enter", token=a)
    await call("POST", "/experiences/exp-timed/route", token=b, json={})
    await call("GET", "/consumers/me", token=b)  # scheduled

    await api.sandbox.advance(60)  # timed release open, waitlist closed
    await call("POST", "/waitlists/w1/enter", token=b)  # 409 closed
    await call("GET", "/consumers/me", token=b)  # enterable
    await call("POST", "/timed-releases/t1/enter", token=a, json={})
    await call("GET", "/timed-releases/t1/status", token=a)
    await call("GET", "/consumers/me", token=a)  # granted timed release
    await call("POST", "/timed-releases/t1/complete", token=a)
    await call("POST", "/timed-releases/t1/leave", token=a)
    await call("POST", "/timed-releases/t1/enter", token=b, json={"variantId": "v1"})
    await call("POST", "/timed-releases/t1/leave", token=b)
    await call("GET", "/timed-releases/t1/status", token=b)
    await call("POST", "/timed-releases/t1/complete", token=c)  # 404
    await call("POST", "/timed-releases/t1/enter", token=c, json={})  # granted, left to expire
    await call("POST", "/draws/d1/enter", token=b)  # b again before the draw

    await api.sandbox.advance(35)  # draw entries closed, results pending: settling
    await call("GET", "/consumers/me", token=a)
    await call("GET", "/draws/d1/status", token=a)
    await api.sandbox.advance(10)  # draw drawn, auction settled, queue grant expired
    for token in (a, b, c):
        await call("GET", "/draws/d1/status", token=token)
        await call("GET", "/auctions/a1/status", token=token)
        await call("GET", "/queues/q1/status", token=token)
        await call("GET", "/consumers/me", token=token)
    await call("POST", "/draws/d1/leave", token=a)  # 409 after the draw
    await call("POST", "/draws/d1/enter", token=c)  # 400 closed
    await call("POST", "/auctions/a1/bid", token=b, json={"amount": "20.00"})  # 400 closed
    await call("GET", "/auctions/a1/current-price")  # settled: ended, nothing left
    await call("POST", "/experiences/exp-ended/route", token=a, json={})  # no_access
    await call("POST", "/experiences/exp-draw/route", token=a, json={})
    await api.sandbox.advance(120)  # every grant expired
    await call("GET", "/timed-releases/t1/status", token=c)  # DENIED, ADMISSION_EXPIRED
    for token in (a, b, c):
        await call("GET", "/consumers/me", token=token)
        await call("GET", "/auctions/a1/status", token=token)
        await call("GET", "/draws/d1/status", token=token)
    await call("POST", "/auth/logout", token=c)
    await call("POST", "/auth/logout", token=c)  # 401


async def _appointment_tour(api: Recorder, a: str, b: str, c: str) -> None:
    """Book, a full slot, reschedule and cancel, with the projection at each step."""
    call, base = api.call, "/appointments/p1"
    await call("GET", base)
    await call("GET", "/appointments/nope")  # 404
    slots = (await call("GET", f"{base}/slots?startDate=2000-01-01&endDate=2999-12-31")).body
    await call("GET", f"{base}/slots?startDate=2000-01-01")  # 400 endDate missing
    first, second = (slot["id"] for slot in slots["slots"])
    await call("GET", f"{base}/me", token=a)  # no booking
    await call("POST", f"{base}/book", token=a, json={"slotId": first})
    await call("POST", f"{base}/book", token=a, json={"slotId": second})  # 409 already booked
    await call("POST", f"{base}/book", token=b, json={"slotId": first})  # 409 slot full
    await call("POST", f"{base}/book", token=b, json={"slotId": "nope"})  # 404
    await call("POST", f"{base}/book", token=b, json={})  # 400
    await call("GET", f"{base}/me", token=a)
    await call("GET", "/consumers/me", token=a)  # participating appointment
    await call("POST", f"{base}/reschedule", token=a, json={"newSlotId": second})
    await call("POST", f"{base}/reschedule", token=c, json={"newSlotId": first})  # 404
    await call("POST", f"{base}/cancel", token=a, json={"slotId": first})  # 409 other slot
    await call("POST", f"{base}/cancel", token=a, json={"slotId": second, "reason": "ill"})
    await call("GET", f"{base}/me", token=a)  # cancelled
    await call("GET", "/consumers/me", token=a)  # ended, cancelled
    await call("POST", f"{base}/book", token=b, json={"slotId": second})  # the freed place


async def _consumer_id(api: Api, token: str) -> str:
    """A consumer's id as the sandbox knows it (from its access token's session)."""
    identity = api.sandbox.world.accounts.identify(token)
    assert identity is not None
    return identity.consumer.id


@pytest.mark.parametrize("shape", ["compat", "genC"])
async def test_every_answer_matches_the_spec(custom: Any, shape: str) -> None:
    """Compat bodies may carry the listed sandbox extensions; spec mode (``genC``) bodies have
    exactly the gen C shapes: no extension at all."""
    started: Api = await custom(_scenario(shape))
    api = Recorder(started.session, started.sandbox)
    await _tour(api)
    strict = shape == "genC"
    errors = [e for method, path, status, body in api.seen
              for e in check(method, path, status, body, strict=strict)]
    assert errors == []
    reached = {template_of(method, path.split("?")[0])
               for method, path, status, _ in api.seen if status < 300}
    gen_b_only = {("POST", "/timed-releases/{id}/complete")} if shape == "genC" else set()
    assert set(SHAPES) - gen_b_only - reached == set()
    assert not gen_b_only & reached  # gen C has no completion endpoint (404)
    statuses = {status for _, _, status, _ in api.seen}
    assert {200, 204, 400, 401, 403, 404, 409, 423} <= statuses


async def test_compat_mode_carries_the_extensions_spec_mode_drops(custom: Any) -> None:
    """The extensions exist in compat bodies (the strict check refuses them there), so the
    spec-mode pass above is not vacuous."""
    started: Api = await custom(_scenario("compat"))
    api = Recorder(started.session, started.sandbox)
    await _tour(api)
    refused = "\n".join(e for method, path, status, body in api.seen
                        for e in check(method, path, status, body, strict=True))
    for name in {_camel(field) for fields in extensions().values() for field in fields}:
        assert f".{name}: field not in the spec\n" in refused + "\n", name


def test_sandbox_extensions_are_the_listed_ones() -> None:
    """``shapes.extensions()`` (what spec mode drops, declared by each engine) and the
    extensions the shape checker allows in compat bodies are one list."""
    listed = {
        wire.SessionInfo: SESSION.required["session"], wire.Sequence: SEQUENCE,
        wire.Draw: DRAW_ITEM, wire.Auction: AUCTION_ITEM, wire.TimedRelease: TIMED_RELEASE_ITEM,
        wire.DrawEntered: DRAW_STATE.variants["ENTERED"], wire.AuctionConsumerState: BID_STATE,
        wire.TimedReleaseConsumerState: TIMED_RELEASE_STATE,
    }
    declared = extensions()
    assert set(declared) == set(listed)
    for cls, shape in listed.items():
        assert {_camel(name) for name in declared[cls]} == set(shape.extensions), cls
    assert {_camel(name) for name in QueueEngine.listed_extensions} == set(QUEUE_ITEM.extensions)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_the_checker_catches_drift() -> None:
    """The shapes are strict enough to notice a wrong enum, a missing field or an extra one."""
    good = {"status": "QUEUED", "position": 3, "estimatedWaitTimeInSeconds": 3.0}
    assert check("GET", "/queues/q/status", 200, good) == []
    assert check("GET", "/queues/q/status", 200, {**good, "status": "ADMITTED"})
    assert check("GET", "/queues/q/status", 200, {"status": "QUEUED", "position": 3})
    assert check("GET", "/queues/q/status", 200, {**good, "eta": 3})
    assert check("POST", "/auctions/a/bid", 200, {"status": "WON", "lastBidAmount": 12.5})
    assert check("POST", "/auctions/a/bid", 400, {"error": "x", "code": "lower"})
    projection = {"active": {"journeys": [{
        "experienceId": "e", "journeyStage": "routed", "sequenceId": "s",
        "sequence": {"phase": "settling", "mechanism": "queue",
                     "distribution": {"type": "queue", "id": "q", "sequenceId": "s",
                                      "lifecycle": "open"},
                     "consumer": {"status": "queued"}}}]}}
    assert check("GET", "/consumers/me", 200, projection)  # queues never settle
    assert check("GET", "/nowhere", 200, {})
