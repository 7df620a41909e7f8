"""The ``fanfare-rx`` command line: one argparse subcommand per tool, each declared by one
row of :func:`_commands` (name, help, description, options, runner, check).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import attrs

from fanfare_rx.cli.options import Check

__all__ = ["build_parser", "main"]

Runner = Callable[[argparse.Namespace], int]


@attrs.frozen
class _Command:
    """One subcommand: its name, its ``--help`` line and description, the function adding its
    options, the one running it and the optional check of its parsed options."""

    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Runner
    check: Check | None = None


def _commands() -> tuple[_Command, ...]:
    """Every subcommand, in ``--help`` order (the modules imported when the parser is built)."""
    from fanfare_rx.cli import conformance, demo, replay, swarm
    from fanfare_rx.sandbox import cli as sandbox_cli

    return (
        _Command("sandbox", "serve a local Fanfare Consumer API sandbox",
                 "Serve the Consumer API with real behaviour on one machine.",
                 sandbox_cli.add_arguments, sandbox_cli.run),
        _Command("demo", "run a journey against the embedded sandbox with a live view",
                 "Start the sandbox in-process (accelerated clock) and run the complete journey "
                 "example until admitted. Exit 0 admitted (or booked), 3 not admitted, 4 "
                 "blocked or timed out, 130 interrupted.",
                 demo.add_demo_arguments, demo.run_demo_command),
        _Command("watch", "run a journey against any Consumer API with a live view",
                 "Run a journey through --experience-id at the Consumer API at --base-url and "
                 "print its live view. Exit codes as for demo.",
                 demo.add_watch_arguments, demo.run_watch_command, demo.check_watch_arguments),
        _Command("swarm", "run a drop of many shoppers (one event loop or a Ray fleet)",
                 "Run SHOPPERS journeys through one experience, against the embedded sandbox "
                 "(its own process, accelerated clock) or --base-url, printing progress and a "
                 "summary. Exit 0 all finished, 3 some shoppers failed, 1 the fleet failed, 2 "
                 "bad arguments.",
                 swarm.add_swarm_arguments, swarm.run_swarm_command, swarm.check_swarm_arguments),
        _Command("conformance", "check a Consumer API server against the gen C spec",
                 "Walk the gen C endpoints at --base-url as a guest (and, with --email and "
                 "--otp, signed in), check every status and body against the spec's shapes and "
                 "print the drift per endpoint. Exit 0 no drift, 1 drift, 2 bad arguments, 4 "
                 "the check could not run.",
                 conformance.add_conformance_arguments, conformance.run_conformance_command,
                 conformance.check_conformance_arguments),
        _Command("replay", "print a recorded journey's timeline, or write it as a pytest test",
                 "Read a recording written by journey.record(FILE) and print each folded message "
                 "with its time and the stages it moved to; with --as-test, write a pytest test "
                 "that reproduces the journey on scripted server answers. Exit 0, or 2 for a "
                 "file that is no recording.",
                 replay.add_replay_arguments, replay.run_replay_command),
    )


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
    for command in _commands():
        sub = subparsers.add_parser(command.name, help=command.help,
                                    description=command.description)
        command.add_arguments(sub)
        sub.set_defaults(run=command.run, check=command.check)
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
