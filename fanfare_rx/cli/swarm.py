"""``fanfare-rx swarm``: a drop of many shoppers from the command line, on one event loop or a
Ray fleet, against the embedded sandbox (its own process) or a given server; progress lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Iterator
from typing import TextIO

from fanfare_rx.cli.options import add_server_arguments, missing_server_options
from fanfare_rx.errors import FanfareError
from fanfare_rx.fleet import Fleet, FleetSummary, FleetTarget, RayBackend, enter_and_wait
from fanfare_rx.fleet.backends import Backend, LocalBackend
from fanfare_rx.fleet.shoppers import slot_finder
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox.cli import positive_float, positive_int
from fanfare_rx.sandbox.process import SandboxProcess, drop_scenario
from fanfare_rx.tuning import tune_gc

__all__ = [
    "add_swarm_arguments",
    "check_swarm_arguments",
    "progress_line",
    "run_swarm_command",
]

#: Exit statuses: every shopper finished; some shoppers' behaviours failed; the fleet failed.
EXIT_OK, EXIT_FLEET_FAILED, EXIT_BAD_ARGUMENTS, EXIT_SHOPPER_ERRORS = 0, 1, 2, 3


def _sandbox_experiences() -> tuple[str, ...]:
    return tuple(e["label"] for e in drop_scenario()["experiences"])


def add_swarm_arguments(parser: argparse.ArgumentParser) -> None:
    """The swarm subcommand's options (numbers are checked here: a bad one exits 2 naming it).

    Usage: ``add_swarm_arguments(subparsers.add_parser("swarm"))``
    """
    drop = parser.add_argument_group("the drop")
    drop.add_argument("--shoppers", type=positive_int, default=1000, help="how many (default 1000)")
    drop.add_argument("--experience", choices=_sandbox_experiences(), default="queue",
                      help="experience label in the embedded sandbox (default queue)")
    drop.add_argument("--poll-ms", type=positive_int, default=1000,
                      help="each shopper's polling interval (default 1000)")
    drop.add_argument("--shopper-timeout", type=positive_float, default=900.0,
                      help="seconds a shopper may wait for a stage (default 900)")
    fleet = parser.add_argument_group("the fleet")
    fleet.add_argument("--actors", type=positive_int, default=1,
                       help="Ray actors; 1 runs every shopper in this process (default 1)")
    fleet.add_argument("--backend", choices=("auto", "local", "ray"), default="auto",
                       help="auto: ray with two or more actors or an --address (default)")
    fleet.add_argument("--address", help="a Ray cluster to join (default: start Ray here)")
    fleet.add_argument("--num-cpus", type=positive_int, help="CPUs of a Ray started here")
    fleet.add_argument("--concurrency", type=positive_int, default=1000,
                       help="shoppers one actor runs at once (default 1000)")
    fleet.add_argument("--spawn-rate", type=positive_float, default=500.0,
                       help="shoppers started per second across the fleet (default 500)")
    fleet.add_argument("--progress", type=positive_float, default=2.0,
                       help="seconds between progress lines (default 2)")
    sandbox = parser.add_argument_group("the embedded sandbox (when no --base-url)")
    sandbox.add_argument("--speed", type=positive_float, default=10.0,
                         help="sandbox seconds per real second (default 10)")
    sandbox.add_argument("--admit-rate", type=positive_float, default=6000.0,
                         help="queue admissions per sandbox minute (default 6000)")
    add_server_arguments(parser.add_argument_group(
        "a given Consumer API (instead of the embedded sandbox)"))


def check_swarm_arguments(args: argparse.Namespace) -> str | None:
    """What argparse cannot say about ``swarm``: with ``--base-url``, the other server options
    are required too.

    Usage: ``check_swarm_arguments(args)`` -> ``'--base-url needs --organization-id, ...'``
    """
    if not args.base_url:
        return None
    missing = missing_server_options(args)
    return f"--base-url needs {', '.join(missing)}" if missing else None


def progress_line(summary: FleetSummary) -> str:
    """One line of progress.

    Usage: ``print(progress_line(summary))``
    """
    point = summary.timeline[-1] if summary.timeline else None
    line = (f"[{summary.elapsed:6.1f}s] started {summary.started}/{summary.shoppers}  "
            f"in line {point.in_line if point else 0}  admitted {summary.admitted}  "
            f"finished {summary.finished}  errors {summary.error_count}")
    if point is not None and point.median_position is not None:
        line += f"  (median place {point.median_position:.0f}, last {point.max_position})"
    return line


def _backend(args: argparse.Namespace) -> Backend:
    name = args.backend
    if name == "auto":
        name = "ray" if args.actors > 1 or args.address else "local"
    if name == "local":
        return LocalBackend()
    return RayBackend(address=args.address, num_cpus=args.num_cpus)


@contextlib.contextmanager
def _target(args: argparse.Namespace, out: TextIO) -> Iterator[FleetTarget]:
    if args.base_url:
        problem = check_swarm_arguments(args)
        if problem is not None:
            raise ValueError(problem)
        yield FleetTarget(args.base_url, args.organization_id, args.publishable_key,
                          experience_id=args.experience_id)
        return
    scenario = drop_scenario(admit_rate=args.admit_rate)
    with SandboxProcess(scenario, speed=args.speed) as sandbox:
        if args.experience not in sandbox.experiences:
            raise ValueError(f"no experience {args.experience!r} in the sandbox "
                             f"(choose from {', '.join(sandbox.experiences)})")
        print(f"sandbox at {sandbox.base_url} (pid {sandbox.pid}, speed {args.speed}x, "
              f"admit rate {args.admit_rate:g}/min)", file=out, flush=True)
        yield FleetTarget(sandbox.base_url, sandbox.organization_id, sandbox.publishable_key,
                          experience_id=sandbox.experiences[args.experience])
        cpu = sandbox.cpu_seconds()
        if cpu is not None:
            print(f"sandbox CPU: {cpu:.1f} s", file=out, flush=True)


async def _swarm(args: argparse.Namespace, target: FleetTarget, out: TextIO) -> FleetSummary:
    poll_ms, timeout = args.poll_ms, args.shopper_timeout
    slots = slot_finder(target)

    async def shopper(journey: ExperienceJourney) -> str:
        return await enter_and_wait(journey, poll_ms=poll_ms, timeout=timeout, slots=slots)

    fleet = Fleet(target, shoppers=args.shoppers, backend=_backend(args), actors=args.actors,
                  concurrency=args.concurrency, interval=min(0.5, args.progress),
                  spawn_rate=args.spawn_rate)
    printed = [-args.progress]

    def show(summary: FleetSummary) -> None:
        if summary.elapsed - printed[0] >= args.progress:
            printed[0] = summary.elapsed
            print(progress_line(summary), file=out, flush=True)

    fleet.progress.subscribe(show)
    return await fleet.run(shopper)


def run_swarm_command(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Entry point of ``fanfare-rx swarm``; returns the exit status (0 all finished, 3 some
    shoppers failed, 1 the fleet failed, 2 bad arguments).

    Usage: ``run_swarm_command(build_parser().parse_args(["swarm", "--shoppers", "50"]))``
    """
    try:
        # the swarm owns its process and holds many journeys: the collector is tuned for them
        with _target(args, out) as target, tune_gc():
            summary = asyncio.run(_swarm(args, target, out))
            print(progress_line(summary), file=out)
            print("\n".join(summary.lines()), file=out, flush=True)
    except ValueError as exc:
        print(f"fanfare-rx swarm: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    except (FanfareError, RuntimeError) as exc:
        print(f"fanfare-rx swarm: {exc}", file=sys.stderr)
        return EXIT_FLEET_FAILED
    except KeyboardInterrupt:
        return 130
    return EXIT_SHOPPER_ERRORS if summary.error_count else EXIT_OK
