"""The one cattrs converter: camelCase on the wire, ISO datetimes, decimal-string money, tagged
unions, gen A/B aliases, and a single typed :class:`~fanfare_rx.errors.DecodeError`.

Usage::

    state = decode(b'{"status": "QUEUED", "position": 3, "estimatedWaitTimeInSeconds": 2}',
                   QueueConsumerState)
    body = encode(state)            # {"status": "QUEUED", "position": 3, ...}
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import IterableValidationError, IterableValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from fanfare_rx.errors import DecodeError
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneySnapshot

__all__ = [
    "GEN_AB_FIELD_ALIASES",
    "GEN_AB_STATUS_ALIASES",
    "converter",
    "decode",
    "dumps",
    "encode",
    "snapshot_from_json",
    "snapshot_to_json",
    "structure",
]

T = TypeVar("T")

#: Older spellings accepted on decode as their gen C equivalents.
GEN_AB_FIELD_ALIASES: Mapping[str, str] = {"admissionToken": "admissionGrant"}
GEN_AB_STATUS_ALIASES: Mapping[str, Mapping[str, str]] = {
    "queue": {"ADMITTED": "GRANTED"},
    "auction": {"ACTIVE": "BIDDING", "BID_WON": "WON", "BID_LOST": "LOST"},
    "timed_release": {"ADMITTED": "GRANTED"},
}

# ASCII digits only, matched against the whole string (``$`` alone would accept "1.00\\n").
_MONEY = re.compile(r"[0-9]{1,12}(\.[0-9]{1,8})?")
# A date-time must carry a time part: a bare date ("2024-05-01") is not a wire date-time.
_HAS_TIME = re.compile(r"^[0-9]{4}-?[0-9]{2}-?[0-9]{2}[Tt ][0-9]")


_MAPPING_ORIGINS: tuple[Any, ...] = (Mapping, dict)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


# --- strict primitives: a wrong JSON type is an error, never a silent str()/int() coercion ---


def _structure_str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {_type_name(value)}")
    return value


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected an integer, got {_type_name(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return int(value)
    return value


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {_type_name(value)}")
    return float(value)


def _structure_bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {_type_name(value)}")
    return value


def _structure_enum(value: Any, cls: Any) -> Any:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TypeError(f"expected a string, got {_type_name(value)}")
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(member.value) for member in cls)
        raise ValueError(f"unknown value {value!r} (expected one of {allowed})") from None


def _structure_money(value: Any, _: type) -> Decimal:
    if isinstance(value, str):
        if not _MONEY.fullmatch(value):
            raise ValueError(f"expected a decimal string like '1500.00', got {value!r}")
        return Decimal(value)
    if isinstance(value, int | float) and not isinstance(value, bool):  # gen A sent numbers
        try:
            result = Decimal(str(value))
        except InvalidOperation as exc:  # pragma: no cover - str(float) always parses
            raise ValueError(f"invalid amount {value!r}") from exc
        if not result.is_finite():
            raise ValueError(f"expected a finite amount, got {value!r}")
        if result < 0:
            raise ValueError(f"amount must not be negative, got {value!r}")
        return result
    raise TypeError(f"expected a decimal string, got {_type_name(value)}")


def _unstructure_money(value: Decimal) -> str:
    return format(value, "f")


def _structure_datetime(value: Any, _: type) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO-8601 date-time string, got {_type_name(value)}")
    try:
        if not _HAS_TIME.match(value):
            raise ValueError("no time part")
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"expected an ISO-8601 date-time, got {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def _is_homogeneous_tuple(t: Any) -> bool:
    args = get_args(t)
    return get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _require_mapping(value: Any, cls: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {_type_name(value)}")
    return value


def _with_aliases(value: Mapping[str, Any]) -> Mapping[str, Any]:
    if not any(old in value for old in GEN_AB_FIELD_ALIASES):
        return value
    renamed = dict(value)
    for old, new in GEN_AB_FIELD_ALIASES.items():
        if old in renamed and new not in renamed:
            renamed[new] = renamed.pop(old)
    return renamed


def _make_converter() -> cattrs.Converter:
    conv = make_converter(forbid_extra_keys=False)

    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    # StrEnum precedes str in a StrEnum's MRO, so this hook (not the str one) decodes enums.
    conv.register_structure_hook(enum.StrEnum, _structure_enum)
    conv.register_structure_hook(enum.Enum, _structure_enum)
    conv.register_structure_hook(Decimal, _structure_money)
    conv.register_unstructure_hook(Decimal, _unstructure_money)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)

    def tuple_hook_factory(t: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        (item_type, _) = get_args(t)

        def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                raise TypeError(f"expected an array, got {_type_name(value)}")
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

    def structure_factory(cls: Any) -> Callable[[Any, Any], Any]:
        renames = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        inner = make_dict_structure_fn(cls, conv, **renames)  # type: ignore[arg-type]

        def structure_attrs(value: Any, t: Any) -> Any:
            return inner(_with_aliases(_require_mapping(value, cls)), t)

        return structure_attrs

    def unstructure_factory(cls: Any) -> Callable[[Any], Any]:
        # Optional fields (default None) are left out when unset; every other field is
        # always written, so a snapshot's JSON has all of the docs' required keys.
        renames = {
            a.name: override(rename=_camel(a.name), omit_if_default=a.default is None)
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, **renames)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)

    def mapping_hook_factory(t: Any) -> Callable[[Any, Any], dict[Any, Any]]:
        key_type, value_type = get_args(t) or (Any, Any)

        def structure_mapping(value: Any, _: Any) -> dict[Any, Any]:
            mapping = _require_mapping(value, t)
            return {
                conv.structure(key, key_type): conv.structure(item, value_type)
                for key, item in mapping.items()
            }

        return structure_mapping

    conv.register_structure_hook_factory(
        lambda t: get_origin(t) in _MAPPING_ORIGINS, mapping_hook_factory
    )
    _register_sequence_projection(conv)

    _register_union(conv, wire.Gate, "type", "TYPE")
    _register_union(conv, wire.RouteResult, "outcome", "OUTCOME")
    _register_union(
        conv, wire.QueueConsumerState, "status", "STATUS", GEN_AB_STATUS_ALIASES["queue"]
    )
    _register_union(conv, wire.DrawConsumerState, "status", "STATUS")
    _register_union(conv, wire.JourneyProjection, "journeyStage", "JOURNEY_STAGE")
    _register_status_aliases(conv, wire.AuctionConsumerState, GEN_AB_STATUS_ALIASES["auction"])
    _register_status_aliases(
        conv, wire.TimedReleaseConsumerState, GEN_AB_STATUS_ALIASES["timed_release"]
    )
    return conv


def _register_union(
    conv: cattrs.Converter,
    union: Any,
    tag_key: str,
    tag_attr: str,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """A tagged union: ``tag_key`` on the wire picks the member whose ``tag_attr`` ClassVar
    matches; unknown tags are a decode error naming the field."""
    members: dict[str, type] = {str(getattr(cls, tag_attr)): cls for cls in get_args(union)}
    aliases = aliases or {}
    expected = ", ".join(sorted(members))

    def structure_union(value: Any, _: Any) -> Any:
        mapping = _require_mapping(value, union)
        tag = mapping.get(tag_key)
        if not isinstance(tag, str):
            exc: Exception = TypeError(
                f"missing or non-string discriminator {tag_key!r} (expected one of {expected})"
            )
        else:
            tag = aliases.get(tag, tag)
            cls = members.get(tag)
            if cls is not None:
                return conv.structure(mapping, cls)
            exc = ValueError(f"unknown {tag_key} {tag!r} (expected one of {expected})")
        exc.__notes__ = [f"Structuring class {tag_key} @ attribute {tag_key}"]
        _attach_attribute_note(exc, tag_key)
        raise cattrs.ClassValidationError(f"While structuring {union}", [exc], dict)

    conv.register_structure_hook_func(lambda t: t == union, structure_union)

    for tag, cls in members.items():
        base = conv.get_unstructure_hook(cls)

        def unstructure_member(
            obj: Any, _base: Callable[[Any], Any] = base, _tag: str = tag
        ) -> Any:
            return {tag_key: _tag, **_base(obj)}

        conv.register_unstructure_hook(cls, unstructure_member)


def _attach_attribute_note(exc: Exception, attribute: str) -> None:
    from cattrs.errors import AttributeValidationNote

    exc.__notes__ = [AttributeValidationNote(f"Structuring @ attribute {attribute}", attribute, str)]


def _register_status_aliases(
    conv: cattrs.Converter, cls: type, aliases: Mapping[str, str]
) -> None:
    inner = conv.get_structure_hook(cls)

    def structure_with_alias(value: Any, t: Any) -> Any:
        mapping = _require_mapping(value, cls)
        status = mapping.get("status")
        if isinstance(status, str) and status in aliases:
            mapping = {**mapping, "status": aliases[status]}
        return inner(mapping, t)

    conv.register_structure_hook(cls, structure_with_alias)


def _field_error(cls: type, attribute: str, message: str) -> cattrs.ClassValidationError:
    """A decode error for one field of ``cls`` (the path ends in ``.attribute``)."""
    exc = ValueError(message)
    _attach_attribute_note(exc, attribute)
    return cattrs.ClassValidationError(f"While structuring {cls.__name__}", [exc], cls)


def _register_sequence_projection(conv: cattrs.Converter) -> None:
    """Check the per-phase rules of ``SequenceProjection`` before building it, so the error
    names the offending field (``$.sequence.grant``) rather than the whole object."""
    cls = wire.SequenceProjection
    inner = conv.get_structure_hook(cls)
    mechanisms = {m.value for m in wire.DistributionType}
    phases = {p.value for p in wire.SequencePhase}

    def structure_projection(value: Any, t: Any) -> Any:
        mapping = _require_mapping(value, cls)
        phase = mapping.get("phase")
        if isinstance(phase, str) and phase in phases:
            phase_enum = wire.SequencePhase(phase)
            for name in wire._PHASE_REQUIRES[phase_enum]:
                if mapping.get(_camel(name)) is None:
                    raise _field_error(
                        cls, name, f"required field missing (phase {phase!r} requires it)"
                    )
            mechanism = mapping.get("mechanism")
            if isinstance(mechanism, str) and mechanism in mechanisms:
                if phase_enum is wire.SequencePhase.SETTLING and mechanism not in (
                    "draw",
                    "auction",
                ):
                    raise _field_error(
                        cls, "mechanism", f"phase 'settling' exists only for draw and auction, "
                        f"got {mechanism!r}"
                    )
                if phase_enum is wire.SequencePhase.GRANTED and mechanism == "appointment":
                    raise _field_error(
                        cls, "mechanism", "phase 'granted' never applies to appointments"
                    )
        return inner(mapping, t)

    conv.register_structure_hook(cls, structure_projection)


_UNION_NAMES: dict[Any, str] = {
    wire.Gate: "Gate",
    wire.RouteResult: "RouteResult",
    wire.QueueConsumerState: "QueueConsumerState",
    wire.DrawConsumerState: "DrawConsumerState",
    wire.JourneyProjection: "JourneyProjection",
}

#: The process-wide converter (wire bodies and snapshots share it).
converter: cattrs.Converter = _make_converter()


def _model_name(cls: Any) -> str:
    return _UNION_NAMES.get(cls) or getattr(cls, "__name__", None) or str(cls)


def _format_exception(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, IterableValidationError | cattrs.ClassValidationError):
        return str(exc)
    text = str(exc) or type(exc).__name__
    return text


def _camel_path(message: str) -> str:
    """Name fields as they are on the wire: ``@ $.session.expires_at`` -> ``expiresAt``."""
    if " @ " not in message:
        return message
    text, path = message.rsplit(" @ ", 1)
    return f"{text} @ " + re.sub(r"\.([a-z0-9_]+)", lambda m: "." + _camel(m.group(1)), path)


def _decode_error(exc: BaseException, cls: Any) -> DecodeError:
    name = _model_name(cls)
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path="$", format_exception=_format_exception)
    else:
        messages = [f"{exc} @ $"]
    messages = [_camel_path(message) for message in messages]
    first = messages[0] if messages else f"invalid {name} @ $"
    path = first.rsplit(" @ ", 1)[1] if " @ " in first else "$"
    summary = "; ".join(messages[:5]) + (f" (+{len(messages) - 5} more)" if len(messages) > 5 else "")
    return DecodeError(f"cannot decode {name}: {summary}", model=name, path=path)


def structure(value: Any, cls: type[T] | Any) -> T:
    """Turn parsed JSON into a model; any mismatch raises :class:`DecodeError`.

    Usage: ``structure({"ok": True}, OtpRequestResult)``
    """
    try:
        return converter.structure(value, cls)  # type: ignore[no-any-return]
    except DecodeError:
        raise
    except Exception as exc:
        raise _decode_error(exc, cls) from exc


def decode(payload: bytes | str, cls: type[T] | Any) -> T:
    """Parse a JSON body into a model; malformed JSON or a mismatch raises :class:`DecodeError`.

    Usage: ``decode(await response.read(), wire.RouteResult)``
    """
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        name = _model_name(cls)
        raise DecodeError(f"malformed JSON for {name}: {exc}", model=name, path="$") from exc
    result: T = structure(value, cls)
    return result


def encode(obj: Any) -> Any:
    """The JSON-ready (camelCase) form of a model.

    Usage: ``encode(RouteRequest(access_code="VIP2024"))`` -> ``{"accessCode": "VIP2024"}``
    """
    return converter.unstructure(obj)


def dumps(obj: Any) -> str:
    """``encode`` then compact JSON text."""
    return json.dumps(encode(obj), separators=(",", ":"))


def snapshot_to_json(snapshot: JourneySnapshot) -> str:
    """A snapshot as the docs' ``JourneySnapshot`` JSON (camelCase names, epoch-ms numbers).

    Usage: ``text = snapshot_to_json(journey.state.get())``
    """
    return dumps(snapshot)


def snapshot_from_json(text: str | bytes) -> JourneySnapshot:
    """Inverse of :func:`snapshot_to_json` (also reads snapshots written by the JS SDK)."""
    return decode(text, JourneySnapshot)
