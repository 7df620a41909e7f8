"""The auth side of the wire: the raw auth endpoints, and the token-source protocol through
which :class:`~fanfare_rx.wire.client.ConsumerApi` gets bearer tokens without knowing sessions.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from fanfare_rx.models import wire
from fanfare_rx.wire import codec
from fanfare_rx.wire.transport import HttpTransport

__all__ = ["AuthCalls", "AuthEndpoints", "TokenSource"]


class AuthEndpoints(Protocol):
    """The raw auth calls a token source needs (:class:`AuthCalls` over HTTP)."""

    async def create_guest(self) -> wire.SessionEnvelope: ...

    async def send_otp(self, body: wire.OtpRequest) -> wire.OtpRequestResult: ...

    async def check_otp(self, body: wire.OtpVerify, bearer: str | None) -> wire.SessionEnvelope: ...

    async def exchange(
        self, body: wire.ExternalExchange, bearer: str | None
    ) -> wire.SessionEnvelope: ...

    async def rotate(self, refresh_token: str) -> wire.RefreshResult: ...

    async def revoke(self, bearer: str) -> None: ...


@runtime_checkable
class TokenSource(Protocol):
    """Where the client gets bearer tokens and sends the session operations.

    :class:`~fanfare_rx.client.session.SessionManager` is the implementation; the wire layer
    depends only on this protocol.

    Usage: ``ConsumerApi(url, key, organization_id=org, sessions=SessionManager(org))``
    """

    @property
    def current_access_token(self) -> str | None: ...

    def attach(self, endpoints: AuthEndpoints) -> None: ...

    def ready_access_token(self) -> str | None: ...

    async def access_token(self) -> str: ...

    async def handle_unauthorized(self, rejected_token: str) -> None: ...

    async def guest(self) -> wire.SessionInfo: ...

    async def request_otp(self, *, email: str | None = None, phone: str | None = None,
                          default_country: str | None = None, name: str | None = None) -> bool: ...

    async def verify_otp(self, code: str, *, email: str | None = None, phone: str | None = None,
                         default_country: str | None = None) -> wire.SessionInfo: ...

    async def exchange_external(self, exchange_code: str) -> wire.SessionInfo: ...

    async def refresh(self) -> wire.SessionInfo: ...

    async def logout(self, reason: str = "logout") -> None: ...


class AuthCalls:
    """The raw auth endpoints over one transport.

    Usage: ``sessions.attach(AuthCalls(transport))``
    """

    def __init__(self, transport: HttpTransport) -> None:
        self._transport = transport

    @property
    def base_url(self) -> str:
        """The server these calls go to (it keys the stored session)."""
        return self._transport.base_url

    async def create_guest(self) -> wire.SessionEnvelope:
        _, raw = await self._transport.request("POST", "/auth/guest")
        return codec.decode(raw, wire.SessionEnvelope)

    async def send_otp(self, body: wire.OtpRequest) -> wire.OtpRequestResult:
        _, raw = await self._transport.request("POST", "/auth/otp/request", body=body)
        return codec.decode(raw, wire.OtpRequestResult)

    async def check_otp(self, body: wire.OtpVerify, bearer: str | None) -> wire.SessionEnvelope:
        _, raw = await self._transport.request("POST", "/auth/otp/verify", body=body,
                                               bearer=bearer)
        return codec.decode(raw, wire.SessionEnvelope)

    async def exchange(
        self, body: wire.ExternalExchange, bearer: str | None
    ) -> wire.SessionEnvelope:
        _, raw = await self._transport.request("POST", "/auth/external/exchange", body=body,
                                               bearer=bearer)
        return codec.decode(raw, wire.SessionEnvelope)

    async def rotate(self, refresh_token: str) -> wire.RefreshResult:
        body = wire.RefreshRequest(refresh_token=refresh_token)
        _, raw = await self._transport.request("POST", "/auth/refresh", body=body)
        return codec.decode(raw, wire.RefreshResult)

    async def revoke(self, bearer: str) -> None:
        await self._transport.request("POST", "/auth/logout", bearer=bearer)
