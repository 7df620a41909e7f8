"""Fast construction and copy-with-changes for the reducer's frozen attrs models
(``attrs.evolve`` without its per-call field introspection), generated once per class the
way attrs generates ``__init__``. Pure: imports only attrs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["constructor", "replacer"]

T = TypeVar("T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING = _Missing()


def _plain_fields(cls: type) -> list[str]:
    fields = list(attrs.fields(cls))
    for field in fields:
        plain = (field.init and not field.kw_only and field.alias == field.name
                 and field.name.isidentifier())
        if not plain:
            raise ValueError(f"{cls.__name__}.{field.name}: only plain positional fields are supported")
    return [f.name for f in fields]


def _direct(cls: type) -> bool:
    """Whether ``__init__`` only stores its arguments (slotted, frozen, nothing run per field),
    so that the slots may be filled directly."""
    return (
        "__slots__" in cls.__dict__
        and getattr(cls, "__attrs_post_init__", None) is None
        and getattr(cls, "__attrs_pre_init__", None) is None
        and all(f.validator is None and f.converter is None and f.on_setattr in (None, attrs.setters.NO_OP)
                for f in attrs.fields(cls))
    )


def _compile(cls: type, name: str, parameters: str, values: list[str]) -> Callable[..., Any]:
    names = _plain_fields(cls)
    namespace: dict[str, Any] = {"_MISSING": _MISSING, "cls": cls, "_new": object.__new__}
    if _direct(cls):
        lines = ["    new = _new(cls)"]
        for index, (field, value) in enumerate(zip(names, values, strict=True)):
            namespace[f"_set{index}"] = cls.__dict__[field].__set__
            lines.append(f"    _set{index}(new, {value})")
        body = "\n".join([*lines, "    return new"])
    else:
        body = f"    return cls({', '.join(values)})"
    source = f"def {name}({parameters}):\n{body}\n"
    exec(compile(source, f"<{name} {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    function: Callable[..., Any] = namespace[name]
    return function


def constructor(cls: type[T]) -> Callable[..., T]:
    """``cls``'s constructor taking every field positionally, in declaration order.

    Usage: ``make = constructor(Participation); make("q-1", ParticipationType.QUEUE, "QUEUED",
    None, None)``
    """
    names = _plain_fields(cls)
    make: Callable[..., T] = _compile(cls, "construct", ", ".join(names), names)
    make.__doc__ = f"A new {cls.__name__}, every field given positionally."
    return make


def replacer(cls: type[T], *fixed: str) -> Callable[..., T]:
    """A function building a new ``cls`` from an instance in one pass.

    With no ``fixed`` names: ``replace(instance, **changes)``, unknown names raising
    ``TypeError`` as ``attrs.evolve`` does. With ``fixed`` names: ``replace(instance, *values)``
    taking exactly those fields' new values, in that order (the cheapest call of all).

    Usage: ``replacer(JourneyContext)(ctx, position=3)``;
    ``replacer(JourneyContext, "position")(ctx, 3)``
    """
    names = _plain_fields(cls)
    unknown = set(fixed) - set(names)
    if unknown or len(set(fixed)) != len(fixed):
        raise ValueError(f"{cls.__name__}: unknown or repeated fields {sorted(unknown) or fixed}")
    if fixed:
        parameters = "instance, " + ", ".join(fixed)
        values = [n if n in fixed else f"instance.{n}" for n in names]
    else:
        parameters = "instance, *, " + ", ".join(f"{n}=_MISSING" for n in names)
        values = [f"(instance.{n} if {n} is _MISSING else {n})" for n in names]
    replace: Callable[..., T] = _compile(cls, "replace", parameters, values)
    replace.__doc__ = f"A copy of a {cls.__name__} with {', '.join(fixed) or 'the given fields'} changed."
    return replace
