"""Turn an HTTP error answer (status, any error body shape of the Consumer API, headers) into
the matching :class:`~fanfare_rx.errors.FanfareError` subclass with code, retry hints and ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fanfare_rx.errors import (
    APIStatusError,
    AuthError,
    ConflictError,
    DecodeError,
    ErrorCode,
    FanfareError,
    NotFoundError,
    NotOpenYetError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from fanfare_rx.models import wire
from fanfare_rx.wire import codec
from fanfare_rx.wire.retry import parse_retry_after

__all__ = ["ALREADY_IN_CODES", "error_from_response", "is_already_in"]

#: 409 codes meaning "the consumer is already in": an enter that succeeded earlier.
ALREADY_IN_CODES = frozenset({
    "ALREADY_IN_QUEUE", "ALREADY_IN_DRAW", "ALREADY_IN_AUCTION", "ALREADY_IN_TIMED_RELEASE",
    "ALREADY_IN_WAITLIST", "ALREADY_IN_EXPERIENCE", "ALREADY_REGISTERED",
})

#: Snake-case ``error`` kinds of the troubleshooting page and auth errors -> SDK codes.
_KIND_CODES: Mapping[str, str] = {
    "validation_error": ErrorCode.VALIDATION_ERROR,
    "validation failed": ErrorCode.VALIDATION_ERROR,
    "unauthorized": ErrorCode.UNAUTHORIZED,
    "invalid_token": ErrorCode.INVALID_TOKEN,
    "invalid refresh token": ErrorCode.INVALID_TOKEN,
    "token_expired": ErrorCode.SESSION_EXPIRED,
    "invalid_credentials": ErrorCode.INVALID_CREDENTIALS,
    "otp_invalid": ErrorCode.INVALID_OTP,
    "otp_expired": ErrorCode.INVALID_OTP,
    "authentication required": ErrorCode.AUTHENTICATION_REQUIRED,
    "already_in_queue": ErrorCode.ALREADY_IN_QUEUE,
    "rate_limited": ErrorCode.RATE_LIMITED,
    "rate limit exceeded": ErrorCode.RATE_LIMITED,
    "queue is full": ErrorCode.QUEUE_FULL,
    "internal_error": ErrorCode.INTERNAL_ERROR,
    "service_unavailable": ErrorCode.SERVICE_UNAVAILABLE,
    "payload_too_large": ErrorCode.PAYLOAD_TOO_LARGE,
}

#: Status -> (class, default code) when the body names no code of its own.
_BY_STATUS: Mapping[int, tuple[type[APIStatusError], str]] = {
    400: (ValidationError, ErrorCode.VALIDATION_ERROR),
    401: (AuthError, ErrorCode.UNAUTHORIZED),
    403: (AuthError, ErrorCode.FORBIDDEN),
    404: (NotFoundError, ErrorCode.NOT_FOUND),
    409: (ConflictError, ErrorCode.CONFLICT),
    413: (ValidationError, ErrorCode.PAYLOAD_TOO_LARGE),
    422: (ValidationError, ErrorCode.VALIDATION_ERROR),
    423: (NotOpenYetError, ErrorCode.NOT_OPEN_YET),
    429: (RateLimitedError, ErrorCode.RATE_LIMITED),
    503: (ServerError, ErrorCode.SERVICE_UNAVAILABLE),
}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive; CIMultiDict is not
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _read_body(body: bytes) -> wire.WireError | None:
    if not body.strip():
        return None
    try:
        return codec.decode(body, wire.WireError)
    except DecodeError:
        return None


def _code_for(status: int, parsed: wire.WireError | None, default: str) -> str:
    if parsed is not None:
        if parsed.code:
            return parsed.code
        for text in (parsed.error, parsed.message):
            if text and text.strip().lower() in _KIND_CODES:
                return _KIND_CODES[text.strip().lower()]
        if status == 409 and (parsed.message or "").lower().startswith("already in queue"):
            return ErrorCode.ALREADY_IN_QUEUE
    return default


def _details(parsed: wire.WireError | None) -> dict[str, Any]:
    if parsed is None:
        return {}
    details: dict[str, Any] = {}
    if parsed.error is not None:
        details["error"] = parsed.error
    if parsed.issues is not None:
        details["issues"] = [codec.encode(issue) for issue in parsed.issues]
    if parsed.action is not None:
        details["action"] = parsed.action
    if parsed.details is not None:
        details["details"] = parsed.details
    return details


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float | None = None,
) -> APIStatusError:
    """The typed error for an HTTP error answer (an :class:`APIStatusError`).

    The body may be any shape of the API spec §3.1 (or not JSON at all); the server's ``code``
    is kept verbatim, else one is derived from the ``error`` kind or the status. ``Retry-After``
    (seconds or a date, measured against ``now``) becomes ``retry_after``; a 429 body's
    ``retryAfter`` is used when the header is missing.

    Args:
        status: the HTTP status (>= 400).
        body: the raw body bytes.
        headers: the response headers.
        now: epoch seconds to measure a ``Retry-After`` date against (default: wall time).

    Usage: ``raise error_from_response(resp.status, await resp.read(), resp.headers)``
    """
    parsed = _read_body(body)
    if status in _BY_STATUS:
        cls, default_code = _BY_STATUS[status]
    elif status >= 500:
        cls, default_code = ServerError, ErrorCode.INTERNAL_ERROR
    else:
        cls, default_code = APIStatusError, ErrorCode.UNKNOWN_ERROR
    code = _code_for(status, parsed, default_code)
    retry_after = parse_retry_after(_header(headers, "Retry-After"), now=now)
    if retry_after is None and parsed is not None and parsed.retry_after is not None:
        retry_after = max(0.0, float(parsed.retry_after))
    request_id = _header(headers, "X-Request-Id") or (parsed.request_id if parsed else None)
    message = (parsed.message or parsed.error or parsed.code) if parsed is not None else None
    return cls(
        message or f"HTTP {status}",
        code=code,
        status=status,
        retry_after=retry_after,
        request_id=request_id,
        details=_details(parsed),
        correlation_id=_correlation_id(parsed),
    )


def _correlation_id(parsed: wire.WireError | None) -> str | None:
    """The body's ``correlationId``: top level, or inside ``details`` or ``support``."""
    if parsed is None:
        return None
    if parsed.correlation_id:
        return parsed.correlation_id
    for nested in (parsed.details, parsed.support):
        if isinstance(nested, dict) and isinstance(nested.get("correlationId"), str):
            return str(nested["correlationId"])
    return None


def is_already_in(error: FanfareError) -> bool:
    """Whether a 409 says the consumer is already in (so an earlier enter succeeded).

    Usage: ``except ConflictError as err: if is_already_in(err): return await status()``
    """
    if not isinstance(error, ConflictError):
        return False
    if error.code in ALREADY_IN_CODES:
        return True
    return error.message.strip().lower().startswith("already in")
