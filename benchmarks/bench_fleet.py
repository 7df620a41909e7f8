"""A drop of many shoppers, end to end, in one process (the local backend) and on a local Ray
fleet: journeys per CPU second (of the shoppers' processes, and of everything including the
sandbox), wall time, and the sandbox's own CPU (it is one process and may be the bottleneck).

Run: ``python -m benchmarks fleet [--shoppers 20000] [--actors 2] [--json out.json]``

Measured on 2 shared cores (20,000 shoppers, sandbox at 10x in its own process, 1,000 shoppers
at once per worker, 500 starting a second): one process 230 s wall, 105 journeys per client
CPU second, sandbox 27 CPU s; two Ray actors 222 s wall (1.04x), 86 journeys per client CPU
second (ratio 0.82), sandbox 33 CPU s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from typing import Any

from benchmarks.bench_drop import ratio
from fanfare_rx.fleet import Fleet, FleetTarget, RayBackend, enter_and_wait
from fanfare_rx.fleet.backends import Backend, LocalBackend
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox.process import SandboxProcess, drop_scenario

__all__ = ["main", "measure", "table"]


def _backend(name: str, args: argparse.Namespace) -> Backend:
    if name == "local":
        return LocalBackend()
    return RayBackend(num_cpus=args.num_cpus, worker_niceness=args.niceness)


async def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """One drop on a fresh sandbox process; the figures of that run."""
    poll_ms = args.poll_ms

    async def shopper(journey: ExperienceJourney) -> str:
        return await enter_and_wait(journey, poll_ms=poll_ms, timeout=1800)

    backend = _backend(name, args)
    await backend.prepare()  # a local Ray starts outside the timed part
    with SandboxProcess(drop_scenario(admit_rate=args.admit_rate), speed=args.speed) as sandbox:
        target = FleetTarget(sandbox.base_url, sandbox.organization_id, sandbox.publishable_key,
                             experience_id=sandbox.experiences["queue"])
        actors = 1 if name == "local" else args.actors
        fleet = Fleet(target, shoppers=args.shoppers, backend=backend, actors=actors,
                      concurrency=args.concurrency, spawn_rate=args.spawn_rate)
        fleet.progress.subscribe(lambda s: _progress(name, s.elapsed, s.finished, s.shoppers))
        sandbox_cpu0 = sandbox.cpu_seconds() or 0.0
        driver_cpu0, load0 = time.process_time(), os.getloadavg()[0]
        summary = await fleet.run(shopper)
        driver_cpu = time.process_time() - driver_cpu0
        sandbox_cpu = (sandbox.cpu_seconds() or 0.0) - sandbox_cpu0
    # The local worker is the driver's process: do not count its CPU twice.
    client_cpu = summary.cpu_seconds if name == "local" else summary.cpu_seconds + driver_cpu
    done = summary.finished
    return {
        "backend": name, "actors": actors, "shoppers": args.shoppers, "finished": done,
        "admitted": summary.admitted, "errors": summary.error_count,
        "error_types": dict(summary.errors), "error_samples": list(summary.error_samples[:2]),
        "wall_s": round(summary.elapsed, 1),
        "worker_cpu_s": round(summary.cpu_seconds, 1), "driver_cpu_s": round(driver_cpu, 1),
        "sandbox_cpu_s": round(sandbox_cpu, 1),
        "journeys_per_client_cpu_s": round(done / client_cpu, 1) if client_cpu else None,
        "journeys_per_total_cpu_s": round(done / (client_cpu + sandbox_cpu), 1),
        "journeys_per_wall_s": round(done / summary.elapsed, 1),
        "load_average": [round(load0, 1), round(os.getloadavg()[0], 1)],
        "actor_niceness": None if name == "local" else args.niceness,
    }


_last_print = [0.0]


def _progress(name: str, elapsed: float, finished: int, shoppers: int) -> None:
    if elapsed - _last_print[0] >= 15 or finished == shoppers:
        _last_print[0] = elapsed
        print(f"  {name}: {elapsed:6.1f} s, {finished}/{shoppers} finished", file=sys.stderr,
              flush=True)


def _rows(runs: list[dict[str, Any]]) -> list[tuple[str, list[str], str]]:
    """The table's rows: a label, each run's figure, and the last run against the first (the
    ratio's sense is in its label)."""

    def per(key: str) -> list[float]:
        return [float(run[key] or 0.0) for run in runs]

    def last_to_first(values: list[float], lower_is_faster: bool = False) -> str:
        if len(values) < 2:
            return ""
        return ratio(values[0], values[-1]) if lower_is_faster else ratio(values[-1], values[0])

    wall, client = per("wall_s"), per("journeys_per_client_cpu_s")
    total, rate = per("journeys_per_total_cpu_s"), per("journeys_per_wall_s")
    return [
        ("finished / admitted / errors",
         [f"{r['finished']:,} / {r['admitted']:,} / {r['errors']}" for r in runs], ""),
        ("wall time (ratio: faster)", [f"{w:.1f} s" for w in wall],
         last_to_first(wall, lower_is_faster=True)),
        ("journeys per client CPU s", [f"{v:.1f}" for v in client], last_to_first(client)),
        ("journeys per CPU s, all", [f"{v:.1f}" for v in total], last_to_first(total)),
        ("journeys per wall second", [f"{v:.1f}" for v in rate], last_to_first(rate)),
        ("CPU s: workers / driver",
         [f"{r['worker_cpu_s']:.1f} / {r['driver_cpu_s']:.1f}" for r in runs], ""),
        ("CPU s: sandbox", [f"{r['sandbox_cpu_s']:.1f}" for r in runs],
         last_to_first(per("sandbox_cpu_s"))),
        ("load average, start / end",
         ["{:.1f} / {:.1f}".format(*r["load_average"]) for r in runs], ""),
    ]


def table(runs: list[dict[str, Any]]) -> list[str]:
    """The runs side by side (80 columns), the last against the first, then each run's error
    kinds and a sample of them, if any.

    Usage: ``print("\\n".join(table([measured_local, measured_ray])))``
    """
    heads = [("one process" if r["backend"] == "local" else f"{r['backend']}, {r['actors']} actors")
             for r in runs]
    lines = [f"{runs[0]['shoppers']:,} shoppers a run"
             + (f"; ratio: {heads[-1]} against {heads[0]}" if len(runs) > 1 else ""),
             f"  {'':<29}" + "".join(f"{h:>18}" for h in heads) + f"{'ratio':>8}"]
    for label, figures, against in _rows(runs):
        lines.append((f"  {label:<29}" + "".join(f"{f:>18}" for f in figures)
                      + f"{against:>8}").rstrip())
    for head, run in zip(heads, runs):
        if run["error_types"]:
            kinds = ", ".join(f"{kind} {count}" for kind, count in run["error_types"].items())
            lines.append(f"  {head} errors: {kinds}")
            lines.extend(f"    {sample}"[:80] for sample in run["error_samples"])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shoppers", type=int, default=20_000,
                        help="shoppers per run (default 20000: about 4 minutes a run on 2 cores)")
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--num-cpus", type=int, default=os.cpu_count() or 1,
                        help="CPUs of the local Ray (default: this machine's)")
    parser.add_argument("--backends", default="local,ray")
    parser.add_argument("--niceness", type=int, default=0,
                        help="nice value of the Ray actors (default 0, as the one process; "
                             "Ray's own default is 15)")
    parser.add_argument("--concurrency", type=int, default=1000,
                        help="shoppers at once per worker (default 1000)")
    parser.add_argument("--spawn-rate", type=float, default=500.0)
    parser.add_argument("--poll-ms", type=int, default=1000)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--admit-rate", type=float, default=60_000.0,
                        help="queue admissions per sandbox minute (default 60000: not a limit)")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--quick", action="store_true",
                        help="40 shoppers, a smoke test (its figures mean nothing)")
    args = parser.parse_args(argv)
    if args.quick:
        args.shoppers, args.concurrency, args.speed = 40, 40, 20.0
    results = []
    for name in args.backends.split(","):
        _last_print[0] = 0.0
        results.append(asyncio.run(measure(name, args)))
    print("\n".join(table(results)), flush=True)
    if args.json:
        with open(args.json, "w") as file:
            json.dump(results, file, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
