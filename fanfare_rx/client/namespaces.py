"""The namespaces of a ``Fanfare`` instance: ``experiences`` (journeys, ``/me``), ``journeys``
(the current SDK's names), ``challenges`` (bot checks) and ``auth`` (sessions).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage, SequenceStage
from fanfare_rx.wire._calls import segment

if TYPE_CHECKING:
    from fanfare_rx.client.fanfare import Fanfare

#: The bus event of a sign-in that left the guest and its places behind (``leave_guest=True``).
AUTH_GUEST_LEFT = "auth:guest_left"

__all__ = ["AUTH_GUEST_LEFT", "Auth", "Challenges", "Experiences", "Journeys", "holds_participation"]


def holds_participation(snapshot: JourneySnapshot) -> bool:
    """A participation the server still keeps (the journey must not lose it)."""
    return (snapshot.context.participation is not None
            and snapshot.sequence_stage is not SequenceStage.ENDED)


def _may_hold_participation(snapshot: JourneySnapshot) -> bool:
    """Holds one, or may: a started journey that has not ended may have entered with the
    answer lost on the way."""
    return holds_participation(snapshot) or (
        snapshot.journey_stage is not JourneyStage.NOT_STARTED
        and snapshot.sequence_stage is not SequenceStage.ENDED)


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

        Raises:
            UsageError: ``experience_id`` is not a non-empty string.

        Usage: ``journey = fanfare.experiences.create_journey("exp-1")``
        """
        self._fanfare._ensure_alive()
        segment(experience_id)  # refused here, not at the first request
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
        self._fanfare._adopt(journey)
        self._fanfare._publish_events_of(journey)
        return journey

    def live_participations(self) -> int:
        """How many live journeys hold a participation (a queue place, a draw entry ...) or
        may hold one (started, not ended: an entry's answer may have been lost).

        Usage: ``fanfare.experiences.live_participations()`` -> ``1``
        """
        return sum(1 for journey in self._journeys.values()
                   if not journey.destroyed and _may_hold_participation(journey.state.get()))

    def places(self) -> list[dict[str, Any]]:
        """The places live journeys hold or may hold: ``{experienceId, type, id,
        sequenceStage, held}`` each (``type``/``id`` of the distribution, None when not
        located; ``held``: a participation the server keeps, not merely a started journey).

        Usage: ``fanfare.experiences.places()`` -> ``[{"experienceId": ..., "type": "queue", ...}]``
        """
        found: list[dict[str, Any]] = []
        for journey in self._journeys.values():
            snap = journey.state.get()
            if journey.destroyed or not _may_hold_participation(snap):
                continue
            distribution = snap.context.distribution
            found.append({"experienceId": journey.experience_id,
                          "type": distribution.type.value if distribution else None,
                          "id": distribution.id if distribution else None,
                          "sequenceStage": snap.sequence_stage.value,
                          "held": holds_participation(snap)})
        return found

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
        default_country: str | None = None, leave_guest: bool = False,
    ) -> wire.SessionInfo:
        """Sign in with the code; a guest session is linked (its participations are kept).

        When the email or phone already belongs to another account, a guest holding places
        cannot be linked: this raises ``ConflictError`` (code ``ALREADY_LINKED``) and the guest
        keeps its session and places. ``leave_guest=True`` signs in anyway, leaving the guest
        and its places behind; the bus then emits ``auth:guest_left`` naming them.

        Usage: ``await fanfare.auth.verify_otp("424242", email="ada@example.com")``
        """
        return await self._sign_in(lambda held: self._fanfare.sessions.verify_otp(
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
        return await self._sign_in(lambda held: self._fanfare.sessions.exchange_external(
            exchange_code, leave_guest=leave_guest, guest_places=held), leave_guest)

    async def _sign_in(self, call: Callable[[int], Awaitable[wire.SessionInfo]],
                       leave_guest: bool) -> wire.SessionInfo:
        """Run a sign-in with the count of places the guest holds; a guest left behind by
        choice is announced (``auth:guest_left`` with its places)."""
        fanfare = self._fanfare
        guest = fanfare.sessions.session
        places = fanfare.experiences.places()
        session = await call(sum(1 for place in places if place["held"]))
        if (leave_guest and guest is not None and guest.type == wire.SessionType.GUEST
                and guest.consumer_id != session.consumer_id):
            fanfare._bus.emit(AUTH_GUEST_LEFT, {"guest": guest, "session": session,
                                                "places": places})
        return session

    async def start_new_guest(self) -> wire.SessionInfo:
        """After ``auth:session_lost``: continue as a new guest (the lost consumer's
        participations stay with it on the server; the library never does this by itself
        while a journey holds one)."""
        return await self._fanfare.sessions.start_new_guest()

    async def refresh(self) -> wire.SessionInfo:
        """Refresh the access token now (normally automatic)."""
        return await self._fanfare.sessions.refresh()

    async def logout(self) -> None:
        """Log out: revoke, clear the stored session (journeys keep their last state)."""
        await self._fanfare.sessions.logout()
