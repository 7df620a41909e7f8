"""A whole drop in one process: N shoppers (one ``Fanfare`` and one journey each) enter one queue
on a sandbox running in another process and poll until admitted. Reported beside a bare
baseline measured in the same run (aiohttp GET + ``json()`` on one session against the same
sandbox): client CPU per request, event-loop lag of a 10 ms ticker, peak RSS, errors, outcomes.

Run: ``python -m benchmarks drop`` or ``python benchmarks/bench_drop.py [--shoppers 10000]``
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import resource
import statistics
import time
from typing import Any, Self

import aiohttp

from fanfare_rx import Fanfare, ServerCadence
from fanfare_rx.sandbox.process import SandboxProcess

__all__ = ["main"]


class LagMonitor:
    """A 10 ms ticker; records how late each tick fires (the event loop's responsiveness)."""

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        expected = loop.time() + self.period
        while True:
            await asyncio.sleep(max(0.0, expected - loop.time()))
            now = loop.time()
            self.lags.append(max(0.0, now - expected))
            expected = now + self.period

    def __enter__(self) -> Self:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()

    def summary(self) -> tuple[float, float, float]:
        """Median, p99 and max lag in milliseconds."""
        if not self.lags:
            return 0.0, 0.0, 0.0
        ordered = sorted(self.lags)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return statistics.median(ordered) * 1e3, p99 * 1e3, ordered[-1] * 1e3


async def requests_served(session: aiohttp.ClientSession, sandbox: SandboxProcess) -> int:
    """The number of requests the sandbox has answered (its ``X-Request-Id`` counter)."""
    async with session.get(f"{sandbox.base_url}/experiences/none",
                           headers={"X-Publishable-Key": sandbox.publishable_key}) as response:
        await response.read()
        return int(response.headers["X-Request-Id"].removeprefix("req_"))


def scenario(shoppers: int, admit_seconds: float) -> dict[str, Any]:
    """One queue that admits ``shoppers`` over ``admit_seconds`` sandbox seconds."""
    rate = max(1, round(shoppers * 60 / admit_seconds))
    return {"requestsPerMinute": 100_000_000, "experiences": [{
        "id": "exp-drop", "label": "drop", "name": "Benchmark drop", "sequences": [{
            "id": "seq-drop", "name": "General", "priority": 1,
            "distribution": {"type": "queue", "id": "queue-drop", "admitRate": rate}}]}]}


async def _drop(sandbox: SandboxProcess, shoppers: int, timeout: float,
                speed: float) -> dict[str, Any]:
    init_args: dict[str, Any] = {}
    pool: Any = None
    if "pool" in inspect.signature(Fanfare.init).parameters:  # one connection pool for all
        from fanfare_rx import HttpPool  # type: ignore[attr-defined,unused-ignore]

        pool = HttpPool()
        init_args["pool"] = pool
    outcomes: dict[str, int] = {}
    errors = 0
    gate = asyncio.Semaphore(200)

    async def shopper() -> Fanfare:
        nonlocal errors
        async with gate:
            fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                                         publishable_key=sandbox.publishable_key,
                                         base_url=sandbox.base_url, **init_args)
            journey = fanfare.experiences.create_journey("exp-drop")
            try:
                await journey.start()
                await journey.enter_queue()
            except Exception:  # noqa: BLE001 - counted, the drop goes on
                errors += 1
            journey.start_polling(cadence=ServerCadence(server_speed=speed))
            return fanfare

    done = asyncio.Event()
    finished = 0

    def on_stage(stage: str) -> None:
        nonlocal finished
        if stage in ("admitted", "ended"):
            outcomes[str(stage)] = outcomes.get(str(stage), 0) + 1
            finished += 1
            if finished >= shoppers:
                done.set()

    cpu = time.process_time()
    started = time.perf_counter()
    with LagMonitor() as lag:
        clients: list[Fanfare] = []
        for fanfare in await asyncio.gather(*(shopper() for _ in range(shoppers))):
            clients.append(fanfare)
            journey = fanfare.experiences.create_journey("exp-drop")
            off = journey.sequence_stage.listen(on_stage)
            if journey.sequence_stage.get() in ("admitted", "ended"):
                off()
                on_stage(journey.sequence_stage.get())
        try:
            await asyncio.wait_for(done.wait(), timeout)
        except TimeoutError:
            pass
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        for fanfare in clients:
            await fanfare.destroy()
        if pool is not None:
            await pool.close()
    return {"cpu": cpu, "elapsed": elapsed, "lag": lag.summary(), "outcomes": outcomes,
            "errors": errors, "unfinished": shoppers - finished}


