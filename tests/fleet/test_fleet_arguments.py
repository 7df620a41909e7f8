"""A fleet refuses bad options at construction (not shopper by shopper), and runs a
``functools.partial`` behaviour on Ray as on the local backend."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from fleet_helpers import target_of

from fanfare_rx import ConfigError, ExperienceJourney
from fanfare_rx.fleet import Fleet, FleetTarget
from fanfare_rx.sandbox import Sandbox

pytestmark = pytest.mark.integration

TARGET = FleetTarget("http://127.0.0.1:1", "org", "pk_test", experience_id="exp")


@pytest.mark.parametrize("shoppers", ["10", b"10", True, ["a", ""], ["a", 1], [], 2.0])
def test_shoppers_are_a_count_or_ids(shoppers: Any) -> None:
    with pytest.raises(ConfigError, match="shopper"):
        Fleet(TARGET, shoppers=shoppers)


@pytest.mark.parametrize("kwargs", [
    {"interval": float("nan")}, {"shopper_timeout": float("nan")}, {"shopper_timeout": 0},
    {"spawn_rate": float("inf")}, {"actors": 1.5}, {"concurrency": True},
])
def test_numbers_that_are_no_numbers_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        Fleet(TARGET, shoppers=2, **kwargs)


@pytest.mark.parametrize(("args", "kwargs"), [
    (("127.0.0.1:4802", "org", "pk_test"), {}),
    (("localhost/api", "org", "pk_test"), {}),
    (("http://127.0.0.1:1", "org", "pk_test"), {"timeout": float("nan")}),
    (("http://127.0.0.1:1", "org", "pk_test"), {"timeout": "30"}),
    (("http://127.0.0.1:1", "org", "sk_test_secret"), {}),
])
def test_a_target_is_checked_once_at_construction(args: tuple[str, str, str],
                                                  kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError) as caught:
        FleetTarget(*args, experience_id="exp", **kwargs)
    assert "sk_test_secret" not in str(caught.value)


async def _outcome(journey: ExperienceJourney, *, outcome: str) -> str:
    await journey.start()
    return f"{outcome} {journey.journey_stage.get()}"


@pytest.mark.parametrize("backend", ["local", "ray"])
async def test_a_partial_behaviour_runs_on_every_backend(
        still_sandbox: Sandbox, backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "ray":
        request.getfixturevalue("ray_cluster")
    fleet = Fleet(target_of(still_sandbox), shoppers=4, backend=backend, actors=2)
    summary = await fleet.run(functools.partial(_outcome, outcome="routed as"))
    assert dict(summary.outcomes) == {"routed as routed": 4}
    assert summary.error_count == 0


def test_a_ray_actor_tunes_the_collector_of_the_process_it_owns() -> None:
    import gc

    from fanfare_rx.fleet.backends import ShopperActor, WorkerPlan
    from fanfare_rx.tuning import MANY_JOURNEYS_THRESHOLDS

    before = gc.get_threshold()

    async def shopper(_: object) -> str:
        return "admitted"

    plan = WorkerPlan(TARGET, concurrency=1, started_at=0.0, shopper_timeout=None)
    actor = ShopperActor(plan, shopper, 0)
    try:
        assert gc.get_threshold() == MANY_JOURNEYS_THRESHOLDS and actor._gc.active
    finally:
        actor._gc.restore()
    assert gc.get_threshold() == before


def test_the_fleet_package_re_exports_its_records_as_the_records_module_lists_them() -> None:
    """One listing: ``fleet.records.__all__`` is what ``fanfare_rx.fleet`` re-exports of it."""
    from fanfare_rx import fleet
    from fanfare_rx.fleet import records

    assert set(records.__all__) <= set(fleet.__all__)
    assert all(getattr(fleet, name) is getattr(records, name) for name in records.__all__)
    assert len(fleet.__all__) == len(set(fleet.__all__))
