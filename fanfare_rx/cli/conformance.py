"""``fanfare-rx conformance``: check a Consumer API server against the gen C spec's shapes and
print the drift per endpoint, as text or JSON; ``--sandbox`` checks the embedded sandbox in spec
mode (what CI runs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TextIO

import attrs

from fanfare_rx.conformance import ConformanceReport, ConformanceTarget, check_server
from fanfare_rx.errors import FanfareError
from fanfare_rx.sandbox.cli import positive_float

__all__ = [
    "EXIT_DRIFT",
    "EXIT_NO_DRIFT",
    "add_conformance_arguments",
    "check_conformance_arguments",
    "run_conformance_command",
]

#: Exit statuses: no drift; drift found; bad arguments (argparse); the check could not run.
EXIT_NO_DRIFT, EXIT_DRIFT, EXIT_BAD_ARGUMENTS, EXIT_FAILED = 0, 1, 2, 4


def add_conformance_arguments(parser: argparse.ArgumentParser) -> None:
    """The conformance subcommand's options.

    Usage: ``add_conformance_arguments(subparsers.add_parser("conformance"))``
    """
    server = parser.add_argument_group("the server (or --sandbox)")
    server.add_argument("--base-url", dest="base_url", help="the Consumer API root URL")
    server.add_argument("--publishable-key", dest="publishable_key",
                        help="publishable key (pk_...)")
    server.add_argument("--organization-id", dest="organization_id",
                        help="the organization (walks an auction's bids, which need it)")
    server.add_argument("--experience-id", dest="experience_ids", action="append", default=[],
                        metavar="ID", help="an experience to walk (repeat for more)")
    server.add_argument("--sandbox", action="store_true",
                        help="check the embedded sandbox in spec mode (every experience, "
                             "entering and signing in)")
    walk = parser.add_argument_group("the walk")
    walk.add_argument("--enter", action="store_true",
                      help="take part too (and leave again where the API allows)")
    walk.add_argument("--email", help="sign in with this email (needs --otp)")
    walk.add_argument("--otp", help="the one-time code to sign in with")
    walk.add_argument("--timeout", type=positive_float, default=10.0,
                      help="seconds per request (default 10)")
    walk.add_argument("--json", action="store_true", help="print the report as JSON")


def check_conformance_arguments(args: argparse.Namespace) -> str | None:
    """What argparse cannot say: a server or --sandbox, and email with its code.

    Usage: ``check_conformance_arguments(args)`` -> ``None``
    """
    if args.sandbox:
        if args.base_url or args.publishable_key or args.experience_ids or args.organization_id:
            return "--sandbox checks the embedded sandbox: give no --base-url, " \
                   "--publishable-key, --organization-id or --experience-id with it"
    elif not (args.base_url and args.publishable_key):
        return "give --base-url and --publishable-key (or --sandbox)"
    if (args.email is None) != (args.otp is None) and not args.sandbox:
        return "--email and --otp go together"
    return None


async def _check(args: argparse.Namespace) -> ConformanceReport:
    if not args.sandbox:
        return await check_server(ConformanceTarget(
            base_url=args.base_url, publishable_key=args.publishable_key,
            experience_ids=tuple(args.experience_ids), email=args.email,
            otp_code=args.otp, enter=args.enter, organization_id=args.organization_id,
            timeout=args.timeout))
    from fanfare_rx.sandbox import Sandbox
    from fanfare_rx.sandbox.scenario import default_scenario

    scenario = attrs.evolve(default_scenario(), timed_release_shape="genC")
    async with Sandbox(scenario) as sandbox:
        return await check_server(ConformanceTarget(
            base_url=sandbox.base_url, publishable_key=sandbox.publishable_key,
            experience_ids=tuple(sandbox.experiences.values()),
            email=args.email or "conformance@example.com",
            otp_code=args.otp or sandbox.otp_code, enter=True,
            organization_id=scenario.organization_id, timeout=args.timeout))


def run_conformance_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the check and print the report; 0 without drift, 1 with, 4 when it could not run.

    Usage: ``run_conformance_command(build_parser().parse_args(["conformance", "--sandbox"]))``
    """
    out = out if out is not None else sys.stdout
    try:
        report = asyncio.run(_check(args))
    except FanfareError as exc:  # a bad URL or key
        print(f"conformance: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(report.to_json(), indent=2), file=out)
    else:
        print("\n".join(report.lines()), file=out)
    return EXIT_NO_DRIFT if report.ok else EXIT_DRIFT
