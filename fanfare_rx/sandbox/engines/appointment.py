"""The appointment engine: slots spaced by duration + buffer, each with a capacity, offered at
every location; booking is confirmed at once with a code, cancelling frees the place (§5.6).
Its routes (spec §4.9): the appointment, its slots in a date range, and booking, rescheduling,
cancelling and reading the consumer's booking; booking checks the sequence's gates.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import date, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox._scenario_decode import FieldProblem, non_negative, text
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.engines.base import Engine, Projection, not_open_yet
from fanfare_rx.sandbox.engines.handlers import eligible, engine_of, serve_model
from fanfare_rx.sandbox.http import (
    ApiError,
    conflict,
    json_response,
    not_found,
    read_body,
    validation_error,
)
from fanfare_rx.sandbox.scenario import DistributionSpec
from fanfare_rx.wire._unions import camel

__all__ = ["AppointmentEngine", "AppointmentLocation", "AppointmentSpec", "Slot", "routes"]

routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class AppointmentLocation:
    """A place an appointment's slots are offered at (every slot time at every location)."""

    id: str = text()
    name: str = text()


def _at_least_one(_: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 1:
        raise FieldProblem(camel(attribute.name), "must be at least 1")


@attrs.frozen(kw_only=True)
class AppointmentSpec(DistributionSpec):
    """``slotCount`` slots from ``firstSlotAt`` (default ``openAt``), each
    ``slotDurationMinutes`` long and ``bufferMinutes`` apart, ``maxCapacityPerSlot`` bookings
    each, at every one of ``locations``. Guests do not book unless ``supportsGuest``."""

    supports_guest: bool = False
    first_slot_at: float | None = attrs.field(default=None, validator=non_negative)
    slot_count: int = attrs.field(validator=_at_least_one)
    slot_duration_minutes: int = attrs.field(default=30, validator=_at_least_one)
    buffer_minutes: int = attrs.field(default=0, validator=non_negative)
    max_capacity_per_slot: int = attrs.field(default=1, validator=_at_least_one)
    locations: tuple[AppointmentLocation, ...] = ()

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for i, location in enumerate(self.locations):
            if location.id in seen:
                raise FieldProblem(f"locations[{i}].id", f"duplicate id {location.id!r}")
            seen.add(location.id)
        super().__attrs_post_init__()

    def times(self) -> dict[str, float]:
        return {} if self.first_slot_at is None else {"firstSlotAt": self.first_slot_at}

_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@attrs.frozen
class Slot:
    """One bookable slot (times are sandbox epochs)."""

    id: str
    start: float
    end: float
    capacity: int
    location_id: str | None = None
    location_name: str | None = None


@attrs.define
class _Booking:
    booking_id: str
    slot: Slot
    confirmation_code: str = attrs.field(repr=False)
    created_at: float
    status: str = "booked"
    cancelled_at: float | None = None


def _confirmation_code() -> str:
    return "".join(secrets.choice(_CODE_LETTERS) for _ in range(8))


class AppointmentEngine(Engine, kind="appointment", spec=AppointmentSpec, routes=routes,
                        noun="Appointment", listed_as="appointments", idle_status="not_booked"):
    """Booking is open from ``openAt`` until ``closeAt``; slots that have started are hidden
    and cannot be booked. One live booking per consumer; the order limit counts bookings.

    Usage: ``engine.book("cns_1", engine.slots[0].id, None, guest=False, now=t)``
    """

    spec: AppointmentSpec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = self.spec
        duration = spec.slot_duration_minutes * 60
        step = duration + spec.buffer_minutes * 60
        first = self.start + (spec.first_slot_at if spec.first_slot_at is not None else spec.open_at)
        places = spec.locations or ()
        self.slots: list[Slot] = []
        for index in range(spec.slot_count):
            start = first + index * step
            for place in places or (None,):
                suffix = f"{place.id}-{index + 1}" if place else f"{index + 1}"
                self.slots.append(Slot(
                    id=f"slot-{self.id[:8]}-{suffix}", start=start, end=start + duration,
                    capacity=spec.max_capacity_per_slot,
                    location_id=place.id if place else None,
                    location_name=place.name if place else None))
        self._slot_by_id = {slot.id: slot for slot in self.slots}
        self.booked: dict[str, int] = {}  # slot id -> live bookings
        self.bookings: dict[str, _Booking] = {}  # consumer id -> latest booking

    # --- reading ----------------------------------------------------------------------------

    def model(self) -> wire.Appointment:
        locations = self.spec.locations
        return wire.Appointment(
            id=self.id, time_zone=self.time_zone, buffer_minutes=self.spec.buffer_minutes,
            slot_duration_minutes=self.spec.slot_duration_minutes,
            max_capacity_per_slot=self.spec.max_capacity_per_slot,
            location_id=locations[0].id if len(locations) == 1 else None,
            open_at=self.dt(self.open_at), close_at=self.dt(self.close_at))

    def available(self, slot: Slot) -> int:
        return slot.capacity - self.booked.get(slot.id, 0)

    def slot_list(self, start_date: date, end_date: date, zone: tzinfo,
                  now: float) -> wire.AppointmentSlots:
        """Slots not yet started whose start falls in ``[start_date, end_date]`` in ``zone``."""
        found = []
        for slot in self.slots:
            day = to_datetime(slot.start).astimezone(zone).date()
            if slot.start > now and start_date <= day <= end_date:
                found.append(wire.AppointmentSlot(
                    id=slot.id, start_time=to_datetime(slot.start), end_time=to_datetime(slot.end),
                    capacity=slot.capacity, available=self.available(slot),
                    location_id=slot.location_id, location_name=slot.location_name,
                    timezone=self.time_zone))
        return wire.AppointmentSlots(slots=tuple(found))

    def me(self, consumer_id: str) -> wire.AppointmentMe:
        booking = self.bookings.get(consumer_id)
        if booking is None:
            return wire.AppointmentMe(booking=None)
        slot = booking.slot
        return wire.AppointmentMe(booking=wire.BookingSummary(
            booking_id=booking.booking_id, appointment_id=self.id, consumer_id=consumer_id,
            status=booking.status, confirmation_code=booking.confirmation_code, slot_id=slot.id,
            start_time=to_datetime(slot.start), end_time=to_datetime(slot.end),
            location_id=slot.location_id, location_name=slot.location_name))

    # --- changes ----------------------------------------------------------------------------

    def _bookable(self, slot_id: str, location_id: str | None, now: float) -> Slot:
        """The slot, if it exists, matches the location, has not started and has a place."""
        slot = self._slot_by_id.get(slot_id)
        if slot is None:
            raise not_found("Slot")
        if location_id is not None and location_id != slot.location_id:
            raise ApiError(400, {"error": "Slot is not offered at this location",
                                 "code": "SLOT_LOCATION_MISMATCH"})
        if slot.start <= now:
            raise ApiError(400, {"error": "Slot has already started", "code": "SLOT_STARTED"})
        if self.available(slot) <= 0:
            raise conflict("Slot is full", "SLOT_FULL")
        return slot

    def _window(self, now: float) -> None:
        if now < self.open_at:
            raise not_open_yet("Appointment", "APPOINTMENT_NOT_OPEN", self.open_at)
        if not self.accepts_entries(now):
            raise ApiError(400, {"error": "Appointment is closed", "code": "APPOINTMENT_CLOSED"})

    def _live(self, consumer_id: str) -> _Booking:
        booking = self.bookings.get(consumer_id)
        if booking is None or booking.status != "booked":
            raise ApiError(404, wire.WireError(error="not_found", message="Booking not found",
                                               code="BOOKING_NOT_FOUND"))
        return booking

    def book(self, consumer_id: str, slot_id: str, location_id: str | None, *, guest: bool,
             now: float) -> wire.AppointmentBooking:
        current = self.bookings.get(consumer_id)
        if current is not None and current.status == "booked":
            raise conflict("Already booked", "ALREADY_BOOKED")
        self._window(now)
        self.check_guest(guest)
        slot = self._bookable(slot_id, location_id, now)
        self.count_entry(consumer_id)
        booking = _Booking(booking_id=f"bkg_{secrets.token_hex(8)}", slot=slot,
                           confirmation_code=_confirmation_code(), created_at=now)
        self.bookings[consumer_id] = booking
        self.booked[slot.id] = self.booked.get(slot.id, 0) + 1
        return wire.AppointmentBooking(
            booking_id=booking.booking_id, appointment_id=self.id, consumer_id=consumer_id,
            slot_id=slot.id, start_time=to_datetime(slot.start), end_time=to_datetime(slot.end),
            confirmation_code=booking.confirmation_code, status=booking.status,
            created_at=to_datetime(now), location_id=slot.location_id,
            location_name=slot.location_name)

    def reschedule(self, consumer_id: str, new_slot_id: str, new_location_id: str | None, *,
                   now: float) -> wire.RescheduleAppointmentResult:
        booking = self._live(consumer_id)
        self._window(now)
        previous = booking.slot
        if new_slot_id != previous.id:
            slot = self._bookable(new_slot_id, new_location_id, now)
            self.booked[previous.id] -= 1
            self.booked[slot.id] = self.booked.get(slot.id, 0) + 1
            booking.slot = slot
        return wire.RescheduleAppointmentResult(
            booking_id=booking.booking_id, previous_slot_id=previous.id,
            new_slot_id=booking.slot.id, confirmation_code=booking.confirmation_code,
            status=booking.status)

    def cancel(self, consumer_id: str, slot_id: str, location_id: str | None, *,
               now: float) -> wire.CancelAppointmentResult:
        booking = self._live(consumer_id)
        if slot_id != booking.slot.id or (location_id is not None
                                          and location_id != booking.slot.location_id):
            raise conflict("The booking is for another slot", "BOOKING_SLOT_MISMATCH")
        booking.status, booking.cancelled_at = "cancelled", now
        self.booked[booking.slot.id] -= 1
        return wire.CancelAppointmentResult(message="Booking cancelled",
                                            booking_id=booking.booking_id)

    # --- projection -------------------------------------------------------------------------

    def participants(self) -> Collection[str]:
        return self.bookings.keys()

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        """``participating`` while booked (slot and location in the consumer record);
        ``ended`` with outcome ``cancelled`` once cancelled. Never ``granted``."""
        booking = self.bookings.get(consumer_id)
        if booking is None:
            return None
        consumer = wire.ConsumerProjection(
            status=booking.status, distribution_id=self.id, id=booking.booking_id,
            slot_id=booking.slot.id, location_id=booking.slot.location_id,
            booked_at=self.dt(booking.created_at), cancelled_at=self.dt(booking.cancelled_at))
        if booking.status == "booked":
            return Projection(wire.SequencePhase.PARTICIPATING, consumer)
        return Projection(wire.SequencePhase.ENDED, consumer, outcome=wire.OutcomeType.CANCELLED,
                          outcome_at=booking.cancelled_at)


# --- routes -------------------------------------------------------------------------------------


def _date(request: web.Request, name: str) -> date:
    query = dict(request.query)
    raw = query.get(name)
    if raw is None:
        raise validation_error(f"{name} is required", [name], body=query, expected="string",
                               type_="missing")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise validation_error(f"{name} must be a date like 2025-06-01", [name], body=query,
                               expected="date", received="string",
                               type_="invalid_string") from None


def _zone(request: web.Request, default: str) -> tzinfo:
    name = request.query.get("timezone", default)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise validation_error(f"unknown timezone {name!r}", ["timezone"],
                               body=dict(request.query), expected="IANA time zone",
                               received="string", type_="invalid_string") from None


serve_model(routes, "/appointments/{id}", AppointmentEngine)


@routes.get("/appointments/{id}/slots")
async def appointment_slots(request: web.Request) -> web.Response:
    """Public in the sandbox (the spec leaves the credential undocumented)."""
    engine = engine_of(request, AppointmentEngine)
    start, end = _date(request, "startDate"), _date(request, "endDate")
    if end < start:
        raise validation_error("endDate must not be before startDate", ["endDate"],
                               body=dict(request.query), expected="date on or after startDate",
                               received="string", type_="too_small")
    zone = _zone(request, engine.time_zone)
    return json_response(engine.slot_list(start, end, zone, context.now(request)))


@routes.post("/appointments/{id}/book")
async def book_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    engine = engine_of(request, AppointmentEngine)
    body = await read_body(request, wire.BookAppointmentRequest)
    eligible(request, identity, engine)
    return json_response(engine.book(identity.consumer.id, body.slot_id, body.location_id,
                                     guest=identity.consumer.guest, now=context.now(request)))


@routes.get("/appointments/{id}/me")
async def my_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    return json_response(engine_of(request, AppointmentEngine).me(identity.consumer.id))


@routes.post("/appointments/{id}/reschedule")
async def reschedule_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    engine = engine_of(request, AppointmentEngine)
    body = await read_body(request, wire.RescheduleAppointmentRequest)
    return json_response(engine.reschedule(identity.consumer.id, body.new_slot_id,
                                           body.new_location_id, now=context.now(request)))


@routes.post("/appointments/{id}/cancel")
async def cancel_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    engine = engine_of(request, AppointmentEngine)
    body = await read_body(request, wire.CancelAppointmentRequest)
    return json_response(engine.cancel(identity.consumer.id, body.slot_id, body.location_id,
                                       now=context.now(request)))
