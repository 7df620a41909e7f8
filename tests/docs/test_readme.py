"""The README's Python snippets run as written (docs that run)."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    bash = re.findall(r"```bash\n(.*?)```", text, re.DOTALL)
    assert "fanfare-rx demo" in bash[0]
    # The CI script runs the README's test command: the suite on two workers under coverage,
    # whose report fails under the floor pyproject.toml sets.
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("python -m pytest -n 2 --cov", "'.[test,dev,notebook,fleet]'"):
        assert command in bash[1] and command in ci, command
    coverage = tomllib.loads((README.parent / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["coverage"]
    assert coverage["run"]["source"] == ["fanfare_rx"]
    assert coverage["report"]["fail_under"] >= 95


def test_quickstart_runs_to_admitted() -> None:
    quickstart = _python_blocks()[0]
    assert "asyncio.run(main())" in quickstart
    result = subprocess.run(
        [sys.executable, "-c", quickstart],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("routed admitted"), result.stdout
    positions = [int(line.split()[-1]) for line in lines if "participating" in line]
    assert positions and positions == sorted(positions, reverse=True)


def test_codec_snippet_raises_the_documented_error() -> None:
    snippet = next(block for block in _python_blocks() if "decode(b'" in block)
    code = "\n".join(line for line in snippet.splitlines() if not line.startswith("#"))
    from fanfare_rx.errors import DecodeError

    with pytest.raises(DecodeError) as caught:
        exec(compile(code, "README", "exec"), {})  # noqa: S102 - the README's own example
    assert caught.value.path == "$.position"
    assert "expected an integer, got str @ $.position" in str(caught.value)


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_testing_section_runs_as_a_users_test_file(tmp_path: Path, mode: str) -> None:
    """Pasted into a fresh project (no conftest, no pytest config: pytest-asyncio's default is
    strict mode), the README's test file passes as it is."""
    block = next(b for b in _python_blocks() if "journey_harness" in b)
    (tmp_path / "test_user_code.py").write_text(block, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # stop the rootdir here
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-o", f"asyncio_mode={mode}", "-o", "asyncio_default_fixture_loop_scope=function",
         str(tmp_path / "test_user_code.py")],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_many_journeys_snippet_tunes_the_collector_and_restores_it() -> None:
    block = next(b for b in _python_blocks() if "tune_gc()" in b)
    # nothing stays frozen (CPython 3.12's interpreter starts with objects of its own frozen:
    # they are unfrozen too)
    code = ("import gc\nbefore = gc.get_threshold()\n" + block
            + "\nassert (gc.get_threshold(), gc.get_freeze_count()) == (before, 0)\n"
            "print('restored')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["100", "in", "line", "restored"], result.stdout
