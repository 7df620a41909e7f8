"""Decoding scenario JSON with the codec's one cattrs converter: scenario classes refuse
unknown fields, a distribution is a tagged union on ``type`` over the registered engines' spec
classes (``cattrs.strategies.configure_tagged_union``), and every failure becomes one
:class:`ScenarioError` naming the field as the JSON spells it
(``experiences[0].sequences[1].distribution.admitRate: expected a number, got str``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override
from cattrs.strategies import configure_tagged_union

from fanfare_rx.wire import codec
from fanfare_rx.wire._scalars import type_name
from fanfare_rx.wire._unions import camel

__all__ = ["FieldProblem", "ScenarioError", "decode_scenario", "non_negative", "positive", "text"]

T = TypeVar("T")


class ScenarioError(ValueError):
    """A scenario file or dict that does not match the schema; ``field`` names the culprit.

    Usage: ``except ScenarioError as exc: print(exc.field)``
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class FieldProblem(ValueError):
    """Raised inside a scenario class (a validator, ``__attrs_post_init__``, an unknown key):
    ``field`` is relative to the object, as the JSON spells it (``drawAt``, ``locations[1].id``).

    Usage: ``raise FieldProblem("drawAt", "must not be before openAt")``
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- validators ----------------------------------------------------------------------------------

def non_negative(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An attrs validator: a number, when given, is at least 0."""
    if value is not None and value < 0:
        raise FieldProblem(camel(attribute.name), f"must not be negative, got {value:g}")


def positive(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """An attrs validator: a number, when given, is greater than 0."""
    if value is not None and not value > 0:
        raise FieldProblem(camel(attribute.name), "must be greater than 0")


def _non_empty(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not value:
        raise FieldProblem(camel(attribute.name), "expected a non-empty string")


def text(default: Any = attrs.NOTHING, *, secret: bool = False) -> Any:
    """A non-empty string field (required unless ``default`` is given; ``secret``: kept out of
    the repr)."""
    return attrs.field(default=default, validator=_non_empty, repr=not secret)


# --- hooks ---------------------------------------------------------------------------------------

#: The scenario classes whose hooks are registered on the converter (unknown keys refused).
_PARTS: set[type] = set()
#: (spec classes, base) of the configured tagged union, and its hook.
_UNION: dict[tuple[tuple[type, ...], type], Callable[[Any, Any], Any]] = {}


def _register_part(conv: cattrs.Converter, cls: type, base: type) -> None:
    """Register ``cls`` and the scenario classes its fields hold (``base`` excepted: the
    tagged union decodes it)."""
    if cls in _PARTS or cls is base:
        return
    attrs.resolve_types(cls)
    for field in attrs.fields(cls):
        for candidate in _classes_in(field.type):
            _register_part(conv, candidate, base)
    names = {camel(a.name) for a in attrs.fields(cls) if a.init}
    renames: dict[str, Any] = {a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)}
    inner: Callable[[Any, Any], Any] = make_dict_structure_fn(cls, conv, **renames)

    def structure_part(value: Any, t: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {type_name(value)}")
        unknown = sorted(set(value) - names)
        if unknown:
            raise FieldProblem(unknown[0], "unknown field")
        return inner(value, t)

    def is_part(t: Any, _cls: type = cls) -> bool:
        return t is _cls

    conv.register_structure_hook_func(is_part, structure_part)
    _PARTS.add(cls)


def _classes_in(hint: Any) -> list[type]:
    """The attrs classes a field's type names (``X | None``, ``tuple[X, ...]``)."""
    if isinstance(hint, type) and attrs.has(hint):
        return [hint]
    return [found for arg in getattr(hint, "__args__", ()) for found in _classes_in(arg)]


def _register_union(conv: cattrs.Converter, base: type,
                    classes: Mapping[str, type]) -> None:
    """``base`` (a field's type) decodes as the spec class its ``type`` names."""
    key = (tuple(classes.values()), base)
    if key in _UNION:
        return
    for cls in classes.values():
        _register_part(conv, cls, base)
    members = tuple(classes.values())
    tags = {cls: kind for kind, cls in classes.items()}
    if len(members) > 1:
        union: Any = Union[members]  # noqa: UP007 - a runtime union of the registered classes
        configure_tagged_union(union, conv, tag_generator=tags.__getitem__, tag_name="type")
        member_hook = conv.get_structure_hook(union)
    else:
        union = members[0] if members else base
        member_hook = conv.get_structure_hook(union) if members else None  # type: ignore[assignment]

    def structure_distribution(value: Any, _: Any) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"expected an object, got {type_name(value)}")
        if "type" not in value:
            raise FieldProblem("type", "required field missing")
        if value["type"] not in classes:
            raise FieldProblem("type", f"expected one of {', '.join(classes)}, "
                                       f"got {value['type']!r}")
        assert member_hook is not None
        return member_hook(value, union)

    _UNION.clear()  # the newest registry wins (engines registered since are included)
    _UNION[key] = structure_distribution
    conv.register_structure_hook_func(lambda t: t is base, structure_distribution)


# --- errors --------------------------------------------------------------------------------------

_MARK = "\x00"


def _format(exc: BaseException, _: Any) -> str:
    if isinstance(exc, FieldProblem):
        return f"{_MARK}{exc.field}{_MARK}{exc.message}"
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or type(exc).__name__


def _scenario_error(exc: Exception) -> ScenarioError:
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path="$", format_exception=_format)
    else:
        messages = [f"{_format(exc, None)} @ $"]
    text_, _, path = messages[0].rpartition(" @ ")
    path = re.sub(r"\.([a-z0-9_]+)", lambda m: "." + camel(m.group(1)), path)
    if text_.startswith(_MARK):
        field, message = text_[1:].split(_MARK, 1)
        path, text_ = f"{path}.{field}", message
    field = path.removeprefix("$").removeprefix(".") or "$"
    return ScenarioError(field, text_)


def decode_scenario(data: Any, cls: type[T], base: type, classes: Mapping[str, type]) -> T:
    """``data`` (parsed JSON) as ``cls``, every ``base`` decoded as the spec class its ``type``
    names; raises :class:`ScenarioError`.

    Usage: ``decode_scenario(json.loads(text), Scenario, DistributionSpec, {"queue": QueueSpec})``
    """
    conv = codec.converter
    _register_union(conv, base, classes)
    _register_part(conv, cls, base)
    try:
        result: T = conv.structure(data, cls)
    except Exception as exc:  # noqa: BLE001 - every failure is reported as the field it names
        raise _scenario_error(exc) from None
    return result
