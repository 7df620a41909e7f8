"""A drop's join, four ways, in the same run: what the journey layer adds to the same requests.

N shoppers join one queue, ``--joining`` at a time (200, as in the drop), against a sandbox
running in its own process (a fresh one per variant); each variant runs in a child process of
its own, so its garbage collector is its own:

- ``journey``: ``Fanfare.init``, ``create_journey``, ``start()``, ``enter_queue()``: what a
  drop's shopper does;
- ``journey start``: ``Fanfare.init``, ``create_journey``, ``start()``, then the entry through
  ``fanfare.api`` (:func:`start_join`): the journey's start alone, the rest of the join as
  ``fanfare.api`` makes it;
- ``fanfare.api``: ``Fanfare.init`` and the same five requests through ``fanfare.api`` (the
  experience, a guest session, route, the queue's status, enter), no journey: the client layer
  alone;
- ``bare aiohttp``: the same five requests with one aiohttp ``ClientSession`` and ``json()``
  (the drop's baseline, :func:`benchmarks.bench_drop.bare_join`).

Printed per variant: client CPU per join and joins per second, requests per join (counted by
the sandbox: 5 for each), collections per generation and the time in them, and the tracked
objects each joined shopper keeps (a census after a full collection), and the objects per join
the middle collections promoted to the oldest generation. With ``--steps``, a second batch of
joins runs with the collector off and counts the net tracked allocations of each event-loop
step (allocations minus frees: what moves generation 0's count, which starts a young collection
past 700): the sum of their squares per join, and the kinds of step that weigh most. A count
that swings by a lot within a step reaches the threshold sooner than the same allocations
spread over many steps, so this sum ranks the joins as their young collections do. A third
batch runs with the collector on and compares what the count saw of each kind of step with
those exact nets: the frees per join it did not see (a free made while the count is at zero is
lost, and the next young collection comes that much sooner), and the steps that lost most.

With ``--loop uvloop`` the variants run on uvloop's event loop (``--steps`` counts the
steps of asyncio's own loop only).

One run's figures move by a fifth or more on a shared machine. ``--repeat N`` runs the four
variants N times, each round starting one variant later in the order, and prints a line a
round, then the table of each figure's median, and the median and range of the rounds' own
ratios to bare (each variant against the bare run of its round).

Run: ``python -m benchmarks join [--shoppers 6000] [--joining 200] [--steps] [--repeat N]
[--loop uvloop]``
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import gc
import statistics
import time
import types
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp

from benchmarks.bench_drop import (
    EXPERIENCE,
    JOINING,
    QUEUE,
    GcMonitor,
    add_child_options,
    bare_connector,
    bare_join,
    ran_as_child,
    ratio,
    requests_served,
    run_child,
    scenario,
    spread,
    tracked,
)
from fanfare_rx import Fanfare, HttpPool
from fanfare_rx.sandbox.process import SandboxProcess

__all__ = ["JOINS", "KINDS", "api_join", "journey_join", "main", "medians", "start_join",
           "step_census"]

#: The variants, in the order of the table's columns.
KINDS = ("journey", "start", "api", "bare")
_TITLES = {"journey": "journey", "start": "journey start", "api": "fanfare.api",
           "bare": "bare aiohttp"}
#: Joins made before measuring (imports, the first converters, the pool's connections).
WARM_UP = 50


async def journey_join(fanfare: Fanfare) -> None:
    """A drop's shopper: ``create_journey``, ``start()``, ``enter_queue()``."""
    journey = fanfare.experiences.create_journey(EXPERIENCE)
    await journey.start()
    await journey.enter_queue()


async def api_join(fanfare: Fanfare) -> None:
    """The journey's join through ``fanfare.api``, request for request: the experience, a
    guest session (taken by the first call), route, the queue's status, enter."""
    api = fanfare.api
    await api.get_experience(EXPERIENCE)
    await api.route(EXPERIENCE, None)
    await api.queue_status(QUEUE)
    await api.enter_queue(QUEUE)


