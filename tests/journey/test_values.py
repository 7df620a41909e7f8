"""The pure core's ``evolve`` is ``attrs.evolve``: the same value for every field of every
class a snapshot is made of, the same errors, and the class's own constructor run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from factories import access_code_gate, fold, gated, route, snapshot_at, started

from fanfare_rx.journey.core import values
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.models.journey import JourneySnapshot


def _snapshots() -> list[JourneySnapshot]:
    made = [started(), fold(started(), route(gated(access_code_gate())))]
    for kind, state in (("queue", "QUEUED"), ("queue", "GRANTED"), ("draw", "ENTERED"),
                        ("auction", "BIDDING"), ("timed_release", None)):
        made.append(snapshot_at(kind, state=state))
    return made


def _parts(value: Any) -> Iterator[Any]:
    """``value`` and every attrs instance inside it (fields, tuples, dicts)."""
    if attrs.has(type(value)):
        yield value
        for field in attrs.fields(type(value)):
            yield from _parts(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _parts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _parts(item)


def _instances() -> dict[type, list[Any]]:
    found: dict[type, list[Any]] = {}
    for snapshot in _snapshots():
        for part in _parts(snapshot):
            kept = found.setdefault(type(part), [])
            if part not in kept:
                kept.append(part)
    return found


INSTANCES = _instances()


def test_the_snapshots_hold_the_classes_the_fold_copies() -> None:
    names = {cls.__name__ for cls in INSTANCES}
    assert {"JourneySnapshot", "JourneyContext", "DistributionSummary", "JourneyEvent",
            "AvailableActions", "Requirement"} <= names


@pytest.mark.parametrize("cls", list(INSTANCES), ids=lambda cls: cls.__name__)
def test_evolve_gives_what_attrs_evolve_gives_for_every_field(cls: type) -> None:
    instances = INSTANCES[cls]
    for value in instances:
        assert evolve(value) == attrs.evolve(value) == value
        for field in attrs.fields(cls):
            for other in instances:  # each field set to every value seen for it
                new = getattr(other, field.name)
                mine, theirs = evolve(value, **{field.name: new}), attrs.evolve(value, **{field.name: new})
                assert type(mine) is cls
                assert mine == theirs
                assert getattr(mine, field.name) is new


def test_evolve_changes_several_fields_at_once() -> None:
    context = started().context
    mine = evolve(context, position=4, access_code="VIP", offers=())
    assert mine == attrs.evolve(context, position=4, access_code="VIP", offers=())
    assert (mine.position, mine.access_code) == (4, "VIP")
    assert context.position is None  # the value copied from is left as it was


def test_an_unknown_field_is_refused_as_the_constructor_refuses_it() -> None:
    context = started().context
    # (mypy refuses both calls statically too: the core's evolve is attrs.evolve to it)
    with pytest.raises(TypeError, match="unexpected keyword argument 'positon'"):
        evolve(context, positon=4)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="positon"):
        attrs.evolve(context, positon=4)  # type: ignore[call-arg]


def test_a_value_that_is_not_an_attrs_instance_is_refused() -> None:
    with pytest.raises(attrs.exceptions.NotAnAttrsClassError):
        evolve(object())  # type: ignore[misc]


@attrs.frozen
class _Checked:
    amount: int = attrs.field(validator=attrs.validators.ge(0))
    label: str = attrs.field(default="x", converter=str)


@attrs.frozen
class _Single:
    only: int


@attrs.frozen
class _KeywordOnly:
    a: int
    b: int = attrs.field(kw_only=True)


@attrs.frozen
class _Private:
    _hidden: int
    shown: int = 0


@attrs.frozen
class _NotInit:
    a: int
    derived: int = attrs.field(init=False, default=7)


def test_the_class_s_own_constructor_runs_validators_and_converters() -> None:
    value = _Checked(1)
    assert evolve(value, label=5) == _Checked(1, "5")
    with pytest.raises(ValueError, match="amount"):
        evolve(value, amount=-1)


@pytest.mark.parametrize(("value", "changes"), [
    (_Single(1), {"only": 2}),
    (_KeywordOnly(1, b=2), {"b": 3}),
    (_Private(1, 2), {"hidden": 5}),
    (_NotInit(1), {"a": 3}),
])
def test_a_class_the_fast_copy_cannot_take_goes_through_attrs_evolve(value: Any,
                                                                     changes: dict[str, Any]) -> None:
    assert evolve(value, **changes) == attrs.evolve(value, **changes)
    assert evolve(value) == value


def test_the_fast_copy_is_made_once_per_class_and_only_where_it_agrees() -> None:
    evolve(_Single(1))
    evolve(_KeywordOnly(1, b=2))
    evolve(_Private(1))
    evolve(_NotInit(1))
    evolve(started().context)
    copies = values._COPIES
    assert copies[_Single] is not None
    assert copies[_KeywordOnly] is None and copies[_Private] is None and copies[_NotInit] is None
    context_copy = copies[type(started().context)]
    evolve(started().context, position=1)
    assert copies[type(started().context)] is context_copy
