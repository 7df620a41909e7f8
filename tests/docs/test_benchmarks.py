"""Every benchmark runs at a tiny size (a smoke test: no figure is checked, the script must
finish and print its comparison lines)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem.removeprefix("bench_") for p in (ROOT / "benchmarks").glob("bench_*.py"))


def test_there_are_benchmarks() -> None:
    assert "sandbox" in BENCHES


@pytest.mark.parametrize("name", BENCHES)
def test_benchmark_runs_quick(name: str) -> None:
    result = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", name], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"== {name}" in result.stdout
    # each figure is printed beside its baseline, with the ratio ("ratio 0.62", "0.76x", "×")
    assert re.search(r"ratio|\d\s*[x×](?!\w)", result.stdout), result.stdout
