"""An appointment journey end to end through ``journey.view`` on the sandbox over loopback:
enterable, book (participating with the slot in ``display``), reschedule, cancel (ended,
cancelled, the place freed); a full slot is an error event, and the G1 stores follow along."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from integration_helpers import consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.errors import ActionNotAvailableError, ConflictError
from fanfare_rx.journey.view import LiveJourneyView, LiveSequenceView
from fanfare_rx.sandbox import Sandbox


def sequence_of(view: LiveJourneyView) -> LiveSequenceView:
    assert view.journey_stage == "routed" and view.sequence is not None, view
    return view.sequence


async def _slot_ids(fanfare: Fanfare, appointment_id: str, sb: Sandbox) -> list[str]:
    today = sb.now().astimezone(UTC).date()
    slots = await fanfare.api.appointment_slots(appointment_id, today - timedelta(days=1),
                                                today + timedelta(days=2))
    assert slots.slots, "the built-in appointment offers slots"
    assert all(s.available == s.capacity for s in slots.slots)
    return [s.id for s in slots.slots]


async def test_book_reschedule_cancel_through_the_view(sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.journeys.get(sb.experiences["appointment"])
    view = await journey.view.get().start()
    sequence = sequence_of(view)
    assert (sequence.phase, sequence.mechanism) == ("enterable", "appointment")
    assert sequence.actions == {"book"}
    assert sequence.display.get() is None
    engine = engine_of(sb, "appointment")
    first, second = (await _slot_ids(fanfare, sequence.distribution_id or "", sb))[:2]

    view = await sequence.book(first)
    sequence = sequence_of(view)
    assert sequence.phase == "participating" and sequence.actions == {"cancel", "reschedule"}
    display = sequence.display.get()
    assert display is not None and display.mechanism == "appointment"
    assert (display.status, display.slot_id) == ("BOOKED", first)
    assert engine.slots[0].location_id is not None
    assert display.location_id == engine.slots[0].location_id
    booking = engine.bookings[consumer_id(fanfare)]
    assert booking.slot.id == first and booking.status == "booked"

    view = await sequence.reschedule(second)
    sequence = sequence_of(view)
    assert sequence.phase == "participating"
    display = sequence.display.get()
    assert display is not None and display.slot_id == second
    assert engine.bookings[consumer_id(fanfare)].slot.id == second
    assert engine.booked == {first: 0, second: 1}

    view = await sequence.cancel("cannot make it")
    sequence = sequence_of(view)
    assert sequence.phase == "ended" and sequence.outcome is not None
    assert sequence.outcome.type == "cancelled"
    assert engine.booked[second] == 0 and engine.bookings[consumer_id(fanfare)].status == "cancelled"
    # G1 follows the same fold: the snapshot ended with the outcome, no internal error.
    snap = journey.state.get()
    assert (snap.journey_stage.value, snap.sequence_stage.value) == ("routed", "ended")
    assert snap.context.outcome == "cancelled"


async def test_a_full_slot_is_refused_and_the_journey_stays_enterable(
        sb: Sandbox, make_fanfare: Any) -> None:
    engine = engine_of(sb, "appointment")
    slot = engine.slots[0]
    for _ in range(slot.capacity):
        fan: Fanfare = await make_fanfare()
        view = await fan.journeys.get(sb.experiences["appointment"]).view.get().start()
        await sequence_of(view).book(slot.id)
    late: Fanfare = await make_fanfare()
    journey = late.journeys.get(sb.experiences["appointment"])
    view = await journey.view.get().start()
    with pytest.raises(ConflictError) as refused:
        await sequence_of(view).book(slot.id)
    assert refused.value.code == "SLOT_FULL"
    view = journey.view.get()
    assert sequence_of(view).phase == "enterable" and view.error == "SLOT_FULL"
    assert journey.state.get().sequence_stage.value == "active_enterable"
    with pytest.raises(ActionNotAvailableError):
        sequence_of(view).cancel()
    assert consumer_id(late) not in engine.bookings


async def test_g1_follows_an_appointment_journey(sb: Sandbox, fanfare: Fanfare) -> None:
    """G1 has no appointment actions: it still routes, locates and polls the appointment, and
    shows the booking made through the view (the two are readings of one fold)."""
    journey = fanfare.experiences.create_journey(sb.experiences["appointment"])
    snap = await journey.start()
    assert (snap.journey_stage.value, snap.sequence_stage.value) == ("routed", "active_enterable")
    assert snap.available_actions.sequence == ()
    distribution = snap.context.distribution
    assert distribution is not None and distribution.type.value == "appointment"
    slot = engine_of(sb, "appointment").slots[1]
    await sequence_of(journey.view.get()).book(slot.id, slot.location_id)
    await journey.refresh_distribution()  # a G1 poll: GET /appointments/{id}/me
    participation = journey.state.get().context.participation
    assert participation is not None and participation.type.value == "appointment"
    assert (participation.slot_id, participation.location_id) == (slot.id, slot.location_id)
    assert journey.state.get().sequence_stage.value == "participating"
