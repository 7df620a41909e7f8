"""Peak memory per shopper: N ``Fanfare`` instances alive at once, each with a guest session and
one queue-status request, on one shared ``HttpPool`` versus one pool each (same run, ratio).

The sandbox runs in a process of its own; each mode runs in a fresh process so its memory is
its own. Per shopper = (peak RSS while the shoppers are held - RSS after a warm-up shopper) / N.

Run: ``python -m benchmarks pool`` or ``python benchmarks/bench_pool.py [--shoppers 3000]``
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing as mp
import resource
import time
from multiprocessing.connection import Connection
from typing import Any

__all__ = ["main"]

GOAL_KIB = 24.0


def _serve_sandbox(conn: Connection) -> None:
    """Child process: a sandbox on a free port until the parent sends anything."""
    from fanfare_rx.sandbox import Sandbox

    async def serve() -> None:
        async with Sandbox(clock="manual", rate_limit=100_000_000) as sandbox:
            queue = sandbox.experiences["queue"]
            queue_id = next(e.sequences[0].distribution.id for e in sandbox.scenario.experiences
                            if e.id == queue and e.sequences[0].distribution)
            conn.send({"base_url": sandbox.base_url, "organization_id": sandbox.organization_id,
                       "publishable_key": sandbox.publishable_key, "queue_id": queue_id})
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    asyncio.run(serve())


def _rss_kib() -> int:
    """The current resident set size in KiB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() // 1024


def _shoppers_process(conn: Connection, target: dict[str, str], shared: bool, shoppers: int,
                      batch: int) -> None:
    """Child process: hold ``shoppers`` live instances, report RSS figures."""
    from fanfare_rx import Fanfare, HttpPool

    async def one(pool: HttpPool | None) -> Fanfare:
        fanfare = await Fanfare.init(organization_id=target["organization_id"],
                                     publishable_key=target["publishable_key"],
                                     base_url=target["base_url"], pool=pool)
        await fanfare.auth.guest()
        await fanfare.api.queue_status(target["queue_id"])
        return fanfare

    async def run() -> dict[str, Any]:
        pool = HttpPool() if shared else None
        warm = await one(pool)  # loads every module, opens the shared pool
        await warm.destroy()
        baseline = _rss_kib()
        started = time.perf_counter()
        alive: list[Fanfare] = []
        peak = baseline
        for start in range(0, shoppers, batch):
            count = min(batch, shoppers - start)
            alive += await asyncio.gather(*(one(pool) for _ in range(count)))
            peak = max(peak, _rss_kib())  # sampled after each batch: the peak while held
        elapsed = time.perf_counter() - started
        for fanfare in alive:
            await fanfare.destroy()
        if pool is not None:
            await pool.close()
        return {"baseline": baseline, "peak": peak, "seconds": elapsed}

    conn.send(asyncio.run(run()))


def _measure(ctx: Any, target: dict[str, str], shared: bool, shoppers: int,
             batch: int) -> dict[str, Any]:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_shoppers_process,
                          args=(child, target, shared, shoppers, batch))
    process.start()
    result: dict[str, Any] = parent.recv()
    process.join()
    result["per_shopper"] = (result["peak"] - result["baseline"]) / shoppers
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shoppers", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=200, help="shoppers started at once")
    parser.add_argument("--quick", action="store_true", help="tiny size (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.shoppers = min(args.shoppers, 40)
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    server = ctx.Process(target=_serve_sandbox, args=(child,), daemon=True)
    server.start()
    try:
        target = parent.recv()
        results = {name: _measure(ctx, target, shared, args.shoppers, args.batch)
                   for name, shared in (("shared pool", True), ("one pool each", False))}
    finally:
        parent.send("stop")
        server.join(timeout=10)
    print(f"{args.shoppers} shoppers alive at once, each: guest session + one status request")
    for name, r in results.items():
        print(f"  {name:14s} baseline {r['baseline'] / 1024:5.1f} MiB, peak "
              f"{r['peak'] / 1024:5.1f} MiB, {r['per_shopper']:5.1f} KiB each "
              f"({r['seconds']:.1f} s)")
    shared, each = results["shared pool"], results["one pool each"]
    ratio = each["per_shopper"] / shared["per_shopper"] if shared["per_shopper"] > 0 else math.inf
    print(f"  ratio (one pool each / shared pool): {ratio:.2f}×")
    verdict = "meets" if shared["per_shopper"] <= GOAL_KIB else "misses"
    print(f"  shared pool {verdict} the goal of <= {GOAL_KIB:g} KiB per shopper")


if __name__ == "__main__":
    main()
