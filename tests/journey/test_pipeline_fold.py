"""The fold's delivery order: a message sent while a snapshot is being published (from a
listener) waits its turn on the trampoline, so every subscriber sees revisions in order."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reactivex import Observable, compose
from reactivex import operators as ops

from fanfare_rx.journey import pipeline
from fanfare_rx.journey.core.messages import Message
from fanfare_rx.journey.operators import fold_journey
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b


def routed() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("(s|)", s=b.queued(3))
    return h


def test_a_message_sent_from_a_listener_is_folded_after_the_current_publish() -> None:
    h = routed()
    first: list[int] = []
    second: list[int] = []

    def ack_on_participating(snap: JourneySnapshot) -> None:
        first.append(snap.revision)
        if snap.sequence_stage.value == "participating" and snap.last_seen_event_id is None:
            h.journey.ack_all_events()  # re-entrant: queued, not nested

    h.journey.state.listen(ack_on_participating)
    h.journey.state.listen(lambda snap: second.append(snap.revision))
    h.act("s", s="start")
    h.advance(3)
    assert second == first  # the second listener saw every revision, in the same order
    assert second == sorted(second) and len(set(second)) == len(second)
    assert h.journey.state.get().last_seen_event_id is not None  # the ack was folded


def test_destroy_from_a_listener_drops_what_is_still_queued() -> None:
    h = routed()
    seen: list[str] = []

    def destroy_on_routed(snap: JourneySnapshot) -> None:
        seen.append(snap.journey_stage.value)
        if snap.journey_stage.value == "routed":
            h.journey.ack_all_events()  # queued behind this publish ...
            h.journey.destroy()  # ... and dropped by the destroy

    h.journey.state.listen(destroy_on_routed)
    h.act("s", s="start")
    h.advance(3)
    assert h.journey.destroyed
    assert seen[-1] == "routed" and seen.count("routed") == 1
    assert h.journey.state.get().last_seen_event_id is None


def test_the_live_journey_folds_its_messages_through_fold_journey(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The journey's snapshots are ``messages.pipe(fold_journey(seed))``: the operator a marble
    test folds with is the one the live journey publishes from."""
    seeds: list[JourneySnapshot] = []
    emitted: list[JourneySnapshot] = []

    def spy(seed: JourneySnapshot) -> Callable[[Observable[Message]], Observable[JourneySnapshot]]:
        seeds.append(seed)
        return compose(fold_journey(seed), ops.do_action(emitted.append))

    monkeypatch.setattr(pipeline, "fold_journey", spy)
    h = routed()
    published: list[JourneySnapshot] = []
    h.journey.state.subscribe(published.append)
    assert h.journey._messages is None  # an idle journey has no message stream yet
    h.act("s", s="start")
    h.advance(3)
    assert seeds == [published[0]]  # made once, on the first message, seeded with the snapshot
    assert published == emitted  # the seed, then every snapshot the operator folded
    assert [s.sequence_stage.value for s in published][-1] == "participating"


def test_destroy_ends_the_fold_subscription() -> None:
    h = routed()
    h.act("s", s="start")
    h.advance(3)
    messages = h.journey._messages
    assert messages is not None and len(messages.observers) == 1
    h.journey.destroy()
    assert messages.observers == [] and messages.is_stopped
    assert h.journey._messages is None
