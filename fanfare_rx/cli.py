"""The ``fanfare-rx`` command line: one argparse subcommand per tool, each registered by its
own ``_add_<name>`` function.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

__all__ = ["build_parser", "main"]

Runner = Callable[[argparse.Namespace], int]


def _add_sandbox(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fanfare_rx.sandbox import cli as sandbox_cli

    parser = subparsers.add_parser(
        "sandbox", help="serve a local Fanfare Consumer API sandbox",
        description="Serve the Consumer API with real behaviour on one machine.")
    sandbox_cli.add_arguments(parser)
    parser.set_defaults(run=sandbox_cli.run)


def build_parser() -> argparse.ArgumentParser:
    """The ``fanfare-rx`` parser with every subcommand.

    Usage: ``build_parser().parse_args(["sandbox", "--port", "0"])``
    """
    parser = argparse.ArgumentParser(prog="fanfare-rx", description="Fanfare journeys as Rx streams")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_sandbox(subparsers)
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
