"""The registry of mechanisms: the reducer, the one table, the G1 and view availability and the
HTTP port iterate it and name no mechanism. The waitlist is an attachment: its rows (join,
leave) and the grant's claim apply to every registered mechanism that has them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from fanfare_rx.errors import UsageError
from fanfare_rx.mechanisms.base import MechanismSpec, Rule, always, has_waitlist, not_claimed, rule
from fanfare_rx.models.actions import Claim, JoinWaitlist, LeaveWaitlist
from fanfare_rx.models.journey import ParticipationType, SequenceAction, SequenceStage
from fanfare_rx.models.wire import DistributionType
from fanfare_rx.models.wire.enums import drop_extension, extend_enum

__all__ = [
    "CLAIM",
    "drop_kind",
    "new_kind",
    "register",
    "registered",
    "rules",
    "rules_in",
    "spec_for",
    "spec_of_state",
    "table_cache",
    "unregister",
]

P = ParamSpec("P")
V = TypeVar("V")

SS = SequenceStage
#: The G1 label of ``claim()`` (no request: the grant is handed over synchronously).
CLAIM = "claim"

_REGISTRY: dict[DistributionType, MechanismSpec] = {}
_BY_STATE: dict[type, MechanismSpec] = {}


def register(spec: MechanismSpec) -> MechanismSpec:
    """Add (or replace) a mechanism; returns it.

    Usage: ``register(MechanismSpec(kind=..., state_types=..., ...))``
    """
    _REGISTRY[spec.kind] = spec
    for state_type in spec.state_types:
        _BY_STATE[state_type] = spec
    _forget_tables()
    return spec


def unregister(kind: DistributionType) -> None:
    """Remove a mechanism (a plug-in's tests register and remove theirs)."""
    spec = _REGISTRY.pop(kind, None)
    if spec is not None:
        for state_type in spec.state_types:
            _BY_STATE.pop(state_type, None)
        _forget_tables()


def _forget_tables() -> None:
    for forget in _DERIVED:
        forget()


#: How each :func:`table_cache` is forgotten when the table changes.
_DERIVED: list[Callable[[], None]] = []


def table_cache(answer: Callable[P, V]) -> Callable[P, V]:
    """``answer`` kept per (hashable) arguments until a mechanism is registered or removed: for
    what is derived from the one table and its arguments alone (the table itself, its index,
    and what a fold asks at every change, which a drop's journeys ask of the same few states).

    Usage: ``@table_cache`` over ``def actions_for(facts: Facts) -> AvailableActions``
    """
    cached = functools.lru_cache(maxsize=1024)(answer)
    _DERIVED.append(cached.cache_clear)
    return cast(Callable[P, V], cached)


def new_kind(value: str) -> DistributionType:
    """The kind of a mechanism beyond the built-in five: a ``DistributionType`` (and
    ``ParticipationType``) member for ``value``, so the wire, the journey and the view take it.

    Usage: ``RAFFLE = new_kind("raffle")``
    """
    extend_enum(ParticipationType, value)
    return extend_enum(DistributionType, value)


def drop_kind(value: str) -> None:
    """Undo :func:`new_kind` once its mechanism is unregistered (a plug-in's tests)."""
    if _REGISTRY.get(cast(DistributionType, value)) is not None:
        raise UsageError(f"{value!r} is still registered: unregister it first")
    drop_extension(ParticipationType, value)
    drop_extension(DistributionType, value)


def registered() -> tuple[MechanismSpec, ...]:
    """Every registered mechanism, in registration order."""
    return tuple(_REGISTRY.values())


def spec_for(kind: object) -> MechanismSpec | None:
    """The mechanism of a distribution type (None for one not registered).

    Usage: ``spec_for(DistributionType.DRAW).settles`` -> ``True``
    """
    return _REGISTRY.get(cast(DistributionType, kind))  # a StrEnum key matches its value too


def spec_of_state(state_type: type) -> MechanismSpec | None:
    """The mechanism whose status answers come as ``state_type`` (None: no consumer state)."""
    return _BY_STATE.get(state_type)


@table_cache
def rules() -> tuple[Rule, ...]:
    """THE table of what a shopper may do: the waitlist attachment's rows, every mechanism's
    own rows, and the claim of a grant where the mechanism grants."""
    kinds = frozenset(_REGISTRY)
    granting = frozenset(kind for kind, spec in _REGISTRY.items() if spec.grants)
    return (
        rule(SequenceAction.ENTER_WAITLIST, "join", JoinWaitlist, {SS.UPCOMING}, kinds,
             has_waitlist, waitlist=True),
        rule(SequenceAction.LEAVE_WAITLIST, "leave", LeaveWaitlist, {SS.WAITLIST_ENTERED}, kinds,
             always, waitlist=True),
        *(row for spec in _REGISTRY.values() for row in spec.rules),
        rule(CLAIM, "claim", Claim, {SS.ADMITTED}, granting, not_claimed),
    )


@table_cache
def rules_in(mechanism: DistributionType | None, stage: SequenceStage) -> tuple[Rule, ...]:
    """The rows of :func:`rules` that can hold in a ``mechanism`` sequence at ``stage``, in the
    table's order: the same table, indexed (a fold asks for what is allowed at every change,
    and most rows belong to another mechanism or stage).

    Usage: ``rules_in(DistributionType.QUEUE, SequenceStage.ACTIVE_ENTERABLE)``
    """
    return tuple(row for row in rules() if mechanism in row.mechanisms and stage in row.stages)
