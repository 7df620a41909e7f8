"""A whole drop, end to end, beside the bare aiohttp baseline measured in the same run.

N shoppers each take a guest session, route, enter one queue and poll until admitted, against a
sandbox running in its own process (a fresh one per variant). Four variants, each in a child
process of its own (so its peak RSS and garbage collector are its own):

- ``library / pool``: one ``Fanfare`` and one journey per shopper, all on one shared ``HttpPool``;
- ``bare / pool``: the same requests made by bare asyncio tasks with one aiohttp
  ``ClientSession`` and ``json()``: the five of the library's join (the experience, a guest
  session, route, the status of a participation the route may have found, enter), then the
  same polling rule (a third of the wait estimate, 2-60 s, ±20 % jitter);
- ``library / own`` and ``bare / own``: one ``Fanfare`` (one ``ClientSession``) per shopper,
  with ``--own-shoppers`` shoppers (3,000 by default);
- with ``--tuned``, ``library / pool`` again in a process that opted in to
  :func:`fanfare_rx.tune_gc` (frozen again once the shoppers joined).

Printed per variant: wall time until all admitted, join rate, client CPU per request (sandbox
requests counted by the sandbox; all of it, then outside the collector, then while joining and
while polling), event-loop lag of a 10 ms ticker p50/p99/max (the benchmark's own
censuses and full collection taken off the ticks they delay, the longest of them on a row of
its own), time in the garbage collector per generation (``gc.callbacks``), the automatic full
collections while joining and after (their count and seconds), the automatic collections over
50 ms, one full ``gc.collect()`` mid-drop (its time and the cyclic garbage it
found), tracked objects per shopper once all joined and mid-drop, half admitted
(``gc.get_objects()`` deltas, what is in flight and not yet collected included), peak RSS per
shopper. With ``--growth 1000,20000,50000`` the shared-pool variants are swept over those sizes.
With ``--loop uvloop`` every variant, the bare baseline included, runs on uvloop's event loop.

With ``--repeat 3`` the shared-pool variants run three rounds, library and bare alternately, and
each figure is printed as its median and range, beside the median and range of the rounds' own
ratios (this machine is shared: one round's ratio moves by a tenth or more).

Run: ``python -m benchmarks drop [--shoppers 10000] [--growth 1000,5000,20000,50000]``
(``python -m benchmarks drop --loop uvloop`` on uvloop)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any, Self, TypeVar

import aiohttp

from fanfare_rx import Fanfare, HttpPool, ServerCadence, tune_gc
from fanfare_rx.sandbox.process import SandboxProcess
from fanfare_rx.wire.pool import DEFAULT_KEEPALIVE_TIMEOUT, DEFAULT_POOL_CONNECTIONS

__all__ = [
    "GcMonitor",
    "LagMonitor",
    "add_child_options",
    "bare_connector",
    "bare_join",
    "main",
    "ran_as_child",
    "ratio",
    "run_child",
    "scenario",
]

T = TypeVar("T")

EXPERIENCE, QUEUE = "exp-drop", "queue-drop"
#: Shoppers joining at once (guest session, route, enter), library and bare alike.
JOINING = 200
#: The event loops a child can run on (``--loop``).
LOOPS = ("asyncio", "uvloop")
#: An automatic collection longer than this is a pause the shopper could feel.
LONG_PAUSE = 0.050


class LagMonitor:
    """A 10 ms ticker; records how late each tick fires (the event loop's responsiveness).

    The benchmark's own stalls (a census of tracked objects, the explicit full collection)
    run inside :meth:`aside`: their length is taken off the tick they delay, so the figure is
    the loop's lag under the drop, not under the measuring of it.

    Usage: ``with LagMonitor() as lag: ...; p50, p99, worst = lag.summary()``
    """

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.lags: list[float] = []
        #: The longest of the benchmark's own stalls left out, in seconds.
        self.aside_worst = 0.0
        self._aside = 0.0  # what the next tick's delay owes to them
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        expected = loop.time() + self.period
        while True:
            await asyncio.sleep(max(0.0, expected - loop.time()))
            now = loop.time()
            # the benchmark's own stalls since the last tick are not the loop's lag
            self.lags.append(max(0.0, now - expected - self._aside))
            self._aside = 0.0
            expected = now + self.period

    @contextlib.contextmanager
    def aside(self) -> Iterator[None]:
        """A synchronous stall of the benchmark's own: its length is taken off the delay of
        the next tick (whatever else delayed that tick still counts).

        Usage: ``with lag.aside(): census = len(gc.get_objects())``
        """
        started = time.perf_counter()
        try:
            yield
        finally:
            took = time.perf_counter() - started
            self._aside += took
            self.aside_worst = max(self.aside_worst, took)

    def __enter__(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()

    def summary(self, since: int = 0) -> tuple[float, float, float]:
        """Median, p99 and max lag in milliseconds, of the ticks from the ``since``-th on
        (``since=len(lag.lags)`` taken at a moment: the lag after it)."""
        if len(self.lags) <= since:
            return 0.0, 0.0, 0.0
        ordered = sorted(self.lags[since:])
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return statistics.median(ordered) * 1e3, p99 * 1e3, ordered[-1] * 1e3


class GcMonitor:
    """Time in the cyclic garbage collector per generation, from ``gc.callbacks``; explicit
    collections made while ``paused`` is set are left out.

    ``promoted`` counts the objects the middle collections moved into the oldest generation:
    CPython starts a full collection once those promoted since the last one pass a quarter of
    the objects that survived it, so this count, not only what each shopper keeps, sets how
    many full collections a run makes. An object alive while a middle collection runs is
    promoted even if it dies a moment later (a request in flight), and then counts as one
    kept for good would."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.collections = [0, 0, 0]
        self.long_pauses = 0
        self.longest = 0.0
        self.promoted = 0
        self.paused = False
        self._started = 0.0
        self._young = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if self.paused:
            return
        generation = info["generation"]
        if phase == "start":
            if generation == 1:  # counted before the clock starts: not the collector's time
                self._young = len(gc.get_objects(0)) + len(gc.get_objects(1))
            self._started = time.perf_counter()
            return
        took = time.perf_counter() - self._started
        if generation == 1:
            self.promoted += self._young - info["collected"]
        self.seconds[generation] += took
        self.collections[generation] += 1
        self.longest = max(self.longest, took)
        self.long_pauses += took > LONG_PAUSE

    def __enter__(self) -> Self:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)


