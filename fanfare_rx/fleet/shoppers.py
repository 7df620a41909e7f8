"""Ready-made shopper behaviours for fleets and ``fanfare-rx swarm``: start, take part in
whatever the routed sequence offers (enter a queue, draw or release, bid in an auction, book an
appointment slot), poll until admitted, booked or ended.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from fanfare_rx.client.fanfare import Fanfare
from fanfare_rx.errors import APIStatusError, ErrorCode, JourneyError
from fanfare_rx.fleet.records import FleetTarget
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models.actions import Book
from fanfare_rx.models.journey import (
    AuctionTerms,
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "BID_ATTEMPTS",
    "DONE_STAGES",
    "ENTER_ACTIONS",
    "OUTCOME_BOOKED",
    "OUTCOME_NO_SLOT",
    "SlotFinder",
    "book_a_slot",
    "booked_slot",
    "enter_and_wait",
    "in_appointment",
    "opening_bid",
    "place_opening_bid",
    "slot_finder",
    "slot_window",
]

#: Stages after which a shopper has nothing left to wait for.
DONE_STAGES = frozenset({SequenceStage.ADMITTED, SequenceStage.ADMISSION_EXPIRED,
                         SequenceStage.ENDED})

#: The entry action of each kind of distribution, in the order a shopper tries them (an
#: auction is entered with a bid, an appointment by booking a slot: see below).
ENTER_ACTIONS = (SequenceAction.ENTER_QUEUE, SequenceAction.ENTER_DRAW,
                 SequenceAction.ENTER_TIMED_RELEASE, SequenceAction.ENTER_AUCTION)

#: The outcome of a shopper that booked an appointment slot (appointments never admit).
OUTCOME_BOOKED = "booked"
#: The outcome of a shopper that found every appointment slot full.
OUTCOME_NO_SLOT = "no_slot"

#: ``await finder(appointment_id, start_date, end_date)``: the appointment's slots, as
#: ``ConsumerApi.appointment_slots(...)`` answers them.
SlotFinder = Callable[[str, date, date], Awaitable[wire.AppointmentSlots]]

#: The error code of a booking whose slot filled first.
_SLOT_FULL = "SLOT_FULL"

_READY = DONE_STAGES | {SequenceStage.ACTIVE_ENTERABLE, SequenceStage.PARTICIPATING}
#: Tries at a booking that a faster shopper made stale (the slot filled first).
_ATTEMPTS = 5
#: Tries at a first bid that faster bidders keep making too low (a crowd bids at once).
BID_ATTEMPTS = 100


def in_appointment(snap: JourneySnapshot) -> bool:
    """Whether the journey is routed to an appointment (booked, not entered; never admitted).

    Usage: ``in_appointment(journey.state.get())``
    """
    distribution = snap.context.distribution
    return distribution is not None and distribution.type is wire.DistributionType.APPOINTMENT


def booked_slot(snap: JourneySnapshot) -> str | None:
    """The slot the journey booked in its appointment, None when it holds no booking.

    Usage: ``booked_slot(journey.state.get())`` -> ``'slot-5f2469a3-store-soho-2'``
    """
    participation = snap.context.participation
    if (not in_appointment(snap) or snap.sequence_stage is not SequenceStage.PARTICIPATING
            or participation is None):
        return None
    return participation.slot_id


def opening_bid(terms: AuctionTerms | None) -> str | None:
    """The smallest bid the auction accepts that also meets its reserve price: the larger of
    the minimum next bid (the start price before any bid) and the reserve; None when the
    server states neither.

    Usage: ``opening_bid(journey.context.get().auction)`` -> ``'150.00'``
    """
    if terms is None:
        return None
    amounts = [a for a in (terms.minimum_next_bid or terms.start_price, terms.reserve_price)
               if a is not None]
    return max(amounts, key=Decimal) if amounts else None


async def place_opening_bid(journey: ExperienceJourney) -> str | None:
    """Enter the routed auction with :func:`opening_bid` (or bid it when already in); when a
    faster bidder made it too low (``BID_TOO_LOW``, whose minimum the journey folds into its
    auction terms), bid the new minimum, up to :data:`BID_ATTEMPTS` times. Returns the amount
    bid; None when the auction ended before the bid went in (the journey already knows, or the
    server answers ``AUCTION_CLOSED``): a slow shopper, or a bid raised while the auction
    settled. Its outcome is then the server's (lost), not an error.

    Usage: ``amount = await place_opening_bid(journey)``
    """
    for attempt in range(BID_ATTEMPTS):
        snap = journey.state.get()
        if snap.sequence_stage in DONE_STAGES:
            return None
        amount = opening_bid(snap.context.auction)
        try:
            if snap.sequence_stage is SequenceStage.ACTIVE_ENTERABLE:
                await journey.enter_auction(amount)
            elif amount is not None:
                await journey.place_bid(amount)
            return amount
        except APIStatusError as exc:
            if exc.code == ErrorCode.AUCTION_CLOSED:
                return None  # it closed while the bid was on its way
            if exc.code != ErrorCode.BID_TOO_LOW or attempt == BID_ATTEMPTS - 1:
                raise
    return None  # pragma: no cover - the loop returns or raises


def slot_window(today: date) -> tuple[date, date]:
    """The dates a shopper looks for slots in: from yesterday to a week ahead (a sandbox on an
    accelerated clock may already be in tomorrow).

    Usage: ``start, end = slot_window(date.today())``
    """
    return today - timedelta(days=1), today + timedelta(days=7)


async def book_a_slot(journey: ExperienceJourney, slots: SlotFinder,
                      rng: random.Random | None = None) -> str:
    """Book a free slot of the routed appointment (one picked at random, so that a crowd
    spreads over the slots); when it fills first, look again. Returns
    :data:`OUTCOME_BOOKED`, or :data:`OUTCOME_NO_SLOT` when every slot is full.

    Usage: ``outcome = await book_a_slot(journey, fanfare.api.appointment_slots)``
    """
    rng = rng if rng is not None else random.Random()
    for attempt in range(_ATTEMPTS):
        snap = journey.state.get()
        distribution = snap.context.distribution
        if distribution is None or not in_appointment(snap):
            raise JourneyError("book_a_slot needs a journey routed to an appointment")
        start, end = slot_window(datetime.now(UTC).date())
        free = [slot for slot in (await slots(distribution.id, start, end)).slots
                if slot.available > 0]
        if not free:
            return OUTCOME_NO_SLOT
        slot = rng.choice(free)
        try:
            await journey.act(Book(slot.id, slot.location_id))
            return OUTCOME_BOOKED
        except APIStatusError as exc:
            if exc.code != _SLOT_FULL or attempt == _ATTEMPTS - 1:
                raise
    return OUTCOME_NO_SLOT  # pragma: no cover - the loop returns or raises


def slot_finder(target: FleetTarget) -> SlotFinder:
    """A :data:`SlotFinder` that lists slots at ``target``'s Consumer API (a public call with
    the publishable key, one short-lived client per call): what ``fanfare-rx swarm`` gives
    :func:`enter_and_wait`.

    Usage: ``await Fleet(target, shoppers=50).run(partial(enter_and_wait,
    slots=slot_finder(target)))``
    """

    async def find(appointment_id: str, start: date, end: date) -> wire.AppointmentSlots:
        async with await Fanfare.init(organization_id=target.organization_id,
                                      publishable_key=target.publishable_key,
                                      base_url=target.base_url,
                                      timeout=target.timeout) as fanfare:
            return await fanfare.api.appointment_slots(appointment_id, start, end)

    return find


def _pass_gates(snap: JourneySnapshot) -> bool:
    """Whether the journey waits for a choice the default shopper makes (skip an optional
    access code); raises for a gate it cannot pass, at once instead of at its timeout."""
    if snap.journey_stage is JourneyStage.NEEDS_ACCESS_CODE and all(
            not r.required for r in snap.requirements if r.type is RequirementType.ACCESS_CODE):
        return True
    blocking = [r.type.value for r in snap.requirements if r.required]
    if snap.journey_stage is JourneyStage.NEEDS_AUTH or blocking:
        needs = ", ".join(blocking) or RequirementType.AUTHENTICATION.value
        raise JourneyError(f"the default shopper cannot pass the {needs} requirement; "
                           "write a shopper that does (see enter_and_wait)")
    return False


async def enter_and_wait(journey: ExperienceJourney, *, poll_ms: int = 1000,
                         timeout: float = 900.0, slots: SlotFinder | None = None) -> str:
    """Start, wait until the sequence opens, take part, and poll until admitted or ended;
    returns the outcome: the last sequence stage (for ``ended``, why: ``lost``, ``denied``
    ...), or :data:`OUTCOME_BOOKED` / :data:`OUTCOME_NO_SLOT` for an appointment.

    Taking part: a queue, draw or timed release is entered; an auction is entered with
    :func:`opening_bid` (the minimum that meets the reserve); an appointment books a free slot
    found through ``slots`` (e.g. ``fanfare.api.appointment_slots``). An optional access code
    is skipped.

    Raises whatever the journey raises (a typed ``FanfareError``), :class:`JourneyError` at
    once for a requirement it cannot pass (sign-in, a required code, a bot check) or an
    appointment without ``slots``, and :class:`fanfare_rx.FanfareTimeoutError` when a stage does not
    come within ``timeout`` seconds.

    A journey already started (resumed on another fleet worker from its stored session) is
    not started again: the shopper goes on waiting where it was, with no second entry.

    Usage: ``summary = await Fleet(target, shoppers=1000).run(enter_and_wait)``
    """
    if journey.state.get().journey_stage is JourneyStage.NOT_STARTED:
        await journey.start()
    if _pass_gates(journey.state.get()):
        await journey.skip_access_code()
    journey.start_polling(poll_ms)
    try:
        stage = await journey.sequence_stage.wait_for(lambda s: s in _READY, timeout=timeout)
        snap = journey.state.get()
        if in_appointment(snap):
            if slots is None:
                raise JourneyError("an appointment is booked by a shopper that can list its "
                                   "slots: pass slots= to enter_and_wait")
            if stage is SequenceStage.ACTIVE_ENTERABLE:
                return await book_a_slot(journey, slots)
            return str(stage)
        if stage is SequenceStage.ACTIVE_ENTERABLE:
            offered = snap.available_actions.sequence
            action = next((a for a in ENTER_ACTIONS if a in offered), None)
            if action is SequenceAction.ENTER_AUCTION:
                await place_opening_bid(journey)
            elif action is not None:
                await journey.perform(action)
        stage = await journey.sequence_stage.wait_for(lambda s: s in DONE_STAGES,
                                                      timeout=timeout)
    finally:
        journey.stop_polling()
    outcome = journey.state.get().context.outcome
    return outcome if stage is SequenceStage.ENDED and outcome else str(stage)
