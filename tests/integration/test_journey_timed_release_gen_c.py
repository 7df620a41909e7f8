"""A timed release served in the gen C shape (spec §4.3, §4.7): not listed in the experience
(found through ``/consumers/me``), a granted entry is ``ENTERED`` with its ``admissionGrant``,
and completion needs no gen B endpoint. Skipped while the sandbox cannot serve that shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import reactivex
from integration_helpers import consumer_id, engine_of
from reactivex import Observable

from fanfare_rx import Fanfare
from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import ScenarioError, parse_scenario
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.retry import RetryPolicy

SCENARIO = {
    "timedReleaseShape": "genC",
    "experiences": [{"id": "exp-x", "label": "x", "name": "X", "sequences": [
        {"id": "seq-x", "name": "Release", "priority": 1,
         "distribution": {"type": "timed_release", "id": "t-1", "openAt": 60, "closeAt": 1800,
                          "admissionExpirationSeconds": 600}}]}],
}


@pytest.fixture
async def gen_c() -> AsyncIterator[tuple[Sandbox, Fanfare]]:
    try:
        scenario = parse_scenario(SCENARIO)
    except ScenarioError:
        pytest.skip("this sandbox does not serve the gen C timed-release shape")
    if getattr(scenario, "timed_release_shape", None) != "genC":
        pytest.skip("this sandbox does not serve the gen C timed-release shape")
    sandbox = await Sandbox(scenario, clock="manual", seed=0).start()
    fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                                 publishable_key=sandbox.publishable_key, base_url=sandbox.base_url,
                                 retry=RetryPolicy(seed=0), sleep=RecordedSleep())
    try:
        yield sandbox, fanfare
    finally:
        await fanfare.destroy()
        await sandbox.stop()


async def test_gen_c_timed_release_upcoming_open_admitted(gen_c: tuple[Sandbox, Fanfare]) -> None:
    sb, fanfare = gen_c
    journey = fanfare.experiences.create_journey(sb.experiences["x"])
    await journey.start()
    snap = journey.state.get()
    assert snap.context.distribution is not None and snap.context.distribution.id == "t-1"
    assert snap.sequence_stage == "upcoming"
    await sb.advance(70)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "active_enterable"
    await journey.enter_timed_release()
    snap = journey.state.get()
    assert snap.sequence_stage == "admitted"
    engine = engine_of(sb, "x")
    assert snap.context.admittance_token == engine.entries[consumer_id(fanfare)].grant.token
    assert snap.available_actions.sequence == ("complete_timed_release",)
    # Gen C has no completion endpoint: completing asks the status (the purchase completes the
    # participation server-side); the gen B POST .../complete is never sent.
    await journey.complete_timed_release()
    assert engine.entries[consumer_id(fanfare)].status.value != "COMPLETED"
    assert journey.sequence_stage.get() == "admitted"


class _NotListedAtFirst(ApiEffects):
    """The real API, except that the first ``/consumers/me`` does not list the journey yet (as
    a server whose projection lags behind the route)."""

    def __init__(self, api: Any) -> None:
        super().__init__(api)
        self.me_calls = 0

    def load_me(self) -> Observable[wire.ConsumerMe]:
        self.me_calls += 1
        if self.me_calls == 1:
            return reactivex.just(wire.ConsumerMe(active=wire.ActiveJourneys(journeys=())))
        return super().load_me()


async def test_a_release_not_listed_yet_is_found_by_polling(gen_c: tuple[Sandbox, Fanfare]) -> None:
    sb, fanfare = gen_c
    effects = _NotListedAtFirst(fanfare.api)
    journey = ExperienceJourney(sb.experiences["x"], effects=effects)
    try:
        await journey.start()
        snap = journey.state.get()
        assert (snap.journey_stage, snap.sequence_stage) == ("routed", "none")
        assert snap.events[-1].detail is not None
        assert snap.events[-1].detail["code"] == "DISTRIBUTION_NOT_LISTED"
        journey.start_polling(100)
        await journey.sequence_stage.wait_for(lambda s: s == "upcoming", timeout=10)
        distribution = journey.state.get().context.distribution
        assert distribution is not None and distribution.id == "t-1"
        assert effects.me_calls >= 2
    finally:
        journey.destroy()