async def start_join(fanfare: Fanfare) -> None:
    """The journey's start (the experience, a guest session, route, the queue's status), then
    the entry through ``fanfare.api``: the same five requests, the journey's part of them its
    start alone."""
    await fanfare.experiences.create_journey(EXPERIENCE).start()
    await fanfare.api.enter_queue(QUEUE)


#: How each variant but the bare one joins, once its ``Fanfare`` is made.
JOINS: dict[str, Callable[[Fanfare], Awaitable[None]]] = {
    "journey": journey_join, "start": start_join, "api": api_join}


# -- net allocations per event-loop step -----------------------------------------------------

def _step_kind(handle: asyncio.Handle) -> str:
    """What a loop step runs: a task's coroutine and what it was waiting on, or the callback."""
    callback = handle._callback  # type: ignore[attr-defined]
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coroutine: Any = task.get_coro()
        inner = coroutine
        while True:  # the innermost coroutine or generator it awaits (where it resumes)
            if isinstance(inner, types.CoroutineType):
                awaited: Any = inner.cr_await
            elif isinstance(inner, types.GeneratorType):
                awaited = inner.gi_yieldfrom
            else:
                break
            if not isinstance(awaited, types.CoroutineType | types.GeneratorType):
                break
            inner = awaited
        return f"task {coroutine.__qualname__} @ {inner.__qualname__}"
    name = getattr(callback, "__qualname__", None)
    return name if isinstance(name, str) else type(callback).__qualname__


@contextmanager
def step_census(collector: bool = False) -> Iterator[dict[str, list[int]]]:
    """Count the net tracked allocations of every event-loop step while inside, by kind of
    step: ``{kind: [steps, sum of nets, sum of squared nets, steps left out]}``.

    By default the collector is off meanwhile, so generation 0's count moves by exactly each
    allocation and free of a tracked object (no step is left out). With ``collector`` it stays
    on, a step in which a collection ran is left out (the collection resets the count), and
    the nets are what the count saw: a free made while the count is at zero is not counted
    (see :func:`uncounted`).

    Usage: ``with step_census() as steps: await joins()``
    """
    steps: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    original = asyncio.events.Handle._run
    collections = [0]

    def collected(phase: str, _: dict[str, int]) -> None:
        if phase == "start":
            collections[0] += 1

    def run(handle: asyncio.Handle) -> None:
        kind = _step_kind(handle)
        before, ran = gc.get_count()[0], collections[0]
        original(handle)
        net = gc.get_count()[0] - before
        figures = steps[kind]
        if collections[0] != ran:
            figures[3] += 1
            return
        figures[0] += 1
        figures[1] += net
        figures[2] += net * net

    was_enabled = gc.isenabled()
    gc.collect()
    if not collector:
        gc.disable()
    gc.callbacks.append(collected)
    asyncio.events.Handle._run = run  # type: ignore[method-assign, assignment]
    try:
        yield steps
    finally:
        asyncio.events.Handle._run = original  # type: ignore[method-assign]
        gc.callbacks.remove(collected)
        if was_enabled:
            gc.enable()


def uncounted(exact: dict[str, list[int]], seen: dict[str, list[int]],
              joins: int) -> dict[str, float]:
    """The frees per join that generation 0's count did not see, by kind of step: the mean
    the count saw of a kind's steps with the collector on (``seen``, from :func:`step_census`)
    less their exact mean net with it off (``exact``), times that kind's steps per join.

    The count never goes below zero, so a free made while it is at zero is lost, and the next
    young collection comes sooner: a step that frees much and makes nothing, run just after
    others like it (answers come in bursts), loses most of what it frees.

    Usage: ``uncounted(census_off, census_on, joins=6000)["task shopper @ ..."]``
    """
    lost: dict[str, float] = {}
    for kind, (steps, total, _, _) in exact.items():
        on = seen.get(kind)
        if not steps or on is None or not on[0]:
            continue
        lost[kind] = (on[1] / on[0] - total / steps) * (on[0] + on[3]) / joins
    return lost


