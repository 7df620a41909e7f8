"""Overriding the plugin's fanfare_scenario fixture picks the scenario for a whole module;
the marker still wins for one test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fanfare_rx.sandbox import Sandbox

pytestmark = pytest.mark.integration


def _scenario(label: str) -> dict[str, Any]:
    return {
        "experiences": [
            {"id": f"exp-{label}", "label": label, "name": label, "sequences": [
                {"id": f"seq-{label}", "name": "General", "priority": 1,
                 "distribution": {"type": "timed_release", "id": f"tr-{label}", "openAt": 60}}]}
        ]
    }


@pytest.fixture
def fanfare_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(_scenario("from-file")))
    return path


async def test_overridden_fixture_gives_a_scenario_file(fanfare_sandbox: Sandbox) -> None:
    assert fanfare_sandbox.experiences == {"from-file": "exp-from-file"}


@pytest.mark.fanfare_scenario(_scenario("from-marker"))
async def test_marker_wins_over_the_fixture(fanfare_sandbox: Sandbox) -> None:
    assert fanfare_sandbox.experiences == {"from-marker": "exp-from-marker"}
