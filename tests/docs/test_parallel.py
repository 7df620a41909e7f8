"""The suite runs on two workers (the README's ``pytest -n 2``): the tests that may start a local
Ray share one of them (``--dist loadgroup`` and the group ``tests/conftest.py`` gives them), so
two Rays never start side by side on the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]

#: The fixtures that start a local Ray in the test process.
RAY_FIXTURES = {"ray_cluster", "ray_running"}

#: A plugin that writes each collected test's fixtures and xdist group, then stops.
RECORDER = """
import json, os

def pytest_collection_finish(session):
    rows = []
    for item in session.items:
        marker = item.get_closest_marker("xdist_group")
        rows.append({"id": item.nodeid, "name": item.name,
                     "fixtures": list(getattr(item, "fixturenames", ())),
                     "group": None if marker is None else marker.args[0]})
    with open(os.environ["GROUPS_OUT"], "w") as out:
        json.dump(rows, out)
"""


def _collected(tmp_path: Path, *paths: str) -> list[dict[str, Any]]:
    (tmp_path / "groups_recorder.py").write_text(RECORDER)
    out = tmp_path / "groups.json"
    env = {**os.environ, "GROUPS_OUT": str(out),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-p", "groups_recorder", *paths],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows: list[dict[str, Any]] = json.loads(out.read_text())
    return rows


def test_what_may_start_ray_shares_one_group_and_nothing_else_does(tmp_path: Path) -> None:
    rows = _collected(tmp_path, "tests/fleet", "tests/redis", "tests/docs/test_benchmarks.py",
                      "notebooks")
    starting = [row for row in rows if RAY_FIXTURES & set(row["fixtures"])]
    assert starting  # the check is live
    assert [row["id"] for row in starting if row["group"] != "ray"] == []
    grouped = {str(row["name"]) for row in rows if row["group"] == "ray"}
    for name in ("05_fleet_drop.ipynb", "06_drop_lab.ipynb", "test_benchmark_runs_quick[fleet]",
                 "test_a_killed_actor_s_shoppers_resume_on_the_other_without_a_second_entry"):
        assert name in grouped, name
    # the rest spreads over the workers
    assert "test_benchmark_runs_quick[drop]" not in grouped
    assert "01_quickstart.ipynb" not in grouped


def test_the_groups_are_kept_whenever_workers_run() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["pytest"]["ini_options"]["addopts"]
    assert "--dist loadgroup" in options
