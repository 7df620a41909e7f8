"""How the pure core makes a changed copy of a frozen value: :func:`evolve`, ``attrs.evolve``
with how to copy worked out once per class instead of on every copy.

Each fold step copies the journey's context (23 fields) and snapshot a few times; through
``attrs.evolve`` each copy reads the class's fields and builds a keyword dict of every field
before calling the constructor. Here the fields are read at once with one ``attrgetter`` made
per class and passed by position, so a context's copy costs about half as much. The
constructor is the class's own (validators and converters run as before), and the type checker
sees ``attrs.evolve`` itself, so a wrong field name or type is still caught statically.

Pure: a per-class memo of how to copy; nothing per value.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

__all__ = ["evolve"]

T = TypeVar("T")

_Copy = Callable[[Any, dict[str, Any]], Any]

#: For each class asked about: how to copy one of its values, or None where ``attrs.evolve``
#: itself is used (a field the constructor does not take, takes by another name, or takes by
#: keyword only).
_COPIES: dict[type, _Copy | None] = {}


def _copier(cls: type) -> _Copy | None:
    fields = attrs.fields(cls)
    if not fields or not all(f.init and f.alias == f.name and not f.kw_only for f in fields):
        return None
    names = tuple(f.name for f in fields)
    get = operator.attrgetter(*names)  # of one name: the value itself, not a tuple of it
    read: Callable[[Any], tuple[Any, ...]] = (
        get if len(names) > 1 else lambda value: (get(value),))
    place = {name: index for index, name in enumerate(names)}

    def copy(value: Any, changes: dict[str, Any]) -> Any:
        args = list(read(value))
        try:
            for name, new in changes.items():
                args[place[name]] = new
        except KeyError as unknown:  # as the constructor would say it
            raise TypeError(f"{cls.__qualname__}.__init__() got an unexpected keyword "
                            f"argument {unknown.args[0]!r}") from None
        return cls(*args)

    return copy


def _evolve(inst: T, /, **changes: Any) -> T:
    """A copy of the attrs instance ``inst`` with ``changes`` applied: what
    ``attrs.evolve(inst, **changes)`` returns (``tests/journey/test_values.py`` compares the
    two on every field of the snapshot's classes).

    Usage: ``evolve(snapshot.context, position=4)``
    """
    cls = type(inst)
    try:
        copy = _COPIES[cls]
    except KeyError:
        copy = _COPIES[cls] = _copier(cls)
    if copy is None:
        return attrs.evolve(inst, **changes)  # type: ignore[misc]  # any attrs class
    return copy(inst, changes)  # type: ignore[no-any-return]


if TYPE_CHECKING:  # the type checker's attrs plugin checks each call's field names and types
    from attrs import evolve
else:
    evolve = _evolve
