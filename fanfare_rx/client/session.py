"""The consumer session: a guest session on demand, OTP and external sign-in, refresh before
expiry and after a 401, logout, persistence through a :class:`~fanfare_rx.client.storage.SessionStorage`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from fanfare_rx.client.storage import SessionStorage, StoredSession
from fanfare_rx.errors import AuthError, ErrorCode, FanfareError, ValidationError
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.wire.auth import AuthEndpoints

__all__ = [
    "AUTH_AUTHENTICATED",
    "AUTH_ERROR",
    "AUTH_LOGOUT",
    "AUTH_REFRESHED",
    "DEFAULT_REFRESH_MARGIN",
    "AuthEndpoints",
    "SessionEventHandler",
    "SessionManager",
]

AUTH_AUTHENTICATED = "auth:authenticated"
AUTH_REFRESHED = "auth:refreshed"
AUTH_LOGOUT = "auth:logout"
AUTH_ERROR = "auth:error"

#: Refresh this many seconds before the access token expires.
DEFAULT_REFRESH_MARGIN = 60.0
#: Assumed access-token lifetime when a refresh answer does not say (spec §2.4: 1 hour).
_DEFAULT_ACCESS_TTL = 3600.0

SessionEventHandler = Callable[[str, Mapping[str, Any]], None]
_log = logging.getLogger("fanfare_rx.client.session")


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class SessionManager:
    """Holds the consumer session of one organization and keeps it usable.

    ``ensure()`` creates a guest session when there is none and refreshes the access token
    ``refresh_margin`` seconds before it expires; a refresh the server rejects falls back to a
    new guest session. Every change is saved to ``storage`` and announced through ``on_event``
    as ``auth:authenticated`` ``{session, is_new}``, ``auth:refreshed`` ``{session}``,
    ``auth:logout`` ``{reason}`` or ``auth:error`` ``{error, context}``; payloads carry the
    :class:`~fanfare_rx.models.wire.SessionInfo`, never a token.

    Args:
        organization_id: the organization the session belongs to (the storage key).
        storage: where the session survives restarts (None: memory of this object only).
        on_event: ``handler(name, payload)`` for the events above.
        clock: epoch seconds now (injectable for tests).
        refresh_margin: seconds before access-token expiry at which ``ensure()`` refreshes.

    Usage: ``sessions = SessionManager(org_id, storage=FileStorage("~/.fanfare"))``
    """

    def __init__(
        self,
        organization_id: str,
        *,
        storage: SessionStorage | None = None,
        on_event: SessionEventHandler | None = None,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        self.organization_id = organization_id
        self.storage = storage
        self.on_event = on_event
        self.clock = clock
        self.refresh_margin = refresh_margin
        self._endpoints: AuthEndpoints | None = None
        self._stored: StoredSession | None = None
        self._journeys: dict[str, str] = {}
        self._lock = asyncio.Lock()

    # --- wiring and state -------------------------------------------------------------------

    def attach(self, endpoints: AuthEndpoints) -> None:
        """Give the manager the auth calls it uses (done by ``ConsumerApi``).

        Usage: ``sessions.attach(api_auth_calls)``
        """
        self._endpoints = endpoints

    @property
    def session(self) -> wire.SessionInfo | None:
        """The current session (no secrets), or None."""
        return self._stored.session if self._stored is not None else None

    @property
    def is_authenticated(self) -> bool:
        """True when the session is a signed-in (not guest) one."""
        session = self.session
        return session is not None and session.type == wire.SessionType.AUTHENTICATED

    @property
    def access_expires_at(self) -> datetime | None:
        """When the current access token expires."""
        return self._stored.access_expires_at if self._stored is not None else None

    @property
    def current_access_token(self) -> str | None:
        """The access token held now, without creating or refreshing anything."""
        return self._stored.access_token if self._stored is not None else None

    @property
    def journeys(self) -> Mapping[str, str]:
        """Experience id -> journey snapshot JSON saved alongside the session."""
        return dict(self._journeys)

    def save_journey(self, experience_id: str, snapshot_json: str) -> None:
        """Keep a journey's snapshot with the session (persisted when a session exists).

        Usage: ``sessions.save_journey("exp-1", snapshot_to_json(journey.state.get()))``
        """
        self._journeys[experience_id] = snapshot_json
        self._persist()

    def forget_journey(self, experience_id: str) -> None:
        """Drop a saved journey snapshot.

        Usage: ``sessions.forget_journey("exp-1")``
        """
        if self._journeys.pop(experience_id, None) is not None:
            self._persist()

    def restore(self) -> wire.SessionInfo | None:
        """Load the session from storage (an expired access token is refreshed by ``ensure``).

        Usage: ``if sessions.restore() is None: await sessions.ensure()``
        """
        if self.storage is None:
            return self.session
        stored = self.storage.load(self.organization_id)
        if stored is None:
            return None
        self._stored = stored
        self._journeys = dict(stored.journeys)
        self._emit(AUTH_AUTHENTICATED, {"session": stored.session, "is_new": False})
        return stored.session

    def clear(self) -> None:
        """Forget the session and saved journeys locally and in storage (no request).

        Usage: ``sessions.clear()``
        """
        self._stored = None
        self._journeys = {}
        if self.storage is not None:
            self.storage.clear(self.organization_id)

    # --- operations -------------------------------------------------------------------------

    async def ensure(self) -> wire.SessionInfo:
        """A usable session: the current one, a refreshed one, or a new guest session.

        Usage: ``session = await sessions.ensure()``
        """
        async with self._lock:
            stored = self._stored
            if stored is None:
                return await self._new_guest()
            if self._expires_in(stored) > self.refresh_margin:
                return stored.session
            return await self._refresh_or_guest(stored, context="refresh")

    async def access_token(self) -> str:
        """The bearer token to send, after :meth:`ensure`.

        Usage: ``headers["Authorization"] = f"Bearer {await sessions.access_token()}"``
        """
        await self.ensure()
        assert self._stored is not None
        return self._stored.access_token

    async def handle_unauthorized(self, rejected_token: str) -> None:
        """React to a 401 for ``rejected_token``: refresh once, or start a new guest session.

        A token that is no longer current (another request already replaced it) changes
        nothing, so concurrent 401s lead to one refresh.

        Usage: ``await sessions.handle_unauthorized(token_sent)``
        """
        async with self._lock:
            stored = self._stored
            if stored is None or stored.access_token != rejected_token:
                return
            await self._refresh_or_guest(stored, context="unauthorized")

    async def guest(self) -> wire.SessionInfo:
        """Replace the session with a new guest session.

        Usage: ``await sessions.guest()``
        """
        async with self._lock:
            return await self._new_guest()

    async def refresh(self) -> wire.SessionInfo:
        """Refresh the access token now; a rejected refresh starts a new guest session.

        Usage: ``await sessions.refresh()``
        """
        async with self._lock:
            stored = self._stored
            if stored is None:
                return await self._new_guest()
            return await self._refresh_or_guest(stored, context="refresh")

    async def request_otp(
        self,
        *,
        email: str | None = None,
        phone: str | None = None,
        default_country: str | None = None,
        name: str | None = None,
    ) -> bool:
        """Send a one-time code by email or SMS (``POST /auth/otp/request``).

        Usage: ``await sessions.request_otp(email="ada@example.com")``
        """
        body = wire.OtpRequest(email=email, phone=phone, default_country=default_country,
                               name=name)
        return (await self._calls().send_otp(body)).ok

    async def verify_otp(
        self,
        code: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        default_country: str | None = None,
    ) -> wire.SessionInfo:
        """Sign in with the code; a guest session held now is sent along so it is linked.

        Usage: ``session = await sessions.verify_otp("424242", email="ada@example.com")``
        """
        body = wire.OtpVerify(code=code, email=email, phone=phone,
                              default_country=default_country)
        async with self._lock:
            envelope = await self._calls().check_otp(body, self._guest_bearer())
            return self._adopt(envelope)

    async def exchange_external(self, exchange_code: str) -> wire.SessionInfo:
        """Sign in with a one-time exchange code of an external identity provider.

        Usage: ``await sessions.exchange_external("exc_...")``
        """
        body = wire.ExternalExchange(exchange_code=exchange_code)
        async with self._lock:
            envelope = await self._calls().exchange(body, self._guest_bearer())
            return self._adopt(envelope)

    async def logout(self, reason: str = "logout") -> None:
        """End the session on the server (best effort) and forget it locally and in storage.

        Usage: ``await sessions.logout()``
        """
        async with self._lock:
            stored = self._stored
            if stored is not None and self._endpoints is not None:
                try:
                    await self._endpoints.revoke(stored.access_token)
                except FanfareError as exc:
                    _log.info("logout request failed (%s); forgetting the session anyway",
                              exc.code)
            self.clear()
        self._emit(AUTH_LOGOUT, {"reason": reason})

    # --- internals --------------------------------------------------------------------------

    def _calls(self) -> AuthEndpoints:
        if self._endpoints is None:
            raise FanfareError("the session manager is not attached to a ConsumerApi",
                               code=ErrorCode.NOT_INITIALIZED)
        return self._endpoints

    def _guest_bearer(self) -> str | None:
        stored = self._stored
        if stored is None or stored.session.type != wire.SessionType.GUEST:
            return None
        return stored.access_token

    def _expires_in(self, stored: StoredSession) -> float:
        return stored.access_expires_at.timestamp() - self.clock()

    async def _new_guest(self) -> wire.SessionInfo:
        return self._adopt(await self._calls().create_guest())

    def _adopt(self, envelope: wire.SessionEnvelope) -> wire.SessionInfo:
        now = self.clock()
        ttl = envelope.refresh_token_ttl_seconds
        self._stored = StoredSession(
            session=envelope.session,
            access_token=envelope.access_token,
            access_expires_at=envelope.session.expires_at,
            refresh_token=envelope.refresh_token,
            refresh_expires_at=_from_epoch(now + ttl) if ttl is not None else None,
            journeys=self._journeys,
        )
        self._persist()
        _log.debug("session %s (%s)", envelope.session.type.value,
                   redact(envelope.session.consumer_id))
        self._emit(AUTH_AUTHENTICATED, {"session": envelope.session, "is_new": True})
        return envelope.session

    async def _refresh_or_guest(self, stored: StoredSession, *, context: str) -> wire.SessionInfo:
        if stored.refresh_token is None:
            return await self._new_guest()
        try:
            result = await self._calls().rotate(stored.refresh_token)
        except (AuthError, ValidationError) as exc:
            # Rejected: the documented fallback is a new guest session.
            self._emit(AUTH_ERROR, {"error": exc, "context": context})
            return await self._new_guest()
        except FanfareError as exc:
            if context == "refresh" and self._expires_in(stored) > 0:
                _log.info("refresh failed (%s); the access token is still valid", exc.code)
                return stored.session
            self._emit(AUTH_ERROR, {"error": exc, "context": context})
            raise
        return self._apply_refresh(stored, result)

    def _apply_refresh(self, stored: StoredSession, result: wire.RefreshResult) -> wire.SessionInfo:
        now = self.clock()
        expires = result.access_token_expires_at or _from_epoch(now + _DEFAULT_ACCESS_TTL)
        ttl = result.refresh_token_ttl_seconds
        session = attrs.evolve(stored.session, expires_at=expires)
        self._stored = attrs.evolve(
            stored,
            session=session,
            access_token=result.access_token,
            access_expires_at=expires,
            refresh_token=result.refresh_token or stored.refresh_token,
            refresh_expires_at=(
                _from_epoch(now + ttl) if ttl is not None else stored.refresh_expires_at
            ),
            journeys=self._journeys,
        )
        self._persist()
        self._emit(AUTH_REFRESHED, {"session": session})
        return session

    def _persist(self) -> None:
        if self.storage is None or self._stored is None:
            return
        if dict(self._stored.journeys) != self._journeys:
            self._stored = attrs.evolve(self._stored, journeys=self._journeys)
        self.storage.save(self.organization_id, self._stored)

    def _emit(self, name: str, payload: Mapping[str, Any]) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(name, payload)
        except Exception:  # noqa: BLE001 - a listener must not break the session
            _log.exception("session event handler failed for %s", name)

    def __repr__(self) -> str:
        stored = self._stored
        if stored is None:
            return f"SessionManager(organization_id={self.organization_id!r}, session=None)"
        return (
            f"SessionManager(organization_id={self.organization_id!r}, "
            f"type={stored.session.type.value!r}, consumer_id={stored.session.consumer_id!r}, "
            f"access_token={redact(stored.access_token)}, "
            f"expires_at={stored.access_expires_at.isoformat()!r})"
        )
