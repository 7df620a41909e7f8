"""The namespaces of a ``Fanfare`` instance: ``experiences`` (journeys, ``/me``), ``journeys``
(the current SDK's names), ``challenges`` (bot checks) and ``auth`` (sessions).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from reactivex import abc

from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.client.live_journeys import LiveJourneys
from fanfare_rx.client.session import SessionManager
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.requester import segment

#: The check a namespace makes before it acts: raises once the client was destroyed.
AliveCheck = Callable[[], None]
#: Follows a journey's folds: ``on_fold(old, new)`` after each new snapshot.
FoldWatcher = Callable[[JourneySnapshot, JourneySnapshot], None]
#: Publishes a bus event: ``emit(name, payload)``.
Emit = Callable[[str, Mapping[str, Any]], None]

#: The bus event of a sign-in that left the guest and its places behind (``leave_guest=True``).
AUTH_GUEST_LEFT = "auth:guest_left"

__all__ = ["AUTH_GUEST_LEFT", "AliveCheck", "Auth", "Challenges", "Emit", "Experiences",
           "FoldWatcher", "Journeys"]


class Experiences:
    """``fanfare.experiences``: journeys and the ``/consumers/me`` projection.

    Built by ``Fanfare`` from its parts: the API client, the scheduler journeys take time
    from, the live journeys (closed once the client is destroyed: then it refuses to act), the
    owner's ``on_fold(old, new)`` that follows every journey's folds (its bus events, kept
    record and lost-session check: one callable for all journeys) and the fail-open policy
    each new journey takes.

    Usage: ``journey = fanfare.experiences.create_journey("exp-1")``
    """

    __slots__ = ("_api", "_journeys", "_on_fold", "_scheduler", "fail_open_after_ms")

    def __init__(self, api: ConsumerApi[SessionManager], *, scheduler: abc.SchedulerBase,
                 journeys: LiveJourneys, on_fold: FoldWatcher,
                 fail_open_after_ms: int | None = None) -> None:
        self._api = api
        self._scheduler = scheduler
        self._journeys = journeys
        self._on_fold = on_fold
        #: The fail-open policy (ms) each new journey takes (``Fanfare.fail_open_after_ms``).
        self.fail_open_after_ms = fail_open_after_ms

    @property
    def journeys(self) -> Mapping[str, ExperienceJourney]:
        """The live journeys by experience id."""
        return self._journeys.by_id()

    def create_journey(self, experience_id: str) -> ExperienceJourney:
        """The journey of ``experience_id`` — the same object for the same id (idempotent)
        until it is destroyed.

        Raises:
            UsageError: ``experience_id`` is not a non-empty string.

        Usage: ``journey = fanfare.experiences.create_journey("exp-1")``
        """
        self._journeys.check_open()
        segment(experience_id)  # refused here, not at the first request
        journey = self._journeys.get(experience_id)
        if journey is not None:
            return journey
        journey = ExperienceJourney(
            experience_id,
            ApiEffects(self._api),
            scheduler=self._scheduler,
            on_destroy=self._journeys.forget,
        )
        self._journeys.add(journey)
        self._follow(journey)
        return journey

    def _follow(self, journey: ExperienceJourney) -> None:
        """A new journey takes the fail-open policy and the connection seen so far; then its
        first snapshot is followed as a fold from itself (its record is kept, a lost session
        asks it to sign in; nothing changed, so no bus event), and each fold after it."""
        journey.fail_open_after_ms = self.fail_open_after_ms
        connection = self._api.connection.current
        if connection != Connection():
            journey.observe_connection(connection)
        first = journey.state.get()
        self._on_fold(first, first)
        journey._watch_folds(self._on_fold)  # a plain callback: no Rx subscription

    def live_participations(self) -> int:
        """How many live journeys hold a participation (a queue place, a draw entry ...) or
        may hold one (started, not ended: an entry's answer may have been lost).

        Usage: ``fanfare.experiences.live_participations()`` -> ``1``
        """
        return self._journeys.live_participations()

    def places(self) -> list[dict[str, Any]]:
        """The places live journeys hold or may hold: ``{experienceId, type, id,
        sequenceStage, held}`` each (``type``/``id`` of the distribution, None when not
        located; ``held``: a participation the server keeps, not merely a started journey).

        Usage: ``fanfare.experiences.places()`` -> ``[{"experienceId": ..., "type": "queue", ...}]``
        """
        return self._journeys.places()

    async def get_me(self) -> wire.ConsumerMe:
        """``GET /consumers/me``: the consumer's active journeys and waitlists.

        Usage: ``me = await fanfare.experiences.get_me()``
        """
        self._journeys.check_open()
        return await self._api.get_me()

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
        """Destroy every journey (``fanfare.destroy()`` does).

        Usage: ``fanfare.experiences.destroy_all()``
        """
        self._journeys.destroy_all()


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

    def __init__(self, api: ConsumerApi[SessionManager], *, alive: AliveCheck) -> None:
        self._api = api
        self._alive = alive

    async def verify(self, *, challenge_id: str, token: str) -> bool:
        """``POST /challenges/verify``; raises when the token is refused."""
        self._alive()
        result = await self._api.verify_bot_check(challenge_id, token)
        return result.verified


class Auth:
    """``fanfare.auth``: guest sessions, OTP sign-in, external exchange, logout.

    Usage::

        await fanfare.auth.request_otp(email="ada@example.com")
        await fanfare.auth.verify_otp("424242", email="ada@example.com")
        await journey.authenticate()

    Built by ``Fanfare`` from the session manager, ``places()`` (what the live journeys hold,
    counted before a sign-in and named when the guest is left) and the bus's ``emit``.
    """

    def __init__(self, sessions: SessionManager, *, places: Callable[[], list[dict[str, Any]]],
                 emit: Emit) -> None:
        self._sessions = sessions
        self._places = places
        self._emit = emit

    @property
    def session(self) -> wire.SessionInfo | None:
        """The current session (no tokens), or None."""
        return self._sessions.session

    @property
    def is_authenticated(self) -> bool:
        """True for an identified (not guest) consumer."""
        return self._sessions.is_authenticated

    async def guest(self) -> wire.SessionInfo:
        """Start a guest session (``POST /auth/guest``)."""
        return await self._sessions.guest()

    async def request_otp(
        self, *, email: str | None = None, phone: str | None = None,
        default_country: str | None = None,
    ) -> bool:
        """Send a one-time code by email or SMS (``POST /auth/otp/request``)."""
        return await self._sessions.request_otp(
            email=email, phone=phone, default_country=default_country
        )

    async def verify_otp(
        self, code: str, *, email: str | None = None, phone: str | None = None,
        default_country: str | None = None, leave_guest: bool = False,
    ) -> wire.SessionInfo:
        """Sign in with the code; a guest session is linked (its participations are kept).

        When the email or phone already belongs to another account, a guest holding places
        cannot be linked: this raises ``ConflictError`` (code ``ALREADY_LINKED``) and the guest
        keeps its session and places. ``leave_guest=True`` signs in anyway, leaving the guest
        and its places behind; the bus then emits ``auth:guest_left`` naming them.

        Usage: ``await fanfare.auth.verify_otp("424242", email="ada@example.com")``
        """
        return await self._sign_in(lambda held: self._sessions.verify_otp(
            code, email=email, phone=phone, default_country=default_country,
            leave_guest=leave_guest, guest_places=held), leave_guest)

    async def exchange_external(self, exchange_code: str, *,
                                leave_guest: bool = False) -> wire.SessionInfo:
        """Sign in with an exchange code from your backend (``POST /auth/external/exchange``);
        a guest session is linked (its participations are kept).

        When the code names another existing account, a guest holding places cannot be linked:
        as with :meth:`verify_otp` this raises ``ConflictError`` (code ``ALREADY_LINKED``) and
        the guest keeps its session and places; ``leave_guest=True`` signs in anyway and the
        bus emits ``auth:guest_left`` naming the places left.

        Usage: ``await fanfare.auth.exchange_external("exc_...")``
        """
        return await self._sign_in(lambda held: self._sessions.exchange_external(
            exchange_code, leave_guest=leave_guest, guest_places=held), leave_guest)

    async def _sign_in(self, call: Callable[[int], Awaitable[wire.SessionInfo]],
                       leave_guest: bool) -> wire.SessionInfo:
        """Run a sign-in with the count of places the guest holds; a guest left behind by
        choice is announced (``auth:guest_left`` with its places)."""
        guest = self._sessions.session
        places = self._places()
        session = await call(sum(1 for place in places if place["held"]))
        if (leave_guest and guest is not None and guest.type == wire.SessionType.GUEST
                and guest.consumer_id != session.consumer_id):
            self._emit(AUTH_GUEST_LEFT, {"guest": guest, "session": session, "places": places})
        return session

    async def start_new_guest(self) -> wire.SessionInfo:
        """After ``auth:session_lost``: continue as a new guest (the lost consumer's
        participations stay with it on the server; the library never does this by itself
        while a journey holds one)."""
        return await self._sessions.start_new_guest()

    async def refresh(self) -> wire.SessionInfo:
        """Refresh the access token now (normally automatic)."""
        return await self._sessions.refresh()

    async def logout(self) -> None:
        """Log out: revoke, clear the stored session (journeys keep their last state)."""
        await self._sessions.logout()
