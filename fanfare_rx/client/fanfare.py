"""``Fanfare``: the SDK entry point — init, restore, destroy, experiences (journeys, ``/me``),
auth, and the event bus — mirroring the JavaScript SDK's ``Fanfare.init`` one to one.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from types import TracebackType
from typing import Self

import attrs
from reactivex import abc

from fanfare_rx.client.events import (
    SESSION_EVENTS,
    EventBus,
    EventHandler,
    Off,
    bus_events,
    connection_events,
)
from fanfare_rx.client.journey_records import JourneyRecords
from fanfare_rx.client.live_journeys import LiveJourneys
from fanfare_rx.client.namespaces import Auth, Challenges, Experiences, Journeys
from fanfare_rx.client.session import SESSION_LOST, SessionManager
from fanfare_rx.client.storage import SessionStorage
from fanfare_rx.errors import ConfigError, ErrorCode, UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.journey.lean import LoopScheduler
from fanfare_rx.models import wire
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import DEFAULT_HTTP, HttpConfig, check_base_url, check_credentials
from fanfare_rx.wire.pool import HttpPool
from fanfare_rx.wire.retry import RetryPolicy
from fanfare_rx.wire.transport import Sleep

__all__ = [
    "DEVELOPMENT_BASE_URL",
    "PRODUCTION_BASE_URL",
    "Fanfare",
    "scheduler_sleep",
]

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


def _sleep_on(scheduler: abc.SchedulerBase) -> Sleep:
    """How the client waits between retries: on the loop scheduler its own ``sleep`` (one
    function for all clients: nothing kept per client), else :func:`scheduler_sleep`."""
    return scheduler.sleep if isinstance(scheduler, LoopScheduler) else scheduler_sleep(scheduler)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _http_config(http: HttpConfig | None, *, timeout: float | None, retry: RetryPolicy | None,
                 max_connections: int | None) -> HttpConfig:
    """``http`` (or the defaults) with the shorthand keywords that were given applied."""
    config = http if http is not None else DEFAULT_HTTP
    if timeout is not None:
        config = attrs.evolve(config, timeout=timeout)
    if retry is not None:
        config = attrs.evolve(config, retry=retry)
    if max_connections is not None:
        config = attrs.evolve(config, max_connections=max_connections)
    return config


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
        *,
        journeys: LiveJourneys,
        fail_open_after_ms: int | None = None,
    ) -> None:
        """The SDK from its parts (:meth:`init` builds them in order: the live journeys, the
        session manager counting their participations, the API client over the manager).

        Raises:
            UsageError: ``sessions`` was not given these journeys (``participations=
                journeys``): without them a lost guest session holding a place could be
                replaced by a new guest, and the journeys would not hear that the session was
                lost; ``fail_open_after_ms`` is not a positive integer.
        """
        if sessions.places is not journeys:
            raise UsageError("the SessionManager of a Fanfare protects its journeys' places "
                             "(counts them, tells them when the session is lost): "
                             "SessionManager(..., participations=journeys)")
        if fail_open_after_ms is not None and (
                isinstance(fail_open_after_ms, bool) or not isinstance(fail_open_after_ms, int)
                or fail_open_after_ms <= 0):
            raise UsageError(f"fail_open_after_ms must be a positive number of milliseconds, "
                             f"got {fail_open_after_ms!r}")
        self.api = api
        self.sessions = sessions
        self.scheduler = scheduler
        self._bus = bus
        self._journeys = journeys  # closed by destroy: the one fact of being destroyed
        # One bound method for every journey's folds (a snapshot names its experience): no
        # closure, ``partial`` or Rx subscription kept per journey.
        self.experiences = Experiences(api, scheduler=scheduler, journeys=journeys,
                                       on_fold=self._on_fold,
                                       fail_open_after_ms=fail_open_after_ms)
        self._records: JourneyRecords | None = None  # made for the first record to keep
        self._journeys_names: Journeys | None = None
        self._challenges: Challenges | None = None
        self._auth: Auth | None = None
        self._connection = api.connection.current
        api.connection.listen(self._on_connection)

    @property
    def fail_open_after_ms(self) -> int | None:
        """The fail-open policy given to every new journey (``Fanfare.init(fail_open_after=
        ...)``), in ms; None: never. Kept by ``experiences``, which gives it (set
        ``fanfare.experiences.fail_open_after_ms`` to change it for journeys made later)."""
        return self.experiences.fail_open_after_ms

    # The other namespaces are made on first use: thousands of shoppers in one process each
    # keep only what they touch (every object is walked by each full collection). Plain
    # properties over attributes set in ``__init__``: a ``cached_property`` would give each
    # instance a ``__dict__`` of its own, one more object for the collector.

    @property
    def journeys(self) -> Journeys:
        """The current SDK's names for the journeys (``fanfare.journeys.get(id)``)."""
        if self._journeys_names is None:
            self._journeys_names = Journeys(self.experiences)
        return self._journeys_names

    @property
    def challenges(self) -> Challenges:
        """Bot-check challenges (``await fanfare.challenges.verify(...)``)."""
        if self._challenges is None:
            self._challenges = Challenges(self.api, alive=self._ensure_alive)
        return self._challenges

    @property
    def auth(self) -> Auth:
        """Guest sessions, OTP sign-in, external exchange, logout (``fanfare.auth``)."""
        if self._auth is None:
            self._auth = Auth(self.sessions, places=self._journeys.places, emit=self._bus.emit)
        return self._auth

    @classmethod
    async def init(
        cls,
        *,
        organization_id: str,
        publishable_key: str,
        base_url: str | None = None,
        environment: str = "production",
        storage: SessionStorage | None = None,
        http: HttpConfig | None = None,
        pool: HttpPool | None = None,
        timeout: float | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int | None = None,
        scheduler: abc.SchedulerBase | None = None,
        sleep: Sleep | None = None,
        fail_open_after: float | None = None,
    ) -> Fanfare:
        """Create the SDK (``Fanfare.init`` of the docs). No request is made yet.

        Args:
            organization_id: your organization id.
            publishable_key: ``pk_live_…`` or ``pk_test_…``.
            base_url: the Consumer API root; overrides ``environment``.
            environment: ``"production"`` or ``"development"`` (``http://localhost:4802``).
            storage: where the session survives restarts (``FileStorage(dir)``); memory if None.
            http: timeouts, pool size and retry policy (default :data:`DEFAULT_HTTP`).
            pool: an :class:`HttpPool` shared by many shoppers (``destroy`` leaves it open;
                its owner closes it); None: a pool of this instance's own.
            timeout: shorthand that replaces ``http.timeout``.
            retry: shorthand that replaces ``http.retry``.
            max_connections: shorthand that replaces ``http.max_connections``.
            scheduler: where journeys take time from (default: the running asyncio loop).
            sleep: how the client waits between retries (default: a timer on ``scheduler``,
                so backoff takes the same time source as the journeys).
            fail_open_after: opt in to fail-open: once the server stayed unreachable (no
                answer, or 502/503/504) this many seconds, every journey's
                ``context.connection.fail_open`` is set and a user event says since when; the
                app decides what to let the shopper do (the library never invents a grant).

        Raises:
            ConfigError: missing organization id or key, a secret key (``sk_…``) given as the
                publishable key (refused before any request), a storage that is no
                ``SessionStorage``, unknown environment, bad URL.

        Usage: ``fanfare = await Fanfare.init(organization_id=org, publishable_key=pk)``
        """
        check_credentials(organization_id=organization_id, publishable_key=publishable_key)
        if storage is not None and not isinstance(storage, SessionStorage):
            raise ConfigError(f"storage must be a SessionStorage (MemoryStorage(), "
                              f"FileStorage(directory), RedisStorage...), got "
                              f"{type(storage).__name__}", code=ErrorCode.INVALID_CONFIG)
        if base_url is None:
            if environment not in _ENVIRONMENTS:
                raise ConfigError(
                    f"unknown environment {environment!r} (use {' or '.join(_ENVIRONMENTS)})"
                )
            base_url = _ENVIRONMENTS[environment]
        check_base_url(base_url)
        bus = EventBus()
        journeys = LiveJourneys()  # first: the session manager counts their places
        sessions = SessionManager(organization_id, storage=storage, on_event=bus,
                                  base_url=base_url, participations=journeys)
        if scheduler is None:
            scheduler = LoopScheduler.of(asyncio.get_running_loop())
        api = ConsumerApi(
            base_url, publishable_key, organization_id=organization_id, sessions=sessions,
            http=_http_config(http, timeout=timeout, retry=retry,
                              max_connections=max_connections),
            pool=pool, sleep=sleep if sleep is not None else _sleep_on(scheduler),
        )
        if fail_open_after is not None and not (
                math.isfinite(fail_open_after) and fail_open_after > 0):
            raise ConfigError(f"fail_open_after must be a positive number of seconds, got "
                              f"{fail_open_after!r}")
        return cls(api, sessions, bus, scheduler, journeys=journeys,
                   fail_open_after_ms=(None if fail_open_after is None
                                       else int(fail_open_after * 1000)))

    # ----------------------------------------------------------------------------------------

    def _ensure_alive(self) -> None:
        self._journeys.check_open()

    async def restore(self) -> wire.SessionInfo | None:
        """Load the stored session, if any (no request is made).

        Usage: ``session = await fanfare.restore()``
        """
        self._ensure_alive()
        return await self.sessions.restore()

    def on(self, name: str, handler: EventHandler) -> Off:
        """Subscribe to an SDK event (``auth:authenticated``, ``queue:position-changed`` …);
        returns ``off()``. Payloads never carry a token in full.

        Usage: ``off = fanfare.on("queue:admitted", lambda e: print(e["queueId"]))``
        """
        return self._bus.on(name, handler)

    def _on_fold(self, old: JourneySnapshot, new: JourneySnapshot) -> None:
        if self._bus.listens_beyond(SESSION_EVENTS):  # else nobody hears the journey's
            for name, payload in bus_events(old, new):
                self._bus.emit(name, payload)
        journey = self._journeys.get(new.context.experience_id)  # None once destroyed
        self._keep_record(new.context.experience_id, new)
        if journey is not None:
            self._still_lost(journey, new)

    def _keep_record(self, experience_id: str, snapshot: JourneySnapshot) -> None:
        records = self._records
        if records is None:
            if self.sessions.storage is None:  # no record to keep: most shoppers of a drop
                return
            records = self._records = JourneyRecords(self.sessions)
        records.keep(experience_id, snapshot)

    def _on_connection(self, connection: Connection) -> None:
        old, self._connection = self._connection, connection
        for journey in self._journeys:
            journey.observe_connection(connection)
        for name, payload in connection_events(old, connection):
            self._bus.emit(name, payload)

    def _still_lost(self, journey: ExperienceJourney, snapshot: JourneySnapshot) -> None:
        # A journey started (or acting) while the session is lost asks to sign in too.
        if (snapshot.context.last_error == SESSION_LOST
                and snapshot.journey_stage is not JourneyStage.NEEDS_AUTH
                and self.sessions.lost_session is not None and not journey.destroyed):
            journey.session_lost()

    @property
    def destroyed(self) -> bool:
        return self._journeys.closed

    async def destroy(self) -> None:
        """Destroy every journey and close the HTTP session (the stored session is kept; a
        shared :class:`HttpPool` stays open for its other users). Idempotent.

        Usage: ``await fanfare.destroy()``
        """
        if self._journeys.closed:
            return
        self._journeys.close()
        if self._records is not None:
            await self._records.flush()
        self.sessions.close()
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
            f"journeys={sorted(self._journeys.by_id())!r}, destroyed={self.destroyed})"
        )

