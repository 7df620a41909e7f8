"""Auth bodies: guest sessions, OTP sign-in, external exchange and token refresh.

Tokens and codes are redacted in every repr.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    SessionType,
)

__all__ = [
    "ExternalExchange", "OtpRequest", "OtpRequestResult", "OtpVerify", "RefreshRequest",
    "RefreshResult", "SessionEnvelope", "SessionInfo",
]


@attrs.frozen
class SessionInfo:
    type: SessionType
    consumer_id: str
    expires_at: datetime
    email: str | None = None
    phone: str | None = None
    guest_id: str | None = None


@attrs.frozen
class SessionEnvelope:
    """Returned by ``POST /auth/guest``, ``/auth/otp/verify`` and ``/auth/external/exchange``."""

    session: SessionInfo
    access_token: str = attrs.field(repr=redact)
    refresh_token: str | None = _secret()
    refresh_token_ttl_seconds: int | None = None
    beacon_token: str | None = _secret()


@attrs.frozen
class RefreshRequest:
    refresh_token: str | None = _secret()


@attrs.frozen
class RefreshResult:
    """``POST /auth/refresh``: the refresh token rotates on every call."""

    access_token: str = attrs.field(repr=redact)
    refresh_token: str | None = _secret()
    refresh_token_ttl_seconds: int | None = None
    access_token_expires_at: datetime | None = None
    beacon_token: str | None = _secret()


@attrs.frozen
class OtpRequest:
    email: str | None = None
    phone: str | None = None
    default_country: str | None = None
    name: str | None = None


@attrs.frozen
class OtpRequestResult:
    ok: bool


@attrs.frozen
class OtpVerify:
    code: str = attrs.field(repr=redact)
    email: str | None = None
    phone: str | None = None
    default_country: str | None = None


@attrs.frozen
class ExternalExchange:
    exchange_code: str = attrs.field(repr=redact)
