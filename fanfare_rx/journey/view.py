"""The current SDK's ``view$`` bound to a journey: live views whose action methods call the
journey's own methods, so the G1 stores and the view stay two readings of one fold.

A live view compares equal to the :class:`~fanfare_rx.models.view.JourneyView` value it wraps.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reactivex import Observable

from fanfare_rx.errors import ActionNotAvailableError, UsageError
from fanfare_rx.journey.core.view import display_of, view_of
from fanfare_rx.journey.store import Store
from fanfare_rx.journey.view_actions import (
    UNSET,
    Unset,
    act,
    reroute_step,
    submit_access_code,
    then_view,
)
from fanfare_rx.models.actions import (
    Bid,
    Book,
    Cancel,
    Complete,
    Enter,
    JoinWaitlist,
    Leave,
    LeaveWaitlist,
    Reschedule,
)
from fanfare_rx.models.journey import JourneyAction, JourneyStage, Offer
from fanfare_rx.models.view import (
    AccessCodeSubmitResult,
    AdmissionGrant,
    Gate,
    JourneyView,
    JourneyViewStage,
    Mechanism,
    Outcome,
    ParticipatingDisplay,
    SequencePhase,
    SequenceView,
    WaitlistAttachmentStatus,
    WaitlistAttachmentView,
)

if TYPE_CHECKING:
    from fanfare_rx.journey.journey import ExperienceJourney
    from fanfare_rx.journey.runner import EffectRunner

__all__ = [
    "UNSET",
    "LiveJourneyView",
    "LiveSequenceView",
    "LiveWaitlistAttachment",
]

def _not_available(name: str, where: str, actions: frozenset[str]) -> ActionNotAvailableError:
    return ActionNotAvailableError(
        f"{name!r} is not available {where}", details={"actions": sorted(actions)}
    )


class _Live:
    """Equality, hashing and repr by the wrapped value; ``name in live`` asks "may I?"."""

    value: Any

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Live):
            return bool(self.value == other.value)
        return bool(self.value == other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __contains__(self, action: object) -> bool:
        return action in self.value.actions

    @property
    def actions(self) -> frozenset[str]:
        """The names of the actions allowed now."""
        actions: frozenset[str] = self.value.actions
        return actions

    def __repr__(self) -> str:
        return f"Live{self.value!r}"


class LiveWaitlistAttachment(_Live):
    """``sequence.waitlist`` with ``join()`` / ``leave()`` bound to the journey.

    Usage: ``if "join" in live.sequence.waitlist: await live.sequence.waitlist.join()``
    """

    def __init__(self, value: WaitlistAttachmentView, journey: ExperienceJourney) -> None:
        self.value: WaitlistAttachmentView = value
        self._journey = journey

    @property
    def waitlist_id(self) -> str:
        return self.value.waitlist_id

    @property
    def status(self) -> WaitlistAttachmentStatus:
        return self.value.status

    @property
    def entered_at(self) -> int | None:
        return self.value.entered_at

    def _require(self, name: str) -> None:
        if name not in self.value.actions:
            raise _not_available(name, f"on a {self.value.status.value} waitlist", self.value.actions)

    def join(self) -> Observable[LiveJourneyView]:
        """Join the scheduled distribution's waitlist (``POST /waitlists/{id}/enter``)."""
        self._require("join")
        return act(self._journey, JoinWaitlist())

    def leave(self) -> Observable[LiveJourneyView]:
        """Leave the waitlist (``DELETE /waitlists/{id}/leave``)."""
        self._require("leave")
        return act(self._journey, LeaveWaitlist())


