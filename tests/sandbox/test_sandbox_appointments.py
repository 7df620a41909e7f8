"""The sandbox's appointment engine over loopback: slots spaced by duration and buffer,
capacity per slot, booking, a full slot, cancelling frees the place, rescheduling, the
consumer's booking and its ``/consumers/me`` projection, windows and guests."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

import pytest
from sandbox_helpers import Api, scenario_with

from fanfare_rx.sandbox.scenario import ScenarioError

BASE = "/appointments/ap-1"
ALL_DATES = "startDate=2000-01-01&endDate=2999-12-31"


def _appointment(**extra: Any) -> dict[str, Any]:
    return {"type": "appointment", "id": "ap-1", "openAt": 0, "closeAt": 7200,
            "supportsGuest": True, "firstSlotAt": 3600, "slotCount": 3,
            "slotDurationMinutes": 30, "bufferMinutes": 10, "maxCapacityPerSlot": 1, **extra}


async def _start(custom: Any, **extra: Any) -> Api:
    api: Api = await custom(scenario_with(_appointment(**extra)))
    return api


async def _slots(api: Api) -> list[dict[str, Any]]:
    reply = await api.call("GET", f"{BASE}/slots?{ALL_DATES}")
    assert reply.status == 200, reply
    return list(reply.body["slots"])


async def _sequence(api: Api, token: str) -> dict[str, Any]:
    reply = await api.call("GET", "/consumers/me", token=token)
    assert reply.status == 200, reply
    (journey,) = reply.body["active"]["journeys"]
    return dict(journey["sequence"])


async def test_slots_are_spaced_by_duration_and_buffer(custom: Any) -> None:
    api = await _start(custom)
    slots = await _slots(api)
    starts = [datetime.fromisoformat(s["startTime"]) for s in slots]
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(starts)] == [2400, 2400]
    assert all(s["capacity"] == 1 and s["available"] == 1 for s in slots)
    model = (await api.call("GET", BASE)).body
    assert (model["slotDurationMinutes"], model["bufferMinutes"], model["maxCapacityPerSlot"]) == (
        30, 10, 1)
    experience = await api.experience("x")
    assert experience["sequences"][0]["appointments"][0]["id"] == "ap-1"


async def test_book_then_full_slot_then_cancel_frees_it(custom: Any) -> None:
    api = await _start(custom)
    a, b = await api.guest(), await api.guest()
    first = (await _slots(api))[0]["id"]
    booked = await api.call("POST", f"{BASE}/book", token=a, json={"slotId": first})
    assert booked.status == 200, booked
    assert booked.body["slotId"] == first and booked.body["status"] == "booked"
    assert booked.body["confirmationCode"]
    assert (await _slots(api))[0]["available"] == 0
    full = await api.call("POST", f"{BASE}/book", token=b, json={"slotId": first})
    assert full.status == 409 and full.body["code"] == "SLOT_FULL", full
    again = await api.call("POST", f"{BASE}/book", token=a, json={"slotId": first})
    assert again.status == 409 and again.body["code"] == "ALREADY_BOOKED", again
    cancel = await api.call("POST", f"{BASE}/cancel", token=a,
                            json={"slotId": first, "reason": "cannot make it"})
    assert cancel.status == 200 and cancel.body["bookingId"] == booked.body["bookingId"]
    assert (await _slots(api))[0]["available"] == 1
    freed = await api.call("POST", f"{BASE}/book", token=b, json={"slotId": first})
    assert freed.status == 200, freed
    twice = await api.call("POST", f"{BASE}/cancel", token=a, json={"slotId": first})
    assert twice.status == 404 and twice.body["code"] == "BOOKING_NOT_FOUND"


async def test_reschedule_moves_the_place(custom: Any) -> None:
    api = await _start(custom)
    a, b = await api.guest(), await api.guest()
    first, second, third = (s["id"] for s in await _slots(api))
    await api.call("POST", f"{BASE}/book", token=a, json={"slotId": first})
    await api.call("POST", f"{BASE}/book", token=b, json={"slotId": third})
    moved = await api.call("POST", f"{BASE}/reschedule", token=a, json={"newSlotId": second})
    assert moved.status == 200, moved
    assert (moved.body["previousSlotId"], moved.body["newSlotId"]) == (first, second)
    assert [s["available"] for s in await _slots(api)] == [1, 0, 0]
    full = await api.call("POST", f"{BASE}/reschedule", token=a, json={"newSlotId": third})
    assert full.status == 409 and full.body["code"] == "SLOT_FULL"
    mine = (await api.call("GET", f"{BASE}/me", token=a)).body["booking"]
    assert mine["slotId"] == second and mine["status"] == "booked"
    assert mine["confirmationCode"] == moved.body["confirmationCode"]


async def test_my_appointment_and_the_projection(custom: Any) -> None:
    api = await _start(custom, locations=[{"id": "soho", "name": "SoHo"}])
    a = await api.guest()
    assert (await api.call("GET", f"{BASE}/me", token=a)).body in ({}, {"booking": None})
    await api.call("POST", "/experiences/exp-x/route", token=a, json={})
    enterable = await _sequence(api, a)
    assert (enterable["phase"], enterable["consumer"]["status"]) == ("enterable", "not_booked")
    slot = (await _slots(api))[0]
    assert (slot["locationId"], slot["locationName"]) == ("soho", "SoHo")
    wrong = await api.call("POST", f"{BASE}/book", token=a,
                           json={"slotId": slot["id"], "locationId": "brooklyn"})
    assert wrong.status == 400 and wrong.body["code"] == "SLOT_LOCATION_MISMATCH"
    await api.call("POST", f"{BASE}/book", token=a, json={"slotId": slot["id"], "locationId": "soho"})
    booked = await _sequence(api, a)
    assert (booked["phase"], booked["mechanism"]) == ("participating", "appointment")
    assert (booked["consumer"]["slotId"], booked["consumer"]["locationId"]) == (slot["id"], "soho")
    await api.call("POST", f"{BASE}/cancel", token=a, json={"slotId": slot["id"]})
    ended = await _sequence(api, a)
    assert (ended["phase"], ended["outcome"]["type"]) == ("ended", "cancelled")
    assert (await api.call("GET", f"{BASE}/me", token=a)).body["booking"]["status"] == "cancelled"


async def test_windows_started_slots_and_guests(custom: Any) -> None:
    api = await _start(custom, openAt=60, supportsGuest=False)
    guest, member = await api.guest(), await api.signed_in()
    first = (await _slots(api))[0]["id"]
    early = await api.call("POST", f"{BASE}/book", token=member, json={"slotId": first})
    assert early.status == 423 and "Retry-After" in early.headers
    await api.sandbox.advance(60)
    refused = await api.call("POST", f"{BASE}/book", token=guest, json={"slotId": first})
    assert refused.status == 403 and refused.body["code"] == "AUTHENTICATION_REQUIRED"
    await api.sandbox.advance(3600)  # the first slot has started: hidden and not bookable
    assert first not in [s["id"] for s in await _slots(api)]
    started = await api.call("POST", f"{BASE}/book", token=member, json={"slotId": first})
    assert started.status == 400 and started.body["code"] == "SLOT_STARTED"
    bad = await api.call("GET", f"{BASE}/slots?startDate=2000-01-01&endDate=1999-01-01")
    assert bad.status == 400 and bad.body["error"] == "validation_error"


@pytest.mark.parametrize(("change", "field"), [
    ({"slotCount": 0}, "slotCount"),
    ({"maxCapacityPerSlot": 0}, "maxCapacityPerSlot"),
    ({"locations": [{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]}, "locations[1].id"),
    ({"slotLength": 3}, "slotLength"),
])
def test_scenario_errors_name_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_with(_appointment(**change))
    assert caught.value.field.endswith(f"distribution.{field}")
