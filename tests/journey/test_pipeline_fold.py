"""The fold's delivery order: a message sent while a snapshot is being published (from a
listener) waits its turn in the journey's queue, so every subscriber sees revisions in order."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import reactivex

from fanfare_rx.journey import pipeline
from fanfare_rx.journey.core.messages import Message
from fanfare_rx.journey.operators import JourneyFold, fold_journey
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


def test_the_live_journey_folds_its_messages_as_fold_journey_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The journey's messages go to one ``JourneyFold``, the observer one subscription of
    ``fold_journey`` is: it publishes exactly what ``messages.pipe(fold_journey(seed))`` does."""
    folds: list[JourneyFold] = []
    messages: list[Message] = []

    class Spy(JourneyFold):
        __slots__ = ()

        def __init__(self, seed: JourneySnapshot, observer: Any) -> None:
            super().__init__(seed, observer)
            folds.append(self)

        def on_next(self, message: Message) -> None:
            messages.append(message)
            super().on_next(message)

    monkeypatch.setattr(pipeline, "JourneyFold", Spy)
    h = routed()
    published: list[JourneySnapshot] = []
    h.journey.state.subscribe(published.append)
    assert h.journey._pipeline._fold is None  # an idle journey has no fold yet
    h.act("s", s="start")
    h.advance(3)
    assert len(folds) == 1  # made once, on the first message
    assert folds[0].snapshot is h.journey.state.get()
    operator: list[JourneySnapshot] = []
    reactivex.from_iterable(messages).pipe(fold_journey(published[0])).subscribe(operator.append)
    assert operator == published  # the seed, then the same snapshots
    assert published[-1].sequence_stage.value == "participating"


def test_destroy_drops_the_fold() -> None:
    h = routed()
    h.act("s", s="start")
    h.advance(3)
    assert h.journey._pipeline._fold is not None
    h.journey.destroy()
    assert h.journey._pipeline._fold is None


def test_a_message_is_delivered_without_a_scheduled_item_on_reactivex_trampoline() -> None:
    """Delivering a message (re-entrant ones included) calls nothing of reactivex's schedulers
    or disposables: the journey's own queue keeps the order at no per-message allocation."""
    h = routed()
    h.journey.state.listen(lambda snap: h.journey.ack_all_events()
                           if snap.last_seen_event_id is None and snap.events else None)
    called: set[str] = set()
    send = pipeline.JourneyPipeline.send.__code__
    inside = [0]  # how deep in ``_send`` the current call is

    def profile(frame: Any, event: str, _: Any) -> None:
        if frame.f_code is send:
            inside[0] += 1 if event == "call" else -1 if event == "return" else 0
        elif event == "call" and inside[0]:
            called.add(frame.f_code.co_filename)

    sys.setprofile(profile)
    try:
        h.act("s", s="start")
        h.advance(3)
    finally:
        sys.setprofile(None)
    assert h.journey.state.get().journey_stage.value == "routed"
    assert called  # the fold, the reducer and the subscribers ran inside ``_send``
    trampoline = {name for name in called if "reactivex" in name
                  and ("trampoline" in name or "currentthread" in name)}
    assert not trampoline  # (a timer the fold sets on the journey's scheduler is no delivery)
