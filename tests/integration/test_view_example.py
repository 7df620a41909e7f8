"""The README's "current SDK model" example runs as written: ``async for view in journey.view``
from ready to a claimed grant against the in-process sandbox (the block is read from the README)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE = next(block for block in re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
               if "async for view in journey.view" in block)


def test_view_example_runs_to_a_claimed_grant() -> None:
    result = subprocess.run([sys.executable, "-c", EXAMPLE], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "ready None"
    assert lines[-2:] == ["routed granted", "granted queue"], result.stdout
    positions = [int(line.split()[-1]) for line in lines if line.startswith("position")]
    assert positions and positions == sorted(positions, reverse=True)
