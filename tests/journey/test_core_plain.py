"""The pure core is plain code: no generated source, no hand-built tuples, one draft form."""

from __future__ import annotations

import re
from pathlib import Path

import fanfare_rx
from fanfare_rx.journey.core import journal

PACKAGE = Path(fanfare_rx.__file__).parent


def test_no_module_of_the_package_generates_code_or_builds_tuples_by_hand() -> None:
    pattern = re.compile(r"\bexec\(|\beval\(|tuple\.__new__")
    found = [f"{path.relative_to(PACKAGE)}:{number}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if pattern.search(line)]
    assert found == []


def test_a_handler_draft_is_a_snapshot() -> None:
    assert not hasattr(journal, "Parts")
    assert journal.Draft.__args__[0].__name__ == "JourneySnapshot"  # type: ignore[attr-defined]
