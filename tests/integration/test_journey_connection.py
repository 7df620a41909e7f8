"""Connection state from what the transport sees, under the sandbox's fault plan over loopback
HTTP: offline (dropped connections), unavailable (503), restored; the bus's
``connection:lost`` / ``connection:restored``; the opt-in fail-open notice; the server's clock
from the ``Date`` header. The place in line is kept throughout."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from integration_helpers import BusEvents, MakeFanfare

from fanfare_rx import Fanfare
from fanfare_rx.errors import ConfigError, FanfareError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.connection import Connection
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.retry import RetryPolicy
from fanfare_rx.wire.transport import HttpTransport


async def _queued(sb: Sandbox, fanfare: Fanfare) -> ExperienceJourney:
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    assert journey.sequence_stage.get() == "participating"
    return journey


async def _refresh_failing(journey: ExperienceJourney) -> None:
    with pytest.raises(FanfareError):
        await journey.refresh_distribution()


@pytest.mark.parametrize(("fault", "status"), [
    ({"kind": "drop"}, "offline"),
    ({"kind": "status", "status": 503}, "unavailable"),
])
async def test_lost_and_restored_keep_the_place(
    sb: Sandbox, make_fanfare: MakeFanfare, fault: dict[str, object], status: str
) -> None:
    fanfare = await make_fanfare(retry=RetryPolicy(max_attempts=1))
    events = BusEvents(fanfare)
    journey = await _queued(sb, fanfare)
    position = journey.context.get().position
    assert journey.context.get().connection is None  # nothing went wrong yet
    sb.faults.set({"rules": [{"match": "*", **fault}]})  # the whole server
    await _refresh_failing(journey)
    snap = journey.state.get()
    connection = snap.context.connection
    assert connection is not None and connection.status == status
    assert snap.sequence_stage == "participating" and snap.context.position == position
    assert events.of("connection:lost") == [{"status": status, "since": connection.since}]
    await _refresh_failing(journey)  # still down: told once
    assert len(events.of("connection:lost")) == 1
    sb.faults.set({"rules": []})
    await journey.refresh_distribution()
    restored = journey.context.get().connection
    assert restored is not None and restored.status == "online"
    [told] = events.of("connection:restored")
    assert told["downSince"] == connection.since and told["downMs"] >= 0
    assert journey.sequence_stage.get() == "participating"


async def test_fail_open_tells_since_when_and_invents_no_grant(
    sb: Sandbox, make_fanfare: MakeFanfare
) -> None:
    fanfare = await make_fanfare(retry=RetryPolicy(max_attempts=1), fail_open_after=0.05)
    journey = await _queued(sb, fanfare)
    sb.faults.set({"rules": [{"match": "*", "kind": "drop"}]})
    await _refresh_failing(journey)
    await journey.context.wait_for(
        lambda c: c.connection is not None and c.connection.fail_open, timeout=5)
    snap = journey.state.get()
    event = snap.latest_event
    assert event is not None and event.message.startswith("The waiting room is unreachable since")
    assert event.detail is not None and event.detail["code"] == "WAITING_ROOM_UNREACHABLE"
    assert snap.sequence_stage == "participating" and snap.context.admittance_token is None
    sb.faults.set({"rules": []})
    await journey.refresh_distribution()
    connection = journey.context.get().connection
    assert connection is not None and connection.online and not connection.fail_open


async def test_no_fail_open_unless_asked(sb: Sandbox, make_fanfare: MakeFanfare) -> None:
    fanfare = await make_fanfare(retry=RetryPolicy(max_attempts=1))
    journey = await _queued(sb, fanfare)
    sb.faults.set({"rules": [{"match": "*", "kind": "drop"}]})
    await _refresh_failing(journey)
    await asyncio.sleep(0.1)
    connection = journey.context.get().connection
    assert connection is not None and connection.status == "offline" and not connection.fail_open


async def test_event_times_are_on_the_servers_clock(sb: Sandbox, make_fanfare: MakeFanfare) -> None:
    fanfare = await make_fanfare()
    journey = await _queued(sb, fanfare)
    await sb.advance(3600)
    await journey.refresh_distribution()
    connection = journey.context.get().connection
    assert connection is not None
    assert 3_598_000 <= connection.server_offset_ms <= 3_602_000
    server_now_ms = sb.now().timestamp() * 1000
    event = journey.state.get().events[-1]
    assert abs(event.ts - server_now_ms) < 2000  # on the sandbox's clock, not ours


async def test_the_bus_names_are_declared_and_a_bad_policy_is_refused(
    sb: Sandbox, make_fanfare: MakeFanfare
) -> None:
    fanfare = await make_fanfare(retry=RetryPolicy(max_attempts=1))
    told: list[str] = []
    fanfare.on("connection:lost", lambda e: told.append(f"lost {e['status']}"))
    fanfare.on("connection:restored", lambda e: told.append("restored"))
    journey = await _queued(sb, fanfare)
    sb.faults.set({"rules": [{"match": "*", "kind": "status", "status": 503}]})
    await _refresh_failing(journey)
    sb.faults.set({"rules": []})
    await journey.refresh_distribution()
    assert told == ["lost unavailable", "restored"]
    for bad in (0, -1, float("nan")):
        with pytest.raises(ConfigError):
            await make_fanfare(fail_open_after=bad)


async def test_an_answer_read_late_leaves_the_servers_clock(sb: Sandbox) -> None:
    """A busy event loop reads an answer late. The server wrote its ``Date`` while the request
    was out, so the offset the transport measured stays: nothing is re-told (to every journey
    of the client). Reading the time at the answer alone would move it by the delay."""
    readings = itertools.count()

    def clock() -> float:  # the first answer read at once, each later one two seconds late
        reading = next(readings)  # sent, read, sent, read ...
        return time.time() + (2.0 if reading >= 3 and reading % 2 else 0.0)

    await sb.advance(3600)  # the server's clock an hour ahead: an offset to measure
    transport = HttpTransport(sb.base_url, sb.publishable_key, clock=clock)
    told: list[Connection] = []
    transport.connection.listen(told.append)
    try:
        for _ in range(4):
            await transport.request("GET", f"/experiences/{sb.experiences['queue']}")
    finally:
        await transport.close()
    assert len(told) == 1, told  # the first answer's offset, then nothing
    assert 3_597_000 <= told[0].server_offset_ms <= 3_602_000
    assert transport.connection.current is told[0]
