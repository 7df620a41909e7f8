"""The tests mirror the package: each ``tests/<folder>/`` is a package of ``fanfare_rx`` or one of
the cross-cutting folders, and a test file that imports one layer only sits in that layer's folder.

Which layer a file tests is read from its imports. Not counted, because a test uses them to set
up its world rather than to test them: ``errors`` and ``models`` (read by every layer), the
``fanfare_rx.sandbox`` package itself (the server a test talks to), ``fanfare_rx.testing`` and its
builders (the harness) and ``wire.codec`` (reading the server's answers into models)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import fanfare_rx

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
PACKAGE = ROOT / "fanfare_rx"

#: Folders of tests that are about no one layer.
CROSS_CUTTING = {
    "docs": "the README and docs run, the import contracts, the public API, packaging",
    "examples": "the example app in a browser",
    "integration": "journeys end to end on the sandbox over loopback",
    "redis": "sessions and fleets on a real redis-server (the folder's fixtures start it)",
}

#: Imports that set up a test's world (see the module docstring).
SET_UP = ("fanfare_rx.errors", "fanfare_rx.sandbox", "fanfare_rx.testing",
          "fanfare_rx.testing.builders", "fanfare_rx.wire.codec")

#: Files whose imports name one layer but which test another, with the reason.
ELSEWHERE = {
    "cli/test_cli_watch.py": "runs ``fanfare-rx watch`` in a subprocess; imports the sandbox it serves",
    "testing/test_plugin_fixtures.py": "the plugin's ``fanfare`` fixture (Fanfare, for its annotation)",
    "wire/test_page_json.py": "the codec's page and view JSON, of views the journey core builds",
}


def _module_of(module: str, name: str) -> str:
    """What ``from module import name`` reads: a submodule, an export of the root, or ``module``."""
    if (PACKAGE.joinpath(*module.split(".")[1:], name)).with_suffix(".py").exists() or (
            PACKAGE.joinpath(*module.split(".")[1:], name, "__init__.py").exists()):
        return f"{module}.{name}"
    if module == "fanfare_rx":
        exports = {**fanfare_rx._EXPORTS, **fanfare_rx._ALIASES}
        return exports.get(name, module)
    return module


def imported_modules(source: str) -> set[str]:
    """The modules of ``fanfare_rx`` a test file imports (top-level statements and nested)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module.split(".")[0] == "fanfare_rx"):
            found |= {_module_of(node.module, alias.name) for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "fanfare_rx"}
    return found


def _layer(module: str) -> str | None:
    """The package (``wire``, ``journey`` ...) a module belongs to; None for what sets up a test's
    world, for ``models`` and for the root's own modules (``errors``, ``tuning``, ``conformance``)."""
    parts = module.split(".")
    if module in SET_UP or len(parts) < 2 or parts[1] == "models":
        return None
    return parts[1] if (PACKAGE / parts[1] / "__init__.py").exists() else None


def layer_tested_by(source: str) -> str | None:
    """The one layer a test file imports, or None when it imports none or several."""
    layers = {layer for module in imported_modules(source) if (layer := _layer(module))}
    return layers.pop() if len(layers) == 1 else None


def _folders() -> list[Path]:
    return sorted(p for p in TESTS.iterdir() if p.is_dir() and any(p.glob("test_*.py")))


def _package_test_files() -> list[Path]:
    return sorted(path for folder in _folders() if folder.name not in CROSS_CUTTING
                  for path in folder.glob("test_*.py"))


def _misplaced() -> dict[str, str]:
    """``folder/file.py`` -> the layer it tests, for each file outside its layer's folder."""
    found = {}
    for path in _package_test_files():
        layer = layer_tested_by(path.read_text(encoding="utf-8"))
        if layer is not None and layer != path.parent.name:
            found[path.relative_to(TESTS).as_posix()] = layer
    return found


@pytest.mark.parametrize("folder", _folders(), ids=lambda folder: folder.name)
def test_each_tests_folder_is_a_package_or_cross_cutting(folder: Path) -> None:
    assert folder.name in CROSS_CUTTING or (PACKAGE / folder.name / "__init__.py").exists(), (
        f"tests/{folder.name}/ names no package of fanfare_rx and is not a cross-cutting folder")


def test_a_test_of_one_layer_sits_in_that_layers_folder() -> None:
    misplaced = {path: layer for path, layer in _misplaced().items() if path not in ELSEWHERE}
    assert not misplaced, "move each to tests/<layer>/ (git mv): " + ", ".join(
        f"{path} -> {layer}" for path, layer in sorted(misplaced.items()))


def test_every_file_kept_elsewhere_is_still_one_the_rule_would_move() -> None:
    assert set(ELSEWHERE) <= set(_misplaced()), "drop the entries the rule no longer flags"


@pytest.mark.parametrize(("source", "layer"), [
    ("from fanfare_rx.wire.client import ConsumerApi\nfrom fanfare_rx.sandbox import Sandbox",
     "wire"),
    ("from fanfare_rx import Fanfare\nfrom fanfare_rx.errors import UsageError", "client"),
    ("from fanfare_rx.journey.core import tables\nfrom fanfare_rx.models import wire", "journey"),
    ("from fanfare_rx.wire import codec\nfrom fanfare_rx.models import wire", None),
    ("from fanfare_rx.sandbox.engines import QueueEngine\nfrom fanfare_rx.wire import client",
     None),
    ("def f():\n    from fanfare_rx import notebook", "notebook"),
])
def test_the_layer_of_a_file_is_read_from_its_imports(source: str, layer: str | None) -> None:
    assert layer_tested_by(source) == layer
