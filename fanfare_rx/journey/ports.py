"""The port a journey's effects talk through: one method per Consumer API interaction, each
returning a cold ``Observable`` that emits one value and completes (or errors with a
:class:`~fanfare_rx.errors.FanfareError`).

The aiohttp client implements it for real journeys; tests implement it with scripted
observables on a ``TestScheduler`` (see :mod:`fanfare_rx.testing`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

from reactivex import Observable

from fanfare_rx.journey.core.messages import ConsumerState
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionSummary

__all__ = ["ConsumerMeSource", "JourneyEffects", "SessionKindSource"]


@runtime_checkable
class JourneyEffects(Protocol):
    """What a journey needs from the Consumer API.

    Usage: ``ExperienceJourney("exp-1", effects=my_port, scheduler=TestScheduler())``
    """

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        """``GET /experiences/{id}``."""
        ...

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        """``POST /experiences/{id}/route`` (with the stored access code, if any)."""
        ...

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        """``GET /{queues|draws|auctions|timed-releases}/{id}/status``."""
        ...

    def enter(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        """Enter the distribution; answers the consumer's state after entering ("already in"
        counts as success)."""
        ...

    def leave(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        """Leave the distribution; answers the consumer's state after leaving."""
        ...

    def complete(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        """Mark the participation completed (timed release, after purchase)."""
        ...

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[ConsumerState]:
        """``POST /auctions/{id}/bid``."""
        ...

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        """``POST /waitlists/{id}/enter``, answered as the waitlist status."""
        ...

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        """``DELETE /waitlists/{id}/leave``, answered as the waitlist status."""
        ...

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        """Pass a bot-check challenge with the verification token."""
        ...

    def book_appointment(
        self, appointment_id: str, slot_id: str, location_id: str | None
    ) -> Observable[ConsumerState]:
        """``POST /appointments/{id}/book``, answered as the consumer's booking state."""
        ...

    def cancel_appointment(
        self, appointment_id: str, slot_id: str, reason: str | None
    ) -> Observable[ConsumerState]:
        """``POST /appointments/{id}/cancel`` of the booked slot, answered as the booking state."""
        ...

    def reschedule_appointment(
        self, appointment_id: str, new_slot_id: str, new_location_id: str | None
    ) -> Observable[ConsumerState]:
        """``POST /appointments/{id}/reschedule``, answered as the booking state."""
        ...


@runtime_checkable
class ConsumerMeSource(Protocol):
    """Optional on a port: ``GET /consumers/me``. A gen C experience lists no timed releases;
    the journey finds the routed sequence's distribution in this projection instead.

    Usage: ``isinstance(port, ConsumerMeSource) and port.load_me()``
    """

    def load_me(self) -> Observable[wire.ConsumerMe]:
        """``GET /consumers/me``."""
        ...


@runtime_checkable
class SessionKindSource(Protocol):
    """Optional on a port: whether the consumer is signed in (not a guest), so the journey
    asks a guest to sign in before offering a distribution that takes no guests.

    Usage: ``isinstance(port, SessionKindSource) and not port.signed_in()``
    """

    def signed_in(self) -> bool:
        """True for an identified consumer, False for a guest."""
        ...