# -- one variant, in a child process -----------------------------------------------------------

async def _child(args: argparse.Namespace) -> dict[str, Any]:
    pool = HttpPool() if args.kind != "bare" else None
    session = aiohttp.ClientSession(connector=bare_connector()) if args.kind == "bare" else None
    gate = asyncio.Semaphore(args.joining)
    kept: list[Any] = []
    errors = 0

    async def shopper() -> None:
        nonlocal errors
        async with gate:
            try:
                if session is not None:
                    kept.append(await bare_join(session, args.base_url, args.key))
                    return
                fanfare = await Fanfare.init(organization_id=args.org, publishable_key=args.key,
                                             base_url=args.base_url, pool=pool)
                kept.append(fanfare)
                await JOINS[args.kind](fanfare)
            except Exception:  # noqa: BLE001 - counted, the joins go on
                errors += 1

    async def joins(n: int) -> None:
        await asyncio.gather(*(shopper() for _ in range(n)))

    n = args.shoppers
    async with aiohttp.ClientSession() as probe:
        await joins(WARM_UP)
        gc.collect()
        before = tracked()
        served = await requests_served(probe, args.base_url, args.key)
        with GcMonitor() as gcm:
            cpu, started = time.process_time(), time.perf_counter()
            await joins(n)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu
        requests = await requests_served(probe, args.base_url, args.key) - served - 1
        gc.collect()
        kept_objects = (tracked() - before) / n
        steps: dict[str, list[int]] = {}
        seen: dict[str, list[int]] = {}
        if args.steps:
            with step_census() as census:
                await joins(n)
            steps = dict(census)
            with step_census(collector=True) as census:
                await joins(n)
            seen = dict(census)
    for fanfare in kept:
        if isinstance(fanfare, Fanfare):
            await fanfare.destroy()
    if pool is not None:
        await pool.close()
    if session is not None:
        await session.close()
    return {"kind": args.kind, "shoppers": n, "errors": errors, "requests": requests / n,
            "cpu_per_join": cpu / n * 1e6, "join_rate": n / max(wall, 1e-9),
            "gc_seconds": gcm.seconds, "gc_collections": gcm.collections,
            "kept": kept_objects, "promoted": gcm.promoted / n, "steps": steps,
            "steps_seen": seen}


