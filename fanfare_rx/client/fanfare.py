"""``Fanfare``: the SDK entry point — init, restore, destroy, experiences (journeys, ``/me``),
auth, and the event bus — mirroring the JavaScript SDK's ``Fanfare.init`` one to one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from types import TracebackType
from typing import Self

from reactivex import abc
from reactivex import operators as ops
from reactivex.scheduler.eventloop import AsyncIOScheduler

from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.client.events import EventBus, EventHandler, Off, bus_events
from fanfare_rx.client.session import SessionManager
from fanfare_rx.client.storage import SessionStorage
from fanfare_rx.errors import ConfigError, ErrorCode
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.retry import RetryPolicy
from fanfare_rx.wire.transport import Sleep

__all__ = [
    "DEVELOPMENT_BASE_URL",
    "PRODUCTION_BASE_URL",
    "Auth",
    "Challenges",
    "Experiences",
    "Fanfare",
    "Journeys",
    "scheduler_sleep",
]

log = logging.getLogger("fanfare_rx")

#: The Consumer API of production (OpenAPI ``servers``).
PRODUCTION_BASE_URL = "https://consumer.fanfare.io/api"
#: ``environment="development"``: a local server (the sandbox's default port), paths at the root.
DEVELOPMENT_BASE_URL = "http://localhost:4802"

_ENVIRONMENTS: Mapping[str, str] = {
    "production": PRODUCTION_BASE_URL,
    "development": DEVELOPMENT_BASE_URL,
}


def scheduler_sleep(scheduler: abc.SchedulerBase) -> Sleep:
    """An ``asyncio.sleep`` whose delay runs on a reactivex scheduler (retry backoff).

    Usage: ``await scheduler_sleep(AsyncIOScheduler(loop))(0.5)``
    """

    async def sleep(seconds: float) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()

        def wake(_: abc.SchedulerBase, __: object = None) -> None:
            if not done.done():
                loop.call_soon_threadsafe(_resolve, done)

        timer = scheduler.schedule_relative(max(0.0, seconds), wake)
        try:
            await done
        finally:
            timer.dispose()

    return sleep


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Experiences:
    """``fanfare.experiences``: journeys and the ``/consumers/me`` projection."""

    def __init__(self, fanfare: Fanfare) -> None:
        self._fanfare = fanfare
        self._journeys: dict[str, ExperienceJourney] = {}

    @property
    def journeys(self) -> Mapping[str, ExperienceJourney]:
        """The live journeys by experience id."""
        return dict(self._journeys)

    def create_journey(self, experience_id: str) -> ExperienceJourney:
        """The journey of ``experience_id`` — the same object for the same id (idempotent)
        until it is destroyed.

        Usage: ``journey = fanfare.experiences.create_journey("exp-1")``
        """
        self._fanfare._ensure_alive()
        journey = self._journeys.get(experience_id)
        if journey is not None and not journey.destroyed:
            return journey
        journey = ExperienceJourney(
            experience_id,
            ApiEffects(self._fanfare.api),
            scheduler=self._fanfare.scheduler,
            on_destroy=self._forget,
        )
        self._journeys[experience_id] = journey
        self._fanfare._publish_events_of(journey)
        return journey

    def _forget(self, journey: ExperienceJourney) -> None:
        if self._journeys.get(journey.experience_id) is journey:
            del self._journeys[journey.experience_id]

    async def get_me(self) -> wire.ConsumerMe:
        """``GET /consumers/me``: the consumer's active journeys and waitlists.

        Usage: ``me = await fanfare.experiences.get_me()``
        """
        self._fanfare._ensure_alive()
        return await self._fanfare.api.get_me()

    async def resume_all(self) -> list[ExperienceJourney]:
        """Create and resume a journey for every experience ``/consumers/me`` lists.

        Usage: ``for journey in await fanfare.experiences.resume_all(): journey.start_polling()``
        """
        me = await self.get_me()
        resumed: list[ExperienceJourney] = []
        for projection in me.active.journeys:
            journey = self.create_journey(projection.experience_id)
            if await journey.resume_from_me(me):
                resumed.append(journey)
        return resumed

    def destroy_all(self) -> None:
        for journey in list(self._journeys.values()):
            journey.destroy()
        self._journeys.clear()


class Journeys:
    """``fanfare.journeys``: the current SDK's names for the same journeys
    (``sdk.journeys.get`` / ``resumeAll``); render from ``journey.view``.

    Usage::

        await fanfare.journeys.resume_all()
        journey = fanfare.journeys.get("exp-1")
        async for view in journey.view: ...
    """

    def __init__(self, experiences: Experiences) -> None:
        self._experiences = experiences

    def get(self, experience_id: str) -> ExperienceJourney:
        """The journey handle of ``experience_id`` (the same object as
        ``experiences.create_journey``). Usage: ``journey = fanfare.journeys.get("exp-1")``"""
        return self._experiences.create_journey(experience_id)

    async def resume_all(self) -> list[ExperienceJourney]:
        """Reconstruct every journey ``/consumers/me`` lists (call after init, before rendering).

        Usage: ``await fanfare.journeys.resume_all()``
        """
        return await self._experiences.resume_all()


class Challenges:
    """``fanfare.challenges``: pass a bot-check challenge (then ``view.reroute()``).

    Usage: ``await fanfare.challenges.verify(challenge_id=gate.challenge_id, token=token)``
    """

    def __init__(self, fanfare: Fanfare) -> None:
        self._fanfare = fanfare

    async def verify(self, *, challenge_id: str, token: str) -> bool:
        """``POST /challenges/verify``; raises when the token is refused."""
        self._fanfare._ensure_alive()
        result = await self._fanfare.api.verify_bot_check(challenge_id, token)
        return result.verified


class Auth:
    """``fanfare.auth``: guest sessions, OTP sign-in, external exchange, logout.

    Usage::

        await fanfare.auth.request_otp(email="ada@example.com")
        await fanfare.auth.verify_otp("424242", email="ada@example.com")
        await journey.authenticate()
    """

    def __init__(self, fanfare: Fanfare) -> None:
        self._fanfare = fanfare

    @property
    def session(self) -> wire.SessionInfo | None:
        """The current session (no tokens), or None."""
        return self._fanfare.sessions.session

    @property
    def is_authenticated(self) -> bool:
        """True for an identified (not guest) consumer."""
        return self._fanfare.sessions.is_authenticated

    async def guest(self) -> wire.SessionInfo:
        """Start a guest session (``POST /auth/guest``)."""
        return await self._fanfare.sessions.guest()

    async def request_otp(
        self, *, email: str | None = None, phone: str | None = None,
        default_country: str | None = None,
    ) -> bool:
        """Send a one-time code by email or SMS (``POST /auth/otp/request``)."""
        return await self._fanfare.sessions.request_otp(
            email=email, phone=phone, default_country=default_country
        )

    async def verify_otp(
        self, code: str, *, email: str | None = None, phone: str | None = None,
        default_country: str | None = None,
    ) -> wire.SessionInfo:
        """Sign in with the code; a guest session is linked (its participations are kept)."""
        return await self._fanfare.sessions.verify_otp(
            code, email=email, phone=phone, default_country=default_country
        )

    async def exchange_external(self, exchange_code: str) -> wire.SessionInfo:
        """Sign in with an exchange code from your backend (``POST /auth/external/exchange``)."""
        return await self._fanfare.sessions.exchange_external(exchange_code)

    async def refresh(self) -> wire.SessionInfo:
        """Refresh the access token now (normally automatic)."""
        return await self._fanfare.sessions.refresh()

    async def logout(self) -> None:
        """Log out: revoke, clear the stored session (journeys keep their last state)."""
        await self._fanfare.sessions.logout()


class Fanfare:
    """The SDK: one HTTP session, one consumer session, any number of journeys.

    Usage::

        async with await Fanfare.init(
            organization_id="org", publishable_key="pk_test_...", base_url=sandbox.base_url
        ) as fanfare:
            await fanfare.restore()
            journey = fanfare.experiences.create_journey(experience_id)
            journey.state.listen(lambda snap: print(snap.sequence_stage))
            await journey.start()
            journey.start_polling(5000)
    """

    def __init__(
        self,
        api: ConsumerApi[SessionManager],
        sessions: SessionManager,
        bus: EventBus,
        scheduler: abc.SchedulerBase,
    ) -> None:
        self.api = api
        self.sessions = sessions
        self.scheduler = scheduler
        self._bus = bus
        self._destroyed = False
        self.experiences = Experiences(self)
        self.journeys = Journeys(self.experiences)
        self.challenges = Challenges(self)
        self.auth = Auth(self)

    @classmethod
    async def init(
        cls,
        *,
        organization_id: str,
        publishable_key: str,
        base_url: str | None = None,
        environment: str = "production",
        storage: SessionStorage | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 10,
        scheduler: abc.SchedulerBase | None = None,
        sleep: Sleep | None = None,
    ) -> Fanfare:
        """Create the SDK (``Fanfare.init`` of the docs). No request is made yet.

        Args:
            organization_id: your organization id.
            publishable_key: ``pk_live_…`` or ``pk_test_…``.
            base_url: the Consumer API root; overrides ``environment``.
            environment: ``"production"`` or ``"development"`` (``http://localhost:4802``).
            storage: where the session survives restarts (``FileStorage(dir)``); memory if None.
            timeout: seconds for one HTTP request.
            retry: retry policy for network errors, timeouts, 429 and 5xx.
            max_connections: size of the keep-alive pool.
            scheduler: where journeys take time from (default: the running asyncio loop).
            sleep: how the client waits between retries (default: a timer on ``scheduler``,
                so backoff takes the same time source as the journeys).

        Raises:
            ConfigError: missing organization id or key, unknown environment, bad URL.

        Usage: ``fanfare = await Fanfare.init(organization_id=org, publishable_key=pk)``
        """
        if not organization_id:
            raise ConfigError("organization_id is required", code=ErrorCode.MISSING_ORGANIZATION_ID)
        if not publishable_key:
            raise ConfigError("publishable_key is required", code=ErrorCode.MISSING_PUBLISHABLE_KEY)
        if base_url is None:
            if environment not in _ENVIRONMENTS:
                raise ConfigError(
                    f"unknown environment {environment!r} (use {' or '.join(_ENVIRONMENTS)})"
                )
            base_url = _ENVIRONMENTS[environment]
        bus = EventBus()
        sessions = SessionManager(organization_id, storage=storage, on_event=bus.emit)
        if scheduler is None:
            scheduler = AsyncIOScheduler(asyncio.get_running_loop())
        api = ConsumerApi(
            base_url, publishable_key, organization_id=organization_id, sessions=sessions,
            timeout=timeout, retry=retry, max_connections=max_connections,
            sleep=sleep if sleep is not None else scheduler_sleep(scheduler),
        )
        return cls(api, sessions, bus, scheduler)

    # ----------------------------------------------------------------------------------------

    def _ensure_alive(self) -> None:
        if self._destroyed:
            raise ConfigError("this Fanfare instance was destroyed", code=ErrorCode.NOT_INITIALIZED)

    async def restore(self) -> wire.SessionInfo | None:
        """Load the stored session, if any (no request is made).

        Usage: ``session = await fanfare.restore()``
        """
        self._ensure_alive()
        return self.sessions.restore()

    def on(self, name: str, handler: EventHandler) -> Off:
        """Subscribe to an SDK event (``auth:authenticated``, ``queue:position-changed`` …);
        returns ``off()``. Payloads never carry a token in full.

        Usage: ``off = fanfare.on("queue:admitted", lambda e: print(e["queueId"]))``
        """
        return self._bus.on(name, handler)

    def _publish_events_of(self, journey: ExperienceJourney) -> None:
        def publish(pair: tuple[JourneySnapshot, JourneySnapshot]) -> None:
            for name, payload in bus_events(*pair):
                self._bus.emit(name, payload)

        journey.state.pipe(ops.pairwise()).subscribe(publish)

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    async def destroy(self) -> None:
        """Destroy every journey and close the HTTP session (the stored session is kept).
        Idempotent.

        Usage: ``await fanfare.destroy()``
        """
        if self._destroyed:
            return
        self._destroyed = True
        self.experiences.destroy_all()
        await self.api.close()
        self._bus.clear()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.destroy()

    def __repr__(self) -> str:
        return (
            f"Fanfare(base_url={self.api.base_url!r}, organization_id={self.api.organization_id!r}, "
            f"journeys={sorted(self.experiences.journeys)!r}, destroyed={self._destroyed})"
        )

