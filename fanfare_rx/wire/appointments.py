"""The appointment endpoints (spec §4.9), a resource of :class:`~fanfare_rx.wire.client.ConsumerApi`:
the appointment, its slots in a date range, and booking, rescheduling or cancelling a slot.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fanfare_rx.errors import ErrorCode, UsageError
from fanfare_rx.models import wire
from fanfare_rx.wire.requester import Requester, segment

__all__ = ["AppointmentCalls"]


def _require(name: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{name} must be a non-empty string, got {value!r}",
                              code=ErrorCode.INVALID_PARAMETERS)
    return value


def _base(appointment_id: str) -> str:
    return f"/appointments/{segment(_require('appointment_id', appointment_id))}"


class AppointmentCalls:
    """Typed appointment calls over a :class:`~fanfare_rx.wire.requester.Requester` (the
    ``ConsumerApi`` methods of the same names are these).

    Appointments never grant checkout access: a booking is the outcome (spec §5.6).

    Usage: ``booking = await AppointmentCalls(requester).book_appointment(appt_id, slot_id)``
    """

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        self._requester = requester  # not its bound method: one object fewer per shopper

    async def get_appointment(self, appointment_id: str) -> wire.Appointment:
        """``GET /appointments/{id}`` (public).

        Usage: ``appointment = await api.get_appointment(appointment_id)``
        """
        return await self._requester.call("GET", _base(appointment_id), wire.Appointment, auth="none")

    async def appointment_slots(self, appointment_id: str, start_date: date, end_date: date,
                                *, timezone: str | None = None) -> wire.AppointmentSlots:
        """``GET /appointments/{id}/slots?startDate=…&endDate=…[&timezone=…]``: the slots
        with their free places (the bearer is sent when a session exists).

        Raises:
            UsageError: ``end_date`` before ``start_date`` (no request is sent).

        Usage: ``slots = await api.appointment_slots(appt_id, date(2025, 6, 1), date(2025, 6, 7))``
        """
        if end_date < start_date:
            raise UsageError(f"end_date {end_date} is before start_date {start_date}",
                                  code=ErrorCode.INVALID_PARAMETERS)
        query = {"startDate": start_date.isoformat(), "endDate": end_date.isoformat()}
        if timezone is not None:
            query["timezone"] = timezone
        return await self._requester.call("GET", f"{_base(appointment_id)}/slots?{urlencode(query)}",
                                wire.AppointmentSlots, auth="optional")

    async def book_appointment(self, appointment_id: str, slot_id: str, *,
                               location_id: str | None = None) -> wire.AppointmentBooking:
        """``POST /appointments/{id}/book``: confirmed at once, with a confirmation code.

        Usage: ``booking = await api.book_appointment(appt_id, slot.id)``
        """
        body = wire.BookAppointmentRequest(slot_id=_require("slot_id", slot_id),
                                           location_id=location_id)
        return await self._requester.call("POST", f"{_base(appointment_id)}/book",
                                wire.AppointmentBooking, body=body)

    async def my_appointment(self, appointment_id: str) -> wire.AppointmentMe:
        """``GET /appointments/{id}/me``: the consumer's booking, if any.

        Usage: ``booking = (await api.my_appointment(appt_id)).booking``
        """
        return await self._requester.call("GET", f"{_base(appointment_id)}/me", wire.AppointmentMe)

    async def reschedule_appointment(
            self, appointment_id: str, new_slot_id: str, *,
            new_location_id: str | None = None) -> wire.RescheduleAppointmentResult:
        """``POST /appointments/{id}/reschedule`` to another slot.

        Usage: ``await api.reschedule_appointment(appt_id, later_slot.id)``
        """
        body = wire.RescheduleAppointmentRequest(new_slot_id=_require("new_slot_id", new_slot_id),
                                                 new_location_id=new_location_id)
        return await self._requester.call("POST", f"{_base(appointment_id)}/reschedule",
                                wire.RescheduleAppointmentResult, body=body)

    async def cancel_appointment(self, appointment_id: str, slot_id: str, *,
                                 location_id: str | None = None,
                                 reason: str | None = None) -> wire.CancelAppointmentResult:
        """``POST /appointments/{id}/cancel``: the slot becomes available again.

        Usage: ``await api.cancel_appointment(appt_id, booking.slot_id, reason="can't make it")``
        """
        body = wire.CancelAppointmentRequest(slot_id=_require("slot_id", slot_id),
                                             location_id=location_id, reason=reason)
        return await self._requester.call("POST", f"{_base(appointment_id)}/cancel",
                                wire.CancelAppointmentResult, body=body)
