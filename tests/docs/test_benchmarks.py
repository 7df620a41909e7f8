"""Every benchmark runs at a tiny size (a smoke test: no figure is checked, the script must
finish and print its comparison lines)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "benchmarks").glob("bench_*.py"))
#: Further options of a smoke run: the drop runs two rounds of its shared-pool variants (its
#: one-table path is still taken by the one-Fanfare-each variants).
QUICK_OPTIONS = {"drop": ["--repeat", "2"]}


def test_there_are_benchmarks() -> None:
    assert "sandbox" in BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_benchmark_runs_quick(name: str) -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", name,
                             *QUICK_OPTIONS.get(name, [])], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"== {name}" in result.stdout
    # each figure is printed beside its baseline, with the ratio ("ratio 0.62", "0.76x", "×")
    assert re.search(r"ratio|\d\s*[x×](?!\w)", result.stdout), result.stdout
    # the whole output fits a terminal of 80 columns
    wide = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert not wide, wide
    if name == "drop":
        _check_rounds(result.stdout)


def _check_rounds(out: str) -> None:
    """``drop --repeat 2``: a line a round (library and bare alternately), then each figure's
    median and range beside bare's, and the median and range of the rounds' own ratios."""
    assert re.search(r"round 1: .*\n  round 2: ", out), out
    assert "(20 shoppers, 2 rounds: median [range])" in out
    cpu = re.search(r"CPU per request, µs +(\d+) \[(\d+)-(\d+)\] +(\d+) \[(\d+)-(\d+)\] +"
                    r"([\d.]+) \[([\d.]+)-([\d.]+)\]", out)
    assert cpu, out
    for middle, low, high in (cpu.group(1, 2, 3), cpu.group(4, 5, 6), cpu.group(7, 8, 9)):
        assert float(low) <= float(middle) <= float(high)
    assert re.search(r"  once all joined +\d+ \[\d+-\d+\] +\d+ \[", out), out
    assert re.search(r"CPU busy polling, % +\d+ \[", out), out
    assert re.search(r"full gc joining, s +[\d.]+ \[[\d.]+-[\d.]+\] +[\d.]+ \[", out), out
    assert re.search(r"young collections +\d+ \[\d+-\d+\] +\d+ \[\d+-\d+\]", out), out
    # the one-Fanfare-each table splits the full collections into the join's and the rest's
    assert re.search(r"full collections, join/after +\d+/\d+ in [\d.]+/[\d.]+ s +\d+/\d+ in ",
                     out), out
    assert "one Fanfare (one ClientSession) per shopper: 10 shoppers" in out


def test_the_join_benchmark_runs_on_uvloop() -> None:
    """``--loop uvloop`` runs every variant on uvloop (the README's figure that it does not
    pay is measured with it) and the table says which loop it was."""
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "join", "--loop",
                             "uvloop"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "on uvloop's event" in result.stdout
    assert re.search(r"journey / bare +\d", result.stdout), result.stdout



def test_the_join_benchmark_repeats_rounds() -> None:
    """``join --repeat 2``: a line a round, the table of medians, and each variant's rounds'
    own ratios to bare as median [range], in 80 columns."""
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "join", "--repeat",
                             "2"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert re.search(r"round 1: µs/join [\d,]+ / [\d,]+ / [\d,]+ / [\d,]+; journey [\d.]+× "
                     r"bare\n  round 2: ", out), out
    assert "the medians of 2 rounds:" in out
    assert re.search(r"journey / bare +\d", out), out
    for title in ("journey", "journey start", "fanfare.api"):
        # young gc: "-" when bare made no young collection in a round of this tiny size
        ratios = re.search(rf"  {re.escape(title)} +CPU/join ([\d.]+) \[([\d.]+)-([\d.]+)\], "
                           r"young gc (?:[\d.]+ \[|-$)", out, re.MULTILINE)
        assert ratios, out
        middle, low, high = map(float, ratios.groups())
        assert low <= middle <= high
    assert not [line for line in out.splitlines() if len(line) > 80]


def test_the_join_rounds_median_each_figure() -> None:
    """The join's table over rounds: each figure the median of the rounds' (per generation for
    the collections), the errors summed."""
    from benchmarks.bench_join import KINDS, medians

    def run(cpu: float, young: int, errors: int) -> dict[str, object]:
        return {"shoppers": 20, "errors": errors, "requests": 5.0, "cpu_per_join": cpu,
                "join_rate": 1e6 / cpu, "gc_seconds": [cpu / 1e4, 0.0, 0.0],
                "gc_collections": [young, young // 10, 0], "kept": 2.0,
                "promoted": float(young)}

    made = [{kind: run(cpu + i, young + i, errors) for i, kind in enumerate(KINDS)}
            for cpu, young, errors in ((3000.0, 10, 0), (1000.0, 30, 1), (1100.0, 11, 2))]
    figures = medians(made)  # the median, not the mean (1,700 µs, 17 collections)
    assert figures["journey"]["cpu_per_join"] == 1100.0
    assert figures["bare"]["cpu_per_join"] == 1103.0
    assert figures["journey"]["gc_collections"] == [11, 1, 0]
    assert figures["journey"]["promoted"] == 11.0
    assert figures["journey"]["gc_seconds"][0] == pytest.approx(0.11)
    assert figures["api"]["errors"] == 3
    assert figures["start"]["steps"] == {}


def test_the_join_rounds_ratios_are_each_rounds_own(capsys: pytest.CaptureFixture[str]) -> None:
    """Each variant against the bare run of its own round, median [range]; no ratio to a bare
    run that made no young collection (a "-", not a ratio to one)."""
    from benchmarks.bench_join import KINDS, round_ratios

    def made(bare_young: int) -> dict[str, dict[str, object]]:
        cpu = {"journey": 4000.0, "start": 3000.0, "api": 2000.0, "bare": 1000.0}
        return {kind: {"cpu_per_join": cpu[kind] * (2 if bare_young else 1),
                       "gc_collections": [bare_young if kind == "bare" else 9, 0, 0]}
                for kind in KINDS}

    round_ratios([made(3), made(1), made(3)])
    assert "  journey        CPU/join 4.00 [4.00-4.00], young gc 3.00 [3.00-9.00]" in (
        capsys.readouterr().out)
    round_ratios([made(3), made(0)])
    assert "  fanfare.api    CPU/join 2.00 [2.00-2.00], young gc -" in capsys.readouterr().out


def _tracing(requests: list[str]) -> aiohttp.TraceConfig:
    """A trace config that appends ``"METHOD /path"`` for each request started."""

    async def started(_: object, __: object, params: aiohttp.TraceRequestStartParams) -> None:
        requests.append(f"{params.method} {params.url.path}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(started)
    trace.freeze()
    return trace


async def test_the_baselines_join_with_the_journey_requests() -> None:
    """The drop's bare baseline and the join benchmark's ``fanfare.api`` and ``journey start``
    variants make the journey's join request for request (same methods and paths, same order),
    so the join rates and CPU figures compare the same work."""
    from benchmarks.bench_drop import EXPERIENCE, bare_join, scenario
    from benchmarks.bench_join import JOINS
    from fanfare_rx import Fanfare, HttpPool
    from fanfare_rx.sandbox.scenario import parse_scenario
    from fanfare_rx.sandbox.server import Sandbox

    requests_of: dict[str, list[str]] = {kind: [] for kind in JOINS}
    bare_requests: list[str] = []
    async with Sandbox(parse_scenario(scenario(3, admit_seconds=600))) as sandbox:
        for kind, requests in requests_of.items():
            async with HttpPool() as pool:
                # the pool's aiohttp session, traced (aiohttp reads its trace configs per request)
                pool.session()._trace_configs.append(_tracing(requests))
                fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                                             publishable_key=sandbox.publishable_key,
                                             base_url=sandbox.base_url, pool=pool)
                await JOINS[kind](fanfare)
                if kind == "journey":
                    journey = fanfare.experiences.journeys[EXPERIENCE]
                    assert journey.sequence_stage.get() == "participating"
                await fanfare.destroy()
        async with aiohttp.ClientSession(trace_configs=[_tracing(bare_requests)]) as session:
            _, state = await bare_join(session, sandbox.base_url, sandbox.publishable_key)
    journey_requests = requests_of["journey"]
    assert len(journey_requests) == 5, journey_requests
    for kind, requests in {**requests_of, "bare": bare_requests}.items():
        assert requests == journey_requests, (kind, requests, journey_requests)
    assert journey_requests[-1].endswith("/enter") and state["status"] == "QUEUED"


async def test_the_library_shoppers_poll_until_admitted_as_the_bare_ones() -> None:
    """Each shopper of the drop polls until admitted, then stops (the bare shopper's loop ends at
    ``GRANTED``): a journey would poll on while admitted, for its grant, and those polls are work
    the bare baseline does not do."""
    import argparse

    from benchmarks.bench_drop import Drop, _library, scenario
    from fanfare_rx.sandbox.scenario import parse_scenario
    from fanfare_rx.sandbox.server import Sandbox

    async with Sandbox(parse_scenario(scenario(3, admit_seconds=1)), clock="real") as sandbox:
        args = argparse.Namespace(pool="pool", speed=1.0, base_url=sandbox.base_url,
                                  org=sandbox.organization_id, key=sandbox.publishable_key)
        drop, polling = Drop(3), asyncio.Event()
        close, journeys = await _library(args, drop, polling)
        await asyncio.wait_for(drop.done.wait(), 30)
        assert [journey.sequence_stage.get() for journey in journeys] == ["admitted"] * 3
        assert not any(journey.is_polling for journey in journeys)
        await close()


async def test_the_lag_leaves_out_the_benchmarks_own_stalls() -> None:
    """A stall the drop makes itself (its census, its explicit full collection) is not the
    loop's lag under the drop: its length is taken off the tick it delays, and only its own
    (a stall of something else in the same step still counts)."""
    from benchmarks.bench_drop import LagMonitor

    def stall() -> None:
        time.sleep(0.3)

    with LagMonitor() as lag:
        await asyncio.sleep(0.05)
        with lag.aside():
            stall()  # the benchmark's own: left out
        await asyncio.sleep(0.05)
        with lag.aside():
            stall()
        stall()  # in the same step, not the benchmark's: counted
        await asyncio.sleep(0.05)
    assert lag.aside_worst >= 0.29
    late = [seconds for seconds in lag.lags if seconds >= 0.25]
    assert len(late) == 1, lag.lags
    assert lag.lags.index(late[0]) > len(lag.lags) // 3  # the second step's, not the first's


def test_the_lag_once_all_joined_counts_the_ticks_from_then_on() -> None:
    """``summary(since=n)``: the lag of the ticks from the n-th on (the drop's "once all
    joined" row), so a join's stalls do not set it."""
    from benchmarks.bench_drop import LagMonitor

    lag = LagMonitor()
    lag.lags = [0.9, 0.5] + [0.001] * 98 + [0.02]
    assert lag.summary()[2] == pytest.approx(900)
    p50, p99, worst = lag.summary(since=2)
    assert (p50, p99, worst) == (pytest.approx(1), pytest.approx(20), pytest.approx(20))
    assert lag.summary(since=len(lag.lags)) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(("own", "expected"), [(3_000, 10), (0, 0)])
def test_a_quick_drop_keeps_own_shoppers_left_out(own: int, expected: int) -> None:
    """``--quick`` shrinks every size; ``--own-shoppers 0`` (no one-``Fanfare``-each variant)
    stays 0 under it."""
    from benchmarks.bench_drop import quick

    args = argparse.Namespace(shoppers=10_000, own_shoppers=own, timeout=300.0,
                              admit_seconds=30.0)
    quick(args)
    assert (args.shoppers, args.own_shoppers, args.admit_seconds) == (20, expected, 1.0)


def test_the_full_collections_split_into_the_join_and_after() -> None:
    """The drop's "full collections, join/after" row: those counted by the end of the join,
    and the rest of the run's (its total less them), with their seconds; the rounds' summary
    reads the join's seconds."""
    from benchmarks.bench_drop import _figure, _full_split

    figures = {"gc_full_joining": (4.52, 15), "gc_collections": [2422, 220, 20],
               "gc_seconds": [2.76, 1.87, 8.24]}
    assert _full_split(figures) == "15/5 in 4.5/3.7 s"
    assert _figure(figures, "gc_full_joining_s") == 4.52
    assert _figure(figures, "gc_young") == 2422


def test_the_gc_monitor_counts_what_middle_collections_promote() -> None:
    """``promoted``: the objects a middle collection moved to the oldest generation (what
    CPython weighs against the last full collection's survivors to start the next one), less
    the garbage it freed; a young or a full collection promotes nothing to it."""
    from benchmarks.bench_drop import GcMonitor

    gc.collect()
    gc.disable()  # only the collections made here
    try:
        with GcMonitor() as monitor:
            kept: list[list[object]] = [[] for _ in range(2_000)]  # 2,001 tracked lists
            gc.collect(0)
            gc.collect(2)
            assert monitor.promoted == 0
            more: list[list[object]] = [[] for _ in range(2_000)]
            for _ in range(1_000):  # cycles: garbage the middle collection frees
                cycle: list[object] = []
                cycle.append(cycle)
            del cycle
            gc.collect(1)
    finally:
        gc.enable()
    # the 2,001 lists kept since the young collection, none of the 1,000 cycles (a few
    # objects of pytest's own may be promoted with them)
    assert 2_001 <= monitor.promoted < 2_001 + 300, monitor.promoted
    assert monitor.collections == [1, 1, 1]
    assert len(kept) == len(more) == 2_000


def test_the_frees_the_count_did_not_see_are_each_kinds_seen_mean_less_the_exact_one() -> None:
    """``uncounted``: per kind of step, (the mean net the count saw with the collector on less
    the exact mean with it off) times the kind's steps per join, the steps with a collection
    inside counted as steps of the kind; a kind not seen with the collector on is left out."""
    from benchmarks.bench_join import uncounted

    exact = {"ends a task": [10, -400, 16_000, 0], "makes a request": [10, 450, 20_250, 0],
             "only off": [5, 5, 5, 0]}
    seen = {"ends a task": [8, -80, 800, 2], "makes a request": [9, 405, 18_225, 1]}
    lost = uncounted(exact, seen, joins=10)
    assert lost == {"ends a task": pytest.approx(30.0), "makes a request": pytest.approx(0.0)}


def _make_fifty(kept: list[list[object]]) -> None:
    kept.extend([[] for _ in range(50)])


def test_the_step_census_with_the_collector_on_leaves_out_the_steps_that_collected() -> None:
    """With the collector on, a step in which a collection ran is counted apart (the collection
    resets the count), the others by what the count saw; the collector is left on."""
    from benchmarks.bench_join import step_census

    kept: list[list[object]] = []

    async def main() -> dict[str, list[int]]:
        loop = asyncio.get_running_loop()
        with step_census(collector=True) as census:
            assert gc.isenabled()
            for _ in range(3):
                loop.call_soon(_make_fifty, kept)
            loop.call_soon(gc.collect, 0)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
        return dict(census)

    census = asyncio.run(main())
    steps, nets, _, left_out = census["_make_fifty"]
    assert steps + left_out == 3
    assert abs(nets - 50 * steps) <= 2 * steps  # its 50 lists (the list it extends from dies)
    assert census["collect"] == [0, 0, 0, 1]
    assert gc.isenabled()
    assert len(kept) == 150
