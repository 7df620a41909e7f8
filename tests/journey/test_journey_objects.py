"""What a journey keeps, in tracked objects: a drop holds thousands of journeys and every full
collection walks each of their objects. Counts, not timings; each bound sits a little above
what a journey keeps today, so a regrowth fails. (The polling journey and what a poll leaves
are counted over loopback HTTP in ``tests/integration/test_polling_objects.py``.)"""

from __future__ import annotations

import gc
from collections import Counter

from reactivex.testing import TestScheduler

from fanfare_rx.journey.core import shared as sharing
from fanfare_rx.journey.core.shared import MAX_SHARED, shared
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import (
    AvailableActions,
    JourneyAction,
    Participation,
    ParticipationType,
)
from fanfare_rx.testing import ScriptedEffects
from fanfare_rx.testing import builders as b
from fanfare_rx.testing.harness import drive

JOURNEYS = 100


def _server(scheduler: TestScheduler) -> ScriptedEffects:
    server = ScriptedEffects(scheduler, experience=b.experience("queue"))
    server.on_route("-r|", r=b.routed())
    server.on_status("-n|", n=b.not_queued())
    server.on_enter("-q|", q=b.queued(3))
    return server


def _journeys(scheduler: TestScheduler, server: ScriptedEffects, count: int,
              join: bool) -> list[ExperienceJourney]:
    journeys = [ExperienceJourney(b.EXPERIENCE_ID, server, scheduler=scheduler)
                for _ in range(count)]
    for journey in journeys:
        journey.state.get()  # read, as its owner does
        if join:
            drive(journey, scheduler, "s---e", s="start", e="enter_queue")
    scheduler.advance_by(10)
    server.calls.clear()
    return journeys


def _census() -> Counter[str]:
    gc.collect()
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def _per_journey(join: bool) -> tuple[float, Counter[str]]:
    scheduler = TestScheduler()
    server = _server(scheduler)
    _journeys(scheduler, server, 1, join)  # warm: the shared parts, the caches
    _census()  # warm: the first census makes a few objects of its own
    before = _census()
    journeys = _journeys(scheduler, server, JOURNEYS, join)
    grown = _census() - before
    if join:
        assert all(j.sequence_stage.get() == "participating" for j in journeys)
    return (sum(grown.values()) - 1) / JOURNEYS, grown  # less the list of journeys


def test_an_idle_journey_is_three_objects() -> None:
    """The journey, its pipeline and its root store: no subject, lock, observer list, stores
    dict or runner until needed, and the first snapshot is shared by the journeys of the
    experience (an idle journey was 9 objects)."""
    per_journey, grown = _per_journey(join=False)
    assert per_journey <= 3.2, grown


def test_a_joined_journey_keeps_a_dozen_objects() -> None:
    """Queued: the five of an idle journey, its fold and effect runner, the snapshot's events
    (journey started, open, participating) and their tuple; the available actions, the
    distribution and the participation are shared with the other journeys of the drop (a
    joined journey kept 24 objects before)."""
    per_journey, grown = _per_journey(join=True)
    assert per_journey <= 12.5, grown
    for shared_part in ("AvailableActions", "DistributionSummary", "Participation"):
        assert grown[shared_part] == 0, grown


def test_journeys_of_one_drop_share_their_equal_snapshot_parts() -> None:
    scheduler = TestScheduler()
    server = _server(scheduler)
    first, second = _journeys(scheduler, server, 2, join=True)
    a, b_ = first.state.get(), second.state.get()
    assert a is not b_ and a.context is not b_.context
    assert a.available_actions is b_.available_actions
    assert a.context.distribution is b_.context.distribution
    assert a.context.participation is b_.context.participation is not None
    # an event's id names its revision and place: one string for every journey of the drop
    assert [e.id for e in a.events] == [e.id for e in b_.events] != []
    assert all(x.id is y.id for x, y in zip(a.events, b_.events, strict=True))


def test_shared_gives_the_kept_equal_value_and_stays_bounded() -> None:
    first = shared(AvailableActions(journey=(JourneyAction.START,)))
    assert shared(AvailableActions(journey=(JourneyAction.START,))) is first
    for index in range(MAX_SHARED + 1):
        shared(Participation(id=f"p-{index}", type=ParticipationType.QUEUE))
    assert len(sharing._KEPT) <= MAX_SHARED
    again = AvailableActions(journey=(JourneyAction.START,))
    assert shared(again) == first  # an equal value still, kept anew after the memo started over


def test_a_value_that_cannot_be_hashed_is_not_shared_and_not_refused() -> None:
    unhashable = Participation(id="p", type=ParticipationType.QUEUE, status=["QUEUED"])  # type: ignore[arg-type]
    assert shared(unhashable) is unhashable


def test_listening_to_a_journeys_stage_costs_four_objects() -> None:
    """The first ``journey.sequence_stage.listen`` makes the derived store (kept in a slot of
    the journey, no dict), mounts it on the root store as its one listener (no list) and adds
    the listener, which holds its store (no bound method): 4 tracked objects with the test's
    callback (10 before)."""
    scheduler = TestScheduler()
    server = _server(scheduler)
    journeys = _journeys(scheduler, server, JOURNEYS + 1, join=False)
    journeys[0].sequence_stage.listen(lambda _: None)  # warm
    _census()
    before = _census()
    offs = [journey.sequence_stage.listen(lambda _: None) for journey in journeys[1:]]
    grown = _census() - before
    assert (sum(grown.values()) - 2) / len(offs) <= 4, grown  # - the census and the list