def tracked() -> int:
    """Objects the cyclic collector tracks now."""
    return len(gc.get_objects())


def full_collect(monitor: GcMonitor, kinds: bool = False) -> tuple[float, int]:
    """One explicit full collection: seconds it took, unreachable objects it found (with
    ``kinds``, their most common types are printed to stderr)."""
    monitor.paused = True
    if kinds:
        gc.set_debug(gc.DEBUG_SAVEALL)
    started = time.perf_counter()
    found = gc.collect()
    took = time.perf_counter() - started
    if kinds:
        gc.set_debug(0)
        counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.garbage)
        gc.garbage.clear()
        print(counts.most_common(30), file=sys.stderr)
    monitor.paused = False
    return took, found


def scenario(shoppers: int, admit_seconds: float) -> dict[str, Any]:
    """One queue that admits ``shoppers`` over ``admit_seconds`` sandbox seconds."""
    rate = max(1, round(shoppers * 60 / admit_seconds))
    return {"requestsPerMinute": 100_000_000, "experiences": [{
        "id": EXPERIENCE, "label": "drop", "name": "Benchmark drop", "sequences": [{
            "id": "seq-drop", "name": "General", "priority": 1,
            "distribution": {"type": "queue", "id": QUEUE, "admitRate": rate}}]}]}


async def requests_served(session: aiohttp.ClientSession, base_url: str, key: str) -> int:
    """The number of requests the sandbox has answered (its ``X-Request-Id`` counter)."""
    async with session.get(f"{base_url}/experiences/none",
                           headers={"X-Publishable-Key": key}) as response:
        await response.read()
        return int(response.headers["X-Request-Id"].removeprefix("req_"))


class Drop:
    """What one variant's shoppers share: the finish line and the figures."""

    def __init__(self, shoppers: int) -> None:
        self.shoppers = shoppers
        self.finished = 0
        self.errors = 0
        self.half = asyncio.Event()
        self.done = asyncio.Event()

    def admitted(self) -> None:
        self.finished += 1
        if self.finished * 2 >= self.shoppers:
            self.half.set()
        if self.finished >= self.shoppers:
            self.done.set()


# -- the library -------------------------------------------------------------------------------

