"""The layers hold: the import-linter contracts in pyproject.toml pass, and a fresh interpreter
that imports one layer loads only that layer and what lies below it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

_LOADED = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def _loaded_by(*modules: str) -> set[str]:
    """The modules a fresh interpreter holds after importing ``modules``."""
    result = subprocess.run([sys.executable, "-c", _LOADED, *modules], capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout))


def _packages(loaded: set[str]) -> set[str]:
    """Top-level packages, plus fanfare_rx's own sub-packages (``fanfare_rx.client`` ...)."""
    found = {name.split(".")[0] for name in loaded}
    found |= {".".join(name.split(".")[:2]) for name in loaded if name.startswith("fanfare_rx.")}
    return found


def test_the_import_contracts_hold() -> None:
    # In a subprocess: import-linter configures logging, which would disable our loggers.
    script = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports())"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


PURE_CORE = ("fanfare_rx.journey.core.machine", "fanfare_rx.journey.core.tables",
             "fanfare_rx.journey.core.messages", "fanfare_rx.journey.core.locate")


def test_the_pure_core_loads_no_event_loop_no_http_no_rx() -> None:
    loaded = _loaded_by(*PURE_CORE)
    assert set(PURE_CORE) <= loaded
    assert {"asyncio", "aiohttp", "reactivex", "cattrs"}.isdisjoint(_packages(loaded))
    assert {"fanfare_rx.wire", "fanfare_rx.client", "fanfare_rx.journey.journey",
            "fanfare_rx.journey.store"}.isdisjoint(loaded)


def test_the_sandbox_loads_nothing_of_the_client_side() -> None:
    loaded = _loaded_by("fanfare_rx.sandbox.server")
    assert "aiohttp" in _packages(loaded)
    assert {"fanfare_rx.client", "fanfare_rx.journey", "fanfare_rx.cli", "fanfare_rx.notebook",
            "fanfare_rx.testing", "reactivex"}.isdisjoint(_packages(loaded))
    assert {"fanfare_rx.wire.client", "fanfare_rx.wire.transport"}.isdisjoint(loaded)


def test_importing_the_package_loads_no_layer() -> None:
    loaded = _packages(_loaded_by("fanfare_rx"))
    assert {"aiohttp", "reactivex", "cattrs", "fanfare_rx.client", "fanfare_rx.journey",
            "fanfare_rx.wire", "fanfare_rx.sandbox"}.isdisjoint(loaded)


@pytest.mark.parametrize(("name", "layer"), [("Fanfare", "fanfare_rx.client"),
                                             ("Store", "fanfare_rx.journey"),
                                             ("ConsumerApi", "fanfare_rx.wire")])
def test_a_name_loads_its_layer_on_first_use(name: str, layer: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c",
         f"import sys, fanfare_rx; fanfare_rx.{name}; print({layer!r} in sys.modules)"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.split() == ["True"], result.stderr


def test_the_check_sees_a_layer_loaded() -> None:
    assert "reactivex" in _packages(_loaded_by("fanfare_rx.journey.store"))
