"""Appointment bodies (spec §4.9, §5.6): the appointment, its bookable slots, and booking,
rescheduling and cancelling a slot. Confirmation codes are redacted in every repr.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fanfare_rx.models._redact import redact

__all__ = [
    "Appointment",
    "AppointmentBooking",
    "AppointmentMe",
    "AppointmentSlot",
    "AppointmentSlots",
    "BookAppointmentRequest",
    "BookingSummary",
    "CancelAppointmentRequest",
    "CancelAppointmentResult",
    "RescheduleAppointmentRequest",
    "RescheduleAppointmentResult",
]


@attrs.frozen
class Appointment:
    """``GET /appointments/{id}`` (public) and the ``appointments[]`` items of an experience's
    sequences. Slots are ``slot_duration_minutes`` long, spaced by ``buffer_minutes``."""

    id: str
    time_zone: str
    buffer_minutes: int | None = None
    slot_duration_minutes: int | None = None
    max_capacity_per_slot: int | None = None
    location_id: str | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    status_override: str | None = None
    status_override_at: datetime | None = None
    status_override_by: str | None = None
    teardown_status: str | None = None


@attrs.frozen
class AppointmentSlot:
    """One slot: ``available`` of ``capacity`` places are still free."""

    id: str
    start_time: datetime
    end_time: datetime
    capacity: int
    available: int
    location_id: str | None = None
    location_name: str | None = None
    timezone: str | None = None


@attrs.frozen
class AppointmentSlots:
    """``GET /appointments/{id}/slots?startDate=…&endDate=…``."""

    slots: tuple[AppointmentSlot, ...]


@attrs.frozen
class BookAppointmentRequest:
    """``POST /appointments/{id}/book``."""

    slot_id: str
    location_id: str | None = None


@attrs.frozen
class AppointmentBooking:
    """The answer to a booking: confirmed at once, with a confirmation code. ``status`` is a
    free string (``booked``, ``checked_in``, ``completed``, ``cancelled``, ``no_show``)."""

    booking_id: str
    appointment_id: str
    consumer_id: str
    slot_id: str
    start_time: datetime
    end_time: datetime
    confirmation_code: str = attrs.field(repr=redact)
    status: str
    created_at: datetime
    location_id: str | None = None
    location_name: str | None = None


@attrs.frozen
class BookingSummary:
    """The consumer's booking as ``GET /appointments/{id}/me`` reports it."""

    booking_id: str
    appointment_id: str
    consumer_id: str
    status: str
    confirmation_code: str = attrs.field(repr=redact)
    slot_id: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    location_id: str | None = None
    location_name: str | None = None


@attrs.frozen
class AppointmentMe:
    """``GET /appointments/{id}/me``: the consumer's booking, or None."""

    booking: BookingSummary | None = None


@attrs.frozen
class RescheduleAppointmentRequest:
    """``POST /appointments/{id}/reschedule``."""

    new_slot_id: str
    new_location_id: str | None = None


@attrs.frozen
class RescheduleAppointmentResult:
    booking_id: str
    previous_slot_id: str
    new_slot_id: str
    confirmation_code: str = attrs.field(repr=redact)
    status: str


@attrs.frozen
class CancelAppointmentRequest:
    """``POST /appointments/{id}/cancel``: the slot is released for others."""

    slot_id: str
    location_id: str | None = None
    reason: str | None = None


@attrs.frozen
class CancelAppointmentResult:
    message: str
    booking_id: str
