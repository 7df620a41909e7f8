"""``fanfare-rx sandbox``: serve the sandbox from the command line and print its start banner
(base URL, organization id, keys, development OTP, experiences) one item per line.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import TextIO

from fanfare_rx.sandbox.control import describe_experience
from fanfare_rx.sandbox.scenario import ScenarioError, load_scenario
from fanfare_rx.sandbox.server import Sandbox

__all__ = ["DEFAULT_PORT", "add_arguments", "banner_lines", "run", "serve"]

DEFAULT_PORT = 4802


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox subcommand's options.

    Usage: ``add_arguments(subparsers.add_parser("sandbox"))``
    """
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"TCP port, 0 for any free one (default {DEFAULT_PORT})")
    parser.add_argument("--scenario", metavar="FILE", help="scenario JSON (default: built-in)")
    parser.add_argument("--speed", type=float, default=None,
                        help="accelerate the real clock: N sandbox seconds per second")
    parser.add_argument("--clock", choices=("real", "manual"), default="real",
                        help="real (default) or manual (advance via POST /_sandbox/clock/advance)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")


def banner_lines(sandbox: Sandbox) -> list[str]:
    """The start banner, one fact per line.

    Usage: ``print("\\n".join(banner_lines(sandbox)))``
    """
    lines = [
        f"Fanfare sandbox (clock: {sandbox.world.clock.describe()})",
        f"base URL: {sandbox.base_url}",
        f"organization id: {sandbox.organization_id}",
        f"publishable key: {sandbox.publishable_key}",
        f"secret key: {sandbox.secret_key}",
        f"development OTP: {sandbox.otp_code}",
        f"bot check token: {sandbox.bot_check_token}",
    ]
    lines += [f"access code ({label}): {code}" for label, code in sandbox.access_codes.items()]
    lines += [f"experience {e.label}: {e.id} ({describe_experience(e)})"
              for e in sandbox.scenario.experiences]
    return lines


async def serve(args: argparse.Namespace, out: TextIO = sys.stdout) -> None:
    """Start, print the banner, serve until SIGINT/SIGTERM, stop."""
    scenario = load_scenario(args.scenario) if args.scenario else None
    clock = "real" if args.speed is not None else args.clock
    sandbox = Sandbox(scenario, clock=clock, speed=args.speed, seed=args.seed, port=args.port,
                      host=args.host)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    await sandbox.start()
    try:
        print("\n".join(banner_lines(sandbox)), file=out, flush=True)
        await stop.wait()
    finally:
        await sandbox.stop()
        print("sandbox stopped", file=out, flush=True)


def run(args: argparse.Namespace) -> int:
    """Entry point of ``fanfare-rx sandbox``; returns the exit status.

    Usage: ``run(parser.parse_args(["sandbox", "--port", "0"]))``
    """
    try:
        asyncio.run(serve(args))
    except ScenarioError as exc:
        print(f"fanfare-rx sandbox: bad scenario: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"fanfare-rx sandbox: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"fanfare-rx sandbox: cannot serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - signal handler normally wins
        return 0
    return 0
