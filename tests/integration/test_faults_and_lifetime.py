"""The client under the sandbox's fault injection (5xx, 429 with Retry-After, dropped
connections before and after the enter was applied, malformed JSON), with exactly one entry
server-side; and the SDK's lifetime: idempotent journeys, config errors, nothing leaked."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from integration_helpers import BusEvents, MakeFanfare, consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.errors import (
    ClientClosedError,
    ConfigError,
    DecodeError,
    ErrorCode,
    JourneyDestroyedError,
)
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.wire import QueueStatus
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep

ENTER = "POST /queues/*/enter"
STATUS = "GET /queues/*/status"


async def _routed_queue(sb: Sandbox, fanfare: Fanfare) -> ExperienceJourney:
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    assert journey.sequence_stage.get() == "active_enterable"
    return journey


def _assert_one_entry(sb: Sandbox, fanfare: Fanfare) -> None:
    engine = engine_of(sb, "queue")
    me = consumer_id(fanfare)
    assert engine.entries_made == {me: 1}
    assert engine.line.count(me) == 1
    assert engine.records[me].status is QueueStatus.QUEUED


async def test_enter_survives_two_503s(sb: Sandbox, fanfare: Fanfare, sleep: RecordedSleep) -> None:
    events = BusEvents(fanfare)
    journey = await _routed_queue(sb, fanfare)
    sb.faults.set({"rules": [{"match": ENTER, "kind": "status", "status": 503, "times": 2}]})
    await journey.enter_queue()
    assert journey.sequence_stage.get() == "participating"
    assert journey.context.get().position == 41
    assert sb.faults.fired == [2]
    assert sleep.delays == [1.0, 1.0]  # the sandbox's Retry-After: 1
    _assert_one_entry(sb, fanfare)
    assert "journey:error" not in events.names


async def test_status_poll_honours_429_retry_after(
    sb: Sandbox, fanfare: Fanfare, sleep: RecordedSleep
) -> None:
    journey = await _routed_queue(sb, fanfare)
    await journey.enter_queue()
    await sb.advance(10)
    sb.faults.set({"rules": [{"match": STATUS, "kind": "status", "status": 429, "retryAfter": 7,
                              "times": 1}]})
    await journey.refresh_distribution()
    assert sb.faults.fired == [1]
    assert sleep.delays == [7.0]
    snap = journey.state.get()
    assert snap.sequence_stage == "participating" and snap.context.position == 31
    assert snap.context.last_error is None


@pytest.mark.parametrize("when", ["before", "after"])
async def test_enter_with_a_dropped_connection_enters_once(
    sb: Sandbox, fanfare: Fanfare, sleep: RecordedSleep, when: str
) -> None:
    events = BusEvents(fanfare)
    journey = await _routed_queue(sb, fanfare)
    sb.faults.set({"rules": [{"match": ENTER, "kind": "drop", "when": when, "times": 1},
                             {"match": ENTER, "kind": "delay", "seconds": 0}]})
    await journey.enter_queue()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.context.position == 41
    # The drop fired once and the enter was sent twice (the counting rule saw both); with
    # "after" the repeat met ALREADY_IN_QUEUE and the status was fetched instead.
    assert sb.faults.fired == [1, 2]
    assert len(sleep.delays) == 1
    _assert_one_entry(sb, fanfare)
    assert "journey:error" not in events.names


async def test_malformed_json_is_a_decode_error_and_the_journey_goes_on(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    events = BusEvents(fanfare)
    journey = await _routed_queue(sb, fanfare)
    await journey.enter_queue()
    sb.faults.set({"rules": [{"match": STATUS, "kind": "malformed", "times": 1}]})
    with pytest.raises(DecodeError):
        await journey.refresh_distribution()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.context.last_error == ErrorCode.DECODE_ERROR
    errors = events.of("journey:error")
    assert [e["code"] for e in errors] == [ErrorCode.DECODE_ERROR]

    await sb.advance(40)
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert (snap.sequence_stage, snap.context.position) == ("participating", 1)
    await sb.advance(1)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "admitted"
    assert len(events.of("journey:error")) == 1


async def test_destroy_closes_the_pool_and_leaves_no_tasks(
    sb: Sandbox, make_fanfare: MakeFanfare, sleep: RecordedSleep
) -> None:
    before = asyncio.all_tasks()
    fanfare = await make_fanfare()
    journey = await _routed_queue(sb, fanfare)
    await journey.enter_queue()
    draw = fanfare.experiences.create_journey(sb.experiences["draw"])
    await draw.start()
    # A poll hangs in the server when destroy comes: it must be cancelled, not leaked.
    sb.faults.set({"rules": [{"match": STATUS, "kind": "delay", "seconds": 0.2}]})
    journey.start_polling(100)
    await _until(lambda: sb.faults.fired == [1])
    session = fanfare.api.client_session
    assert session is not None and not session.closed
    connector = session.connector
    assert connector is not None

    await fanfare.destroy()
    assert fanfare.destroyed and journey.destroyed and draw.destroyed
    assert fanfare.api.client_session is None or fanfare.api.client_session.closed
    assert session.closed and connector.closed
    assert fanfare.experiences.journeys == {}
    with pytest.raises(ClientClosedError) as raised:
        fanfare.experiences.create_journey(sb.experiences["queue"])
    assert raised.value.code == ErrorCode.NOT_INITIALIZED
    with pytest.raises(JourneyDestroyedError):
        await journey.refresh_distribution()

    def ours(task: asyncio.Task[Any]) -> bool:
        module = getattr(task.get_coro(), "cr_code", None)
        filename = getattr(module, "co_filename", "")
        return "fanfare_rx" in filename and "sandbox" not in filename

    for _ in range(5):
        await asyncio.sleep(0)
    leftover = asyncio.all_tasks() - before - {asyncio.current_task()}
    assert [t for t in leftover if ours(t)] == []
    assert sleep.delays == []  # the in-flight poll was cancelled, not failed and retried
    await _until(lambda: not (asyncio.all_tasks() - before - {asyncio.current_task()}))
    assert sb.faults.fired == [1]  # no poll after destroy


async def _until(check: Any, timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_create_journey_is_idempotent_until_destroyed(sb: Sandbox, fanfare: Fanfare) -> None:
    first = fanfare.experiences.create_journey(sb.experiences["queue"])
    assert fanfare.experiences.create_journey(sb.experiences["queue"]) is first
    other = fanfare.experiences.create_journey(sb.experiences["draw"])
    assert other is not first
    assert set(fanfare.experiences.journeys) == {sb.experiences["queue"], sb.experiences["draw"]}
    await first.start()
    first.destroy()
    assert sb.experiences["queue"] not in fanfare.experiences.journeys
    again = fanfare.experiences.create_journey(sb.experiences["queue"])
    assert again is not first and not again.destroyed
    assert again.state.get().journey_stage == "not_started"
    await again.start()
    assert again.state.get().journey_stage == "routed"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"organization_id": "", "publishable_key": "pk_test_x"}, "MISSING_ORGANIZATION_ID"),
        ({"organization_id": "org", "publishable_key": ""}, "MISSING_PUBLISHABLE_KEY"),
        ({"organization_id": "org", "publishable_key": "pk_test_x", "environment": "staging"},
         "INVALID_CONFIG"),
        ({"organization_id": "org", "publishable_key": "pk_test_x", "base_url": "ftp://x"},
         "INVALID_CONFIG"),
    ],
)
async def test_init_config_errors(kwargs: dict[str, Any], code: str) -> None:
    with pytest.raises(ConfigError) as raised:
        await Fanfare.init(**kwargs)
    assert raised.value.code == code