async def _library(args: argparse.Namespace, drop: Drop,
                   polling: asyncio.Event) -> tuple[Callable[[], Awaitable[None]], list[Any]]:
    pool = HttpPool() if args.pool == "pool" else None
    gate = asyncio.Semaphore(JOINING)
    clients: list[Fanfare] = []
    journeys: list[Any] = []

    async def shopper() -> None:
        async with gate:
            fanfare = await Fanfare.init(organization_id=args.org, publishable_key=args.key,
                                         base_url=args.base_url, pool=pool)
            clients.append(fanfare)
            journey = fanfare.experiences.create_journey(EXPERIENCE)
            journeys.append(journey)
            try:
                await journey.start()
                await journey.enter_queue()
            except Exception:  # noqa: BLE001 - counted, the drop goes on
                drop.errors += 1

    await asyncio.gather(*(shopper() for _ in range(drop.shoppers)))

    cadence = ServerCadence(server_speed=args.speed)
    def watcher(journey: Any) -> Callable[[str], None]:
        seen = False

        def once(stage: str) -> None:
            nonlocal seen
            if not seen and stage in ("admitted", "ended"):
                seen = True
                journey.stop_polling()  # done: polls until admitted, as the bare shopper does
                drop.admitted()

        return once

    for journey in journeys:
        once = watcher(journey)
        journey.sequence_stage.listen(once)
        once(journey.sequence_stage.get())
        journey.start_polling(cadence=cadence)
    polling.set()

    async def close() -> None:
        for fanfare in clients:
            await fanfare.destroy()
        if pool is not None:
            await pool.close()

    return close, journeys


# -- the bare baseline -------------------------------------------------------------------------

def bare_connector() -> aiohttp.TCPConnector:
    """The bare baseline's connector: the library pool's size and keep-alive."""
    return aiohttp.TCPConnector(limit=DEFAULT_POOL_CONNECTIONS,
                                keepalive_timeout=DEFAULT_KEEPALIVE_TIMEOUT)


def bare_delay(state: dict[str, Any], speed: float, rng: random.Random) -> float:
    """The library's default server cadence, by hand: a third of the wait estimate (real
    seconds), 2 s near the front, within 2-60 s, ±20 % jitter (the first poll anywhere within
    it: the caller multiplies by ``rng.random()``, as ``ServerCadence.first_delay_ms`` does)."""
    position = state.get("position")
    if position is not None and position <= 3:
        delay = 2.0
    else:
        wait = state.get("estimatedWaitTimeInSeconds")
        delay = 5.0 if wait is None else min(60.0, max(2.0, wait / speed / 3))
    return delay * rng.uniform(0.8, 1.2)


