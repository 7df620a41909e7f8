"""The fenced code blocks of the README and ``docs/*.md``, and how the suite runs each Python
one (a module of its own: test files never import conftest)."""

from __future__ import annotations

import re
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
#: A Python block the suite cannot run says so on its fence: ``python no-run: <reason>``.
_NO_RUN = re.compile(r"^python\s+no-run:\s*(\S.*)$")


@attrs.frozen
class Block:
    """One fenced block: where it is, its info string (``python``, ``bash`` ...), its text."""

    document: str
    line: int
    info: str
    code: str

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def no_run_reason(self) -> str | None:
        match = _NO_RUN.match(self.info.strip())
        return match.group(1) if match else None

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


def blocks() -> list[Block]:
    """Every fenced block of every document, in order."""
    found: list[Block] = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(Block(path.name, line, match.group(1).strip(), match.group(2)))
    return found


def python_blocks() -> list[Block]:
    return [block for block in blocks() if block.language == "python"]


#: How each Python block runs, by document and a line it contains (the first rule that
#: matches wins; a block no rule matches runs as a script):
#: ``script`` a subprocess (``python -c``, HOME in a temporary directory);
#: ``async:<prelude>`` in this process with top-level ``await``, after a prelude that provides
#: the names the fragment uses (a sandbox, a journey ...);
#: ``pytest`` written to a file and run by pytest in a fresh directory (a user's test file);
#: ``notebook:<prelude>`` a cell in a real Jupyter kernel;
#: ``signature`` a signature checked against the code;
#: ``covered:<test>`` run by that test of ``tests/docs/test_readme.py`` with more checks.
RULES: tuple[tuple[str, str, str], ...] = (
    ("README.md", "journey = fanfare.experiences.create_journey(sandbox.experiences",
     "covered:test_quickstart_runs_to_admitted"),
    ("README.md", "decode(b'", "covered:test_codec_snippet_raises_the_documented_error"),
    ("README.md", "def test_queue_admits(journey_harness)",
     "covered:test_testing_section_runs_as_a_users_test_file"),
    ("README.md", "journey.state.get()                              # current", "async:entered"),
    ("README.md", "async for stage in journey.sequence_stage:", "async:started"),
    ("README.md", "journey.start_polling(cadence=", "async:started"),
    ("README.md", "except APIConnectionError:", "async:started"),
    ("README.md", 'storage=FileStorage("~/.config/my-bot/fanfare")', "async:sandbox"),
    ("README.md", 'fanfare.on("auth:session_lost"', "async:signin"),
    ("README.md", "RedisStorage.from_url(", "async:redis"),
    ("README.md", 'async with Sandbox(clock="manual") as sandbox:', "async:sandbox"),
    ("README.md", "view = live(journey)", "notebook:journey"),
    ("client.md", "ConsumerApi(base_url, publishable_key, *,", "signature"),
    ("client.md", "SessionManager(organization_id, *,", "signature"),
    ("sandbox.md", "async with Sandbox(scenario=None", "async:sandbox"),
    ("testing.md", "def test_a_lost_draw_ends(journey_harness)", "pytest"),
    ("testing.md", "def test_every_offered_action_has_a_button(path)", "pytest"),
)


def mode_of(block: Block) -> str:
    """How ``block`` runs (see :data:`RULES`); ``no-run`` when its fence says so."""
    if block.no_run_reason is not None:
        return "no-run"
    for document, contains, mode in RULES:
        if block.document == document and contains in block.code:
            return mode
    return "script"
