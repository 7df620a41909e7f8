"""Build the codec's one cattrs converter: strict scalars, attrs classes in camelCase (optional
fields left out when unset), homogeneous tuples and mappings, then the tagged unions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as make_json_converter

from fanfare_rx.wire._scalars import register_scalars, type_name
from fanfare_rx.wire._unions import camel, register_unions, require_mapping, with_field_aliases

__all__ = ["make_converter"]

_MAPPING_ORIGINS: tuple[Any, ...] = (Mapping, dict)


def _is_homogeneous_tuple(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _register_tuples(conv: cattrs.Converter) -> None:
    def tuple_hook_factory(t: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        (item_type, _) = get_args(t)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise TypeError(f"expected an array, got {type_name(value)}")
            items: list[Any] = []
            errors: list[Exception] = []
            for index, item in enumerate(value):
                try:
                    items.append(conv.structure(item, item_type))
                except Exception as exc:  # noqa: BLE001 - collected with its index
                    exc.__notes__ = [
                        *getattr(exc, "__notes__", []),
                        IterableValidationNote(
                            f"Structuring {t} @ index {index}", index, item_type
                        ),
                    ]
                    errors.append(exc)
            if errors:
                raise IterableValidationError(f"While structuring {t!r}", errors, t)
            return tuple(items)

        return structure_tuple

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_hook_factory)


def _register_attrs_classes(conv: cattrs.Converter) -> None:
    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        renames = {a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)}
        inner = make_dict_structure_fn(cls, conv, **renames)  # type: ignore[arg-type]

        def structure_attrs(value: Any, t: Any) -> Any:
            return inner(with_field_aliases(require_mapping(value, cls)), t)

        return structure_attrs

    def unstructure_factory(cls: Any) -> Callable[[Any], Any]:
        # Optional fields (default None) are left out when unset; every other field is
        # always written, so a snapshot's JSON has all of the docs' required keys.
        renames = {
            a.name: override(rename=camel(a.name), omit_if_default=a.default is None)
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, **renames)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)


def _register_mappings(conv: cattrs.Converter) -> None:
    def mapping_hook_factory(t: Any) -> Callable[[Any, Any], dict[Any, Any]]:
        key_type, value_type = get_args(t) or (Any, Any)

        def structure_mapping(value: Any, _: Any) -> dict[Any, Any]:
            mapping = require_mapping(value, t)
            return {
                conv.structure(key, key_type): conv.structure(item, value_type)
                for key, item in mapping.items()
            }

        return structure_mapping

    conv.register_structure_hook_factory(
        lambda t: get_origin(t) in _MAPPING_ORIGINS, mapping_hook_factory
    )


def make_converter() -> cattrs.Converter:
    """A new converter with every wire and snapshot hook registered.

    Usage: ``converter = make_converter()``
    """
    conv = make_json_converter(forbid_extra_keys=False)
    register_scalars(conv)
    _register_tuples(conv)
    _register_attrs_classes(conv)
    _register_mappings(conv)
    register_unions(conv)
    return conv
