"""The ``fanfare-rx`` command line and its terminal display (demo, watch, live view).

Usage: ``fanfare-rx demo`` (or ``python -m fanfare_rx.cli demo``)
"""

from __future__ import annotations

from fanfare_rx.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