def variant(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one variant against a fresh sandbox, in a child process; its figures."""
    shoppers = args.shoppers * (3 if args.steps else 1) + WARM_UP
    sandbox = SandboxProcess(scenario(shoppers, admit_seconds=30_000), speed=1).start()
    try:
        return run_child("benchmarks.bench_join", sandbox, [
            "--child", kind, "--shoppers", str(args.shoppers), "--joining", str(args.joining),
            "--loop", args.loop, *(["--steps"] if args.steps else [])], label=kind)
    finally:
        sandbox.stop()


# -- the table ---------------------------------------------------------------------------------


def _squares(figures: dict[str, Any]) -> float:
    """The sum of squared step nets, per join."""
    steps: dict[str, list[int]] = figures["steps"]
    shoppers: int = figures["shoppers"]
    return sum(kind[2] for kind in steps.values()) / shoppers


#: A column of the table: heading, width, the cell of one variant, the figure its ratio divides.
_Column = tuple[str, int, Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], float]]
_COLUMNS: list[_Column] = [
    ("CPU/join", 9, lambda r: f"{r['cpu_per_join']:,.0f} µs", lambda r: r["cpu_per_join"]),
    ("joins/s", 7, lambda r: f"{r['join_rate']:,.0f}", lambda r: r["join_rate"]),
    ("gen 0/1/2", 11, lambda r: "{}/{}/{}".format(*r["gc_collections"]),
     lambda r: r["gc_collections"][0]),
    ("gc/join", 7, lambda r: f"{sum(r['gc_seconds']) / r['shoppers'] * 1e6:,.0f} µs",
     lambda r: sum(r["gc_seconds"])),
    ("kept", 5, lambda r: f"{r['kept']:.1f}", lambda r: r["kept"]),
    ("promoted", 8, lambda r: f"{r['promoted']:.0f}", lambda r: r["promoted"]),
]
_STEPS_COLUMN: _Column = ("steps²", 7, lambda r: f"{_squares(r):,.0f}", _squares)


def _short(kind: str) -> str:
    """A step's kind without ``<locals>.`` (``_child.<locals>.shopper`` -> ``_child.shopper``)."""
    return kind.replace("<locals>.", "")


def table(runs: dict[str, dict[str, Any]], joining: int) -> None:
    """One row per variant and one per ratio to bare (the collections' ratio is generation
    0's), in 80 columns; with step counts, each variant's heaviest kinds of step (each line cut
    at 80 columns)."""
    journey, start, api, bare = (runs[kind] for kind in KINDS)
    columns = [*_COLUMNS, *([_STEPS_COLUMN] if journey["steps"] else [])]
    requests = " / ".join(f"{runs[kind]['requests']:.1f}" for kind in KINDS)
    errors = " / ".join(str(runs[kind]["errors"]) for kind in KINDS)
    print(f"\n{journey['shoppers']:,} joins, {joining} at a time\n"
          f"  requests per join (sandbox): {requests}; errors: {errors}")
    print(f"  {'':<14}" + "".join(f" {title:>{width}}" for title, width, _, _ in columns))
    for kind in KINDS:
        print(f"  {_TITLES[kind]:<14}"
              + "".join(f" {cell(runs[kind]):>{width}}" for _, width, cell, _ in columns))
    for name, figures in (("journey / bare", journey), ("start / bare", start),
                          ("api / bare", api)):
        print(f"  {name:<14}" + "".join(
            f" {ratio(of(figures), of(bare)):>{width}}"
            for _, width, _, of in columns))
    print("  (kept: tracked objects each joined shopper keeps; promoted: objects per join\n"
          "   the middle collections moved to the oldest generation, kept or in flight; the\n"
          "   collections' ratio is generation 0's"
          + (";\n   steps²: the sum of squared net allocations of the loop's steps, per join)"
             if journey["steps"] else ")"))
    for kind in KINDS if journey["steps"] else ():
        figures = runs[kind]
        n = figures["shoppers"]
        print(f"\n  {_TITLES[kind]}, the heaviest steps: squared nets per join, steps per join,"
              "\n  mean net, kind of step")
        ranked = sorted(figures["steps"].items(), key=lambda item: -item[1][2])[:6]
        for name, (count, total, squares, _) in ranked:
            print(f"  {squares / n:>7,.0f} {count / n:5.2f} {total / count:+6.1f}  {_short(name)}"[:80])
        lost = uncounted(figures["steps"], figures["steps_seen"], n)
        print(f"  frees per join the count did not see (collector on): {sum(lost.values()):.1f};"
              "\n  the steps that lost most, per join:")
        for name, frees in sorted(lost.items(), key=lambda item: -item[1])[:4]:
            print(f"  {frees:>7.1f}  {_short(name)}"[:80])


# -- rounds ------------------------------------------------------------------------------------

def rounds(args: argparse.Namespace) -> list[dict[str, dict[str, Any]]]:
    """``args.repeat`` rounds of the four variants, each round starting one variant later in
    :data:`KINDS` (so a machine that slows down or speeds up weighs on each); one line a round."""
    made = []
    for number in range(args.repeat):
        first = number % len(KINDS)
        runs = {kind: variant(kind, args) for kind in (*KINDS[first:], *KINDS[:first])}
        made.append(runs)
        cpu = " / ".join(f"{runs[kind]['cpu_per_join']:,.0f}" for kind in KINDS)
        print(f"  round {number + 1}: µs/join {cpu}; journey "
              f"{ratio(runs['journey']['cpu_per_join'], runs['bare']['cpu_per_join'])} bare",
              flush=True)
    return made


def medians(made: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Each variant's figures over rounds, as :func:`table` takes them: the median of each
    (per generation for the collections), the errors summed, no step census.

    Usage: ``table(medians(rounds(args)), joining=args.joining)``
    """
    def median(kind: str, key: str, place: int | None = None) -> float:
        return statistics.median(
            float(runs[kind][key] if place is None else runs[kind][key][place]) for runs in made)

    return {kind: {
        "kind": kind, "shoppers": made[0][kind]["shoppers"],
        "errors": sum(runs[kind]["errors"] for runs in made),
        "requests": median(kind, "requests"),
        "cpu_per_join": median(kind, "cpu_per_join"),
        "join_rate": median(kind, "join_rate"),
        "gc_seconds": [median(kind, "gc_seconds", g) for g in range(3)],
        "gc_collections": [round(median(kind, "gc_collections", g)) for g in range(3)],
        "kept": median(kind, "kept"),
        "promoted": median(kind, "promoted"),
        "steps": {}, "steps_seen": {},
    } for kind in KINDS}


def round_ratios(made: list[dict[str, dict[str, Any]]]) -> None:
    """The median and range of each round's ratios to that round's bare run: CPU per join and
    young collections ("-" when bare made none in some round, as the drop's summary does; 80
    columns)."""
    def ratios(kind: str, of: Callable[[dict[str, Any]], float]) -> str:
        pairs = [(of(runs[kind]), of(runs["bare"])) for runs in made]
        return spread([a / b for a, b in pairs], ".2f") if all(b for _, b in pairs) else "-"

    print("  rounds' own ratios to bare, median [range]:")
    for kind in KINDS[:-1]:
        print(f"  {_TITLES[kind]:<14} CPU/join {ratios(kind, lambda r: r['cpu_per_join'])}, "
              f"young gc {ratios(kind, lambda r: r['gc_collections'][0])}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=6_000,
                        help="joins measured per variant (default 6000)")
    parser.add_argument("--joining", type=int, default=JOINING,
                        help=f"joins at once (default {JOINING}, as in the drop)")
    parser.add_argument("--steps", action="store_true",
                        help="also count the net tracked allocations of each loop step")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of the four variants (default 1: one table; more: a line "
                             "a round, then the medians, and the rounds' ratios)")
    parser.add_argument("--quick", action="store_true", help="tiny size (smoke test)")
    add_child_options(parser, KINDS)
    args = parser.parse_args(argv)
    if ran_as_child(args, _child):
        return
    if args.repeat < 1:
        parser.error("--repeat takes one round or more")
    if args.quick:
        args.shoppers, args.joining = 20, 10
        args.steps = args.loop == "asyncio" and args.repeat == 1
    if args.steps and args.loop != "asyncio":
        parser.error("--steps counts the steps of asyncio's own loop: not with --loop uvloop")
    if args.steps and args.repeat > 1:
        parser.error("--steps counts the steps of one round: not with --repeat")
    print(f"(each variant in its own process against a fresh sandbox, on {args.loop}'s event\n"
          " loop; figures from whatever machine this is: compare the ratios)")
    if args.repeat == 1:
        table({kind: variant(kind, args) for kind in KINDS}, joining=args.joining)
        return
    print(f"\nrounds, µs per join ({' / '.join(_TITLES[kind] for kind in KINDS)}):")
    made = rounds(args)
    print(f"\nthe medians of {len(made)} rounds:", end="")
    table(medians(made), joining=args.joining)
    round_ratios(made)


if __name__ == "__main__":
    main()
