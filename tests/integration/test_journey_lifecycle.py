"""Leaving, grant expiry (the journey's own timer and the server's) and entering again, and
resuming in a new ``Fanfare`` instance from file storage without a second entry."""

from __future__ import annotations

import time
from pathlib import Path

from integration_helpers import BusEvents, MakeFanfare, consumer_id, engine_of

from fanfare_rx import Fanfare, FileStorage, JourneyContext
from fanfare_rx.models.wire import QueueStatus, SessionInfo
from fanfare_rx.sandbox import Sandbox

#: A fault rule that never changes an answer, only counts the enters (``sb.faults.fired``).
COUNT_QUEUE_ENTERS = {"rules": [{"match": "POST /queues/*/enter", "kind": "delay", "seconds": 0}]}


async def test_leave_participation_back_to_enterable(sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    engine = engine_of(sb, "queue")
    me = consumer_id(fanfare)
    assert engine.records[me].status is QueueStatus.QUEUED

    await journey.leave_participation()
    snap = journey.state.get()
    assert snap.sequence_stage == "active_enterable"
    assert snap.context.position is None and snap.context.participation is None
    assert engine.records[me].status is QueueStatus.LEFT
    assert me not in engine.line
    assert events.names.count("queue:left") == 1

    await journey.enter_queue()  # back at the end of the line
    assert journey.sequence_stage.get() == "participating"
    assert journey.context.get().position == 41
    assert engine.entries_made[me] == 2


async def test_local_grant_expiry_then_enter_again(sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    sb.faults.set(COUNT_QUEUE_ENTERS)

    journey.mark_admitted("grant-learnt-elsewhere", expires_at_ms=int(time.time() * 1000) + 150)
    assert journey.sequence_stage.get() == "admitted"
    await journey.sequence_stage.wait_for(lambda s: s == "admission_expired", timeout=3)
    snap = journey.state.get()
    assert snap.context.admittance_token is None
    assert events.names.count("queue:expired") == 1

    # The server still has us in line: entering again answers "already in" -> our place.
    await journey.enter_queue()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.context.position == 41
    engine = engine_of(sb, "queue")
    assert engine.entries_made[consumer_id(fanfare)] == 1
    assert sb.faults.fired == [1]


async def test_server_grant_expiry_then_enter_again(sb: Sandbox, fanfare: Fanfare) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    await sb.advance(41)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "admitted"

    await sb.advance(601)  # admissionExpirationSeconds is 600
    await journey.refresh_distribution()
    snap = journey.state.get()
    assert snap.sequence_stage == "admission_expired"
    assert snap.context.admittance_token is None
    engine = engine_of(sb, "queue")
    me = consumer_id(fanfare)
    assert (engine.records[me].status, engine.records[me].reason) == (
        QueueStatus.DENIED, "ADMISSION_EXPIRED")
    assert events.names.count("queue:expired") == 1

    await journey.enter_queue()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.context.position == 1  # the simulated line was admitted meanwhile
    assert engine.records[me].status is QueueStatus.QUEUED


async def queued_then_restarted(
    sb: Sandbox, make_fanfare: MakeFanfare, tmp_path: Path, *, advance: float = 0
) -> tuple[JourneyContext, str, Fanfare, SessionInfo | None]:
    """Enter the queue with one instance, stop it, and restore a second one from the same
    file storage (queue entries are counted from then on). Returns the first journey's last
    context, the consumer id, the second instance and the session it restored."""
    first = await make_fanfare(storage=FileStorage(tmp_path))
    journey = first.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    if advance:
        await sb.advance(advance)
        await journey.refresh_distribution()
    before, me = journey.context.get(), consumer_id(first)
    await first.destroy()

    sb.faults.set(COUNT_QUEUE_ENTERS)
    second = await make_fanfare(storage=FileStorage(tmp_path))
    restored = await second.restore()
    return before, me, second, restored


async def test_resume_in_a_new_instance_from_file_storage(
    sb: Sandbox, make_fanfare: MakeFanfare, tmp_path: Path
) -> None:
    before, me, second, restored = await queued_then_restarted(
        sb, make_fanfare, tmp_path, advance=5
    )
    position = before.position
    assert position == 36
    assert restored is not None and restored.consumer_id == me
    resumed = second.experiences.create_journey(sb.experiences["queue"])
    assert await resumed.resume_from_me(await second.experiences.get_me())
    snap = resumed.state.get()
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "participating")
    assert snap.context.position == position
    engine = engine_of(sb, "queue")
    assert engine.entries_made[me] == 1
    assert list(engine.records) == [me]
    assert sb.faults.fired == [0]  # no enter was sent

    # The resumed journey keeps working: the line moves and it is admitted.
    await sb.advance(position)
    await resumed.refresh_distribution()
    assert resumed.sequence_stage.get() == "admitted"
    assert resumed.context.get().admittance_token == engine.records[me].grant.token


async def test_resume_all_restores_every_journey(
    sb: Sandbox, make_fanfare: MakeFanfare, tmp_path: Path
) -> None:
    first = await make_fanfare(storage=FileStorage(tmp_path))
    queue = first.experiences.create_journey(sb.experiences["queue"])
    draw = first.experiences.create_journey(sb.experiences["draw"])
    waitlist = first.experiences.create_journey(sb.experiences["waitlist"])
    for journey in (queue, draw, waitlist):
        await journey.start()
    await queue.enter_queue()
    await draw.enter_draw()
    await waitlist.enter_waitlist()
    expected = {j.experience_id: (j.sequence_stage.get(), j.context.get().position)
                for j in (queue, draw, waitlist)}
    await first.destroy()

    sb.faults.set(COUNT_QUEUE_ENTERS)
    second = await make_fanfare(storage=FileStorage(tmp_path))
    await second.restore()
    resumed = await second.experiences.resume_all()
    assert {j.experience_id for j in resumed} == set(expected)
    got = {j.experience_id: (j.sequence_stage.get(), j.context.get().position) for j in resumed}
    assert got == expected
    assert got[sb.experiences["waitlist"]][0] == "waitlist_entered"
    assert all(second.experiences.create_journey(j.experience_id) is j for j in resumed)
    assert sb.faults.fired == [0]


async def test_resume_from_server_into_a_known_sequence(
    sb: Sandbox, make_fanfare: MakeFanfare, tmp_path: Path
) -> None:
    before, me, second, _ = await queued_then_restarted(sb, make_fanfare, tmp_path)
    sequence_id, position = before.sequence_id, before.position
    assert sequence_id is not None and position is not None
    resumed = second.experiences.create_journey(sb.experiences["queue"])
    snap = await resumed.resume_from_server(sequence_id=sequence_id)
    assert (snap.journey_stage, snap.sequence_stage) == ("routed", "participating")
    assert snap.context.sequence_id == sequence_id
    assert snap.context.position == position
    assert engine_of(sb, "queue").entries_made[me] == 1
    assert sb.faults.fired == [0]  # no enter was sent
