"""The conformance suite over every registered mechanism: its declarations, and a journey that
enters it end to end on the sandbox over loopback."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

import pytest
from mechanism_conformance import Entry, check_declarations, check_end_to_end, enter

from fanfare_rx import Fanfare
from fanfare_rx.mechanisms import MechanismSpec, registered
from fanfare_rx.models.actions import Bid, Book
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import builders as b


async def _bid(_: Fanfare, __: Sandbox, ___: str) -> Any:
    return Bid("100.00")  # the built-in auction's start price


async def _book(fanfare: Fanfare, sb: Sandbox, appointment_id: str) -> Any:
    today = sb.now().astimezone(UTC).date()
    slots = await fanfare.api.appointment_slots(appointment_id, today - timedelta(days=1),
                                                today + timedelta(days=2))
    return Book(slots.slots[0].id)


#: Per built-in mechanism: sample status answers (one per state type), the default scenario's
#: experience label, and how to make the first entry.
BUILT_IN: dict[str, tuple[list[object], str, Entry]] = {
    "queue": ([b.not_queued(), b.queued(3, 30.0), b.queue_granted(), b.queue_left(),
               b.queue_completed(), b.queue_denied()], "queue", enter),
    "draw": ([b.draw_not_entered(), b.draw_entered(), b.draw_won(), b.draw_completed(),
              b.draw_lost()], "draw", enter),
    "auction": ([b.auction_winning("100.00")], "auction", _bid),
    "timed_release": ([b.timed_release_state("ENTERED")], "timed_release", enter),
    "appointment": ([b.appointment_state("BOOKED", "slot-1")], "appointment", _book),
}

SPECS = [pytest.param(spec, id=spec.kind.value) for spec in registered()]


def test_every_registered_mechanism_is_covered_here() -> None:
    assert {spec.kind.value for spec in registered()} == set(BUILT_IN)


@pytest.mark.parametrize("spec", SPECS)
def test_declarations(spec: MechanismSpec) -> None:
    check_declarations(spec, BUILT_IN[spec.kind.value][0])


@pytest.mark.parametrize("spec", SPECS)
async def test_end_to_end(spec: MechanismSpec, sb: Sandbox, fanfare: Fanfare) -> None:
    _, label, entry = BUILT_IN[spec.kind.value]
    await check_end_to_end(spec, sb, fanfare, label, entry)
