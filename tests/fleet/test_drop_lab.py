"""The drop lab's figures: rank correlation, percentiles and the report on results with a known
answer, then seeded drops on the real sandbox over loopback (real clock, so that the grants'
lifetimes are the client's seconds): a first-come-first-served queue, grants that all expire
before checkout, and a draw whose win rate per cohort adds up to its winner count."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.fleet import (
    Fleet,
    FleetTarget,
    ShopperResult,
    ShopperTiming,
    drop_report,
    lab_shopper,
)
from fanfare_rx.fleet.lab import OUTCOME_CLAIMED, OUTCOME_EXPIRED, percentile, ranks, spearman
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines.draw import DrawEngine
from fanfare_rx.sandbox.scenario import parse_scenario

SHOPPERS = 24


def test_ranks_share_ties() -> None:
    assert ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]
    assert ranks([]) == []


def test_spearman_known_answers() -> None:
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)  # 1 - 6*4/120
    assert spearman([1, 2, 3], [10, 20, 30]) == 1.0
    assert spearman([1, 2, 3], [3, 2, 1]) == -1.0
    assert spearman([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert spearman([1], [1]) is None
    assert spearman([1, 2], [5, 5]) is None
    with pytest.raises(UsageError):
        spearman([1, 2], [1])


def test_percentile_interpolates() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([4, 1, 3, 2], 0) == 1
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == pytest.approx(9.1)
    with pytest.raises(UsageError):
        percentile([], 50)
    with pytest.raises(UsageError):
        percentile([1], 101)


def _result(n: int, entered: float | None, admitted: float | None, predicted: float | None,
            expired: bool = False) -> ShopperResult:
    return ShopperResult(f"s{n}", 0.0, "admitted" if admitted is not None else "lost",
                         admitted is not None,
                         timing=ShopperTiming(entered, predicted, admitted, expired))


def test_a_report_with_a_known_answer() -> None:
    results = [
        _result(1, 0.0, 1.0, 2.0),                # error +1
        _result(2, 1.0, 3.0, 2.0),                # error 0
        _result(3, 2.0, 2.5, 0.0, expired=True),  # error -0.5; admitted before 2: a swap
        _result(4, 3.0, 7.0, 1.0),                # error -3
        _result(5, 4.0, None, 5.0),               # never admitted
        _result(6, None, None, None),             # never took part
        _result(7, 5.0, None, 1.0, expired=True),  # its grant was first seen expired
    ]
    report = drop_report(results)
    # arrival ranks 1..4, admission ranks 1, 3, 2, 4: 1 - 6*2/60
    assert report.arrival_admission_spearman == pytest.approx(0.8)
    assert report.wait_error == {50: 0.75, 90: pytest.approx(2.4), 99: pytest.approx(2.94)}
    assert report.wait_bias == pytest.approx(-0.25)
    assert (report.shoppers, report.admitted, report.grants) == (7, 4, 5)
    assert report.grants_expired_unclaimed == 2
    # six arrivals: quarter 1 + 4 * index // 6
    assert report.cohort_sizes == {"Q1": 2, "Q2": 1, "Q3": 2, "Q4": 1, "none": 1}
    assert report.win_rate == {"Q1": 1.0, "Q2": 1.0, "Q3": 0.5, "Q4": 0.0, "none": 0.0}
    odd = drop_report(results, cohort=lambda r: "odd" if int(r.shopper_id[1:]) % 2 else "even")
    assert odd.win_rate == {"even": pytest.approx(2 / 3), "odd": pytest.approx(2 / 4)}
    lines = report.lines()
    assert lines[0] == "arrival vs admission order (Spearman): 0.800"
    assert lines[2] == "grants expired unclaimed: 2 of 5 (40%)"


# --- seeded drops on the sandbox ------------------------------------------------------------------

def _scenario(distribution: dict[str, Any]) -> dict[str, Any]:
    return {"requestsPerMinute": 1_000_000, "experiences": [{
        "id": "exp-lab", "label": "lab", "name": "Lab", "sequences": [{
            "id": "seq-lab", "name": "Lab", "priority": 1, "distribution": distribution}]}]}


@pytest.fixture
def drop() -> Any:
    async def run(distribution: dict[str, Any], **shopper: Any) -> tuple[Any, Sandbox]:
        async with Sandbox(parse_scenario(_scenario(distribution)), clock="real",
                           speed=1, seed=7) as sandbox:
            target = FleetTarget(sandbox.base_url, sandbox.organization_id,
                                 sandbox.publishable_key, experience_id="exp-lab")
            # 24 arrivals a second: each shopper enters ~40 ms after the one before, so the
            # order of arrival is the order the server saw (all at once, answers handled within
            # a millisecond of each other would leave the order to chance)
            fleet = Fleet(target, shoppers=SHOPPERS, interval=0.2, spawn_rate=24)
            summary = await fleet.run(functools.partial(lab_shopper, poll_ms=100, **shopper))
            return summary, sandbox
    return run



@pytest.mark.integration
async def test_a_first_come_first_served_queue_with_time_to_check_out(drop: Any) -> None:
    # 12 admissions a second: the last of 24 waits two seconds; grants last a minute.
    summary, _ = await drop({"type": "queue", "id": "q", "admitRate": 720,
                             "admissionExpirationSeconds": 60}, checkout_seconds=0.1)
    report = summary.drop_report()
    assert dict(summary.outcomes) == {OUTCOME_CLAIMED: SHOPPERS}
    assert report.admitted == SHOPPERS and report.grants_expired_unclaimed == 0
    assert report.arrival_admission_spearman is not None
    assert report.arrival_admission_spearman > 0.8  # admitted in the order they came
    assert set(report.wait_error) == {50, 90, 99}
    assert sum(report.cohort_sizes.values()) == SHOPPERS


@pytest.mark.integration
async def test_grants_shorter_than_the_checkout_all_expire_unclaimed(drop: Any) -> None:
    summary, _ = await drop({"type": "queue", "id": "q", "admitRate": 6000,
                             "admissionExpirationSeconds": 1}, checkout_seconds=2.0, spread=0.2)
    report = summary.drop_report()
    assert dict(summary.outcomes) == {OUTCOME_EXPIRED: SHOPPERS}
    assert report.grants_expired_unclaimed == report.grants == SHOPPERS
    assert report.expired_share == 1.0


@pytest.mark.integration
async def test_a_seeded_draw_s_win_rates_add_up_to_its_winners(drop: Any) -> None:
    winners = 6
    summary, sandbox = await drop({"type": "draw", "id": "d", "drawAt": 3,
                                   "winnerCount": winners, "admissionExpirationSeconds": 60},
                                  checkout_seconds=0.1)
    by_parity = summary.drop_report(
        cohort=lambda r: "odd" if int(r.shopper_id.rsplit("-", 1)[1]) % 2 else "even")
    assert by_parity.cohort_sizes == {"even": SHOPPERS // 2, "odd": SHOPPERS // 2}
    assert sum(rate * by_parity.cohort_sizes[c]
               for c, rate in by_parity.win_rate.items()) == pytest.approx(winners)
    entries = sandbox.world.engine("d", DrawEngine).entries.values()
    assert by_parity.admitted == winners == sum(1 for e in entries if e.grant is not None)
    assert dict(summary.outcomes) == {OUTCOME_CLAIMED: winners, "lost": SHOPPERS - winners}
    quartiles = summary.drop_report()
    assert sum(quartiles.cohort_sizes.values()) == SHOPPERS
