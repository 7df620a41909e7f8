"""The public surface: explicit ``__all__`` everywhere, every name importable, typed package."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import fanfare_rx

EXPECTED_TOP_LEVEL = {
    "Fanfare", "ExperienceJourney", "Store", "JourneySnapshot", "JourneyStage", "SequenceStage",
    "JourneyAction", "SequenceAction", "Requirement", "JourneyEvent", "FanfareError",
    "DecodeError", "ActionNotAvailableError", "ConsumerApi", "RetryPolicy", "FileStorage",
    "MemoryStorage", "snapshot_to_json", "snapshot_from_json",
    "JourneyView", "SequenceView", "LiveJourneyView", "AccessCodeSubmitResult", "Journeys",
    "APIStatusError",
    "APIConnectionError", "APITimeoutError", "JourneyError", "HttpConfig",
    "HttpPool",
    "ServerCadence", "AuctionTerms",
    # the shopper's typed actions
    "Enter", "Bid", "Book", "Reschedule", "Cancel", "Leave", "Complete", "Claim", "JoinWaitlist",
    "LeaveWaitlist", "ShopperAction",
}


def test_top_level_exports() -> None:
    assert EXPECTED_TOP_LEVEL <= set(fanfare_rx.__all__)
    assert len(fanfare_rx.__all__) == len(set(fanfare_rx.__all__))
    for name in fanfare_rx.__all__:
        assert hasattr(fanfare_rx, name), name


def _isort_order(name: str) -> tuple[int, str]:
    """Ruff's (isort-style) order: CONSTANTS, then Classes, then everything else."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_names_exactly_the_lazy_exports() -> None:
    """As httpx's test_exported_members: ``__all__`` is the sorted list of public names, and the
    lazy table resolves each one (and nothing else)."""
    assert fanfare_rx.__all__ == sorted(fanfare_rx.__all__, key=_isort_order)
    assert set(fanfare_rx.__all__) == {*fanfare_rx._EXPORTS, "__version__"}
    assert sorted(dir(fanfare_rx)) == sorted({*dir(fanfare_rx), *fanfare_rx.__all__})
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        fanfare_rx.NoSuchName  # noqa: B018


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
