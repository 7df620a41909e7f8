"""The public surface: explicit ``__all__`` everywhere, every name importable, typed package."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import fanfare_rx

EXPECTED_TOP_LEVEL = {
    "Fanfare", "ExperienceJourney", "Store", "JourneySnapshot", "JourneyStage", "SequenceStage",
    "JourneyAction", "SequenceAction", "Requirement", "JourneyEvent", "FanfareError",
    "DecodeError", "ActionNotAvailableError", "ConsumerApi", "RetryPolicy", "FileStorage",
    "MemoryStorage", "snapshot_to_json", "snapshot_from_json",
}


def test_top_level_exports() -> None:
    assert EXPECTED_TOP_LEVEL <= set(fanfare_rx.__all__)
    assert len(fanfare_rx.__all__) == len(set(fanfare_rx.__all__))
    for name in fanfare_rx.__all__:
        assert hasattr(fanfare_rx, name), name


def test_every_public_module_declares_all() -> None:
    missing = []
    for info in pkgutil.walk_packages(fanfare_rx.__path__, "fanfare_rx."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            missing.append(info.name)
            continue
        for name in exported:
            assert hasattr(module, name), f"{info.name}.{name}"
    assert not missing, f"modules without __all__: {missing}"


def test_package_is_typed() -> None:
    assert (Path(fanfare_rx.__file__).parent / "py.typed").exists()
