"""The summary fold on hand-made batches: coalesced changes, finished shoppers by outcome,
errors by type, the timeline of places in line; and the fleet's own argument checks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fleet_helpers import EXPERIENCE_ID

from fanfare_rx import ConfigError, JourneyStage, SequenceStage
from fanfare_rx.fleet import (
    Batch,
    Fleet,
    FleetTarget,
    ShopperChange,
    ShopperResult,
    ShopperState,
    SummaryFold,
    shopper_ids,
)

TARGET = FleetTarget("http://127.0.0.1:1", "org", "pk_test", experience_id=EXPERIENCE_ID)


def in_line(shopper: str, at: float, position: int) -> ShopperChange:
    state = ShopperState(JourneyStage.ROUTED, SequenceStage.PARTICIPATING, revision=5,
                         position=position)
    return ShopperChange(shopper, at, state)


def admitted(shopper: str, at: float) -> ShopperChange:
    return ShopperChange(shopper, at, ShopperState(JourneyStage.ROUTED, SequenceStage.ADMITTED, 9))


def test_the_fold_counts_stages_places_admissions_and_outcomes() -> None:
    fold = SummaryFold(shoppers=4, workers=2)
    fold.add(Batch(0, changes=(in_line("a", 1, 1), in_line("b", 1, 3)), started=2))
    fold.add(Batch(1, changes=(in_line("c", 1, 2),), started=1, cpu_seconds=0.5))
    first = fold.mark(1.0)
    assert (first.in_line, first.median_position, first.max_position) == (3, 2, 3)
    assert fold.summary(1.0).stages == {"participating": 3}

    fold.add(Batch(0, changes=(admitted("a", 2),),
                   results=(ShopperResult("b", 2, "error", False, "ValueError: boom"),),
                   started=2, cpu_seconds=1.0))
    fold.add(Batch(1, results=(ShopperResult("c", 2, "admitted", True),), started=2,
                   cpu_seconds=0.75, done=True))
    second = fold.mark(2.0)
    summary = fold.summary(2.0)
    assert (second.in_line, second.admitted, second.finished, second.errors) == (0, 2, 2, 1)
    assert summary.stages == {"admitted": 1}
    assert summary.outcomes == {"error": 1, "admitted": 1}
    assert summary.errors == {"ValueError": 1}
    assert summary.error_samples == ("b: ValueError: boom",)
    assert (summary.started, summary.cpu_seconds) == (4, 1.75)
    assert not fold.done
    fold.add(Batch(0, results=(ShopperResult("a", 3, "admitted", True),), started=2, done=True))
    assert fold.done
    assert fold.summary(3.0).timeline_columns()["admitted"] == [0, 2]


def test_a_change_after_the_shoppers_end_is_ignored() -> None:
    fold = SummaryFold(shoppers=1, workers=1)
    fold.add(Batch(0, results=(ShopperResult("a", 1, "ended", False),), started=1))
    fold.add(Batch(0, changes=(in_line("a", 2, 1),), started=1))
    assert fold.summary(2.0).stages == {}


def test_shopper_ids_sort_as_numbers() -> None:
    ids = shopper_ids(12)
    assert ids[0] == "shopper-01" and ids[-1] == "shopper-12"
    assert sorted(ids) == ids


@pytest.mark.parametrize("kwargs", [
    {"backend": "threads"}, {"actors": 0}, {"concurrency": 0}, {"interval": 0},
    {"shoppers": 0}, {"shoppers": ["a", "a"]}, {"spawn_rate": 0},
])
def test_bad_fleet_options_are_config_errors(kwargs: dict[str, object]) -> None:
    options: dict[str, object] = {"shoppers": 3, **kwargs}
    with pytest.raises(ConfigError):
        Fleet(TARGET, **options)  # type: ignore[arg-type]


def test_a_target_needs_every_field_and_hides_its_key() -> None:
    with pytest.raises(ConfigError):
        FleetTarget("", "org", "pk", experience_id="exp")
    assert "pk_test_secretish_key" not in repr(
        FleetTarget("http://x", "org", "pk_test_secretish_key", experience_id="exp"))


async def test_a_fleet_runs_once() -> None:
    async def idle(journey: object) -> str:
        return "idle"

    fleet = Fleet(TARGET, shoppers=1)
    assert (await fleet.run(idle)).outcomes == {"idle": 1}
    with pytest.raises(ConfigError):
        await fleet.run(idle)


def test_importing_the_fleet_does_not_load_ray() -> None:
    script = "import sys, json, fanfare_rx.fleet; print(json.dumps('ray' in sys.modules))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is False


def test_lost_workers_hand_over_their_unfinished_shoppers_each_counted_started_once() -> None:
    fold = SummaryFold(shoppers=5, workers=3)
    fold.add(Batch(0, results=(ShopperResult("a", 1, "admitted", True),), started=2))
    fold.add(Batch(1, started=1))
    fold.add(Batch(2, started=2, done=True))
    assert fold.lose(0, ["a", "b"], own=2) == ["b"]  # a finished, b goes on elsewhere
    fold.adopting(1)
    fold.add(Batch(0, results=(ShopperResult("b", 2, "admitted", True),), started=2))  # late
    assert fold.summary(3).finished == 1  # a lost worker's late batch is not counted
    assert fold.lose(1, ["c", "b"], own=1) == ["c", "b"]  # lost again, with what it took over
    fold.adopting(2)
    fold.add(Batch(2, results=(ShopperResult("b", 4, "admitted", True),
                               ShopperResult("c", 4, "admitted", True)),
                   started=2, resumed=2, done=True))
    summary = fold.summary(5)
    assert fold.done
    assert (summary.started, summary.finished, summary.admitted) == (5, 3, 3)
    assert (summary.actors_lost, summary.restarts, summary.resumed) == (2, 3, 2)
    assert "actors lost: 2; shoppers restarted on the others: 3 (2 resumed from their stored " \
           "session)" in summary.lines()