class LiveSequenceView(_Live):
    """``view.sequence``: the :class:`SequenceView` value with its actions bound.

    Calling an action the phase does not allow raises :class:`ActionNotAvailableError` at
    once; the others return an awaitable (``await live.sequence.enter()``).

    Usage: ``if "enter" in live.sequence: await live.sequence.enter()``
    """

    def __init__(self, value: SequenceView, journey: ExperienceJourney) -> None:
        self.value: SequenceView = value
        self._journey = journey

    @property
    def phase(self) -> SequencePhase:
        return self.value.phase

    @property
    def mechanism(self) -> Mechanism | None:
        return self.value.mechanism

    @property
    def sequence_id(self) -> str | None:
        return self.value.sequence_id

    @property
    def sequence_name(self) -> str | None:
        return self.value.sequence_name

    @property
    def distribution_id(self) -> str | None:
        return self.value.distribution_id

    @property
    def starts_at(self) -> int | None:
        """``scheduled``: when the distribution opens (epoch ms)."""
        return self.value.starts_at

    @property
    def grant(self) -> AdmissionGrant | None:
        """``granted``: the admission grant (see :meth:`claim`)."""
        return self.value.grant

    @property
    def checkout_started(self) -> bool:
        """``granted``: whether :meth:`claim` was called."""
        return self.value.checkout_started

    @property
    def outcome(self) -> Outcome | None:
        """``ended``: why the sequence ended."""
        return self.value.outcome

    @property
    def waitlist(self) -> LiveWaitlistAttachment | None:
        """``scheduled``: the waitlist attachment, if the sequence has a waitlist."""
        value = self.value.waitlist
        return None if value is None else LiveWaitlistAttachment(value, self._journey)

    @property
    def display(self) -> Store[ParticipatingDisplay | None]:
        """The live participating data (position, wait estimate, bids, status): a store of
        its own, so the view itself stays equal while only these move::

            polls   : --3---2---1--
            display : --3---2---1--
            view    : p------------   (participating throughout)

        Usage: ``live.sequence.display.listen(lambda d: d and print(d.position))``
        """
        return self._journey.state.derive(display_of)

    def _require(self, name: str) -> None:
        if name not in self.value.actions:
            where = f"in phase {self.value.phase.value!r}" + (
                f" of a {self.value.mechanism.value}" if self.value.mechanism else "")
            raise _not_available(name, where, self.value.actions)

    def enter(self) -> Observable[LiveJourneyView]:
        """``enterable`` queue, draw or timed release: enter it.

        Usage: ``await live.sequence.enter()``
        """
        self._require("enter")
        return act(self._journey, Enter())

    def reenter(self) -> Observable[LiveJourneyView]:
        """``ended`` with outcome ``expired`` while the distribution is still open: enter
        again after an unclaimed grant lapsed.

        Usage: ``if "reenter" in live.sequence: await live.sequence.reenter()``
        """
        self._require("reenter")
        return act(self._journey, Enter())

    def bid(self, amount: str | Decimal) -> Observable[LiveJourneyView]:
        """Auction: bid ``amount`` (entering first when ``enterable``).

        Usage: ``await live.sequence.bid("125.00")``
        """
        self._require("bid")
        return act(self._journey, Bid(amount))

    def leave(self) -> Observable[LiveJourneyView]:
        """``participating`` queue, draw or timed release: leave it."""
        self._require("leave")
        return act(self._journey, Leave())

    def complete(self) -> Observable[LiveJourneyView]:
        """Granted timed release: mark it completed after purchase."""
        self._require("complete")
        return act(self._journey, Complete())

    def book(self, slot_id: str, location_id: str | None = None) -> Observable[LiveJourneyView]:
        """``enterable`` appointment: book a slot (``POST /appointments/{id}/book``); the
        journey becomes ``participating`` with the slot in ``display``.

        Usage: ``await live.sequence.book(slot.id)``
        """
        self._require("book")
        return act(self._journey, Book(slot_id, location_id))

    def cancel(self, reason: str | None = None) -> Observable[LiveJourneyView]:
        """``participating`` appointment: cancel the booked slot (``POST …/cancel``); the
        sequence ends with outcome ``cancelled`` and the place is freed.

        Usage: ``await live.sequence.cancel("cannot make it")``
        """
        self._require("cancel")
        return act(self._journey, Cancel(reason))

    def reschedule(
        self, new_slot_id: str, new_location_id: str | None = None
    ) -> Observable[LiveJourneyView]:
        """``participating`` appointment: move the booking to another slot (``POST
        …/reschedule``); ``display`` then shows the new slot.

        Usage: ``await live.sequence.reschedule(later_slot.id)``
        """
        self._require("reschedule")
        return act(self._journey, Reschedule(new_slot_id, new_location_id))

    def claim(self) -> AdmissionGrant:
        """``granted``: hand the grant to checkout. Synchronous; marks checkout started and
        stops the client's expiry timer (the server reservation owns the deadline).

        Usage: ``redirect_to_checkout(live.sequence.claim().token)``
        """
        self._require("claim")
        current = view_of(self._journey.state.get()).sequence
        if current is None or "claim" not in current.actions or current.grant is None:
            phase = current.phase.value if current is not None else "none"
            raise _not_available("claim", f"any more (phase is now {phase!r})", frozenset())
        self._journey.mark_checkout_started()
        return current.grant


