"""Error answers become the right FanfareError subclass, from the sandbox's own bodies and from
every error body shape of the API spec (§3.1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from client_helpers import distribution_id

from fanfare_rx.errors import (
    APIStatusError,
    AuthError,
    ConflictError,
    FanfareError,
    NotFoundError,
    NotOpenYetError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.http_errors import error_from_response, is_already_in
from fanfare_rx.wire.retry import RetryPolicy, parse_retry_after

NOW = 1_800_000_000.0


# --- against the sandbox --------------------------------------------------------------------


@pytest.mark.integration
async def test_400_validation_error_carries_issues(api: ConsumerApi, sleep: RecordedSleep) -> None:
    with pytest.raises(ValidationError) as caught:
        await api.verify_bot_check("chl_x", "")
    err = caught.value
    assert (err.status, err.code, err.retryable) == (400, "VALIDATION_ERROR", False)
    assert err.details["issues"] and err.details["issues"][0]["message"]
    assert err.request_id and err.request_id.startswith("req_")
    assert sleep.delays == []


@pytest.mark.integration
async def test_401_otp_invalid(api: ConsumerApi, sleep: RecordedSleep) -> None:
    with pytest.raises(AuthError) as caught:
        await api.verify_otp("000000", email="ada@example.com")
    assert (caught.value.status, caught.value.code) == (401, "INVALID_OTP")
    assert "000000" not in str(caught.value) and sleep.delays == []


@pytest.mark.integration
async def test_403_sign_in_required_is_not_refreshed(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["signin"])
    await api.route(experience.id)
    before = api.sessions.session
    with pytest.raises(AuthError) as caught:
        await api.enter_queue(distribution_id(experience, "queues"))
    assert (caught.value.status, caught.value.code) == (403, "AUTHENTICATION_REQUIRED")
    assert api.sessions.session == before


@pytest.mark.integration
async def test_404_not_found_code(api: ConsumerApi, sleep: RecordedSleep) -> None:
    with pytest.raises(NotFoundError) as caught:
        await api.get_queue("no-such-queue")
    assert (caught.value.status, caught.value.code) == (404, "QUEUE_NOT_FOUND")
    assert caught.value.message == "Queue not found" and sleep.delays == []


@pytest.mark.integration
async def test_409_already_in_body_maps_to_conflict(api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["queue"])
    path = f"/queues/{distribution_id(experience, 'queues')}/enter"
    await api.enter_queue(path.split("/")[2])
    with pytest.raises(ConflictError) as caught:
        await api.requester.raw("POST", path)  # the raw answer, before "already in" handling
    assert (caught.value.status, caught.value.code) == (409, "ALREADY_IN_QUEUE")
    assert is_already_in(caught.value)


@pytest.mark.integration
async def test_409_injected_conflict_is_not_already_in(make_api: Callable[..., ConsumerApi],
                                                       sandbox: Sandbox) -> None:
    api = make_api()
    experience = await api.get_experience(sandbox.experiences["queue"])
    sandbox.faults.set({"rules": [{"match": "POST /queues/*/enter", "kind": "status",
                                   "status": 409, "times": 1}]})
    with pytest.raises(ConflictError) as caught:
        await api.enter_queue(distribution_id(experience, "queues"))
    assert caught.value.code == "CONFLICT" and not is_already_in(caught.value)


@pytest.mark.integration
async def test_423_not_open_yet_carries_seconds_until_opening(api: ConsumerApi,
                                                              sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["waitlist"])
    with pytest.raises(NotOpenYetError) as caught:
        await api.enter_queue(distribution_id(experience, "queues"))
    err = caught.value
    assert (err.status, err.code, err.retryable) == (423, "QUEUE_NOT_OPEN", True)
    assert err.retry_after == pytest.approx(600, abs=1)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("status", "extra", "cls", "code", "retry_after"),
    [
        (429, {"retryAfter": 7}, RateLimitedError, "RATE_LIMITED", 7.0),
        (500, {}, ServerError, "INTERNAL_ERROR", None),
        (503, {"retryAfter": 9}, ServerError, "SERVICE_UNAVAILABLE", 9.0),
        (502, {}, ServerError, "INTERNAL_ERROR", None),
    ],
)
async def test_injected_status_faults(make_api: Callable[..., ConsumerApi], sandbox: Sandbox,
                                      status: int, extra: dict[str, float],
                                      cls: type[FanfareError], code: str,
                                      retry_after: float | None) -> None:
    api = make_api(retry=RetryPolicy.none())
    sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "status",
                                   "status": status, "times": 1, **extra}]})
    with pytest.raises(cls) as caught:
        await api.get_queue("any")
    err = caught.value
    assert (err.status, err.code, err.retryable) == (status, code, True)
    assert err.retry_after == retry_after
    assert err.request_id and err.request_id.startswith("req_")


# --- every body shape, without a server -----------------------------------------------------


def _error(status: int, body: object, headers: dict[str, str] | None = None) -> FanfareError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return error_from_response(status, raw, headers or {}, now=NOW)


def test_validation_issues_shape() -> None:
    issue = {"kind": "schema", "type": "invalid_type", "expected": "string", "received": "number",
             "message": "Expected string", "path": [{"type": "object", "origin": "body",
                                                     "input": 1, "key": "code"}]}
    err = _error(400, {"error": "validation_error", "issues": [issue]})
    assert isinstance(err, ValidationError) and err.code == "VALIDATION_ERROR"
    assert err.details["issues"][0]["message"] == "Expected string"


def test_simple_error_shapes() -> None:
    assert _error(401, {"error": "token_expired"}).code == "SESSION_EXPIRED"
    assert _error(401, {"error": "Authentication required"}).code == "AUTHENTICATION_REQUIRED"
    forbidden = _error(403, {"error": "Forbidden"})
    assert isinstance(forbidden, AuthError) and forbidden.code == "FORBIDDEN"
    err = _error(500, {"error": "internal_error", "message": "boom", "requestId": "req_9"})
    assert isinstance(err, ServerError) and err.request_id == "req_9" and err.message == "boom"


def test_prose_details_shape() -> None:
    err = _error(400, {"error": "Validation failed", "details": [{"field": "email",
                                                                  "message": "bad"}]})
    assert err.code == "VALIDATION_ERROR"
    assert err.details["details"] == [{"field": "email", "message": "bad"}]


def test_structured_domain_error() -> None:
    err = _error(409, {"code": "DISTRIBUTION_ORDER_LIMIT", "message": "limit",
                       "action": "reroute", "issues": [{"message": "one"}],
                       "support": {"referenceCode": "R1"}})
    assert isinstance(err, ConflictError) and err.code == "DISTRIBUTION_ORDER_LIMIT"
    assert err.details["action"] == "reroute" and not is_already_in(err)


def test_troubleshooting_shapes() -> None:
    already = _error(409, {"error": "conflict", "message": "Already in queue"})
    assert already.code == "ALREADY_IN_QUEUE" and is_already_in(already)
    assert is_already_in(_error(409, {"error": "conflict", "code": "ALREADY_IN_DRAW"}))
    limited = _error(429, {"error": "rate_limited", "message": "Too many requests"})
    assert isinstance(limited, RateLimitedError) and limited.retry_after is None
    full = _error(429, {"error": "Queue is full", "code": "QUEUE_FULL"}, {"Retry-After": "30"})
    assert full.code == "QUEUE_FULL" and full.retry_after == 30.0
    unavailable = _error(503, {"error": "service_unavailable"}, {"retry-after": "60"})
    assert unavailable.code == "SERVICE_UNAVAILABLE" and unavailable.retry_after == 60.0


def test_fingerprint_shapes() -> None:
    err = _error(400, {"error": "FINGERPRINT_REQUIRED", "code": "FP001", "message": "fp",
                       "support": {"message": "m", "referenceCode": "r"}})
    assert isinstance(err, ValidationError) and err.code == "FP001"
    mismatch = _error(403, {"valid": False, "error": "DEVICE_MISMATCH", "code": "FP002",
                            "message": "device"})
    assert isinstance(mismatch, AuthError) and mismatch.code == "FP002"


def test_bodies_that_are_not_json_or_empty() -> None:
    err = _error(502, b"<html>Bad gateway</html>")
    assert isinstance(err, ServerError) and err.message == "HTTP 502" and err.details == {}
    assert _error(404, b"").message == "HTTP 404"
    teapot = _error(418, {"error": "teapot"})
    assert type(teapot) is APIStatusError and not teapot.retryable and teapot.status == 418


def test_request_id_header_wins_over_body() -> None:
    err = _error(500, {"error": "x", "requestId": "req_body"}, {"X-Request-Id": "req_header"})
    assert err.request_id == "req_header"


def test_not_open_yet_with_iso_retry_after() -> None:
    opens = datetime.fromtimestamp(NOW + 90, tz=UTC).isoformat().replace("+00:00", "Z")
    err = _error(423, {"error": "Draw is not open yet"}, {"Retry-After": opens})
    assert isinstance(err, NotOpenYetError) and err.retry_after == pytest.approx(90)
    assert err.code == "NOT_OPEN_YET"


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("30") == 30.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0.0
    http_date = format_datetime(datetime.fromtimestamp(NOW + 120, tz=UTC), usegmt=True)
    assert parse_retry_after(http_date, now=NOW) == pytest.approx(120)
    iso = (datetime.fromtimestamp(NOW, tz=UTC) + timedelta(minutes=2)).isoformat()
    assert parse_retry_after(iso, now=NOW) == pytest.approx(120)
    assert parse_retry_after("2000-01-01T00:00:00Z", now=NOW) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("") is None and parse_retry_after(None) is None


def test_error_strings_name_code_status_and_request() -> None:
    err = _error(404, {"error": "not_found", "message": "Queue not found",
                       "code": "QUEUE_NOT_FOUND"}, {"X-Request-Id": "req_1"})
    assert str(err) == "[QUEUE_NOT_FOUND] Queue not found (HTTP 404) request_id=req_1"


def test_every_status_has_a_typed_class() -> None:
    expected = {400: ValidationError, 401: AuthError, 403: AuthError, 404: NotFoundError,
                409: ConflictError, 413: ValidationError, 422: ValidationError,
                423: NotOpenYetError, 429: RateLimitedError, 500: ServerError,
                503: ServerError, 504: ServerError}
    for status, cls in expected.items():
        assert type(_error(status, {"error": "x"})) is cls, status
    assert _error(413, {"error": "payload_too_large"}).code == "PAYLOAD_TOO_LARGE"



@pytest.mark.parametrize("body", [
    {"error": "internal_error", "message": "boom", "correlationId": "corr-1"},
    {"code": "DISTRIBUTION_ORDER_LIMIT", "details": {"correlationId": "corr-1"}},
    {"code": "DISTRIBUTION_ORDER_LIMIT", "support": {"correlationId": "corr-1"}},
])
def test_the_correlation_id_of_an_error_body_is_kept(body: dict[str, object]) -> None:
    err = _error(409 if "code" in body else 500, body)
    assert err.correlation_id == "corr-1"
    assert "correlation_id=corr-1" in str(err)


def test_no_correlation_id_when_the_body_has_none() -> None:
    err = _error(404, {"error": "not_found", "message": "Queue not found"})
    assert err.correlation_id is None and "correlation_id" not in str(err)
