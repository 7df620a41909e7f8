"""The docs stand alone: every relative link in the README and docs/ points at a file of the
repository, every in-page anchor exists, and no user-facing text imports a private module."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_anchor(h) for h in re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_and_anchors_exist(doc: Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        path = (doc.parent / file).resolve() if file else doc
        if not path.exists() or anchor and path.suffix == ".md" and anchor not in _anchors(path):
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("doc", [*DOCS, *NOTEBOOKS], ids=lambda p: p.name)
def test_no_private_module_and_no_unexplained_spec_reference(doc: Path) -> None:
    if doc.suffix == ".ipynb":
        cells = json.loads(doc.read_text(encoding="utf-8"))["cells"]
        text = "\n".join("".join(cell["source"]) for cell in cells)
    else:
        text = doc.read_text(encoding="utf-8")
    assert re.findall(r"fanfare_rx(?:\.\w+)*\._\w+", text) == []
    assert "spec/" not in text and "§" not in text


def test_the_check_finds_a_dead_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n[a](missing.md) [b](#title) [c](#nope)\n", encoding="utf-8")
    assert [t for t in LINK.findall(page.read_text()) if not (tmp_path / t).exists()
            and not t.startswith("#")] == ["missing.md"]
    assert _anchors(page) == {"title"}
