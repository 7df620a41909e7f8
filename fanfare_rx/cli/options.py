"""The options every ``fanfare-rx`` command spells the same way: where the Consumer API is
(``--base-url``, ``--organization-id``, ``--publishable-key``, ``--experience-id``), declared
once here; the older spellings ``--org`` and ``--key`` are kept as hidden aliases.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = [
    "SERVER_OPTIONS",
    "Check",
    "add_server_arguments",
    "missing_server_options",
]

#: A check of parsed options that argparse cannot express: the error message, or None.
Check = Callable[[argparse.Namespace], str | None]

#: The options naming a Consumer API and an experience in it: (flag, dest, help).
SERVER_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--base-url", "base_url", "the Consumer API root URL"),
    ("--organization-id", "organization_id", "organization id"),
    ("--publishable-key", "publishable_key", "publishable key (pk_...)"),
    ("--experience-id", "experience_id", "the experience id"),
)

#: Spellings kept for scripts written before the options were unified (hidden in --help).
_ALIASES = {"organization_id": "--org", "publishable_key": "--key"}


def add_server_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """Add ``--base-url``, ``--organization-id``, ``--publishable-key`` and
    ``--experience-id`` (and the hidden ``--org`` / ``--key``). They are optional for
    argparse (an alias may stand in); :func:`missing_server_options` says which are missing.

    Usage: ``add_server_arguments(parser.add_argument_group("a given Consumer API"))``
    """
    for flag, dest, text in SERVER_OPTIONS:
        parser.add_argument(flag, dest=dest, default=None, help=text)
        alias = _ALIASES.get(dest)
        if alias is not None:
            parser.add_argument(alias, dest=dest, default=None, help=argparse.SUPPRESS)


def missing_server_options(args: argparse.Namespace) -> list[str]:
    """The server options not given (an empty list when all four are).

    Usage: ``missing_server_options(args)`` -> ``['--publishable-key']``
    """
    return [flag for flag, dest, _ in SERVER_OPTIONS if not getattr(args, dest, None)]