async def _bare(sandbox: SandboxProcess, requests: int) -> dict[str, Any]:
    """GET + json() of a queue status on one session, 64 at a time."""
    headers = {"X-Publishable-Key": sandbox.publishable_key}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sandbox.base_url}/auth/guest", headers=headers) as r:
            headers["Authorization"] = f"Bearer {(await r.json())['accessToken']}"
        url = f"{sandbox.base_url}/queues/queue-drop/status"
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                async with session.get(url, headers=headers) as response:
                    await response.json()

        cpu = time.process_time()
        with LagMonitor() as lag:
            await asyncio.gather(*(worker() for _ in range(64)))
        return {"cpu": time.process_time() - cpu, "lag": lag.summary()}


async def run(shoppers: int, speed: float, timeout: float, admit_wall: float) -> None:
    sandbox = SandboxProcess(scenario(shoppers, admit_seconds=admit_wall * speed), speed=speed).start()
    try:
        async with aiohttp.ClientSession() as probe:
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            served = await requests_served(probe, sandbox)
            server_cpu = sandbox.cpu_seconds() or 0.0
            drop = await _drop(sandbox, shoppers, timeout, speed)
            requests = await requests_served(probe, sandbox) - served - 1
            server_cpu = (sandbox.cpu_seconds() or 0.0) - server_cpu
            peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            bare = await _bare(sandbox, min(max(requests, 200), 20_000))
            bare_requests = min(max(requests, 200), 20_000)
    finally:
        sandbox.stop()
    per_request = drop["cpu"] / max(requests, 1) * 1e6
    bare_per_request = bare["cpu"] / bare_requests * 1e6
    median, p99, worst = drop["lag"]
    b_median, b_p99, b_worst = bare["lag"]
    print(f"shoppers: {shoppers}; outcomes {drop['outcomes']}; unfinished {drop['unfinished']}; "
          f"errors {drop['errors']}; wall {drop['elapsed']:.1f} s")
    print(f"requests: {requests} ({requests / max(shoppers, 1):.1f} per shopper); "
          f"sandbox CPU {server_cpu / max(requests, 1) * 1e6:.0f} µs/request")
    print(f"client CPU per request: {per_request:7.0f} µs   bare GET+json(): "
          f"{bare_per_request:7.0f} µs   ratio {per_request / bare_per_request:.2f}")
    print(f"event-loop lag (10 ms ticker) median/p99/max: {median:.1f} / {p99:.1f} / "
          f"{worst:.1f} ms   bare: {b_median:.1f} / {b_p99:.1f} / {b_worst:.1f} ms")
    print(f"peak RSS: {peak_rss / 1024:.0f} MiB (before the drop {rss_before / 1024:.0f} MiB); "
          f"{(peak_rss - rss_before) / max(shoppers, 1):.1f} KiB per shopper")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shoppers", type=int, default=10_000)
    parser.add_argument("--speed", type=float, default=10.0,
                        help="sandbox clock speed")
    parser.add_argument("--admit-seconds", type=float, default=30.0,
                        help="wall seconds in which the queue admits everyone (default 30)")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--quick", action="store_true", help="tiny size (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.shoppers, args.timeout, args.admit_seconds = 20, 60.0, 2.0
    asyncio.run(run(args.shoppers, args.speed, args.timeout, args.admit_seconds))


if __name__ == "__main__":
    main()