async def bare_join(session: aiohttp.ClientSession, base: str,
                    key: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The library's join by hand, request for request: the experience, a guest session, route,
    the status of a participation the route may have found, enter. Returns the headers to poll
    with and the queue state entered."""
    headers = {"X-Publishable-Key": key}
    async with session.get(f"{base}/experiences/{EXPERIENCE}", headers=headers) as response:
        await response.json()
    async with session.post(f"{base}/auth/guest", headers=headers) as response:
        headers["Authorization"] = f"Bearer {(await response.json())['accessToken']}"
    async with session.post(f"{base}/experiences/{EXPERIENCE}/route", json={},
                            headers=headers) as response:
        await response.json()
    async with session.get(f"{base}/queues/{QUEUE}/status", headers=headers) as response:
        await response.json()
    async with session.post(f"{base}/queues/{QUEUE}/enter", headers=headers) as response:
        state: dict[str, Any] = await response.json()
    return headers, state


async def _bare(args: argparse.Namespace, drop: Drop,
                polling: asyncio.Event) -> tuple[Callable[[], Awaitable[None]], list[Any]]:
    shared = aiohttp.ClientSession(connector=bare_connector()) if args.pool == "pool" else None
    sessions: list[aiohttp.ClientSession] = []
    gate = asyncio.Semaphore(JOINING)
    joined = 0
    tasks: list[asyncio.Task[None]] = []
    rng = random.Random(7)
    base, key = args.base_url, args.key

    async def shopper() -> None:
        nonlocal joined
        session = shared
        if session is None:
            session = aiohttp.ClientSession(connector=bare_connector())
            sessions.append(session)
        headers = {"X-Publishable-Key": key}
        state: dict[str, Any] = {}
        try:
            async with gate:
                headers, state = await bare_join(session, base, key)
        except Exception:  # noqa: BLE001 - counted, the drop goes on
            drop.errors += 1
        joined += 1
        if joined >= drop.shoppers:
            polling.set()
        await polling.wait()
        spread = rng.random()  # the first poll anywhere within the first delay
        while state.get("status") != "GRANTED":
            await asyncio.sleep(bare_delay(state, args.speed, rng) * spread)
            spread = 1.0
            try:
                async with session.get(f"{base}/queues/{QUEUE}/status",
                                       headers=headers) as response:
                    state = await response.json()
            except Exception:  # noqa: BLE001 - counted, the shopper polls on
                drop.errors += 1
        drop.admitted()

    tasks.extend(asyncio.create_task(shopper()) for _ in range(drop.shoppers))
    await polling.wait()

    async def close() -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for session in [*sessions, *([shared] if shared else [])]:
            await session.close()

    return close, tasks


# -- one variant, in a child process -----------------------------------------------------------

async def _child(args: argparse.Namespace) -> dict[str, Any]:
    drop = Drop(args.shoppers)
    polling = asyncio.Event()
    run = _library if args.kind == "library" else _bare
    tuning = tune_gc() if args.tuned else None
    async with aiohttp.ClientSession() as probe:
        served = await requests_served(probe, args.base_url, args.key)
        gc.collect()
        objects_before = tracked()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with LagMonitor() as lag, GcMonitor() as gcm:
            cpu, started = time.process_time(), time.perf_counter()
            close, _keep = await run(args, drop, polling)
            joined = time.perf_counter() - started
            join_cpu = time.process_time() - cpu
            gc_joining = gcm.seconds[2], gcm.collections[2]  # the full collections so far
            join_requests = await requests_served(probe, args.base_url, args.key) - served - 1
            polling_ticks = len(lag.lags)  # the ticks from here on: the lag once all joined
            with lag.aside():
                idle = tracked() - objects_before
            if tuning is not None:
                tuning.freeze()  # the shoppers set up are long-lived
            try:
                await asyncio.wait_for(drop.half.wait(), args.timeout)
            except TimeoutError:
                pass
            with lag.aside():
                busy = tracked() - objects_before
                collect_s, cyclic = full_collect(gcm, args.garbage_kinds)
            try:
                await asyncio.wait_for(drop.done.wait(),
                                       max(1.0, args.timeout - (time.perf_counter() - started)))
            except TimeoutError:
                pass
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        requests = await requests_served(probe, args.base_url, args.key) - served - 2
        await close()
    if tuning is not None:
        tuning.restore()
    n = max(args.shoppers, 1)
    return {"kind": args.kind, "pool": args.pool, "shoppers": args.shoppers,
            "admitted": drop.finished, "errors": drop.errors, "wall": elapsed,
            "join_rate": args.shoppers / max(joined, 1e-9), "requests": requests,
            "cpu_per_request": cpu / max(requests, 1) * 1e6,
            # the same CPU less the collector's: its automatic collections and the one full
            # collection made mid-drop
            "cpu_per_request_outside_gc":
                (cpu - sum(gcm.seconds) - collect_s) / max(requests, 1) * 1e6,
            "cpu_per_shopper": cpu / n * 1e3,
            "cpu_per_join_request": join_cpu / max(join_requests, 1) * 1e6,
            "cpu_per_poll_request": (cpu - join_cpu) / max(requests - join_requests, 1) * 1e6,
            "lag": lag.summary(), "lag_polling": lag.summary(since=polling_ticks),
            "lag_aside_ms": lag.aside_worst * 1e3,
            # how much of the time the process was on the CPU: near 100 %, the loop's lag is
            # the queue of work waiting for it
            "busy_joining": join_cpu / max(joined, 1e-9) * 100,
            "busy_polling": (cpu - join_cpu) / max(elapsed - joined, 1e-9) * 100,
            "gc_seconds": gcm.seconds, "gc_collections": gcm.collections,
            # the automatic full collections while joining (seconds, count); the rest came after
            "gc_full_joining": gc_joining,
            "long_pauses": gcm.long_pauses, "longest_pause": gcm.longest * 1e3,
            "promoted": gcm.promoted / n,
            "full_collect_ms": collect_s * 1e3, "cyclic_found": cyclic,
            "tracked_idle": idle / n, "tracked_polling": busy / n,
            "rss_per_shopper": (peak - rss_before) / n}


def variant(kind: str, pool: str, shoppers: int, args: argparse.Namespace,
            tuned: bool = False) -> dict[str, Any]:
    """Run one variant against a fresh sandbox, in a child process; its figures."""
    sandbox = SandboxProcess(scenario(shoppers, admit_seconds=args.admit_seconds * args.speed),
                             speed=args.speed).start()
    try:
        return run_child("benchmarks.bench_drop", sandbox, [
            "--child", kind, "--pool", pool, "--shoppers", str(shoppers),
            "--speed", str(args.speed), "--timeout", str(args.timeout), "--loop", args.loop,
            *(["--tuned"] if tuned else [])], label=f"{kind}/{pool}")
    finally:
        sandbox.stop()


def run_child(module: str, sandbox: SandboxProcess, options: list[str], *,
              label: str) -> dict[str, Any]:
    """Run ``python -m module`` with ``options`` against ``sandbox`` (its URL, organization and
    key given as ``--base-url``, ``--org``, ``--key``); the figures it prints as its last line
    of JSON.

    Usage: ``run_child("benchmarks.bench_join", sandbox, ["--child", "api"], label="api")``
    """
    command = [sys.executable, "-m", module, *options, "--base-url", sandbox.base_url,
               "--org", sandbox.organization_id, "--key", sandbox.publishable_key]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{label} failed:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def add_child_options(parser: argparse.ArgumentParser, kinds: Sequence[str]) -> None:
    """The hidden options a child is run with (:func:`run_child`): ``--child KIND`` and the
    sandbox's ``--base-url``, ``--org`` and ``--key``."""
    parser.add_argument("--child", choices=kinds, help=argparse.SUPPRESS)
    parser.add_argument("--loop", choices=LOOPS, default="asyncio",
                        help="the event loop of every variant, the bare baseline's too: "
                             "asyncio's own (default) or uvloop (installed by the test extra)")
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--org", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)


def ran_as_child(args: argparse.Namespace,
                 child: Callable[[argparse.Namespace], Awaitable[dict[str, Any]]]) -> bool:
    """With ``--child KIND``: run ``child`` (``args.kind`` set to KIND) and print its figures as
    one line of JSON for :func:`run_child`; True. Without: False (this is the parent)."""
    if not args.child:
        return False
    args.kind = args.child

    async def figures() -> dict[str, Any]:
        return await child(args)

    print(json.dumps(run_on(args.loop, figures())))
    return True


def run_on(loop: str, main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on a new event loop of the kind ``loop`` names (one of :data:`LOOPS`)."""
    if loop == "uvloop":
        import uvloop  # only when asked for: the test extra installs it, the library needs none

        return uvloop.run(main)
    return asyncio.run(main)


# -- the table ---------------------------------------------------------------------------------

def ratio(a: float, b: float) -> str:
    """``a`` over ``b`` as the tables print it (``"1.68×"``; ``"-"`` when ``b`` is zero)."""
    return f"{a / b:.2f}×" if b else "-"


def table(title: str, lib: dict[str, Any], bare: dict[str, Any]) -> None:
    """The issue's table: one row per figure, library beside bare, with the ratio (80
    columns)."""
    print(f"\n{title}: {lib['shoppers']:,} shoppers")
    print(f"  {'':<28} {'library':>17} {'bare aiohttp':>17} {'ratio':>11}")

    rows: list[tuple[str, str, str, str]] = [
        ("admitted / errors", f"{lib['admitted']:,} / {lib['errors']}",
         f"{bare['admitted']:,} / {bare['errors']}", ""),
        ("wall time until all admitted", f"{lib['wall']:.1f} s", f"{bare['wall']:.1f} s",
         ratio(lib["wall"], bare["wall"])),
        ("shoppers joining per second", f"{lib['join_rate']:,.0f}", f"{bare['join_rate']:,.0f}",
         ratio(lib["join_rate"], bare["join_rate"])),
        ("requests per shopper", f"{lib['requests'] / lib['shoppers']:.1f}",
         f"{bare['requests'] / bare['shoppers']:.1f}", ""),
        ("client CPU per request", f"{lib['cpu_per_request']:.0f} µs",
         f"{bare['cpu_per_request']:.0f} µs",
         ratio(lib["cpu_per_request"], bare["cpu_per_request"])),
        ("  outside the collector", f"{lib['cpu_per_request_outside_gc']:.0f} µs",
         f"{bare['cpu_per_request_outside_gc']:.0f} µs",
         ratio(lib["cpu_per_request_outside_gc"], bare["cpu_per_request_outside_gc"])),
        ("  while joining / polling",
         f"{lib['cpu_per_join_request']:.0f} / {lib['cpu_per_poll_request']:.0f} µs",
         f"{bare['cpu_per_join_request']:.0f} / {bare['cpu_per_poll_request']:.0f} µs",
         (f"{ratio(lib['cpu_per_join_request'], bare['cpu_per_join_request'])}/"
          f"{ratio(lib['cpu_per_poll_request'], bare['cpu_per_poll_request'])}")),
        ("client CPU per shopper", f"{lib['cpu_per_shopper']:.2f} ms",
         f"{bare['cpu_per_shopper']:.2f} ms",
         ratio(lib["cpu_per_shopper"], bare["cpu_per_shopper"])),
        ("client CPU busy, join/poll", f"{lib['busy_joining']:.0f} / {lib['busy_polling']:.0f} %",
         f"{bare['busy_joining']:.0f} / {bare['busy_polling']:.0f} %", ""),
        ("loop lag p50/p99/max", "{:.1f}/{:.0f}/{:.0f} ms".format(*lib["lag"]),
         "{:.1f}/{:.0f}/{:.0f} ms".format(*bare["lag"]), ""),
        ("  once all joined", "{:.1f}/{:.0f}/{:.0f} ms".format(*lib["lag_polling"]),
         "{:.1f}/{:.0f}/{:.0f} ms".format(*bare["lag_polling"]), ""),
        ("  own stalls, left out", f"{lib['lag_aside_ms']:.0f} ms",
         f"{bare['lag_aside_ms']:.0f} ms", ""),
        ("time in gc, gen 0/1/2", "{:.2f}/{:.2f}/{:.2f} s".format(*lib["gc_seconds"]),
         "{:.2f}/{:.2f}/{:.2f} s".format(*bare["gc_seconds"]), ""),
        ("collections, gen 0/1/2", "{}/{}/{}".format(*lib["gc_collections"]),
         "{}/{}/{}".format(*bare["gc_collections"]), ""),
        ("promoted to gen 2/shopper", f"{lib['promoted']:.0f}", f"{bare['promoted']:.0f}",
         ratio(lib["promoted"], bare["promoted"])),
        ("full collections, join/after", _full_split(lib), _full_split(bare), ""),
        ("pauses > 50 ms (longest)", f"{lib['long_pauses']} ({lib['longest_pause']:.0f} ms)",
         f"{bare['long_pauses']} ({bare['longest_pause']:.0f} ms)", ""),
        ("gc.collect() mid-drop, found", f"{lib['full_collect_ms']:.0f} ms, {lib['cyclic_found']:,}",
         f"{bare['full_collect_ms']:.0f} ms, {bare['cyclic_found']:,}", ""),
        ("tracked/shopper, joined*", f"{lib['tracked_idle']:.0f}",
         f"{bare['tracked_idle']:.0f}", ratio(lib["tracked_idle"], bare["tracked_idle"])),
        ("tracked/shopper, mid-drop*", f"{lib['tracked_polling']:.0f}",
         f"{bare['tracked_polling']:.0f}",
         ratio(lib["tracked_polling"], bare["tracked_polling"])),
        ("peak RSS per shopper", f"{lib['rss_per_shopper']:.1f} KiB",
         f"{bare['rss_per_shopper']:.1f} KiB",
         ratio(lib["rss_per_shopper"], bare["rss_per_shopper"])),
    ]
    for name, a, b, r in rows:
        print(f"  {name:<28} {a:>17} {b:>17} {r:>11}".rstrip())
    print("  busy: the client's CPU time over the wall time, while joining and after.\n"
          "  own stalls: the benchmark's census and full collection, off the loop lag.\n"
          "  promoted: objects the middle collections moved to the oldest generation, kept\n"
          "    or in flight; once they pass a quarter of what the last full collection\n"
          "    kept, the next full one runs.\n"
          "  found: the cyclic garbage the full collection freed.\n"
          "  * tracked objects over the count before the drop, at that moment: what each\n"
          "    shopper keeps, the requests in flight, the drop's own state per shopper and\n"
          "    garbage not yet collected (a census after a full collection: what is kept).")


def _full_split(figures: dict[str, Any]) -> str:
    """The automatic full collections while joining and after, and their seconds
    (``"15/5 in 4.5/3.7 s"``)."""
    seconds, count = figures["gc_full_joining"]
    return (f"{count}/{figures['gc_collections'][2] - count} in "
            f"{seconds:.1f}/{figures['gc_seconds'][2] - seconds:.1f} s")


#: The figures :func:`summary` gives over rounds: a label (with the unit), the key, the format,
#: and whether the rounds' ratios mean something (the lag and the pauses have goals of their
#: own, in milliseconds, not against bare).
SUMMARY_ROWS: tuple[tuple[str, str, str, bool], ...] = (
    ("CPU per request, µs", "cpu_per_request", ".0f", True),
    ("  outside gc, µs", "cpu_per_request_outside_gc", ".0f", True),
    ("wall time, s", "wall", ".1f", True),
    ("joining per second", "join_rate", ".0f", True),
    ("CPU busy polling, %", "busy_polling", ".0f", False),
    ("loop lag p99, ms", "lag_p99", ".0f", False),
    ("  once all joined", "lag_p99_polling", ".0f", False),
    ("loop lag max, ms", "lag_max", ".0f", False),
    ("longest pause, ms", "longest_pause", ".0f", False),
    ("pauses over 50 ms", "long_pauses", ".0f", False),
    ("young collections", "gc_young", ".0f", True),
    ("promoted/shopper", "promoted", ".0f", True),
    ("full gc joining, s", "gc_full_joining_s", ".1f", True),
    ("peak RSS/shopper, KiB", "rss_per_shopper", ".1f", True),
)


def spread(values: Sequence[float], spec: str) -> str:
    """``values``' median and range as the summary prints them (``"554 [520-580]"``).

    Usage: ``spread([1.5, 1.7, 1.6], ".2f")`` -> ``"1.60 [1.50-1.70]"``
    """
    return (f"{statistics.median(values):{spec}} "
            f"[{min(values):{spec}}-{max(values):{spec}}]")


def summary(title: str, rounds: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Each figure's median and range over ``rounds`` (library, bare) beside bare's, and the
    median and range of the rounds' own ratios (80 columns)."""
    print(f"\n{title}\n  ({rounds[0][0]['shoppers']:,} shoppers, {len(rounds)} rounds: "
          "median [range])")
    print(f"  {'':<21} {'library':>17} {'bare aiohttp':>17} {'ratio':>17}")
    for label, key, spec, compared in SUMMARY_ROWS:
        lib = [_figure(pair[0], key) for pair in rounds]
        bare = [_figure(pair[1], key) for pair in rounds]
        ratios = [a / b for a, b in zip(lib, bare) if b]
        shown = spread(ratios, ".2f") if compared and len(ratios) == len(rounds) else ""
        print(f"  {label:<21} {spread(lib, spec):>17} {spread(bare, spec):>17} "
              f"{shown:>17}".rstrip())


#: The summary's figures read out of a figure that is a tuple: a (p50, p99, max) lag, the
#: collections per generation, or the full collections' (seconds, count) while joining; the
#: tuple's key and the place.
_PLACED_FIGURES = {"lag_p99": ("lag", 1), "lag_max": ("lag", 2),
                   "lag_p99_polling": ("lag_polling", 1),
                   "gc_young": ("gc_collections", 0),
                   "gc_full_joining_s": ("gc_full_joining", 0)}


def _figure(figures: dict[str, Any], key: str) -> float:
    if key in _PLACED_FIGURES:
        tuple_key, place = _PLACED_FIGURES[key]
        return float(figures[tuple_key][place])
    return float(figures[key])


def rounds(args: argparse.Namespace, tuned: bool = False
           ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """``args.repeat`` rounds of the shared-pool library variant and bare, alternating which
    runs first (so a machine that slows down or speeds up weighs on both); one line a round."""
    made = []
    for number in range(1, args.repeat + 1):
        order = ("library", "bare") if number % 2 else ("bare", "library")
        runs = {kind: variant(kind, "pool", args.shoppers, args, tuned=tuned and kind == "library")
                for kind in order}
        lib, bare = runs["library"], runs["bare"]
        made.append((lib, bare))
        print(f"  round {number}: µs/request {lib['cpu_per_request']:.0f}/"
              f"{bare['cpu_per_request']:.0f} "
              f"({ratio(lib['cpu_per_request'], bare['cpu_per_request'])}); lag p99 "
              f"{lib['lag'][1]:.0f}/{bare['lag'][1]:.0f}, max {lib['lag'][2]:.0f}/"
              f"{bare['lag'][2]:.0f} ms", flush=True)
    return made


def growth(sizes: list[int], args: argparse.Namespace) -> None:
    """The shared-pool variants over ``sizes``; CPU per request against the smallest size, then
    each size's full table (admitted, collections, RSS per shopper beside bare)."""
    print("\ngrowth (shared pool), CPU per request against the first size and against bare:")
    print(f"  {'shoppers':>8} {'admitted/err':>12} {'wall':>7} {'join/s':>6} {'µs/req':>6} "
          f"{'vs first':>8} {'bare µs':>8} {'vs bare':>7}")
    first: float | None = None
    for size in sizes:
        lib = variant("library", "pool", size, args)
        bare = variant("bare", "pool", size, args)
        first = first or lib["cpu_per_request"]
        admitted, wall = f"{lib['admitted']:,}/{lib['errors']:,}", f"{lib['wall']:.1f} s"
        print(f"  {size:>8,} {admitted:>12} {wall:>7} "
              f"{lib['join_rate']:>6,.0f} {lib['cpu_per_request']:>6.0f} "
              f"{ratio(lib['cpu_per_request'], first):>8} {bare['cpu_per_request']:>8.0f} "
              f"{ratio(lib['cpu_per_request'], bare['cpu_per_request']):>7}", flush=True)
        table(f"one shared HttpPool ({size:,})", lib, bare)
        print(flush=True)


def quick(args: argparse.Namespace) -> None:
    """``--quick``'s tiny sizes (a smoke test): 20 shoppers on the shared pool, 10 with one
    ``Fanfare`` each unless ``--own-shoppers 0`` left those out.

    Usage: ``quick(args)`` (``args`` from the drop's own parser)
    """
    args.shoppers, args.timeout, args.admit_seconds = 20, 30.0, 1.0
    args.own_shoppers = 10 if args.own_shoppers else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=10_000,
                        help="shoppers of the shared-pool variants (default 10000)")
    parser.add_argument("--own-shoppers", type=int, default=3_000,
                        help="shoppers of the one-Fanfare-each variants (default 3000; 0: skip)")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="sandbox clock speed (default 1: a real server's clock; faster, "
                             "the clock offset each answer measures moves by seconds, which a "
                             "real drop never sees, and every client then folds it)")
    parser.add_argument("--admit-seconds", type=float, default=30.0,
                        help="wall seconds in which the queue admits everyone (default 30)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--growth", default="",
                        help="comma-separated sizes to sweep the shared-pool variants over "
                             "(e.g. 1000,5000,20000,50000) instead of the table")
    parser.add_argument("--tuned", action="store_true",
                        help="also run the shared-pool library variant under fanfare_rx.tune_gc() "
                             "(frozen again once the shoppers joined)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of the shared-pool variants, library and bare alternately "
                             "(default 1: one table; more: a line a round, then each figure's "
                             "median and range, and the rounds' ratios)")
    parser.add_argument("--quick", action="store_true", help="tiny size (smoke test)")
    parser.add_argument("--garbage-kinds", action="store_true",
                        help="(with --child) print the types of the cyclic garbage found mid-drop")
    parser.add_argument("--pool", choices=["pool", "own"], default="pool", help=argparse.SUPPRESS)
    add_child_options(parser, ["library", "bare"])
    args = parser.parse_args(argv)
    if ran_as_child(args, _child):
        return
    if args.quick:
        quick(args)
    print(textwrap.fill(
        f"(sandbox speed {args.speed}, queue admits everyone in {args.admit_seconds} s; "
        f"event loop: {args.loop}'s; each "
        "variant in its own process against a fresh sandbox; figures from one run on whatever "
        "machine this is, compare the ratios)", width=80))
    if args.growth:
        growth([int(size) for size in args.growth.split(",")], args)
        return
    if args.repeat > 1:
        print("\nrounds, library / bare:")
        made = rounds(args)
        summary("one shared HttpPool", made)
        if args.tuned:
            print("\nrounds, library under tune_gc() / bare:")
            summary("one shared HttpPool, the library under tune_gc()", rounds(args, tuned=True))
    else:
        bare = variant("bare", "pool", args.shoppers, args)
        table("one shared HttpPool", variant("library", "pool", args.shoppers, args), bare)
        if args.tuned:
            table("one shared HttpPool, the library under tune_gc()",
                  variant("library", "pool", args.shoppers, args, tuned=True), bare)
    if args.own_shoppers:
        table("one Fanfare (one ClientSession) per shopper",
              variant("library", "own", args.own_shoppers, args),
              variant("bare", "own", args.own_shoppers, args))


if __name__ == "__main__":
    main()
