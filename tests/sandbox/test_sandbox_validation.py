"""Bad input never crashes the server: malformed JSON, wrong types, unknown ids, oversized
bodies and unknown paths, on every route that takes a body."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Api

from fanfare_rx.models import wire
from fanfare_rx.wire import codec

# (path template, a body with a wrong type, the wire field named in the issue path)
BODY_ROUTES = [
    ("/auth/otp/request", {"email": 5}, "email"),
    ("/auth/otp/verify", {"code": 424242}, "code"),
    ("/auth/refresh", {"refreshToken": ["x"]}, "refreshToken"),
    ("/experiences/{vip}/route", {"accessCode": True}, "accessCode"),
    ("/experiences/archived-status", {"experienceIds": "x"}, "experienceIds"),
    ("/auctions/{auction}/bid", {"amount": "abc"}, "amount"),
    ("/timed-releases/{timed}/enter", {"variantId": 1}, "variantId"),
    ("/challenges/verify", {"challengeId": 1, "token": "t"}, "challengeId"),
]


async def _paths(api: Api) -> dict[str, str]:
    return {"vip": api.sandbox.experiences["vip"],
            "auction": await api.distribution("auction", "auctions"),
            "timed": await api.distribution("timed_release", "timedReleases")}


@pytest.mark.parametrize(("template", "body", "field"), BODY_ROUTES)
async def test_wrong_types_and_malformed_json(api: Api, template: str, body: Any, field: str) -> None:
    path = template.format(**await _paths(api))
    token = await api.guest()
    wrong = await api.call("POST", path, token=token, json=body)
    assert wrong.status == 400, wrong
    error = codec.structure(wrong.body, wire.WireError)
    assert error.error == "validation_error" and error.issues
    issue = wrong.body["issues"][0]
    assert set(issue) == {"kind", "type", "expected", "received", "message", "path"}
    assert issue["path"][0]["key"] == field
    assert set(issue["path"][0]) == {"type", "origin", "input", "key"}
    malformed = await api.call("POST", path, token=token, data=b'{"oops": ')
    assert malformed.status == 400 and malformed.body["issues"][0]["type"] == "invalid_json"
    array = await api.call("POST", path, token=token, data=b"[1, 2]")
    assert array.status == 400
    deep = await api.call("POST", path, token=token, data=b"[" * (60 * 1024))
    assert deep.status == 400, deep  # deeper than the parser recurses: still a 400
    assert deep.body["error"] == "validation_error"
    assert deep.body["issues"][0]["type"] == "invalid_json"
    huge = await api.call("POST", path, token=token, data=b"x" * (70 * 1024))
    assert huge.status == 413 and huge.body["error"] == "payload_too_large"
    # the server still answers normally afterwards
    assert (await api.call("GET", f"/experiences/{api.sandbox.experiences['queue']}")).status == 200


async def test_oversized_body_on_a_route_without_body(api: Api) -> None:
    queue_id = await api.distribution("queue", "queues")
    huge = await api.call("POST", f"/queues/{queue_id}/enter", token=await api.guest(),
                          data=b"x" * (200 * 1024))
    assert huge.status == 413


UNKNOWN = [
    ("GET", "/experiences/nope", "Experience not found", "EXPERIENCE_NOT_FOUND"),
    ("POST", "/experiences/nope/route", "Experience not found", "EXPERIENCE_NOT_FOUND"),
    ("GET", "/queues/nope", "Queue not found", "QUEUE_NOT_FOUND"),
    ("POST", "/queues/nope/enter", "Queue not found", "QUEUE_NOT_FOUND"),
    ("GET", "/draws/nope/status", "Draw not found", "DRAW_NOT_FOUND"),
    ("POST", "/auctions/nope/enter", "Auction not found", "AUCTION_NOT_FOUND"),
    ("GET", "/timed-releases/nope", "Timed release not found", "TIMED_RELEASE_NOT_FOUND"),
    ("POST", "/waitlists/nope/enter", "Waitlist not found", "WAITLIST_NOT_FOUND"),
]


@pytest.mark.parametrize(("method", "path", "message", "code"), UNKNOWN)
async def test_unknown_ids(api: Api, method: str, path: str, message: str, code: str) -> None:
    reply = await api.call(method, path, token=await api.guest())
    assert reply.status == 404
    assert reply.body == {"error": "not_found", "message": message, "code": code}


async def test_ids_of_another_kind_are_not_found(api: Api) -> None:
    queue_id = await api.distribution("queue", "queues")
    reply = await api.call("GET", f"/draws/{queue_id}")
    assert reply.status == 404 and reply.body["message"] == "Draw not found"


async def test_unknown_path_and_method_are_json(api: Api) -> None:
    missing = await api.call("GET", "/no/such/path")
    assert missing.status == 404 and missing.body["error"] == "not_found"
    wrong_method = await api.call("PUT", "/auth/guest")
    assert wrong_method.status == 405 and wrong_method.body["error"] == "method_not_allowed"
    assert "X-Request-Id" in wrong_method.headers


async def test_bid_without_amount_names_the_field(api: Api) -> None:
    auction = await api.distribution("auction", "auctions")
    reply = await api.call("POST", f"/auctions/{auction}/bid", token=await api.guest(), json={})
    assert reply.status == 400 and reply.body["issues"][0]["path"][0]["key"] == "amount"


async def test_deeply_nested_fault_plan_is_a_validation_error(api: Api) -> None:
    reply = await api.secret("POST", "/_sandbox/faults", json=None)
    assert reply.status == 200
    deep = await api.call("POST", "/_sandbox/faults", data=b"[" * (60 * 1024), pk=None,
                          headers={"Authorization": f"Bearer {api.sandbox.secret_key}"})
    assert deep.status == 400 and deep.body["issues"][0]["type"] == "invalid_json"


@pytest.mark.parametrize("body", [{}, None, {"name": "Ada"}])
async def test_otp_request_requires_no_field(api: Api, body: Any) -> None:
    """§5.1: ``{email?, phone?, defaultCountry?, name?}``, none required."""
    reply = await api.call("POST", "/auth/otp/request", json=body)
    assert reply.status == 200 and reply.body == {"ok": True}
