"""The aiohttp Consumer API client: one typed method per gen C endpoint a journey uses, with the
session's bearer token, 401 → refresh → retry once, and "already in" treated as success.

It is composed of parts given their dependencies at construction: the transport, the
:class:`~fanfare_rx.wire.requester.Requester`, one resource per concern (experiences,
distributions, appointments) and one per registered mechanism; its endpoint methods are the
resources' methods.
"""

from __future__ import annotations

import asyncio
import functools
import time
import types
from collections.abc import Callable
from typing import Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

import aiohttp

from fanfare_rx.mechanisms import registry
from fanfare_rx.models import wire
from fanfare_rx.wire.appointments import AppointmentCalls
from fanfare_rx.wire.auth import AuthCalls, TokenSource
from fanfare_rx.wire.config import (
    DEFAULT_HTTP,
    HttpConfig,
    check_base_url,
    check_credentials,
)
from fanfare_rx.wire.distributions import DistributionCalls
from fanfare_rx.wire.experiences import ExperienceCalls
from fanfare_rx.wire.pool import ClosesOnExit, HttpPool
from fanfare_rx.wire.requester import Requester
from fanfare_rx.wire.resources import MechanismResource, resource_for
from fanfare_rx.wire.retry import RetryPolicy
from fanfare_rx.wire.transport import ConnectionMonitor, HttpTransport, Sleep

__all__ = ["ConsumerApi"]

P = ParamSpec("P")
R = TypeVar("R")
TS = TypeVar("TS", bound=TokenSource)


