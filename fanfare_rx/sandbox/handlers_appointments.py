"""Appointment handlers (spec §4.9): the appointment, its slots in a date range, and booking,
rescheduling, cancelling and reading the consumer's booking. Booking checks the sequence's gates.
"""

from __future__ import annotations

from datetime import date, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.engines import AppointmentEngine
from fanfare_rx.sandbox.handlers_distributions import _eligible
from fanfare_rx.sandbox.http import json_response, read_body, validation_error

__all__ = ["routes"]

routes = web.RouteTableDef()


def _engine(request: web.Request) -> AppointmentEngine:
    return context.world(request).engine(request.match_info["id"], AppointmentEngine)


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


@routes.get("/appointments/{id}")
async def get_appointment(request: web.Request) -> web.Response:
    return json_response(_engine(request).model())


@routes.get("/appointments/{id}/slots")
async def appointment_slots(request: web.Request) -> web.Response:
    """Public in the sandbox (the spec leaves the credential undocumented)."""
    engine = _engine(request)
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
    engine = _engine(request)
    body = await read_body(request, wire.BookAppointmentRequest)
    _eligible(request, identity, engine)
    return json_response(engine.book(identity.consumer.id, body.slot_id, body.location_id,
                                     guest=identity.consumer.guest, now=context.now(request)))


@routes.get("/appointments/{id}/me")
async def my_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    return json_response(_engine(request).me(identity.consumer.id))


@routes.post("/appointments/{id}/reschedule")
async def reschedule_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    engine = _engine(request)
    body = await read_body(request, wire.RescheduleAppointmentRequest)
    return json_response(engine.reschedule(identity.consumer.id, body.new_slot_id,
                                           body.new_location_id, now=context.now(request)))


@routes.post("/appointments/{id}/cancel")
async def cancel_appointment(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    engine = _engine(request)
    body = await read_body(request, wire.CancelAppointmentRequest)
    return json_response(engine.cancel(identity.consumer.id, body.slot_id, body.location_id,
                                       now=context.now(request)))
