"""docs/testing.md against the code: every public name of ``fanfare_rx.testing`` and its
builders is listed, every listed name exists, and the page's example passes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fanfare_rx import testing
from fanfare_rx.testing import JourneyHarness, ScriptedEffects, builders, plugin

PAGE = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
TEXT = PAGE.read_text(encoding="utf-8")

#: ``- `name` ...`` at the start of a line (top-level bullets name one thing each).
LISTED = re.findall(r"^- `(?:@pytest\.mark\.)?([A-Za-z_][A-Za-z0-9_]*)", TEXT, flags=re.MULTILINE)
FIXTURES = {"journey_harness", "fanfare_sandbox", "fanfare", "fanfare_scenario"}


def test_every_public_name_is_listed() -> None:
    public = set(testing.__all__) | set(builders.__all__)
    missing = sorted(public - set(LISTED))
    assert not missing, f"docs/testing.md does not list: {missing}"


def test_every_listed_name_exists() -> None:
    unknown = [name for name in LISTED
               if not (hasattr(testing, name) or hasattr(builders, name) or name in FIXTURES)]
    assert not unknown, f"docs/testing.md lists names that do not exist: {unknown}"
    assert plugin.MARKER in LISTED
    for fixture in FIXTURES:
        assert fixture in LISTED and hasattr(plugin, fixture)


def test_listed_methods_exist() -> None:
    owners: dict[str, Any] = {"h": JourneyHarness, "server": ScriptedEffects}
    harness = JourneyHarness(builders.experience("queue"))
    instances = {"h": harness, "server": harness.server}
    found = re.findall(r"`(h|server)\.([a-z_]+)", TEXT)
    assert len(found) > 15
    for owner, name in found:
        assert hasattr(owners[owner], name) or hasattr(instances[owner], name), f"{owner}.{name}"
    harness.destroy()


def test_the_example_passes() -> None:
    code = re.search(r"## Example\n\n```python\n(.*?)```", TEXT, flags=re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(compile(code.group(1), str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs
    made: list[JourneyHarness] = []

    def journey_harness(*args: Any, **kwargs: Any) -> JourneyHarness:
        made.append(JourneyHarness(*args, **kwargs))
        return made[-1]

    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert tests
    for test in tests:
        test(journey_harness)
    assert made and all(h.journey.sequence_stage.get() == "ended" for h in made)
    for harness in made:
        harness.destroy()
