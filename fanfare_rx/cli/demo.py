"""``fanfare-rx demo`` (a journey against the embedded sandbox on an accelerated clock) and
``fanfare-rx watch`` (a journey against any Consumer API), both with the live view.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Coroutine, Mapping
from typing import Any, TextIO

from fanfare_rx import errors
from fanfare_rx.cli.demo_runner import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    JourneyOptions,
    run_journey,
)
from fanfare_rx.cli.live_view import LiveView
from fanfare_rx.cli.options import add_server_arguments, missing_server_options
from fanfare_rx.sandbox.cli import positive_float, positive_int
from fanfare_rx.sandbox.control import describe_experience
from fanfare_rx.sandbox.server import DEFAULT_SEED, Sandbox

__all__ = [
    "DEFAULT_SEED",
    "DEMO_EXPERIENCES",
    "DEMO_SPEEDS",
    "add_demo_arguments",
    "add_watch_arguments",
    "check_watch_arguments",
    "run_demo",
    "run_demo_command",
    "run_watch_command",
]

#: The sandbox clock speed per experience, so that each default demo takes a few seconds:
#: the queue's 40 people at 60/min take 8 s at x5; the draw and auction settle at 5 sandbox
#: minutes (5 s at x60); the timed release opens at 2 min; the waitlisted queue at 10 min; an
#: appointment is booked at once.
DEMO_SPEEDS: Mapping[str, float] = {
    "queue": 5.0,
    "draw": 60.0,
    "auction": 60.0,
    "timed_release": 60.0,
    "waitlist": 100.0,
    "vip": 5.0,
    "signin": 5.0,
    "botcheck": 5.0,
    "appointment": 5.0,
}
DEMO_EXPERIENCES = tuple(DEMO_SPEEDS)
DEFAULT_TIMEOUT = 60.0
DEFAULT_POLL_MS = 500


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``demo`` subcommand's options.

    Usage: ``add_demo_arguments(subparsers.add_parser("demo"))``
    """
    parser.add_argument("--experience", choices=DEMO_EXPERIENCES, default="queue",
                        help="which sandbox experience to run (default queue)")
    parser.add_argument("--speed", type=positive_float, default=None,
                        help="sandbox seconds per wall second (default: per experience, "
                             + ", ".join(f"{k} {v:g}" for k, v in DEMO_SPEEDS.items()) + ")")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"sandbox seed; the default {DEFAULT_SEED} makes the draw a win")
    parser.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT,
                        help=f"give up after S wall seconds (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--poll-ms", type=positive_int, default=DEFAULT_POLL_MS,
                        help=f"polling interval in ms (default {DEFAULT_POLL_MS})")


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``watch`` subcommand's options.

    Usage: ``add_watch_arguments(subparsers.add_parser("watch"))``
    """
    # The experience id used to be positional: still accepted there (hidden).
    parser.add_argument("experience", nargs="?", default=None, help=argparse.SUPPRESS)
    add_server_arguments(parser)
    parser.add_argument("--access-code", default=None, help="access code to provide when asked")
    parser.add_argument("--email", default=None, help="email to sign in with when required")
    parser.add_argument("--otp", default=None, help="one-time code to sign in with")
    parser.add_argument("--bot-check-token", default=None, help="token that passes a bot check")
    parser.add_argument("--poll-ms", type=positive_int, default=DEFAULT_POLL_MS,
                        help=f"polling interval in ms (default {DEFAULT_POLL_MS})")
    parser.add_argument("--enter", action=argparse.BooleanOptionalAction, default=True,
                        help="enter the distribution (or waitlist) when possible (default on)")
    parser.add_argument("--timeout", type=positive_float, default=None,
                        help="give up after S seconds (default: wait until a terminal stage)")


def check_watch_arguments(args: argparse.Namespace) -> str | None:
    """What argparse cannot say about ``watch``: the four server options are required (the
    experience id as ``--experience-id`` or, as before, positional).

    Usage: ``check_watch_arguments(args)`` -> ``'the following arguments are required: ...'``
    """
    if args.experience is not None:
        if args.experience_id is not None and args.experience_id != args.experience:
            return "give the experience once, as --experience-id"
        args.experience_id = args.experience
    missing = missing_server_options(args)
    return f"the following arguments are required: {', '.join(missing)}" if missing else None


async def run_demo(experience: str = "queue", *, speed: float | None = None,
                   seed: int = DEFAULT_SEED, timeout: float = DEFAULT_TIMEOUT,
                   poll_ms: int = DEFAULT_POLL_MS, out: TextIO | None = None,
                   tty: bool | None = None) -> int:
    """Start the sandbox in-process, run the journey of ``experience`` and stop it; returns
    the exit status (0 admitted).

    Usage: ``status = await run_demo("vip")``
    """
    out = out if out is not None else sys.stdout
    speed = speed if speed is not None else DEMO_SPEEDS[experience]
    async with Sandbox(clock="real", speed=speed, seed=seed) as sandbox:
        described = next(describe_experience(e) for e in sandbox.scenario.experiences
                         if e.label == experience)
        print(f"sandbox: {sandbox.base_url} (clock x{speed:g}, seed {seed})", file=out)
        print(f"experience {experience}: {sandbox.experiences[experience]} ({described})",
              file=out, flush=True)
        options = JourneyOptions(
            base_url=sandbox.base_url, organization_id=sandbox.organization_id,
            publishable_key=sandbox.publishable_key,
            experience_id=sandbox.experiences[experience],
            access_code=sandbox.access_codes.get(experience), otp_code=sandbox.otp_code,
            bot_check_token=sandbox.bot_check_token, poll_ms=poll_ms, timeout=timeout,
        )
        view = LiveView(out, tty=tty, clock=lambda: sandbox.now().timestamp(), speed=speed)
        return await run_journey(options, view, out)


async def _interruptible(run: Coroutine[Any, Any, int], out: TextIO, cleaned: str) -> int:
    """Await ``run``; the first SIGINT/SIGTERM cancels it, so that every ``finally`` and
    ``async with`` cleans up (journey destroyed, HTTP session closed, sandbox stopped), and
    the status is 130. This works even when the shell started us with SIGINT ignored."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    interrupted = False

    def on_signal() -> None:
        nonlocal interrupted
        if not interrupted and task is not None:
            interrupted = True
            task.cancel()

    installed: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, on_signal)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - non-Unix
            pass
    try:
        return await run
    except asyncio.CancelledError:
        if not interrupted:
            raise
        print(f"\ninterrupted: {cleaned}", file=out, flush=True)
        return EXIT_INTERRUPTED
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


