"""The reducer is pure: ``journey.machine``, ``journey.tables`` and ``journey.messages`` import
neither asyncio nor aiohttp, directly or through the fanfare_rx modules they import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import fanfare_rx

PACKAGE_DIR = Path(fanfare_rx.__file__).parent
PURE = ("fanfare_rx.journey.core.machine", "fanfare_rx.journey.core.tables", "fanfare_rx.journey.core.messages")
FORBIDDEN = ("asyncio", "aiohttp")


def _path(module: str) -> Path:
    relative = Path(*module.split(".")[1:])
    file = PACKAGE_DIR / relative.with_suffix(".py")
    return file if file.exists() else PACKAGE_DIR / relative / "__init__.py"


def _imports(module: str) -> set[str]:
    """Every module ``module`` imports (absolute names; ``from a import b`` yields ``a`` and,
    when ``a.b`` is a module of ours, ``a.b``)."""
    tree = ast.parse(_path(module).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.split(".")[: -node.level]
                base = ".".join([*parent, base]) if base else ".".join(parent)
            found.add(base)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                if candidate.startswith("fanfare_rx.") and _path(candidate).exists():
                    found.add(candidate)
    return found


#: Parent packages whose ``__init__`` re-exports the whole library (the pipeline included);
#: they are not what the reducer imports, and the run-time check below stubs them.
PARENTS = frozenset({"fanfare_rx", "fanfare_rx.journey"})


def _closure(roots: tuple[str, ...]) -> dict[str, set[str]]:
    """Each fanfare_rx module reachable from ``roots`` with what it imports (other package
    ``__init__``s included, as Python runs them)."""
    seen: dict[str, set[str]] = {}
    todo = list(roots)
    while todo:
        module = todo.pop()
        if module in seen or module in PARENTS:
            continue
        seen[module] = _imports(module)
        todo.extend(m for m in seen[module] if m.startswith("fanfare_rx.") or m == "fanfare_rx")
    return seen


@pytest.mark.parametrize("root", PURE)
def test_no_forbidden_import_in_the_module_or_the_modules_it_imports(root: str) -> None:
    closure = _closure((root,))
    offenders = {m: sorted(i for i in imports if i.split(".")[0] in FORBIDDEN)
                 for m, imports in closure.items()}
    assert {m: i for m, i in offenders.items() if i} == {}
    assert root in closure and "fanfare_rx.models.journey" in closure


def test_the_scan_sees_forbidden_imports() -> None:
    closure = _closure(("fanfare_rx.journey.store",))
    assert any(i.split(".")[0] in FORBIDDEN for imports in closure.values() for i in imports)


_RUNTIME_CHECK = """
import importlib, sys, types
root = sys.argv[1]
# Stand-ins for the package __init__s (which re-export the whole library), so only the
# modules the reducer really imports are loaded.
for name, sub in (("fanfare_rx", ""), ("fanfare_rx.journey", "journey")):
    package = types.ModuleType(name)
    package.__path__ = [root + ("/" + sub if sub else "")]
    sys.modules[name] = package
for module in ("fanfare_rx.journey.core.machine", "fanfare_rx.journey.core.tables", "fanfare_rx.journey.core.messages"):
    importlib.import_module(module)
print("asyncio" in sys.modules, "aiohttp" in sys.modules)
"""


def test_importing_the_reducer_loads_neither_asyncio_nor_aiohttp() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _RUNTIME_CHECK, str(PACKAGE_DIR)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_the_runtime_check_can_see_asyncio() -> None:
    script = _RUNTIME_CHECK.replace('"fanfare_rx.journey.core.messages")', '"fanfare_rx.journey.store")')
    result = subprocess.run(
        [sys.executable, "-c", script, str(PACKAGE_DIR)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"
