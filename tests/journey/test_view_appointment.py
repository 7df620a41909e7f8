"""The live view over an appointment journey on virtual time (scripted server): enterable ->
book (participating, the slot in ``display``) -> reschedule (the new slot) -> cancel (ended,
``cancelled``), each action calling its port method once with the slot and location."""

from __future__ import annotations

from fanfare_rx import ExperienceJourney
from fanfare_rx.errors import ConflictError
from fanfare_rx.journey.core.view import display_of
from fanfare_rx.journey.view import LiveSequenceView
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.testing import SEQUENCE_STAGES, JourneyHarness
from fanfare_rx.testing import builders as b


def sequence(journey: ExperienceJourney) -> LiveSequenceView:
    current = journey.view.get().sequence
    assert current is not None
    return current


def _slot(snapshot: JourneySnapshot) -> str:
    """What ``sequence.display`` shows of the booking: ``slot@location``, ``-`` for nothing."""
    display = display_of(snapshot)
    return "none" if display is None else f"{display.status}:{display.slot_id}@{display.location_id}"


def test_book_reschedule_cancel_as_marbles() -> None:
    h = JourneyHarness(b.experience("appointment"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.appointment_state("NOT_BOOKED"))
    h.server.on_book("-k|", k=b.appointment_state("BOOKED", "s1", location_id="soho"))
    h.server.on_reschedule("-m|", m=b.appointment_state("BOOKED", "s2", location_id="soho"))
    h.server.on_cancel("-c|", c=b.appointment_state("CANCELLED", "s2", location_id="soho"))
    h.expect(h.journey.sequence_stage, "ne--p---d", **SEQUENCE_STAGES)
    h.expect(h.journey.state.derive(_slot), "x---a-b-x", x="none", a="BOOKED:s1@soho",
             b="BOOKED:s2@soho")
    h.act("s", s=lambda j: j.view.get().start())
    h.advance(3)
    assert sequence(h.journey).actions == {"book"}
    h.act("k-m-c", k=lambda j: sequence(j).book("s1", "soho"),
          m=lambda j: sequence(j).reschedule("s2"), c=lambda j: sequence(j).cancel("ill"))
    h.run()
    assert [c.args for c in h.server.calls_to("book_appointment")] == [
        (b.distribution_id("appointment"), "s1", "soho")]
    assert [c.args for c in h.server.calls_to("reschedule_appointment")] == [
        (b.distribution_id("appointment"), "s2", None)]
    assert [c.args for c in h.server.calls_to("cancel_appointment")] == [
        (b.distribution_id("appointment"), "s2", "ill")]
    ended = sequence(h.journey)
    assert ended.phase == "ended" and ended.outcome is not None and ended.outcome.type == "cancelled"
    assert all(o.ok for o in h.outcomes)


def test_a_refused_booking_keeps_the_journey_enterable() -> None:
    h = JourneyHarness(b.experience("appointment"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.appointment_state("NOT_BOOKED"))
    h.server.on_book("-#", error=ConflictError("Slot is full", code="SLOT_FULL", status=409))
    h.act("s", s=lambda j: j.view.get().start())
    h.advance(3)
    (booking,) = h.act("k", k=lambda j: sequence(j).book("s1"))
    h.advance(3)
    assert booking.done and isinstance(booking.error, ConflictError)
    assert sequence(h.journey).phase == "enterable" and h.journey.view.get().error == "SLOT_FULL"
    assert display_of(h.journey.state.get()) is None
