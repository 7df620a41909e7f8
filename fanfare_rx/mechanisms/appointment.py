"""The appointment: book a slot, then cancel or reschedule it; never granted, never left.

Its consumer state is the booking (there is no status endpoint): :class:`AppointmentState`.
"""

from __future__ import annotations

import attrs

from fanfare_rx.mechanisms.base import (
    ENTERABLE,
    ApiCalls,
    MechanismEvents,
    MechanismSpec,
    Standing,
    rule,
)
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.models.actions import Book, Cancel, Reschedule
from fanfare_rx.models.journey import SequenceStage

__all__ = [
    "APPOINTMENT",
    "BOOK_APPOINTMENT",
    "CANCEL_APPOINTMENT",
    "RESCHEDULE_APPOINTMENT",
    "AppointmentState",
]

SS = SequenceStage
_KIND = wire.DistributionType.APPOINTMENT
#: The G1 names of the appointment's actions (the docs' G1 list has none).
BOOK_APPOINTMENT = "book_appointment"
CANCEL_APPOINTMENT = "cancel_appointment"
RESCHEDULE_APPOINTMENT = "reschedule_appointment"


@attrs.frozen
class AppointmentState:
    """The consumer's booking in an appointment, in the shape of a status answer: ``status``
    upper-case (``NOT_BOOKED``, ``BOOKED``, ``CANCELLED`` ...), the slot and location booked.
    Built from ``GET /appointments/{id}/me`` or a booking answer; the code is redacted.

    Usage: ``AppointmentState.from_me(await api.my_appointment(appt_id)).slot_id``
    """

    status: str
    booking_id: str | None = None
    slot_id: str | None = None
    location_id: str | None = None
    confirmation_code: str | None = attrs.field(default=None, repr=redact)

    @classmethod
    def from_me(cls, me: wire.AppointmentMe) -> AppointmentState:
        """``GET /appointments/{id}/me``: no booking is ``NOT_BOOKED``."""
        booking = me.booking
        if booking is None:
            return cls(status="NOT_BOOKED")
        return cls(status=booking.status.upper(), booking_id=booking.booking_id,
                   slot_id=booking.slot_id, location_id=booking.location_id,
                   confirmation_code=booking.confirmation_code)

    @classmethod
    def from_booking(cls, booking: wire.AppointmentBooking) -> AppointmentState:
        """``POST /appointments/{id}/book`` answered."""
        return cls(status=booking.status.upper(), booking_id=booking.booking_id,
                   slot_id=booking.slot_id, location_id=booking.location_id,
                   confirmation_code=booking.confirmation_code)


def _standing(state: AppointmentState) -> Standing:
    return Standing(status=state.status, slot_id=state.slot_id, location_id=state.location_id)


APPOINTMENT = MechanismSpec(
    kind=_KIND,
    state_types=(AppointmentState,),
    standing=_standing,
    # Known from /consumers/me only (no status endpoint); never granted.
    statuses={"NOT_BOOKED": ENTERABLE, "BOOKED": SS.PARTICIPATING, "CHECKED_IN": SS.PARTICIPATING,
              "COMPLETED": SS.ENDED, "CANCELLED": SS.ENDED, "NO_SHOW": SS.ENDED},
    rules=(
        rule(BOOK_APPOINTMENT, "book", Book, {SS.ACTIVE_ENTERABLE}, {_KIND}),
        rule(CANCEL_APPOINTMENT, "cancel", Cancel, {SS.PARTICIPATING, SS.ADMITTED}, {_KIND}),
        rule(RESCHEDULE_APPOINTMENT, "reschedule", Reschedule, {SS.PARTICIPATING, SS.ADMITTED},
             {_KIND}),
    ),
    api=ApiCalls(status="my_appointment", status_adapter=AppointmentState.from_me),
    poll_interval_ms=5000,
    listed=lambda sequence: tuple(sequence.appointments or ()),
    grants=False,
    events=MechanismEvents(
        entered="appointment:entered", left="appointment:cancelled", granted=None, expired=None,
        ended={"completed": "appointment:completed", "cancelled": "appointment:cancelled",
               "no_show": "appointment:no-show"},
        status_updated="appointment:status-updated", error="appointment:error",
        id_key="appointmentId"),
)
