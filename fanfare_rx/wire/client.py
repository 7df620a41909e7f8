"""The aiohttp Consumer API client: one typed method per gen C endpoint a journey uses, with the
session's bearer token, 401 → refresh → retry once, and "already in" treated as success.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Generic, Self, TypeVar

import aiohttp

from fanfare_rx.errors import AuthError
from fanfare_rx.mechanisms import registry
from fanfare_rx.models import wire
from fanfare_rx.wire import codec
from fanfare_rx.wire._appointments import AppointmentCalls
from fanfare_rx.wire._calls import Auth, segment
from fanfare_rx.wire._distributions import DistributionCalls
from fanfare_rx.wire.auth import AuthCalls, TokenSource
from fanfare_rx.wire.config import (
    DEFAULT_HTTP,
    HttpConfig,
    check_base_url,
    check_credentials,
)
from fanfare_rx.wire.pool import HttpPool
from fanfare_rx.wire.resources import MechanismResource, resource_for
from fanfare_rx.wire.retry import RetryPolicy
from fanfare_rx.wire.transport import ConnectionMonitor, HttpTransport, Sleep

__all__ = ["ConsumerApi"]

T = TypeVar("T")
TS = TypeVar("TS", bound=TokenSource)


@functools.lru_cache(maxsize=64)
def _experience(raw: bytes) -> wire.Experience:
    """One decoded experience per distinct body: thousands of shoppers of a drop load the same
    experience, and its model is immutable (tuples and frozen classes), so they share it."""
    experience: wire.Experience = codec.decode(raw, wire.Experience)
    return experience


class ConsumerApi(DistributionCalls, AppointmentCalls, Generic[TS]):
    """Client of the Fanfare Consumer API (gen C) over one keep-alive aiohttp session.

    Every answer is decoded into the models of :mod:`fanfare_rx.models.wire` (a body that does
    not decode raises :class:`~fanfare_rx.errors.DecodeError`); every failure is a typed
    :class:`~fanfare_rx.errors.FanfareError`. Consumer endpoints send the session's bearer
    token (a guest session is created on demand); a 401 refreshes the session once and repeats
    the request once.

    Args:
        base_url: the API root, e.g. ``https://consumer.fanfare.io/api`` or a sandbox URL.
        publishable_key: ``pk_live_…`` / ``pk_test_…``.
        organization_id: the organization (session storage key).
        sessions: the session manager (the token source).
        http: timeouts, pool size and retry policy (:class:`HttpConfig`).
        pool: an :class:`HttpPool` shared with other clients (``close`` leaves it open);
            None: a pool of its own, closed with the client.
        sleep: how to wait between retries (tests pass a recorder).
        clock: epoch seconds now, to read ``Retry-After`` dates.

    Usage::

        async with ConsumerApi(url, "pk_test_...", organization_id=org, sessions=sessions,
                               http=HttpConfig(timeout=5)) as api:
            state = await api.enter_queue(queue_id)
    """

    def __init__(
        self,
        base_url: str,
        publishable_key: str,
        *,
        organization_id: str,
        sessions: TS,
        http: HttpConfig = DEFAULT_HTTP,
        pool: HttpPool | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        check_base_url(base_url)
        check_credentials(organization_id=organization_id, publishable_key=publishable_key)
        self.organization_id = organization_id
        self._transport = HttpTransport(base_url, publishable_key, http=http, pool=pool,
                                        sleep=sleep, clock=clock)
        self.sessions = sessions
        self.sessions.attach(AuthCalls(self._transport))
        #: One long-lived resource per mechanism (made on first use): a request's traceback
        #: then never holds a per-call object.
        self._resources: dict[str, MechanismResource] = {}

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def http(self) -> HttpConfig:
        """The connection settings."""
        return self._transport.http

    @property
    def retry(self) -> RetryPolicy:
        return self._transport.retry

    @property
    def pool(self) -> HttpPool:
        """The connection pool: shared when one was given, else the client's own."""
        return self._transport.pool

    @property
    def client_session(self) -> aiohttp.ClientSession | None:
        """The underlying aiohttp session (None until the first request, and after close)."""
        return self._transport.client_session

    @property
    def closed(self) -> bool:
        return self._transport.closed

    @property
    def connection(self) -> ConnectionMonitor:
        """What the transport sees of the way to the server (status, the server's clock).

        Usage: ``api.connection.current.status`` -> ``'online'``
        """
        return self._transport.connection

    # --- one resource per mechanism, from its declaration ----------------------------------

    def resource(self, kind: str) -> MechanismResource:
        """A registered mechanism's calls (``status``, ``enter``, ``leave``, ``complete``).

        Usage: ``await api.resource("draw").enter(draw_id)``
        """
        made = self._resources.get(kind)
        if made is None or registry.spec_for(kind) is not made.spec:  # re-registered: anew
            made = self._resources[kind] = resource_for(self, kind)
        return made

    @property
    def queues(self) -> MechanismResource:
        """Usage: ``await api.queues.enter(queue_id)``"""
        return self.resource("queue")

    @property
    def draws(self) -> MechanismResource:
        """Usage: ``await api.draws.status(draw_id)``"""
        return self.resource("draw")

    @property
    def auctions(self) -> MechanismResource:
        """Usage: ``await api.auctions.status(auction_id)`` (bids: ``place_bid``)"""
        return self.resource("auction")

    @property
    def timed_releases(self) -> MechanismResource:
        """Usage: ``await api.timed_releases.enter(release_id)``"""
        return self.resource("timed_release")

    @property
    def appointments(self) -> MechanismResource:
        """Usage: ``await api.appointments.status(appointment_id)`` (booking: ``book_appointment``)"""
        return self.resource("appointment")

    async def close(self) -> None:
        """Stop the client (idempotent); later calls raise ``ABORTED``. Its own pool is closed,
        a shared one is left open for its other clients.

        Usage: ``await api.close()``
        """
        await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    def __repr__(self) -> str:
        return (f"ConsumerApi(base_url={self.base_url!r}, organization_id="
                f"{self.organization_id!r}, session={self.sessions!r}, closed={self.closed!r})")

    # --- plumbing ---------------------------------------------------------------------------

    async def _raw(self, method: str, path: str, *, body: object = None,
                   auth: Auth = "consumer") -> bytes:
        if auth == "none":
            return (await self._transport.request(method, path, body=body))[1]
        if auth == "optional":
            held = self.sessions.current_access_token
            if held is None:
                return (await self._transport.request(method, path, body=body))[1]
            token = held
        else:
            token = self.sessions.ready_access_token() or await self.sessions.access_token()
        try:
            return (await self._transport.request(method, path, body=body, bearer=token))[1]
        except AuthError as exc:
            if exc.status != 401:
                raise
            await self.sessions.handle_unauthorized(token)
            token = await self.sessions.access_token()
            return (await self._transport.request(method, path, body=body, bearer=token))[1]

    # --- auth (state kept by the SessionManager) --------------------------------------------

    async def guest(self) -> wire.SessionInfo:
        """Start a new guest session (``POST /auth/guest``), replacing the current one.

        Usage: ``session = await api.guest()``
        """
        return await self.sessions.guest()

    async def request_otp(self, *, email: str | None = None, phone: str | None = None,
                          default_country: str | None = None, name: str | None = None) -> bool:
        """Send a one-time code (``POST /auth/otp/request``).

        Usage: ``await api.request_otp(email="ada@example.com")``
        """
        return await self.sessions.request_otp(email=email, phone=phone,
                                               default_country=default_country, name=name)

    async def verify_otp(self, code: str, *, email: str | None = None, phone: str | None = None,
                         default_country: str | None = None) -> wire.SessionInfo:
        """Sign in with the code (``POST /auth/otp/verify``); a held guest session is linked.

        Usage: ``await api.verify_otp("424242", email="ada@example.com")``
        """
        return await self.sessions.verify_otp(code, email=email, phone=phone,
                                              default_country=default_country)

    async def exchange_external(self, exchange_code: str) -> wire.SessionInfo:
        """Sign in with an external exchange code (``POST /auth/external/exchange``).

        Usage: ``await api.exchange_external("exc_...")``
        """
        return await self.sessions.exchange_external(exchange_code)

    async def refresh(self) -> wire.SessionInfo:
        """Rotate the tokens now (``POST /auth/refresh``); a rejected refresh starts a guest.

        Usage: ``await api.refresh()``
        """
        return await self.sessions.refresh()

    async def logout(self) -> None:
        """``POST /auth/logout`` and forget the session (and its storage).

        Usage: ``await api.logout()``
        """
        await self.sessions.logout()

    async def verify_bot_check(self, challenge_id: str, token: str) -> wire.ChallengeVerifyResult:
        """Pass a bot-check gate's challenge (``POST /challenges/verify``).

        Usage: ``await api.verify_bot_check(gate.challenge.id, turnstile_token)``
        """
        body = wire.ChallengeVerifyRequest(challenge_id=challenge_id, token=token)
        return await self._call("POST", "/challenges/verify", wire.ChallengeVerifyResult,
                                body=body)

    # --- experiences and consumer -----------------------------------------------------------

    async def get_experience(self, experience_id: str) -> wire.Experience:
        """``GET /experiences/{id}`` (sends the bearer when a session exists).

        Usage: ``experience = await api.get_experience(exp_id)``
        """
        raw = await self._raw("GET", f"/experiences/{segment(experience_id)}", auth="optional")
        return _experience(raw)

    async def enter_experience(self, experience_id: str) -> wire.ExperienceEntered:
        """``POST /experiences/{id}/enter``.

        Usage: ``await api.enter_experience(exp_id)``
        """
        return await self._call("POST", f"/experiences/{segment(experience_id)}/enter",
                                wire.ExperienceEntered)

    async def leave_experience(self, experience_id: str) -> wire.ExperienceLeft:
        """``DELETE /experiences/{id}/leave``.

        Usage: ``(await api.leave_experience(exp_id)).left``
        """
        return await self._call("DELETE", f"/experiences/{segment(experience_id)}/leave",
                                wire.ExperienceLeft)

    async def route(self, experience_id: str,
                    access_code: str | None = None) -> wire.RouteResult:
        """``POST /experiences/{id}/route``: routed, gated or no_access.

        Usage: ``result = await api.route(exp_id, access_code="VIP2024")``
        """
        return await self._call("POST", f"/experiences/{segment(experience_id)}/route",
                                wire.RouteResult, body=wire.RouteRequest(access_code=access_code))

    async def archived_status(self, experience_ids: Iterable[str]) -> wire.ArchivedStatusResult:
        """``POST /experiences/archived-status``: which of these experiences are still live.

        Usage: ``(await api.archived_status([a, b])).live_experience_ids``
        """
        body = wire.ArchivedStatusRequest(experience_ids=tuple(experience_ids))
        return await self._call("POST", "/experiences/archived-status",
                                wire.ArchivedStatusResult, body=body, auth="optional")

    async def get_me(self) -> wire.ConsumerMe:
        """``GET /consumers/me``: the consumer's active journeys (resume source).

        Usage: ``me = await api.get_me()``
        """
        return await self._call("GET", "/consumers/me", wire.ConsumerMe)
