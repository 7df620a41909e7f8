"""The pytest plugin loads in every pytest run of a project where fanfare_rx is installed: a
fresh run that uses none of its fixtures imports no layer of the library (so ``pytest --cov``
measures the user's code and the library's as they are used, and start-up stays cheap)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: What a pytest run may import of the package before a fixture is used: the plugin and the
#: packages it sits in (both import their names on first use).
PLUGIN_ONLY = {"fanfare_rx", "fanfare_rx._lazy", "fanfare_rx.testing", "fanfare_rx.testing.plugin"}


#: A user's conftest that notes what of the package is loaded once collection is done.
RECORDER = """
import json, sys
from pathlib import Path

def pytest_collection_finish(session):
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "fanfare_rx")
    Path("loaded.json").write_text(json.dumps(loaded))
"""


def _imported_modules(project: Path) -> set[str]:
    (project / "conftest.py").write_text(RECORDER)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTEST_ADDOPTS"}}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return set(json.loads((project / "loaded.json").read_text()))


def test_collecting_an_empty_project_loads_only_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text("def test_user():\n    assert 1 + 1 == 2\n")
    loaded = _imported_modules(tmp_path)
    assert "fanfare_rx.testing.plugin" in loaded  # the plugin did load (the check is live)
    assert loaded <= PLUGIN_ONLY, sorted(loaded - PLUGIN_ONLY)
