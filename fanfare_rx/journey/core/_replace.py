"""Fast copy-with-changes for the reducer's frozen attrs models (``attrs.evolve`` without the
per-call field introspection), generated once per class the way attrs generates ``__init__``.

Pure: imports only attrs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["replacer"]

T = TypeVar("T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING = _Missing()


def replacer(cls: type[T], *fixed: str) -> Callable[..., T]:
    """A function building a new ``cls`` from an instance in one positional constructor call.

    With no ``fixed`` names: ``replace(instance, **changes)``, unknown names raising
    ``TypeError`` as ``attrs.evolve`` does. With ``fixed`` names: ``replace(instance, *values)``
    taking exactly those fields' new values, in that order (the cheapest call of all).

    Usage: ``replacer(JourneyContext)(ctx, position=3)``;
    ``replacer(JourneyContext, "position")(ctx, 3)``
    """
    fields = list(attrs.fields(cls))  # type: ignore[arg-type]
    for field in fields:
        if not field.init or field.kw_only or field.alias != field.name or not field.name.isidentifier():
            raise ValueError(f"{cls.__name__}.{field.name}: only plain positional fields are supported")
    names = [f.name for f in fields]
    unknown = set(fixed) - set(names)
    if unknown or len(set(fixed)) != len(fixed):
        raise ValueError(f"{cls.__name__}: unknown or repeated fields {sorted(unknown) or fixed}")
    if fixed:
        parameters = ", ".join(fixed)
        arguments = ", ".join(n if n in fixed else f"instance.{n}" for n in names)
        source = f"def replace(instance, {parameters}):\n    return cls({arguments})\n"
    else:
        parameters = "*, " + ", ".join(f"{n}=_MISSING" for n in names)
        arguments = ", ".join(f"(instance.{n} if {n} is _MISSING else {n})" for n in names)
        source = f"def replace(instance, {parameters}):\n    return cls({arguments})\n"
    namespace: dict[str, Any] = {"_MISSING": _MISSING, "cls": cls}
    exec(compile(source, f"<replacer {cls.__qualname__}>", "exec"), namespace)  # noqa: S102
    replace: Callable[..., T] = namespace["replace"]
    replace.__doc__ = f"A copy of a {cls.__name__} with {', '.join(fixed) or 'the given fields'} changed."
    return replace
