"""The ``fanfare-rx`` command line: one argparse subcommand per tool, each registered by its
own ``_add_<name>`` function.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from fanfare_rx.cli.options import Check

__all__ = ["build_parser", "main"]

Runner = Callable[[argparse.Namespace], int]


def _add_sandbox(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.sandbox import cli as sandbox_cli

    parser = subparsers.add_parser(
        "sandbox", help="serve a local Fanfare Consumer API sandbox",
        description="Serve the Consumer API with real behaviour on one machine.")
    sandbox_cli.add_arguments(parser)
    parser.set_defaults(run=sandbox_cli.run)


def _add_demo(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.cli import demo

    parser = subparsers.add_parser(
        "demo", help="run a journey against the embedded sandbox with a live view",
        description="Start the sandbox in-process (accelerated clock) and run the complete "
                    "journey example until admitted. Exit 0 admitted (or booked), 3 not admitted, "
                    "4 blocked or timed out, 130 interrupted.")
    demo.add_demo_arguments(parser)
    parser.set_defaults(run=demo.run_demo_command)


def _add_watch(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.cli import demo

    parser = subparsers.add_parser(
        "watch", help="run a journey against any Consumer API with a live view",
        description="Run a journey through --experience-id at the Consumer API at --base-url "
                    "and print its live view. Exit codes as for demo.")
    demo.add_watch_arguments(parser)
    parser.set_defaults(run=demo.run_watch_command, check=demo.check_watch_arguments)


def _add_swarm(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.cli import swarm

    parser = subparsers.add_parser(
        "swarm", help="run a drop of many shoppers (one event loop or a Ray fleet)",
        description="Run SHOPPERS journeys through one experience, against the embedded "
                    "sandbox (its own process, accelerated clock) or --base-url, printing "
                    "progress and a summary. Exit 0 all finished, 3 some shoppers failed, "
                    "1 the fleet failed, 2 bad arguments.")
    swarm.add_swarm_arguments(parser)
    parser.set_defaults(run=swarm.run_swarm_command, check=swarm.check_swarm_arguments)


def _add_conformance(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.cli import conformance

    parser = subparsers.add_parser(
        "conformance", help="check a Consumer API server against the gen C spec",
        description="Walk the gen C endpoints at --base-url as a guest (and, with --email and "
                    "--otp, signed in), check every status and body against the spec's "
                    "shapes and print the drift per endpoint. Exit 0 no drift, 1 drift, "
                    "2 bad arguments, 4 the check could not run.")
    conformance.add_conformance_arguments(parser)
    parser.set_defaults(run=conformance.run_conformance_command,
                        check=conformance.check_conformance_arguments)
def _add_replay(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.cli import replay

    parser = subparsers.add_parser(
        "replay", help="print a recorded journey's timeline, or write it as a pytest test",
        description="Read a recording written by journey.record(FILE) and print each folded "
                    "message with its time and the stages it moved to; with --as-test, write "
                    "a pytest test that reproduces the journey on scripted server answers. "
                    "Exit 0, or 2 for a file that is no recording.")
    replay.add_replay_arguments(parser)
    parser.set_defaults(run=replay.run_replay_command)


class _Parser(argparse.ArgumentParser):
    """Runs a subcommand's ``check`` (options argparse cannot relate, such as "one of these
    two is required") after parsing, so that it fails like any bad option: usage, one
    ``error:`` line naming the option, status 2."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None,
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        check: Check | None = getattr(parsed, "check", None)
        problem = check(parsed) if check is not None else None
        if problem is not None:
            self._command_parsers.get(parsed.command, self).error(problem)
        return parsed, extras

    _command_parsers: dict[str, argparse.ArgumentParser]


def build_parser() -> argparse.ArgumentParser:
    """The ``fanfare-rx`` parser with every subcommand.

    Usage: ``build_parser().parse_args(["sandbox", "--port", "0"])``
    """
    parser = _Parser(prog="fanfare-rx", description="Fanfare journeys as Rx streams")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=argparse.ArgumentParser)
    _add_sandbox(subparsers)
    _add_demo(subparsers)
    _add_watch(subparsers)
    _add_swarm(subparsers)
    _add_conformance(subparsers)
    _add_replay(subparsers)
    parser._command_parsers = dict(subparsers.choices)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point.

    Usage: ``main(["sandbox", "--port", "0"])``
    """
    args = build_parser().parse_args(argv)
    run: Runner = args.run
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