def _run(run: Coroutine[Any, Any, int], name: str, cleaned: str) -> int:
    try:
        return asyncio.run(_interruptible(run, sys.stdout, cleaned))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stdout, flush=True)
        return EXIT_INTERRUPTED
    except (OSError, ValueError, errors.FanfareError) as exc:
        print(f"fanfare-rx {name}: {exc}", file=sys.stderr)
        return EXIT_ERROR


def run_demo_command(args: argparse.Namespace) -> int:
    """Entry point of ``fanfare-rx demo``; Ctrl-C exits with 130 after cleaning up.

    Usage: ``run_demo_command(parser.parse_args(["demo", "--experience", "vip"]))``
    """
    return _run(run_demo(args.experience, speed=args.speed, seed=args.seed,
                         timeout=args.timeout, poll_ms=args.poll_ms), "demo",
                "journey destroyed, HTTP session closed, sandbox stopped")


def run_watch_command(args: argparse.Namespace) -> int:
    """Entry point of ``fanfare-rx watch``; Ctrl-C exits with 130 after cleaning up.

    Usage: ``run_watch_command(parser.parse_args(["watch", "--experience-id", exp, ...]))``
    """
    options = JourneyOptions(
        base_url=args.base_url, organization_id=args.organization_id,
        publishable_key=args.publishable_key, experience_id=args.experience_id,
        access_code=args.access_code, email=args.email,
        otp_code=args.otp, bot_check_token=args.bot_check_token, enter=args.enter,
        poll_ms=args.poll_ms, timeout=args.timeout,
    )
    return _run(run_journey(options, LiveView(sys.stdout)), "watch",
                "journey destroyed, HTTP session closed")
