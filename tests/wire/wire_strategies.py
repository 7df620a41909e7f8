"""Hypothesis strategies for every wire and journey model, derived from the attrs type hints.

Values are the ones the wire can carry: UTC datetimes of millisecond precision, non-negative
money with at most 12 integer and 8 fractional digits, finite floats; SequenceProjection only in
the phase/mechanism combinations the schema allows.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import attrs
from hypothesis import strategies as st

from fanfare_rx.models import wire as w

__all__ = ["JSON_KEYS", "json_values", "money", "strategy_for", "wire_datetimes"]

#: Keys of free-form JSON (``details``, ``metadata``): letters only, so any ``_`` in an encoded
#: key can only come from a model field that escaped the camelCase renaming.
JSON_KEYS = st.text(alphabet="abcdefghijXYZ", min_size=1, max_size=6)

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(JSON_KEYS, inner, max_size=3),
    max_leaves=6,
)

wire_datetimes: st.SearchStrategy[datetime] = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))

money: st.SearchStrategy[Decimal] = st.one_of(
    st.integers(0, 10**12 - 1).map(Decimal),
    st.integers(0, 10**14 - 1).map(lambda n: Decimal(n).scaleb(-2)),
    st.integers(0, 10**20 - 1).map(lambda n: Decimal(n).scaleb(-8)),
)

_PRIMITIVES: dict[Any, st.SearchStrategy[Any]] = {
    str: st.text(max_size=12),
    int: st.integers(-(2**53), 2**53),
    float: st.floats(allow_nan=False, allow_infinity=False),
    bool: st.booleans(),
    datetime: wire_datetimes,
    Decimal: money,
    type(None): st.none(),
    Any: json_values,
}

_PHASE_MECHANISMS: dict[w.SequencePhase, tuple[w.DistributionType, ...]] = {
    w.SequencePhase.SETTLING: (w.DistributionType.DRAW, w.DistributionType.AUCTION),
    w.SequencePhase.GRANTED: tuple(
        t for t in w.DistributionType if t is not w.DistributionType.APPOINTMENT
    ),
}


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy for a type hint of the models (attrs classes, unions, tuples, enums...)."""
    if tp in _PRIMITIVES:
        return _PRIMITIVES[tp]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in args))
    if origin is tuple:
        return st.lists(strategy_for(args[0]), max_size=2).map(tuple)
    if origin in (Mapping, dict):
        return st.dictionaries(JSON_KEYS, strategy_for(args[1]), max_size=3)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    if isinstance(tp, type) and attrs.has(tp):
        return st.deferred(lambda: _model(tp))
    raise TypeError(f"no strategy for {tp!r}")


@cache
def _model(cls: type) -> st.SearchStrategy[Any]:
    if cls is w.SequenceProjection:
        return _sequence_projection()
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{a.name: _field_strategy(a.name, hints[a.name])
                             for a in attrs.fields(cls)})


#: Fields the models refuse when negative (queue places and wait estimates).
_NOT_NEGATIVE = frozenset({"position", "estimated_wait_time_in_seconds"})


def _field_strategy(name: str, tp: Any) -> st.SearchStrategy[Any]:
    values = strategy_for(tp)
    if name in _NOT_NEGATIVE:
        return values.map(lambda v: v if v is None else abs(v))
    return values


@st.composite
def _projection(draw: st.DrawFn) -> w.SequenceProjection:
    phase = draw(st.sampled_from(list(w.SequencePhase)))
    mechanisms = _PHASE_MECHANISMS.get(phase, tuple(w.DistributionType))
    fields: dict[str, Any] = {"phase": phase}
    required = w.consumer.PHASE_REQUIRES[phase]
    hints = typing.get_type_hints(w.SequenceProjection)
    for a in attrs.fields(w.SequenceProjection)[1:]:
        if a.name == "mechanism":
            value = draw(st.sampled_from(mechanisms))
            fields["mechanism"] = value if "mechanism" in required or draw(st.booleans()) else None
            continue
        inner = strategy_for(hints[a.name])
        fields[a.name] = draw(inner.filter(lambda v: v is not None) if a.name in required else inner)
    return w.SequenceProjection(**fields)


def _sequence_projection() -> st.SearchStrategy[Any]:
    return _projection()
