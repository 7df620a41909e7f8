"""Timed-release and waitlist journeys end to end: a window that opens later (423 handled as
upcoming), admitted at once, completed; a waitlist entered, left, entered again until the
distribution opens."""

from __future__ import annotations

import pytest
from integration_helpers import BusEvents, consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.errors import ActionNotAvailableError, NotOpenYetError
from fanfare_rx.sandbox import Sandbox


async def test_timed_release_upcoming_then_admitted_then_completed(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["timed_release"])
    await journey.start()
    assert (journey.journey_stage.get(), journey.sequence_stage.get()) == ("routed", "upcoming")
    with pytest.raises(ActionNotAvailableError):
        await journey.enter_timed_release()

    # Straight through the client, an enter before the window is a 423 with the opening time.
    engine = engine_of(sb, "timed_release")
    with pytest.raises(NotOpenYetError) as raised:
        await fanfare.api.enter_timed_release(engine.id)
    assert raised.value.status == 423 and raised.value.code == "TIMED_RELEASE_NOT_OPEN"
    assert raised.value.retry_after is not None and 110 <= raised.value.retry_after <= 121
    assert engine.participants() == set()

    await sb.advance(121)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "active_enterable"
    await journey.enter_timed_release()
    snap = journey.state.get()
    assert snap.sequence_stage == "admitted"
    assert snap.context.admittance_token is not None
    assert engine.participants() == {consumer_id(fanfare)}

    await journey.complete_timed_release()
    snap = journey.state.get()
    assert (snap.sequence_stage, snap.context.outcome) == ("ended", "completed")
    assert snap.context.admittance_token is None
    # The entry answered at once by a grant: the entry once, then the grant under its own name.
    assert [n for n in events.names if n.startswith("timed_release:")] == [
        "timed_release:entered", "timed_release:granted", "timed_release:completed"]


async def test_a_423_on_enter_turns_the_journey_back_to_upcoming(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    """The journey believed the window open; the server (restarted with a fresh schedule)
    answers 423 TIMED_RELEASE_NOT_OPEN: the journey goes back to upcoming, no entry exists."""
    journey = fanfare.experiences.create_journey(sb.experiences["timed_release"])
    await sb.advance(121)
    await journey.start()
    assert journey.sequence_stage.get() == "active_enterable"
    await sb.stop()
    await sb.start()  # a fresh world on the same port: the window opens two minutes from now
    await fanfare.auth.start_new_guest()  # it forgot every consumer: never replaced silently
    with pytest.raises(NotOpenYetError):
        await journey.enter_timed_release()
    snap = journey.state.get()
    assert snap.sequence_stage == "upcoming"
    assert snap.context.last_error == "TIMED_RELEASE_NOT_OPEN"
    errors = [e for e in snap.events if e.kind == "error"]
    assert errors and errors[-1].detail is not None and errors[-1].detail["status"] == 423
    assert engine_of(sb, "timed_release").participants() == set()


async def test_waitlist_enter_leave_enter_then_distribution_opens(
    sb: Sandbox, fanfare: Fanfare
) -> None:
    events = BusEvents(fanfare)
    journey = fanfare.experiences.create_journey(sb.experiences["waitlist"])
    await journey.start()
    assert journey.sequence_stage.get() == "upcoming"
    distribution = journey.context.get().distribution
    assert distribution is not None and distribution.waitlist_id is not None
    waitlist = sb.world.waitlists[distribution.waitlist_id]

    await journey.enter_waitlist()
    assert journey.sequence_stage.get() == "waitlist_entered"
    me = consumer_id(fanfare)
    assert me in waitlist.members
    assert journey.context.get().waitlist_entered_at is not None

    await journey.leave_waitlist()
    assert journey.sequence_stage.get() == "upcoming"
    assert me not in waitlist.members

    await journey.enter_waitlist()
    assert journey.sequence_stage.get() == "waitlist_entered"
    assert me in waitlist.members
    assert [n for n in events.names if n.startswith("waitlist:")] == [
        "waitlist:entered", "waitlist:left", "waitlist:entered"]

    await sb.advance(300)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "waitlist_entered"  # still before the opening

    await sb.advance(301)  # the queue opens; a poll (route again) notices
    journey.start_polling(100)
    try:
        await journey.sequence_stage.wait_for(lambda s: s == "active_enterable", timeout=3)
    finally:
        journey.stop_polling()
    assert journey.context.get().waitlist_entered_at is None
    await journey.enter_queue()
    snap = journey.state.get()
    assert snap.sequence_stage == "participating"
    engine = engine_of(sb, "waitlist")
    assert engine.line.index(me) + 1 == snap.context.position
    assert "journey:error" not in events.names
