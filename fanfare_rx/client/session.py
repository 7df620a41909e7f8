"""The consumer session: a guest session on demand, OTP and external sign-in, early refresh
coordinated across processes through the storage, an explicit "session lost" outcome, logout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Protocol

import attrs

from fanfare_rx.client.session_store import (
    AUTH_AUTHENTICATED,
    AUTH_REFRESHED,
    STORAGE_FALLBACK,
    SessionEventHandler,
    StoredSessionHolder,
)
from fanfare_rx.client.storage import SessionStorage, StoredSession
from fanfare_rx.errors import (
    AuthError,
    ConflictError,
    ErrorCode,
    FanfareError,
    StorageError,
    UsageError,
    ValidationError,
)
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.wire.auth import AuthEndpoints

__all__ = [
    "ALREADY_LINKED",
    "AUTH_AUTHENTICATED",
    "AUTH_ERROR",
    "AUTH_LOGOUT",
    "AUTH_REFRESHED",
    "AUTH_SESSION_LOST",
    "DEFAULT_REFRESH_MARGIN",
    "SESSION_LOST",
    "STORAGE_FALLBACK",
    "AuthEndpoints",
    "HeldPlaces",
    "ParticipationCount",
    "SessionEventHandler",
    "SessionManager",
]

AUTH_LOGOUT = "auth:logout"
AUTH_ERROR = "auth:error"
AUTH_SESSION_LOST = "auth:session_lost"
#: The code of a sign-in that would not link the guest (its contact has another account).
ALREADY_LINKED = "ALREADY_LINKED"
#: The error code of calls made while the session is lost (sign in or start a new guest).
SESSION_LOST = "SESSION_LOST"

#: Refresh at most this many seconds before the access token expires ...
DEFAULT_REFRESH_MARGIN = 300.0
#: ... and at most this share of its lifetime (a 60 s token refreshes 30 s before expiry).
_MARGIN_SHARE = 0.5
#: Assumed access-token lifetime when the server does not say (spec §2.4: 1 hour).
_DEFAULT_ACCESS_TTL = 3600.0
#: After a refresh failed on the network, wait this share of the time left before the next try.
_RETRY_SHARE = 0.1

#: How many live participations the consumer holds now (None: unknown).
ParticipationCount = Callable[[], int | None]


class HeldPlaces(Protocol):
    """The places a session manager protects (a
    :class:`~fanfare_rx.client.live_journeys.LiveJourneys`): counted before a lost guest session
    could be replaced by a new guest, and told when the session is lost without being replaced.
    The manager holds this object, not bound methods of it."""

    def live_participations(self) -> int | None: ...

    def session_lost(self) -> None: ...


_log = logging.getLogger("fanfare_rx.client.session")


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class SessionManager(StoredSessionHolder):
    """Holds the consumer session of one organization and keeps it usable, never replacing
    the consumer silently.

    ``ensure()`` adopts the stored session or creates a guest when there is none, and refreshes
    the access token early (``refresh_margin`` seconds before expiry, at most half its
    lifetime), so a refresh that fails can be tried again while the token is still valid.
    Refreshes run inside the storage's ``exclusive`` section after reading the record again:
    tokens another process already rotated are adopted without a request. When the session is
    truly gone (access token expired or rejected, refresh rejected) ``auth:session_lost`` is
    emitted; a new guest replaces it only when it was a guest holding no participation
    (``participations() == 0``), otherwise calls raise ``AuthError(code="SESSION_LOST")`` until
    the app signs in again or calls :meth:`start_new_guest`.

    Events through ``on_event(name, payload)`` (payloads carry the
    :class:`~fanfare_rx.models.wire.SessionInfo`, never a token): ``auth:authenticated``
    ``{session, is_new}``, ``auth:refreshed`` ``{session}``, ``auth:logout`` ``{reason}``,
    ``auth:error`` ``{error, context}``, ``auth:session_lost`` ``{session, reason, replaced,
    participations}``, ``storage:fallback`` ``{storage, error}`` (an unusable storage is
    replaced by memory, logged once).

    Args:
        organization_id: the organization the session belongs to (the storage key).
        storage: where the session survives restarts and is shared (None: this object only).
        on_event: ``handler(name, payload)`` for the events above.
        clock: epoch seconds now (injectable for tests).
        refresh_margin: the most seconds before access-token expiry at which to refresh.
        participations: how many live participations the consumer holds: a count callable,
            or the places themselves (:class:`HeldPlaces`, whose ``live_participations()``
            counts them and whose ``session_lost()`` is called when the session is lost and
            not replaced: the Fanfare facade gives its live journeys); None or a None answer
            counts as "maybe some".
        base_url: the server the session belongs to; with the organization it keys the stored
            session (:func:`~fanfare_rx.client.storage.storage_key`), so sessions of different
            servers never collide. None: taken from the ``ConsumerApi`` it is attached to.

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
        participations: ParticipationCount | HeldPlaces | None = None,
        base_url: str | None = None,
    ) -> None:
        if not isinstance(refresh_margin, int | float) or not refresh_margin >= 0:
            raise UsageError(f"refresh_margin must be seconds >= 0, got {refresh_margin!r}")
        super().__init__(organization_id, storage, on_event, base_url)
        self.clock = clock
        self.refresh_margin = refresh_margin
        self._participations = participations
        self._endpoints: AuthEndpoints | None = None
        self._not_before = 0.0
        # One session operation at a time (see ``_one_at_a_time``): the lock exists only while
        # an operation runs or waits, ``_operations`` counts them.
        self._lock: asyncio.Lock | None = None
        self._operations = 0

    # --- wiring and state -------------------------------------------------------------------

    def attach(self, endpoints: AuthEndpoints) -> None:
        """Give the manager the auth calls it uses; their server keys the stored session when
        no ``base_url`` was given.

        Not a constructor argument because of the construction order: the ``ConsumerApi``
        owns the transport these calls go over and takes the manager as its argument, so it
        attaches the manager from its own constructor. A manager serves one client: attaching
        it again raises (the first client's requests would go on with the second's calls, and
        stop when that one closes); clients share a session through a storage instead.

        Raises:
            UsageError: the manager is attached already.

        Usage: ``sessions.attach(AuthCalls(transport))`` (done by ``ConsumerApi``)
        """
        if self._endpoints is not None:
            raise UsageError("this SessionManager serves another ConsumerApi already: give "
                             "each client its own manager (they share a session through a "
                             "storage)")
        self._endpoints = endpoints
        server = getattr(endpoints, "base_url", None)
        if self.base_url is None and isinstance(server, str):
            self.base_url = server

    @property
    def participations(self) -> ParticipationCount | None:
        """How many live participations the consumer holds (given at construction)."""
        given = self._participations
        if given is None or callable(given):
            return given
        return given.live_participations

    @property
    def places(self) -> HeldPlaces | None:
        """The places given as ``participations`` (None: a count callable, or nothing)."""
        given = self._participations
        return None if given is None or callable(given) else given

    def _held_places(self) -> int | None:
        """The count of live participations now (None: unknown, or no count was given)."""
        given = self._participations
        if given is None:
            return None
        return given() if callable(given) else given.live_participations()

    @property
    def session(self) -> wire.SessionInfo | None:
        """The current session (no secrets), or None."""
        return self._stored.session if self._stored is not None else None

    @property
    def lost_session(self) -> wire.SessionInfo | None:
        """The session that was lost and not yet replaced (sign in or start a new guest)."""
        return self._lost

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

    @contextlib.asynccontextmanager
    async def _one_at_a_time(self) -> AsyncIterator[None]:
        """Run one session operation (renewal, sign-in, logout) at a time, the others waiting
        in turn. The lock is made when an operation starts and dropped once none runs or
        waits: thousands of idle shoppers in one process keep none (each would be one more
        object for every full collection to walk)."""
        lock = self._lock
        if lock is None:
            lock = self._lock = asyncio.Lock()
        self._operations += 1
        try:
            async with lock:
                yield
        finally:
            self._operations -= 1
            if not self._operations:
                self._lock = None

    # --- operations -------------------------------------------------------------------------

    async def ensure(self) -> wire.SessionInfo:
        """A usable session: the current one, a refreshed one, the stored one or a new guest.

        Raises:
            AuthError: code ``SESSION_LOST`` while the session is lost.

        Usage: ``session = await sessions.ensure()``
        """
        async with self._one_at_a_time():
            self._check_not_lost()
            stored = self._stored
            if stored is not None and not self._due(stored):
                return stored.session
            return await self._renew("refresh", None)

    def ready_access_token(self) -> str | None:
        """The bearer token to send when nothing needs awaiting (a session held, not due for
        refresh, not lost, no session operation running); None: await :meth:`access_token`.
        What a request takes on the hot path: no lock, no coroutine.

        Usage: ``token = sessions.ready_access_token() or await sessions.access_token()``
        """
        stored = self._stored
        if stored is None or self._lost is not None or self._operations or self._due(stored):
            return None
        return stored.access_token

    async def access_token(self) -> str:
        """The bearer token to send, after :meth:`ensure`.

        Usage: ``headers["Authorization"] = f"Bearer {await sessions.access_token()}"``
        """
        await self.ensure()
        assert self._stored is not None
        return self._stored.access_token

    async def handle_unauthorized(self, rejected_token: str) -> None:
        """React to a 401 for ``rejected_token``: adopt tokens another process rotated, or
        refresh once; a session that is truly gone is reported (see the class doc).

        A token that is no longer current changes nothing, so concurrent 401s lead to one
        refresh.

        Usage: ``await sessions.handle_unauthorized(token_sent)``
        """
        async with self._one_at_a_time():
            self._check_not_lost()
            stored = self._stored
            if stored is None or stored.access_token != rejected_token:
                return
            await self._renew("unauthorized", rejected_token)

    async def guest(self) -> wire.SessionInfo:
        """Replace the session with a new guest session (an explicit choice of the app).

        Usage: ``await sessions.guest()``
        """
        async with self._one_at_a_time(), self._exclusive():
            return await self._new_guest()

    async def start_new_guest(self) -> wire.SessionInfo:
        """Give up a lost session and continue as a new guest (participations of the lost
        consumer stay with it on the server).

        Usage: ``await sessions.start_new_guest()``
        """
        return await self.guest()

    async def refresh(self) -> wire.SessionInfo:
        """Refresh the access token now (inside the storage's exclusive section).

        Usage: ``await sessions.refresh()``
        """
        async with self._one_at_a_time():
            self._check_not_lost()
            return await self._renew("forced", None)

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
        leave_guest: bool = False,
        guest_places: int | None = None,
    ) -> wire.SessionInfo:
        """Sign in with the code; a guest session held now is sent along so it is linked (the
        server keeps its places, spec §4.1). Signing in again after ``auth:session_lost``
        recovers an OTP-linked consumer.

        A guest that holds places is never swapped for another consumer here: when the email
        or phone belongs to another account the server answers 409 ``already_linked``, and an
        answer naming another consumer is not adopted either; both raise
        :class:`~fanfare_rx.errors.ConflictError` (code ``ALREADY_LINKED``) and the guest
        session stays. ``leave_guest=True`` is the explicit choice to sign in without it.
        ``guest_places`` counts the places the guest holds (default: ``participations()``).

        Usage: ``session = await sessions.verify_otp("424242", email="ada@example.com")``
        """
        body = wire.OtpVerify(code=code, email=email, phone=phone,
                              default_country=default_country)
        async with self._one_at_a_time(), self._exclusive():
            bearer = None if leave_guest else self._guest_bearer()
            envelope = await self._calls().check_otp(body, bearer)
            if bearer is not None:
                self._check_linked(envelope, guest_places)
            return await self._adopt(envelope)

    def _check_linked(self, envelope: wire.SessionEnvelope, places: int | None) -> None:
        """Refuse an answer that replaced a guest holding places by another consumer."""
        guest = self.session
        if guest is None or guest.consumer_id == envelope.session.consumer_id:
            return
        held = places
        if held is None:
            held = self._held_places() or 0
        if held:
            raise ConflictError(
                "already_linked: this sign-in belongs to another account; the guest "
                f"session keeps its {held} place(s) (pass leave_guest=True to sign in without it)",
                code=ALREADY_LINKED, details={"error": "already_linked", "participations": held})

    async def exchange_external(
        self, exchange_code: str, *, leave_guest: bool = False, guest_places: int | None = None,
    ) -> wire.SessionInfo:
        """Sign in with a one-time exchange code of an external identity provider; a guest
        session held now is sent along so it is linked, exactly as :meth:`verify_otp`: a guest
        holding places is never swapped for another consumer (409 ``already_linked``, or an
        answer naming another consumer, raise :class:`~fanfare_rx.errors.ConflictError` code
        ``ALREADY_LINKED``; the code stays usable on the sandbox) unless ``leave_guest=True``.

        Usage: ``await sessions.exchange_external("exc_...")``
        """
        body = wire.ExternalExchange(exchange_code=exchange_code)
        async with self._one_at_a_time(), self._exclusive():
            bearer = None if leave_guest else self._guest_bearer()
            envelope = await self._calls().exchange(body, bearer)
            if bearer is not None:
                self._check_linked(envelope, guest_places)
            return await self._adopt(envelope)

    async def logout(self, reason: str = "logout") -> None:
        """End the session on the server (best effort) and forget it locally and in storage.

        Usage: ``await sessions.logout()``
        """
        async with self._one_at_a_time():
            stored = self._stored
            if stored is not None and self._endpoints is not None:
                try:
                    await self._endpoints.revoke(stored.access_token)
                except FanfareError as exc:
                    _log.info("logout request failed (%s); forgetting the session anyway",
                              exc.code)
            await self.clear()
        self._emit(AUTH_LOGOUT, {"reason": reason})

    # --- refresh and loss -------------------------------------------------------------------

    def _margin(self, stored: StoredSession) -> float:
        if stored.access_issued_at is not None:
            lifetime = (stored.access_expires_at - stored.access_issued_at).total_seconds()
        else:
            lifetime = _DEFAULT_ACCESS_TTL
        return min(self.refresh_margin, _MARGIN_SHARE * max(0.0, lifetime))

    def _expires_in(self, stored: StoredSession) -> float:
        return stored.access_expires_at.timestamp() - self.clock()

    def _due(self, stored: StoredSession) -> bool:
        left = self._expires_in(stored)
        if left <= 0:
            return True
        return left <= self._margin(stored) and self.clock() >= self._not_before

    async def _renew(self, context: str, rejected: str | None) -> wire.SessionInfo:
        async with self._exclusive():
            await self._sync_from_storage()
            stored = self._stored
            if stored is None:
                if self.store_away:
                    # Whether a session is stored is unknown: a new guest could replace it.
                    raise StorageError("the session store is unavailable, so the stored "
                                       "session cannot be read; try again when it answers")
                return await self._new_guest()
            if context == "refresh" and not self._due(stored):
                return stored.session  # another holder refreshed it meanwhile
            if context == "unauthorized" and stored.access_token != rejected:
                return stored.session
            return await self._rotate(stored, context)

    async def _rotate(self, stored: StoredSession, context: str) -> wire.SessionInfo:
        token = stored.refresh_token
        if token is None or token == self._rejected_refresh:
            return await self._after_rejection(stored, context, None)
        try:
            result = await self._calls().rotate(token)
        except (AuthError, ValidationError) as exc:
            self._rejected_refresh = token
            self._emit(AUTH_ERROR, {"error": exc, "context": context})
            return await self._after_rejection(stored, context, exc)
        except FanfareError as exc:
            left = self._expires_in(stored)
            if context != "unauthorized" and left > 0:
                self._not_before = self.clock() + _RETRY_SHARE * left
                _log.info("refresh failed (%s); the access token is valid for %.0f s more",
                          exc.code, left)
                return stored.session
            self._emit(AUTH_ERROR, {"error": exc, "context": context})
            raise
        return await self._apply_refresh(stored, result)

    async def _after_rejection(self, stored: StoredSession, context: str,
                               error: FanfareError | None) -> wire.SessionInfo:
        left = self._expires_in(stored)
        if context != "unauthorized" and left > 0:
            _log.warning("the refresh token was rejected; the access token stays valid for "
                         "%.0f s, then the session is lost", left)
            return stored.session
        return await self._session_gone(stored, error)

    async def _session_gone(self, stored: StoredSession,
                            error: FanfareError | None) -> wire.SessionInfo:
        known = self._held_places()
        held = None if known is None else max(known, len(self._journeys))
        replace = stored.session.type == wire.SessionType.GUEST and held == 0
        reason = error.code if error is not None else "REFRESH_REJECTED"
        _log.warning("session of %s lost (%s); %s", redact(stored.session.consumer_id), reason,
                     "starting a new guest" if replace else "sign in again or start a new guest")
        places = self.places
        if places is not None and not replace:
            try:  # first, as a subscriber of the event would be: the places ask to sign in
                places.session_lost()
            except Exception:  # noqa: BLE001 - the places must not break the session
                _log.exception("the places failed on a lost session")
        self._emit(AUTH_SESSION_LOST, {"session": stored.session, "reason": reason,
                                       "replaced": replace, "participations": held})
        if replace:
            return await self._new_guest()
        self._stored, self._lost = None, stored.session
        raise self._lost_error()

    def _check_not_lost(self) -> None:
        if self._lost is not None:
            raise self._lost_error()

    def _lost_error(self) -> AuthError:
        server = f" at {self.base_url}" if self.base_url is not None else ""
        return AuthError(
            f"the session of organization {self.organization_id!r}{server} is no longer valid "
            f"(it expired or was revoked, or the server does not know it, e.g. a sandbox "
            f"started again): sign in again (verify_otp, exchange_external), or call "
            f"sessions.start_new_guest() to go on as a new guest (the places of the lost "
            f"consumer stay with it on the server)", code=SESSION_LOST)

    # --- adopting answers -------------------------------------------------------------------

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

    async def _new_guest(self) -> wire.SessionInfo:
        return await self._adopt(await self._calls().create_guest())

    async def _adopt(self, envelope: wire.SessionEnvelope) -> wire.SessionInfo:
        now = self.clock()
        ttl = envelope.refresh_token_ttl_seconds
        previous = self._stored.session if self._stored is not None else self._lost
        same = previous is not None and previous.consumer_id == envelope.session.consumer_id
        self._take(StoredSession(
            session=envelope.session,
            access_token=envelope.access_token,
            access_expires_at=envelope.session.expires_at,
            refresh_token=envelope.refresh_token,
            refresh_expires_at=_from_epoch(now + ttl) if ttl is not None else None,
            journeys=self._journeys if same else {},
            access_issued_at=_from_epoch(now),
        ))
        self._not_before = 0.0
        await self._save()
        _log.debug("session %s (%s)", envelope.session.type.value,
                   redact(envelope.session.consumer_id))
        self._emit(AUTH_AUTHENTICATED, {"session": envelope.session, "is_new": True})
        return envelope.session

    async def _apply_refresh(self, stored: StoredSession,
                             result: wire.RefreshResult) -> wire.SessionInfo:
        now = self.clock()
        expires = result.access_token_expires_at or _from_epoch(now + _DEFAULT_ACCESS_TTL)
        ttl = result.refresh_token_ttl_seconds
        session = attrs.evolve(stored.session, expires_at=expires)
        self._take(attrs.evolve(
            stored,
            session=session,
            access_token=result.access_token,
            access_expires_at=expires,
            refresh_token=result.refresh_token or stored.refresh_token,
            refresh_expires_at=(
                _from_epoch(now + ttl) if ttl is not None else stored.refresh_expires_at
            ),
            journeys=self._journeys,
            access_issued_at=_from_epoch(now),
        ))
        self._not_before = 0.0
        await self._save()
        self._emit(AUTH_REFRESHED, {"session": session})
        return session

    def __repr__(self) -> str:
        stored = self._stored
        if stored is None:
            lost = "" if self._lost is None else ", lost=True"
            return f"SessionManager(organization_id={self.organization_id!r}, session=None{lost})"
        return (
            f"SessionManager(organization_id={self.organization_id!r}, "
            f"type={stored.session.type.value!r}, consumer_id={stored.session.consumer_id!r}, "
            f"access_token={redact(stored.access_token)}, "
            f"expires_at={stored.access_expires_at.isoformat()!r})"
        )
