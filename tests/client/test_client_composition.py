"""The client is built from parts given at construction: the session manager counts the live
journeys' places from the start, and serves the one ``ConsumerApi`` it is attached to. Over
loopback HTTP against the sandbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reactivex.testing import TestScheduler

from fanfare_rx import Fanfare
from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.client.events import EventBus
from fanfare_rx.client.live_journeys import LiveJourneys
from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import ClientClosedError, ErrorCode, UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi


async def test_a_session_manager_serves_the_one_client_it_is_bound_to(
        sandbox: Sandbox, make_api: Callable[..., ConsumerApi]) -> None:
    sessions = SessionManager(sandbox.organization_id)
    api = make_api(sessions=sessions)
    # A second client would take over the manager's auth calls: the first one's refreshes
    # and guests would then go through it, and stop when it closes.
    with pytest.raises(UsageError, match="serves another ConsumerApi"):
        make_api(sessions=sessions)
    session = await api.guest()
    assert session.type == wire.SessionType.GUEST
    assert sessions.session == session
    await api.get_me()  # a consumer call with the bound manager's bearer
    assert sessions.session == session


async def test_fanfare_counts_the_places_of_its_journeys_from_the_start(
        sandbox: Sandbox) -> None:
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url) as fanfare:
        count = fanfare.sessions.participations
        assert count is not None and count() == 0
        journey = fanfare.experiences.create_journey(sandbox.experiences["queue"])
        await journey.start()
        await journey.enter_queue()
        assert count() == fanfare.experiences.live_participations() == 1
        with pytest.raises(AttributeError):  # given at construction, not set afterwards
            fanfare.sessions.participations = lambda: 0  # type: ignore[misc]


async def test_fanfare_refuses_a_session_manager_that_counts_no_places(
        sandbox: Sandbox, make_api: Callable[..., ConsumerApi]) -> None:
    # Without the count a lost guest session holding a place could be replaced by a new guest.
    uncounted = SessionManager(sandbox.organization_id)
    api = make_api(sessions=uncounted)
    with pytest.raises(UsageError, match=r"participations=journeys\)"):
        Fanfare(api, uncounted, EventBus(), TestScheduler(), journeys=LiveJourneys())
    journeys = LiveJourneys()
    # A count alone, or other journeys' places, would not tell these journeys of a lost session.
    for other in (SessionManager(sandbox.organization_id,
                                 participations=journeys.live_participations),
                  SessionManager(sandbox.organization_id, participations=LiveJourneys())):
        with pytest.raises(UsageError, match=r"participations=journeys\)"):
            Fanfare(make_api(sessions=other), other, EventBus(), TestScheduler(),
                    journeys=journeys)
    counted = SessionManager(sandbox.organization_id, participations=journeys)
    for bad in (0, -5, 1.5, True):
        with pytest.raises(UsageError, match="fail_open_after_ms"):
            Fanfare(api, counted, EventBus(), TestScheduler(), journeys=journeys,
                    fail_open_after_ms=bad)  # type: ignore[arg-type]
    fanfare = Fanfare(make_api(sessions=counted), counted, EventBus(), TestScheduler(),
                      journeys=journeys, fail_open_after_ms=1500)
    journey = fanfare.experiences.create_journey("exp-1")
    assert journeys.get("exp-1") is journey and fanfare.experiences.journeys == {
        "exp-1": journey}
    # The policy is kept by the namespace that gives it to each new journey.
    assert journey.fail_open_after_ms == fanfare.fail_open_after_ms == 1500
    fanfare.experiences.fail_open_after_ms = 3000
    assert fanfare.experiences.create_journey("exp-2").fail_open_after_ms == 3000
    assert journey.fail_open_after_ms == 1500
    await fanfare.destroy()
    assert journeys.get("exp-1") is None and journey.destroyed


def test_a_session_manager_given_the_live_journeys_counts_their_places() -> None:
    """It holds the journeys (no bound method kept per shopper) and still answers a count
    callable; a count callable is taken as before."""
    journeys = LiveJourneys()
    sessions = SessionManager("org", participations=journeys)
    assert sessions.places is journeys
    assert sessions.participations == journeys.live_participations
    assert sessions.participations is not None and sessions.participations() == 0
    counted = SessionManager("org", participations=lambda: 3)
    assert counted.participations is not None and counted.participations() == 3
    assert counted.places is None
    assert SessionManager("org").participations is None


async def test_closed_live_journeys_are_the_one_fact_of_a_destroyed_fanfare(
        sandbox: Sandbox, make_api: Callable[..., ConsumerApi]) -> None:
    """``Fanfare.destroy`` closes its live journeys: the client and its namespaces read that one
    fact, and a journey handed to closed journeys is destroyed, not kept."""
    journeys = LiveJourneys()
    sessions = SessionManager(sandbox.organization_id, participations=journeys)
    bus = EventBus()
    fanfare = Fanfare(make_api(sessions=sessions), sessions, bus, TestScheduler(),
                      journeys=journeys)
    # The session manager tells the journeys of a lost session itself: the client subscribes
    # nothing to the bus (a shopper's bus keeps no handler until the app adds one).
    assert not bus.listens_beyond(frozenset())
    kept = fanfare.experiences.create_journey("exp-1")
    assert not journeys.closed and not fanfare.destroyed
    await fanfare.destroy()
    assert journeys.closed and fanfare.destroyed and kept.destroyed
    for refused in (lambda: fanfare.experiences.create_journey("exp-2"), journeys.check_open):
        with pytest.raises(ClientClosedError, match="destroyed") as caught:
            refused()
        assert caught.value.code == ErrorCode.NOT_INITIALIZED
    late = ExperienceJourney("exp-3", ApiEffects(fanfare.api), scheduler=TestScheduler())
    with pytest.raises(ClientClosedError):
        journeys.add(late)
    assert late.destroyed and journeys.get("exp-3") is None
    await fanfare.destroy()  # idempotent
