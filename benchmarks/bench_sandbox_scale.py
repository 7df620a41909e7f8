"""Sandbox at scale: server CPU per queue-status request (empty queue and 10,000 in queue), each
beside a bare aiohttp JSON handler measured in the same run, and the time to enrol 10,000.

The server runs in a child process and reports its own ``time.process_time()`` through
``GET /_bench/cpu``, so the client's work never counts as server CPU. Figures are the median
of ``--repeats`` rounds of ``--requests`` status polls.

Run: ``python benchmarks/bench_sandbox_scale.py [--consumers 10000] [--requests 3000] [--repeats 7]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
QUEUE_ID = "q-bench"
SCENARIO: dict[str, Any] = {"experiences": [{
    "id": "exp-bench", "label": "bench", "name": "Bench",
    "sequences": [{"id": "seq-bench", "name": "Bench", "priority": 1,
                   "distribution": {"type": "queue", "id": QUEUE_ID, "openAt": 0,
                                    "admitRate": 1, "crowd": 0}}]}]}


# --- the server side (child process) ----------------------------------------------------------


async def _cpu(_: web.Request) -> web.Response:
    times = os.times()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    return web.json_response({"cpu": time.process_time(), "user": times.user, "faults": faults})


def _bare_app() -> web.Application:
    async def status(_: web.Request) -> web.Response:
        return web.json_response({"status": "QUEUED", "position": 41,
                                  "estimatedWaitTimeInSeconds": 41.0,
                                  "positionDisplayMode": "precise"})

    app = web.Application()
    app.router.add_get("/queues/{id}/status", status)
    return app


def _sandbox_app() -> web.Application:
    from fanfare_rx.sandbox.app import create_app
    from fanfare_rx.sandbox.clock import SandboxClock
    from fanfare_rx.sandbox.ratelimit import RateLimiter
    from fanfare_rx.sandbox.scenario import parse_scenario
    from fanfare_rx.sandbox.world import World

    world = World(parse_scenario(SCENARIO), SandboxClock("manual"))
    return create_app(world, limiter=RateLimiter(1_000_000_000))


async def _serve(kind: str) -> None:
    app = _bare_app() if kind == "bare" else _sandbox_app()
    app.router.add_get("/_bench/cpu", _cpu)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until EOF
    await runner.cleanup()


class Server:
    """A child process serving ``kind`` ("bare" or "sandbox") on a free loopback port."""

    def __init__(self, kind: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", kind], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


# --- the client side --------------------------------------------------------------------------


async def _server_cpu(session: aiohttp.ClientSession, url: str, headers: dict[str, str],
                      which: str = "cpu") -> float:
    """The server's CPU seconds so far, ``cpu`` (user + system) or ``user``, or ``faults``
    (minor page faults)."""
    async with session.get(f"{url}/_bench/cpu", headers=headers) as response:
        return float((await response.json())[which])


class Target:
    """One server to poll: its URL, the headers of each poller and its CPU samples."""

    def __init__(self, url: str, base: dict[str, str], tokens: list[str]) -> None:
        self.url, self.base = url, base
        self.headers = [{**base, **({"Authorization": f"Bearer {t}"} if t else {})}
                        for t in tokens]
        self.samples: list[float] = []
        self.user_samples: list[float] = []
        self.fault_samples: list[float] = []

    async def burst(self, session: aiohttp.ClientSession, count: int, concurrency: int) -> None:
        path = f"{self.url}/queues/{QUEUE_ID}/status"
        remaining = iter(range(count))

        async def worker() -> None:
            for i in remaining:
                headers = self.headers[i % len(self.headers)]
                async with session.get(path, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def sample(self, session: aiohttp.ClientSession, count: int, concurrency: int) -> None:
        """Record the server CPU µs per status request of one burst of ``count``."""
        before = await _server_cpu(session, self.url, self.base)
        user_before = await _server_cpu(session, self.url, self.base, "user")
        faults_before = await _server_cpu(session, self.url, self.base, "faults")
        await self.burst(session, count, concurrency)
        after = await _server_cpu(session, self.url, self.base)
        user_after = await _server_cpu(session, self.url, self.base, "user")
        faults_after = await _server_cpu(session, self.url, self.base, "faults")
        self.fault_samples.append((faults_after - faults_before) / count)
        self.samples.append((after - before) / count * 1e6)
        self.user_samples.append((user_after - user_before) / count * 1e6)


async def _interleaved(session: aiohttp.ClientSession, targets: list[Target], requests: int,
                       concurrency: int, repeats: int) -> list[tuple[float, float, float]]:
    """Median CPU µs per request of each target (user + system, user only) and its minor page
    faults per request, rounds taken in turn so that load from other processes on the machine
    falls on all targets alike."""
    for target in targets:
        await target.burst(session, 200, concurrency)  # warm-up
    for _ in range(repeats):
        for target in targets:
            await target.sample(session, requests, concurrency)
    return [(statistics.median(t.samples), statistics.median(t.user_samples),
             statistics.median(t.fault_samples)) for t in targets]


async def _enrol(session: aiohttp.ClientSession, url: str, headers: dict[str, str], count: int,
                 concurrency: int) -> tuple[list[str], float]:
    """Create ``count`` guests and enter each into the queue; (tokens, wall seconds)."""
    tokens: list[str] = [""] * count
    remaining = iter(range(count))

    async def worker() -> None:
        for i in remaining:
            async with session.post(f"{url}/auth/guest", headers=headers) as response:
                token = (await response.json())["accessToken"]
            auth = {**headers, "Authorization": f"Bearer {token}"}
            async with session.post(f"{url}/queues/{QUEUE_ID}/enter", headers=auth) as response:
                body = await response.json()
                assert response.status == 200 and body["status"] == "QUEUED", body
            tokens[i] = token

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tokens, time.perf_counter() - started


def _publishable_key() -> str:
    from fanfare_rx.sandbox.scenario import parse_scenario

    return parse_scenario(SCENARIO).publishable_key


async def run(consumers: int, requests: int, concurrency: int, repeats: int) -> dict[str, float]:
    """All figures of one run (µs per request, seconds for enrolment)."""
    results: dict[str, float] = {}
    pk = {"X-Publishable-Key": _publishable_key()}
    servers = [Server("bare"), Server("sandbox"), Server("sandbox")]
    bare, empty, full = servers
    try:
        connector = aiohttp.TCPConnector(limit=concurrency * 2)
        async with aiohttp.ClientSession(connector=connector) as session:
            alone, _ = await _enrol(session, empty.url, pk, 1, 1)
            cpu_before = await _server_cpu(session, full.url, pk)
            tokens, seconds = await _enrol(session, full.url, pk, consumers, concurrency)
            results["enrol_cpu_s"] = await _server_cpu(session, full.url, pk) - cpu_before
            results["enrol_s"] = seconds
            targets = [Target(bare.url, {}, [""]), Target(empty.url, pk, alone),
                       Target(full.url, pk, tokens[-1:]), Target(full.url, pk, tokens)]
            figures = await _interleaved(session, targets, requests, concurrency, repeats)
            for name, (total, user, faults) in zip(("bare", "empty", "full", "full_all"),
                                                   figures):
                results[f"{name}_us"], results[f"{name}_user_us"] = total, user
                results[f"{name}_faults"] = faults
    finally:
        for server in servers:
            server.close()
    return results


def _ratio(top: float, bottom: float) -> float:
    """``top / bottom``; NaN when a quick run measured no CPU at all (clock ticks are coarse)."""
    return top / bottom if bottom else float("nan")


def report(results: dict[str, float], consumers: int) -> list[str]:
    """The printed lines (80 columns): each figure, then each ratio to its baseline, for
    user+system and for user time only."""
    rows = (("bare aiohttp JSON handler", "bare"), ("sandbox, empty queue (position 1)", "empty"),
            (f"sandbox, {consumers:,} in queue, last in line", "full"),
            (f"sandbox, {consumers:,} in queue, each in turn", "full_all"))
    lines = ["server CPU µs per queue-status request (median):",
             f"  {'':42} {'user+sys':>9} {'user':>7}"]
    lines += [f"  {label:42} {results[name + '_us']:9.1f} {results[name + '_user_us']:7.1f}"
              for label, name in rows]
    ratios = (("bare/sandbox, empty queue", "bare", "empty", "goal >= 0.70"),
              ("full/empty, last in line", "full", "empty", "goal <= 1.20"),
              ("bare/sandbox, last in line", "bare", "full", ""),
              ("full/empty, each in turn", "full_all", "empty", ""),
              ("bare/sandbox, each in turn", "bare", "full_all", ""))
    lines.append("ratios (user+sys, user only):")
    for label, top, bottom, goal in ratios:
        both = "  ".join(f"{_ratio(results[top + suffix], results[bottom + suffix]):5.2f}x"
                         for suffix in ("_us", "_user_us"))
        lines.append(f"  {label:28} {both}" + (f"  ({goal})" if goal else ""))
    lines.append("minor page faults per request (system time follows them):")
    lines.append("  " + ", ".join(f"{name} {results[name + '_faults']:.2f}"
                                  for name in ("bare", "empty", "full", "full_all")))
    lines.append(
        f"enrol {consumers:,} consumers (guest + enter): {results['enrol_s']:.2f} s wall, "
        f"{results['enrol_cpu_s']:.2f} s server CPU")
    lines.append(f"  ({results['enrol_cpu_s'] / consumers * 1e6:.0f} µs per consumer)")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--consumers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--serve", choices=("bare", "sandbox"), help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.consumers, args.requests, args.repeats = 50, 100, 1
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    results = asyncio.run(run(args.consumers, args.requests, args.concurrency, args.repeats))
    print("\n".join(report(results, args.consumers)))


if __name__ == "__main__":
    main()
