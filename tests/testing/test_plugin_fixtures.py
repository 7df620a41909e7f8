"""The pytest plugin's fixtures used as a user would: a sandbox on a manual clock, a Fanfare
bound to it, the fanfare_scenario marker, and the marble harness factory."""

from __future__ import annotations

from typing import Any

import pytest

from fanfare_rx import Fanfare
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import SEQUENCE_STAGES
from fanfare_rx.testing import builders as b

pytestmark = pytest.mark.integration

ONE_QUEUE: dict[str, Any] = {
    "experiences": [
        {
            "id": "exp-small", "label": "small", "name": "Small drop",
            "sequences": [
                {"id": "seq-small", "name": "General", "priority": 1,
                 "distribution": {"type": "queue", "id": "queue-small", "admitRate": 6, "crowd": 2}},
            ],
        }
    ]
}


async def test_sandbox_fixture_is_running_on_a_manual_clock(fanfare_sandbox: Sandbox) -> None:
    assert fanfare_sandbox.base_url.startswith("http://127.0.0.1:")
    assert fanfare_sandbox.port != 0
    before = fanfare_sandbox.now()
    await fanfare_sandbox.advance(90)
    assert (fanfare_sandbox.now() - before).total_seconds() == pytest.approx(90)
    assert "queue" in fanfare_sandbox.experiences  # the built-in scenario


async def test_fanfare_fixture_runs_a_journey_to_admission(fanfare: Fanfare, fanfare_sandbox: Sandbox) -> None:
    assert fanfare.api.base_url.rstrip("/") == fanfare_sandbox.base_url
    journey = fanfare.experiences.create_journey(fanfare_sandbox.experiences["queue"])
    await journey.start()
    snap = await journey.enter_queue()
    assert snap.sequence_stage == "participating"
    assert snap.context.position == 41  # 40 simulated consumers ahead
    await fanfare_sandbox.advance(60)
    snap = await journey.refresh_distribution()
    assert snap.sequence_stage == "admitted"
    assert snap.context.admittance_token


@pytest.mark.fanfare_scenario(ONE_QUEUE, seed=3)
async def test_marker_selects_a_scenario_dict(fanfare: Fanfare, fanfare_sandbox: Sandbox) -> None:
    assert fanfare_sandbox.experiences == {"small": "exp-small"}
    assert fanfare_sandbox.seed == 3
    journey = fanfare.experiences.create_journey("exp-small")
    await journey.start()
    snap = await journey.enter_queue()
    assert snap.context.position == 3
    await fanfare_sandbox.advance(29)  # 6 per minute: one every 10 s; 2 admitted so far
    assert (await journey.refresh_distribution()).context.position == 1
    await fanfare_sandbox.advance(1)
    assert (await journey.refresh_distribution()).sequence_stage == "admitted"


@pytest.mark.fanfare_scenario(ONE_QUEUE)
async def test_fixtures_are_fresh_per_test(fanfare: Fanfare, fanfare_sandbox: Sandbox) -> None:
    # the previous test's consumer is gone: a new world and a new session
    journey = fanfare.experiences.create_journey("exp-small")
    await journey.start()
    assert (await journey.enter_queue()).context.position == 3


def test_journey_harness_factory(journey_harness: Any) -> None:
    h = journey_harness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    h.act("s", s="start")
    h.expect(h.journey.sequence_stage, "ne--", **SEQUENCE_STAGES)
    h.run()  # to the end of the expectation: the status answer (at 2 s) is folded
    assert h.outcome("start").ok


def test_journey_harness_factory_destroys_at_teardown(request: pytest.FixtureRequest) -> None:
    made = request.getfixturevalue("journey_harness")
    h = made(b.experience("draw"))
    assert not h.journey.destroyed
    request.node.stash[_HARNESS] = h


_HARNESS = pytest.StashKey[Any]()


@pytest.fixture(autouse=True)
def _check_destroyed(request: pytest.FixtureRequest) -> Any:
    yield
    # runs after journey_harness's teardown (it was requested later, so torn down earlier)
    h = request.node.stash.get(_HARNESS, None)
    if h is not None:
        assert h.journey.destroyed