class _PartMethod(Generic[P, R]):
    """A method of the client that is the method of one of its parts: one declaration (the
    part's signature and docstring) and no coroutine of its own between the caller and the
    request. Read on the class, it is a plain function of the client and the arguments
    (``ConsumerApi.queue_status(api, queue_id)``, as a mechanism's resource calls it)."""

    def __init__(self, part: str, function: Callable[Concatenate[Any, P], R]) -> None:
        self.part = part
        self.function = function
        self.__doc__ = function.__doc__
        self.__wrapped__ = function

        @functools.wraps(function)
        def on_client(api: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
            return function(getattr(api, part), *args, **kwargs)

        self.on_client: Callable[Concatenate[Any, P], R] = on_client

    @overload
    def __get__(self, api: None, owner: type[Any]) -> Callable[Concatenate[Any, P], R]: ...

    @overload
    def __get__(self, api: object, owner: type[Any] | None = None) -> Callable[P, R]: ...

    def __get__(self, api: object, owner: type[Any] | None = None) -> Callable[..., R]:
        if api is None:
            return self.on_client
        return types.MethodType(self.function, getattr(api, self.part))


class _PartPerUse(Generic[R]):
    """A part of the client, made from it each time it is read: a part holds nothing of its
    own (the client's requester, its organization), so keeping one per client would be one
    more object per shopper for every full collection to walk, for nothing. A call through
    the client makes its part and the part's method returns the requester's one coroutine,
    so the part is gone before the request is sent. ``make`` builds the part from the client.

    Usage: ``experience_calls = _PartPerUse(lambda api: ExperienceCalls(api.requester))``
    """

    def __init__(self, make: Callable[[Any], R]) -> None:
        self._make = make

    @overload
    def __get__(self, api: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, api: ConsumerApi[Any], owner: type[Any] | None = None) -> R: ...

    def __get__(self, api: ConsumerApi[Any] | None, owner: type[Any] | None = None
                ) -> R | Self:
        return self if api is None else self._make(api)


class _ResourceOf:
    """A registered mechanism's resource as a read-only attribute of the client
    (``api.draws``): :meth:`ConsumerApi.resource` of its kind, declared in one line."""

    def __init__(self, kind: str, usage: str, note: str | None = None) -> None:
        self.kind = kind
        self.__doc__ = f"Usage: ``{usage}``" + ("" if note is None else f" ({note})")

    @overload
    def __get__(self, api: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, api: ConsumerApi[Any], owner: type[Any] | None = None
                ) -> MechanismResource: ...

    def __get__(self, api: ConsumerApi[Any] | None, owner: type[Any] | None = None
                ) -> MechanismResource | Self:
        return self if api is None else api.resource(self.kind)

    def __set__(self, api: ConsumerApi[Any], value: object) -> None:
        raise AttributeError(f"the {self.kind} resource of a client cannot be replaced")


class ConsumerApi(ClosesOnExit, Generic[TS]):
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
        sessions.attach(AuthCalls(self._transport))
        #: Sends a request with the credential its endpoint takes and decodes the answer.
        self.requester = Requester(self._transport, sessions)
        #: One long-lived resource per mechanism (made on first use): a request's traceback
        #: then never holds a per-call object.
        self._resources: dict[str, MechanismResource] | None = None

    #: The resources whose methods are the client's endpoint methods, made for each use:
    #: thousands of shoppers in one process keep none of them.
    experience_calls = _PartPerUse(lambda api: ExperienceCalls(api.requester))
    distribution_calls = _PartPerUse(
        lambda api: DistributionCalls(api.requester, organization_id=api.organization_id))
    appointment_calls = _PartPerUse(lambda api: AppointmentCalls(api.requester))

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
        if self._resources is None:
            self._resources = {}
        made = self._resources.get(kind)
        if made is None or registry.spec_for(kind) is not made.spec:  # re-registered: anew
            made = self._resources[kind] = resource_for(self, kind)
        return made

    queues = _ResourceOf("queue", "await api.queues.enter(queue_id)")
    draws = _ResourceOf("draw", "await api.draws.status(draw_id)")
    auctions = _ResourceOf("auction", "await api.auctions.status(auction_id)",
                           "bids: ``place_bid``")
    timed_releases = _ResourceOf("timed_release", "await api.timed_releases.enter(release_id)")
    appointments = _ResourceOf("appointment", "await api.appointments.status(appointment_id)",
                               "booking: ``book_appointment``")

    async def close(self) -> None:
        """Stop the client (idempotent); later calls raise ``ABORTED``. Its own pool is closed,
        a shared one is left open for its other clients.

        Usage: ``await api.close()``
        """
        await self._transport.close()

    def __repr__(self) -> str:
        return (f"ConsumerApi(base_url={self.base_url!r}, organization_id="
                f"{self.organization_id!r}, session={self.sessions!r}, closed={self.closed!r})")

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

    # --- endpoints: the methods of the resources ---------------------------------------------

    get_experience = _PartMethod("experience_calls", ExperienceCalls.get_experience)
    enter_experience = _PartMethod("experience_calls", ExperienceCalls.enter_experience)
    leave_experience = _PartMethod("experience_calls", ExperienceCalls.leave_experience)
    route = _PartMethod("experience_calls", ExperienceCalls.route)
    archived_status = _PartMethod("experience_calls", ExperienceCalls.archived_status)
    verify_bot_check = _PartMethod("experience_calls", ExperienceCalls.verify_bot_check)
    get_me = _PartMethod("experience_calls", ExperienceCalls.get_me)

    get_queue = _PartMethod("distribution_calls", DistributionCalls.get_queue)
    enter_queue = _PartMethod("distribution_calls", DistributionCalls.enter_queue)
    leave_queue = _PartMethod("distribution_calls", DistributionCalls.leave_queue)
    queue_status = _PartMethod("distribution_calls", DistributionCalls.queue_status)
    get_draw = _PartMethod("distribution_calls", DistributionCalls.get_draw)
    enter_draw = _PartMethod("distribution_calls", DistributionCalls.enter_draw)
    leave_draw = _PartMethod("distribution_calls", DistributionCalls.leave_draw)
    draw_status = _PartMethod("distribution_calls", DistributionCalls.draw_status)
    get_auction = _PartMethod("distribution_calls", DistributionCalls.get_auction)
    enter_auction = _PartMethod("distribution_calls", DistributionCalls.enter_auction)
    place_bid = _PartMethod("distribution_calls", DistributionCalls.place_bid)
    auction_bids = _PartMethod("distribution_calls", DistributionCalls.auction_bids)
    auction_bid_history = _PartMethod("distribution_calls", DistributionCalls.auction_bid_history)
    auction_current_price = _PartMethod("distribution_calls",
                                        DistributionCalls.auction_current_price)
    auction_status = _PartMethod("distribution_calls", DistributionCalls.auction_status)
    highest_bid = _PartMethod("distribution_calls", DistributionCalls.highest_bid)
    get_timed_release = _PartMethod("distribution_calls", DistributionCalls.get_timed_release)
    enter_timed_release = _PartMethod("distribution_calls", DistributionCalls.enter_timed_release)
    leave_timed_release = _PartMethod("distribution_calls", DistributionCalls.leave_timed_release)
    timed_release_status = _PartMethod("distribution_calls",
                                       DistributionCalls.timed_release_status)
    complete_timed_release = _PartMethod("distribution_calls",
                                         DistributionCalls.complete_timed_release)
    enter_waitlist = _PartMethod("distribution_calls", DistributionCalls.enter_waitlist)
    leave_waitlist = _PartMethod("distribution_calls", DistributionCalls.leave_waitlist)
    waitlist_status = _PartMethod("distribution_calls", DistributionCalls.waitlist_status)

    get_appointment = _PartMethod("appointment_calls", AppointmentCalls.get_appointment)
    appointment_slots = _PartMethod("appointment_calls", AppointmentCalls.appointment_slots)
    book_appointment = _PartMethod("appointment_calls", AppointmentCalls.book_appointment)
    my_appointment = _PartMethod("appointment_calls", AppointmentCalls.my_appointment)
    reschedule_appointment = _PartMethod("appointment_calls",
                                         AppointmentCalls.reschedule_appointment)
    cancel_appointment = _PartMethod("appointment_calls", AppointmentCalls.cancel_appointment)
