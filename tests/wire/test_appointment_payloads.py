"""Appointment bodies of spec §4.9 decode into the models with the expected values, encode back
to the same JSON, keep confirmation codes out of reprs, and reject bodies missing a required
field; the request paths and query of the ConsumerApi calls (no request sent when invalid)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import pytest
from wire_helpers import at, payload, payload_text, utc

from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import DecodeError, UsageError
from fanfare_rx.models import wire as w
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.codec import decode, encode

CASES: list[tuple[str, Any, dict[str, Any]]] = [
    ("appointments/appointment", w.Appointment, {
        "time_zone": "America/New_York", "buffer_minutes": 10, "slot_duration_minutes": 30,
        "max_capacity_per_slot": 4, "location_id": "loc-nyc",
        "open_at": utc("2025-06-01T13:00:00"), "close_at": utc("2025-06-30T22:00:00"),
        "status_override": None,
    }),
    ("appointments/appointment_minimal", w.Appointment, {
        "id": "appt-2", "buffer_minutes": None, "open_at": None,
    }),
    ("appointments/slots", w.AppointmentSlots, {
        "slots.0.id": "slot-0900", "slots.0.start_time": utc("2025-06-02T13:00:00"),
        "slots.0.end_time": utc("2025-06-02T13:30:00"), "slots.0.capacity": 4,
        "slots.0.available": 3, "slots.0.location_name": "SoHo store",
        "slots.1.available": 0, "slots.1.location_id": None, "slots.1.timezone": None,
    }),
    ("appointments/slots_empty", w.AppointmentSlots, {"slots": ()}),
    ("appointments/booking", w.AppointmentBooking, {
        "booking_id": "bk-1", "confirmation_code": "CONF-7Q2X9Z", "status": "booked",
        "created_at": utc("2025-06-01T15:04:05.123"), "location_name": "SoHo store",
    }),
    ("appointments/booking_no_location", w.AppointmentBooking, {
        "location_id": None, "location_name": None, "slot_id": "slot-0940",
    }),
    ("appointments/me_booked", w.AppointmentMe, {
        "booking.status": "checked_in", "booking.slot_id": "slot-0900",
        "booking.start_time": utc("2025-06-02T13:00:00"), "booking.location_id": None,
    }),
    ("appointments/me_none", w.AppointmentMe, {"booking": None}),
    ("appointments/me_absent", w.AppointmentMe, {"booking": None}),
    ("appointments/reschedule", w.RescheduleAppointmentResult, {
        "previous_slot_id": "slot-0900", "new_slot_id": "slot-1020", "status": "booked",
    }),
    ("appointments/cancel", w.CancelAppointmentResult, {
        "message": "Booking cancelled", "booking_id": "bk-1",
    }),
    ("appointments/book_request", w.BookAppointmentRequest, {
        "slot_id": "slot-0900", "location_id": "loc-nyc",
    }),
    ("appointments/reschedule_request", w.RescheduleAppointmentRequest, {
        "new_slot_id": "slot-1020", "new_location_id": None,
    }),
    ("appointments/cancel_request", w.CancelAppointmentRequest, {
        "slot_id": "slot-0900", "reason": "cannot make it", "location_id": None,
    }),
    ("appointments/sequence_with_appointments", w.Sequence, {
        "appointments.0.id": "appt-1", "appointments.0.slot_duration_minutes": 30,
        "appointments.0.buffer_minutes": 10, "queues": None,
    }),
]

_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T")


def _normal(value: Any) -> Any:
    """JSON with nulls left out and date-times as instants (``…:00Z`` == ``…:00.000Z``)."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str) and _DATE_TIME.match(value):
        return datetime.fromisoformat(value)
    return value


@pytest.mark.parametrize(("ref", "cls", "expected"), CASES, ids=[c[0] for c in CASES])
def test_spec_body_decodes_with_the_expected_values(ref: str, cls: Any,
                                                    expected: dict[str, Any]) -> None:
    model = decode(payload_text(ref), cls)
    assert type(model) is cls
    for path, value in expected.items():
        assert at(model, path) == value, path


@pytest.mark.parametrize(("ref", "cls"), [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_spec_body_round_trips(ref: str, cls: Any) -> None:
    model = decode(payload_text(ref), cls)
    assert decode(json.dumps(encode(model)), cls) == model
    assert _normal(encode(model)) == _normal(payload(ref))


def test_confirmation_codes_stay_out_of_reprs() -> None:
    for ref, cls in [("appointments/booking", w.AppointmentBooking),
                     ("appointments/me_booked", w.AppointmentMe),
                     ("appointments/reschedule", w.RescheduleAppointmentResult)]:
        text = repr(decode(payload_text(ref), cls))
        assert "CONF-7Q2X9Z" not in text and "redacted" in text


@pytest.mark.parametrize(("ref", "cls", "field", "path"), [
    ("appointments/booking", w.AppointmentBooking, "confirmationCode", "$.confirmationCode"),
    ("appointments/booking", w.AppointmentBooking, "createdAt", "$.createdAt"),
    ("appointments/slots", w.AppointmentSlots, "slots", "$.slots"),
    ("appointments/appointment", w.Appointment, "timeZone", "$.timeZone"),
])
def test_a_missing_required_field_names_it(ref: str, cls: Any, field: str, path: str) -> None:
    body = payload(ref)
    del body[field]
    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body), cls)
    assert caught.value.path == path and "required field missing" in str(caught.value)


def test_slot_capacity_must_be_a_whole_number() -> None:
    body = payload("appointments/slots")
    body["slots"][1]["available"] = 1.5
    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body), w.AppointmentSlots)
    assert caught.value.path == "$.slots[1].available"


async def test_invalid_calls_raise_before_any_request() -> None:
    # Port 9 (discard) is never contacted: every call below fails its own checks first.
    api = ConsumerApi("http://127.0.0.1:9", "pk_test_x", organization_id="org",
                      sessions=SessionManager("org"))
    try:
        with pytest.raises(UsageError, match="before start_date"):
            await api.appointment_slots("appt-1", date(2025, 6, 7), date(2025, 6, 1))
        with pytest.raises(UsageError, match="slot_id"):
            await api.book_appointment("appt-1", "")
        with pytest.raises(UsageError, match="appointment_id"):
            await api.my_appointment(" ")
        with pytest.raises(UsageError, match="new_slot_id"):
            await api.reschedule_appointment("appt-1", "")
        assert api.client_session is None
    finally:
        await api.close()
