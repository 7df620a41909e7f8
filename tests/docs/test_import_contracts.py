"""The import contracts are allow-lists that can fail: every module of the package is protected
by some contract (naming exactly who may import it), and a forbidden import added to a copy of
the package breaks ``lint-imports``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

import fanfare_rx

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(fanfare_rx.__file__).resolve().parent


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _covers(contract: dict[str, object], module: str) -> bool:
    as_packages = contract.get("as_packages", True)
    protected = contract["protected_modules"]
    assert isinstance(protected, list)
    return any(module == name or (as_packages and module.startswith(f"{name}."))
               for name in protected)


def test_every_contract_is_an_allow_list() -> None:
    """Allow-lists only (``protected``), beside the one layers contract drawn in the README."""
    kinds = [contract["type"] for contract in _contracts()]
    assert set(kinds) == {"protected", "layers"} and kinds.count("layers") == 1


def test_every_module_of_the_package_is_protected_by_some_contract() -> None:
    graph = grimp.build_graph("fanfare_rx", exclude_type_checking_imports=True)
    protected = [c for c in _contracts() if c["type"] == "protected"]
    modules = sorted(m for m in graph.modules if m.startswith("fanfare_rx"))
    assert len(modules) > 100
    uncovered = [m for m in modules if not any(_covers(c, m) for c in protected)]
    assert not uncovered, f"modules no contract protects: {uncovered}"


def test_the_pure_core_and_the_codec_are_kept_from_the_event_loop_and_rx() -> None:
    """The external packages are allow-listed too: none may be imported by the pure core."""
    externals = {"reactivex", "aiohttp", "asyncio", "cattrs", "redis", "ray"}
    by_name = {name: c for c in _contracts() if c["type"] == "protected"
               for name in c["protected_modules"]}  # type: ignore[attr-defined]
    assert externals <= set(by_name)
    for name in externals:
        allowed = by_name[name]["allowed_importers"]
        assert isinstance(allowed, list)
        assert not any(a == "fanfare_rx.journey.core" or a.startswith("fanfare_rx.journey.core.")
                       or a in ("fanfare_rx.models", "fanfare_rx.mechanisms") for a in allowed)


def _lint_copy(tmp_path: Path, module: str, line: str | None) -> subprocess.CompletedProcess[str]:
    """Run ``lint-imports`` on a copy of the package (first on ``PYTHONPATH``), with ``line``
    added to ``module``'s source."""
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "fanfare_rx", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if line is not None:
        path = copy.joinpath(*module.split(".")).with_suffix(".py")
        if not path.exists():
            path = copy.joinpath(*module.split("."), "__init__.py")
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    script = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"
    return subprocess.run(
        [sys.executable, "-c", script, "--no-cache"], cwd=tmp_path, capture_output=True,
        text=True, timeout=300, check=False, env={"PYTHONPATH": str(copy), "PATH": ""})


def test_the_unchanged_copy_passes(tmp_path: Path) -> None:
    result = _lint_copy(tmp_path, "fanfare_rx.errors", None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("importer", "imported"), [
    ("fanfare_rx.client.fanfare", "fanfare_rx.sandbox"),
    ("fanfare_rx.journey.core.machine", "fanfare_rx.journey.cadence"),
    ("fanfare_rx.sandbox.app", "fanfare_rx.wire.retry"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path: Path, importer: str, imported: str) -> None:
    result = _lint_copy(tmp_path, importer, f"import {imported}  # the probe")
    assert result.returncode != 0, result.stdout
    assert f"{importer} -> {imported}" in result.stdout
