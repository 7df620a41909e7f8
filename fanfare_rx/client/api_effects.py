"""The journey port over HTTP: :class:`ApiEffects` implements
:class:`~fanfare_rx.journey.ports.JourneyEffects` with the aiohttp :class:`ConsumerApi`.

Each call becomes a cold observable that starts the request on subscription and cancels it on
dispose, so ``journey.destroy()`` also cancels in-flight requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast

from reactivex import Observable

from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.messages import ConsumerState
from fanfare_rx.journey.lean import awaited
from fanfare_rx.mechanisms import MechanismSpec, registry
from fanfare_rx.mechanisms.appointment import AppointmentState
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionSummary
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.resources import declared_call

__all__ = ["ApiEffects"]

T = TypeVar("T")


def from_coroutine(factory: Callable[[], Awaitable[T]]) -> Observable[T]:
    """A cold observable of one coroutine: a task started per subscription, cancelled on
    dispose::

        from_coroutine(f) : ----r|     (r = what the coroutine returned; # if it raised)

    Usage: ``from_coroutine(lambda: api.queue_status("q1"))`` (the port itself passes the
    method and its arguments: :func:`~fanfare_rx.journey.lean.awaited`, no closure per call)
    """
    return awaited(factory)


async def _adapted(api: ConsumerApi[SessionManager], spec: MechanismSpec, distribution_id: str,
                   adapter: Callable[[Any], Any]) -> ConsumerState:
    # The request's coroutine is made here, when this one first runs: a poll cancelled before
    # its task's first step then leaves no coroutine behind that was never awaited (Python
    # warns of one)
    answer = await declared_call(api, spec, "status", distribution_id)
    return cast(ConsumerState, adapter(answer))


class ApiEffects:
    """Journey effects against a Consumer API base URL.

    Usage: ``ExperienceJourney("exp-1", effects=ApiEffects(api))``
    """

    def __init__(self, api: ConsumerApi[SessionManager]) -> None:
        self._api = api

    def signed_in(self) -> bool:
        """Whether the session is an identified consumer's (not a guest's)."""
        return self._api.sessions.is_authenticated

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        return awaited(self._api.get_experience, experience_id)

    def load_me(self) -> Observable[wire.ConsumerMe]:
        return awaited(self._api.get_me)

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        return awaited(self._api.route, experience_id, access_code)

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return awaited(self._status, distribution)

    def enter(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return awaited(self._state_after, "enter", distribution, "entering")

    def leave(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return awaited(self._state_after, "leave", distribution, "leaving")

    def complete(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return awaited(self._state_after, "complete", distribution, "completing")

    def _status(self, distribution: DistributionSummary) -> Awaitable[ConsumerState]:
        # The status call's own awaitable where no adapter follows: a poll's task awaits the
        # request directly (each coroutine between would be resumed on every step of it)
        spec = registry.spec_for(distribution.type)
        if spec is None:
            raise UsageError(f"{distribution.type.value} distributions are not supported")
        adapter = spec.api.status_adapter
        if adapter is None:
            return cast(Awaitable[ConsumerState], declared_call(self._api, spec, "status",
                                                               distribution.id))
        return _adapted(self._api, spec, distribution.id, adapter)

    async def _state_after(
        self, which: Literal["enter", "leave", "complete"], distribution: DistributionSummary, what: str
    ) -> ConsumerState:
        spec = registry.spec_for(distribution.type)
        name, answers_state = spec.api.step(which) if spec is not None else (None, False)
        if spec is None or name is None:
            raise UsageError(f"{what} a {distribution.type.value} is not supported")
        answer = await declared_call(self._api, spec, which, distribution.id)
        return cast(ConsumerState, answer) if answers_state else await self._status(distribution)

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[ConsumerState]:
        return awaited(self._api.place_bid, auction_id, amount)

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        async def enter() -> wire.WaitlistStatus:
            return await self._api.enter_waitlist(waitlist_id)

        return awaited(enter)

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        async def leave() -> wire.WaitlistStatus:
            await self._api.leave_waitlist(waitlist_id)
            return await self._api.waitlist_status(waitlist_id)

        return awaited(leave)

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        async def verify() -> bool:
            await self._api.verify_bot_check(challenge_id, token)
            return True

        return awaited(verify)

    def book_appointment(
        self, appointment_id: str, slot_id: str, location_id: str | None
    ) -> Observable[ConsumerState]:
        async def book() -> ConsumerState:
            booking = await self._api.book_appointment(appointment_id, slot_id,
                                                       location_id=location_id)
            return AppointmentState.from_booking(booking)

        return awaited(book)

    def cancel_appointment(
        self, appointment_id: str, slot_id: str, reason: str | None
    ) -> Observable[ConsumerState]:
        async def cancel() -> ConsumerState:
            await self._api.cancel_appointment(appointment_id, slot_id, reason=reason)
            return AppointmentState.from_me(await self._api.my_appointment(appointment_id))

        return awaited(cancel)

    def reschedule_appointment(
        self, appointment_id: str, new_slot_id: str, new_location_id: str | None
    ) -> Observable[ConsumerState]:
        async def reschedule() -> ConsumerState:
            await self._api.reschedule_appointment(appointment_id, new_slot_id,
                                                   new_location_id=new_location_id)
            return AppointmentState.from_me(await self._api.my_appointment(appointment_id))

        return awaited(reschedule)
