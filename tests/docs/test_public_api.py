"""The public surface: explicit ``__all__`` everywhere, every name importable, typed package."""

from __future__ import annotations

import ast
import builtins
import importlib
import pkgutil
import typing
from pathlib import Path

import attrs
import pytest

import fanfare_rx
from fanfare_rx import errors

#: Exactly what ``import fanfare_rx`` exports: what an application needs, nothing internal.
EXPECTED_TOP_LEVEL = {
    # the client and its namespaces, the journey and its stores
    "Fanfare", "DEVELOPMENT_BASE_URL", "PRODUCTION_BASE_URL", "Auth", "Challenges", "Experiences",
    "Journeys", "ExperienceJourney", "Store", "ViewStore", "ServerCadence",
    # HTTP: the API client, its configuration, pool and retry policy
    "ConsumerApi", "HttpConfig", "HttpPool", "RetryPolicy",
    # session storages and the stored session
    "SessionStorage", "FileStorage", "MemoryStorage", "StoredSession", "SessionInfo", "SessionType",
    # G1 snapshot types
    "JourneySnapshot", "JourneyContext", "JourneyStage", "SequenceStage", "JourneyAction",
    "SequenceAction", "AvailableActions", "Requirement", "RequirementType", "JourneyEvent",
    "EventKind", "EventSeverity", "EventAudience", "ExperienceSession", "DistributionSummary",
    "DistributionStatus", "Participation", "ParticipationType", "Offer", "AuctionTerms",
    "snapshot_to_json", "snapshot_from_json",
    # G3 view types
    "JourneyView", "JourneyViewStage", "SequenceView", "SequencePhase", "Mechanism", "Gate",
    "BotMitigation", "AdmissionGrant", "Outcome", "OutcomeType", "ParticipatingDisplay",
    "WaitlistAttachmentView", "WaitlistAttachmentStatus", "AccessCodeSubmitResult",
    "AccessCodeOutcome", "LiveJourneyView", "LiveSequenceView", "LiveWaitlistAttachment",
    # the shopper's typed actions
    "Enter", "Bid", "Book", "Reschedule", "Cancel", "Leave", "Complete", "Claim", "JoinWaitlist",
    "LeaveWaitlist", "ShopperAction",
    # a waiting-room page
    "Page", "Countdown", "CountdownKind", "WaitEstimate", "Connection", "ConnectionStatus",
    "page_to_json", "view_to_json", "AutoPolling", "ConnectionMonitor",
    "MechanismResource",
    # the flight recorder
    "FlightRecorder", "replay", "redacted",
    # a process with many journeys
    "GcTuning", "tune_gc",
    # every error class, and the codes
    *errors.__all__,
    "__version__",
}

#: Internals that stay in their layer's package, not at the top.
INTERNAL = {"EventBus": "fanfare_rx.client", "SessionManager": "fanfare_rx.client",
            "JourneyEffects": "fanfare_rx.journey", "redact": "fanfare_rx.models"}


def test_top_level_exports_exactly_what_an_application_needs() -> None:
    assert set(fanfare_rx.__all__) == EXPECTED_TOP_LEVEL
    assert len(fanfare_rx.__all__) == len(set(fanfare_rx.__all__))
    for name in fanfare_rx.__all__:
        assert hasattr(fanfare_rx, name), name


def test_internals_live_in_their_layer_package() -> None:
    for name, package in INTERNAL.items():
        assert name not in fanfare_rx.__all__
        with pytest.raises(AttributeError):
            getattr(fanfare_rx, name)
        layer = importlib.import_module(package)
        assert name in layer.__all__ and hasattr(layer, name)


def test_timeout_error_is_an_alias_that_does_not_shadow_the_builtin() -> None:
    assert fanfare_rx.TimeoutError is errors.FanfareTimeoutError is errors.TimeoutError
    assert "TimeoutError" not in fanfare_rx.__all__ and "TimeoutError" not in errors.__all__
    # ``import *`` of either module never shadows a builtin
    assert not set(dir(builtins)) & {*fanfare_rx.__all__, *errors.__all__} - {"__version__"}


def _isort_order(name: str) -> tuple[int, str]:
    """Ruff's (isort-style) order: CONSTANTS, then Classes, then everything else."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def _type_checking_imports() -> dict[str, str]:
    """Name -> module of the ``if TYPE_CHECKING:`` imports of ``fanfare_rx/__init__.py``."""
    tree = ast.parse(Path(fanfare_rx.__file__).read_text(encoding="utf-8"))
    (block,) = [node for node in tree.body if isinstance(node, ast.If)
                and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"]
    names: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module is not None
        for alias in node.names:
            assert alias.asname in (None, alias.name), alias.asname
            assert alias.name not in names, f"{alias.name} imported twice"
            names[alias.name] = node.module
    return names


def test_one_listing_the_lazy_table_the_type_checking_imports_and_all_are_equal() -> None:
    """``_EXPORTS`` is the listing; the imports type checkers read and ``__all__`` repeat it
    exactly (as httpx's test_exported_members), and the lazy table resolves each name."""
    assert _type_checking_imports() == {**fanfare_rx._EXPORTS, **fanfare_rx._ALIASES}
    assert fanfare_rx.__all__ == sorted([*fanfare_rx._EXPORTS, "__version__"], key=_isort_order)
    for name, module in {**fanfare_rx._EXPORTS, **fanfare_rx._ALIASES}.items():
        assert getattr(fanfare_rx, name) is getattr(importlib.import_module(module), name)
    assert sorted(dir(fanfare_rx)) == sorted({*dir(fanfare_rx), *fanfare_rx.__all__})
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        fanfare_rx.NoSuchName  # noqa: B018


def _ours(tp: object, found: set[type]) -> None:
    """The classes of this package that a type annotation names (inside unions, generics)."""
    origin = typing.get_origin(tp)
    for arg in typing.get_args(tp):
        _ours(arg, found)
    for candidate in (tp, origin):
        if isinstance(candidate, type) and candidate.__module__.startswith("fanfare_rx."):
            found.add(candidate)


def _public_field_types(cls: type) -> dict[str, object]:
    """A class's attrs fields and public properties, with their resolved types."""
    types: dict[str, object] = {}
    if attrs.has(cls):
        hints = typing.get_type_hints(cls)
        types.update({field.name: hints.get(field.name, field.type) for field in attrs.fields(cls)})
    for name, member in vars(cls).items():
        if isinstance(member, property) and not name.startswith("_") and member.fget is not None:
            types[name] = typing.get_type_hints(member.fget).get("return")
    return types


def test_every_type_on_a_public_field_is_exported() -> None:
    """Walk the exported types' attrs fields and properties (and the types found there): a
    type an application reads on a public field can be imported from the top."""
    exported = {id(getattr(fanfare_rx, name)) for name in fanfare_rx.__all__}
    todo = [value for name in fanfare_rx.__all__
            if isinstance(value := getattr(fanfare_rx, name), type)]
    seen: set[type] = set()
    missing: dict[str, str] = {}
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for field, tp in _public_field_types(cls).items():
            found: set[type] = set()
            _ours(tp, found)
            for used in found:
                if id(used) not in exported:
                    missing[f"{used.__module__}.{used.__qualname__}"] = f"{cls.__name__}.{field}"
                todo.append(used)
    assert {"JourneyView", "SequenceView", "ExperienceJourney"} <= {c.__name__ for c in seen}
    assert not missing, missing


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