class LiveJourneyView(_Live):
    """What ``journey.view`` emits: the :class:`JourneyView` value with its actions bound.
    Equal to the value it wraps (``live == view_of(snapshot)``).

    Usage::

        async for view in journey.view:
            if "start" in view:
                await view.start()
    """

    def __init__(self, value: JourneyView, journey: ExperienceJourney,
                 runner: EffectRunner) -> None:
        self.value: JourneyView = value
        self._journey = journey
        self._runner = runner

    @property
    def journey_stage(self) -> JourneyViewStage:
        return self.value.journey_stage

    @property
    def experience_id(self) -> str:
        return self.value.experience_id

    @property
    def gates(self) -> tuple[Gate, ...]:
        """``gated``: what must be completed."""
        return self.value.gates

    @property
    def offers(self) -> tuple[Offer, ...]:
        """``routed``: gated sequences an access code could unlock."""
        return self.value.offers

    @property
    def error(self) -> str | None:
        return self.value.error

    @property
    def sequence(self) -> LiveSequenceView | None:
        """``routed``: the sequence with its bound actions."""
        value = self.value.sequence
        return None if value is None else LiveSequenceView(value, self._journey)

    @property
    def outcome(self) -> Outcome | None:
        """Shortcut for ``sequence.outcome``."""
        return self.value.sequence.outcome if self.value.sequence is not None else None

    def _require(self, name: str) -> None:
        if name not in self.value.actions:
            raise _not_available(name, f"in journey stage {self.value.journey_stage.value!r}",
                                 self.value.actions)

    def start(self) -> Observable[LiveJourneyView]:
        """``ready``: start routing (an optional access code is no stop: offers list it).

        Usage: ``await live.start()``
        """
        self._require("start")
        return then_view(self._journey, self._journey.request(JourneyAction.START))

    def reroute(self, *, access_code: str | None | Unset = UNSET) -> Observable[LiveJourneyView]:
        """Route again. ``gated``: with the stored access code, ``access_code=None`` clears it
        first, ``access_code="X"`` submits X. ``routed``: no arguments, the stored code.

        Usage: ``await live.reroute(access_code="VIP2024")``
        """
        self._require("reroute")
        if self.value.journey_stage is JourneyViewStage.ROUTED and access_code is not UNSET:
            raise UsageError("a routed reroute() takes no access code: use submit_access_code")
        if isinstance(access_code, str) and not access_code:
            raise UsageError("access_code must be a non-empty string")
        return then_view(self._journey, reroute_step(self._journey, access_code))

    def retry(self) -> Observable[LiveJourneyView]:
        """Try again after a failure: ``routing`` routes again, ``gated`` reroutes with the
        stored code, ``routed`` refreshes the distribution and status.

        Usage: ``await live.retry()``
        """
        self._require("retry")
        journey = self._journey
        if self.value.journey_stage is JourneyViewStage.GATED:
            first = reroute_step(journey, UNSET)
        elif journey.state.get().journey_stage is JourneyStage.ROUTED:
            first = journey.request(JourneyAction.REFRESH_DISTRIBUTION)
        else:
            first = journey.request(JourneyAction.RETRY)
        return then_view(journey, first)

    def submit_access_code(self, code: str) -> Observable[AccessCodeSubmitResult]:
        """``routed``: a single-shot upgrade attempt. ``advanced`` (moved into the unlocked
        sequence; the code becomes the stored code), ``unchanged`` (journey and stored code
        untouched), or ``gated`` (routing no longer yields an admissible sequence). A rejected
        code never displaces the stored code or the current participation.

        Usage: ``result = await live.submit_access_code("VIP2024")``
        """
        self._require("submit_access_code")
        if not code:
            raise UsageError("submit_access_code needs a non-empty code")
        return submit_access_code(self._journey, self._runner, code)
