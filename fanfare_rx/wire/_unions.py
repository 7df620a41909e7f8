"""Tagged unions and gen A/B aliases of the codec: a discriminator field picks the model
(``cattrs.strategies.configure_tagged_union``), older spellings decode as their gen C names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, get_args

import cattrs
from cattrs.errors import AttributeValidationNote
from cattrs.strategies import configure_tagged_union

from fanfare_rx.models import wire
from fanfare_rx.wire._scalars import type_name

__all__ = [
    "GEN_AB_FIELD_ALIASES",
    "GEN_AB_STATUS_ALIASES",
    "UNION_NAMES",
    "camel",
    "register_unions",
    "require_mapping",
    "with_field_aliases",
]

#: Older spellings accepted on decode as their gen C equivalents.
GEN_AB_FIELD_ALIASES: Mapping[str, str] = {"admissionToken": "admissionGrant"}
GEN_AB_STATUS_ALIASES: Mapping[str, Mapping[str, str]] = {
    "queue": {"ADMITTED": "GRANTED"},
    "auction": {"ACTIVE": "BIDDING", "BID_WON": "WON", "BID_LOST": "LOST"},
    "timed_release": {"ADMITTED": "GRANTED"},
}

#: Union -> the name error messages use for it.
UNION_NAMES: Mapping[Any, str] = {
    wire.Gate: "Gate",
    wire.RouteResult: "RouteResult",
    wire.QueueConsumerState: "QueueConsumerState",
    wire.DrawConsumerState: "DrawConsumerState",
    wire.JourneyProjection: "JourneyProjection",
}

#: union, discriminator on the wire, ClassVar holding each member's tag, status aliases.
_TAGGED: tuple[tuple[Any, str, str, Mapping[str, str]], ...] = (
    (wire.Gate, "type", "TYPE", {}),
    (wire.RouteResult, "outcome", "OUTCOME", {}),
    (wire.QueueConsumerState, "status", "STATUS", GEN_AB_STATUS_ALIASES["queue"]),
    (wire.DrawConsumerState, "status", "STATUS", {}),
    (wire.JourneyProjection, "journeyStage", "JOURNEY_STAGE", {}),
)


def camel(name: str) -> str:
    """``expires_at`` -> ``expiresAt``."""
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def require_mapping(value: Any, cls: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else a TypeError naming what came instead."""
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object, got {type_name(value)}")
    return value


def with_field_aliases(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """``value`` with gen A/B field names renamed to gen C (a gen C name present wins)."""
    if not any(old in value for old in GEN_AB_FIELD_ALIASES):
        return value
    renamed = dict(value)
    for old, new in GEN_AB_FIELD_ALIASES.items():
        if old in renamed and new not in renamed:
            renamed[new] = renamed.pop(old)
    return renamed


def _attribute_error(exc: Exception, attribute: str) -> Exception:
    exc.__notes__ = [AttributeValidationNote(f"Structuring @ attribute {attribute}", attribute, str)]
    return exc


def _field_error(cls: Any, attribute: str, message: str) -> cattrs.ClassValidationError:
    """A decode error for one field of ``cls`` (the path ends in ``.attribute``)."""
    return cattrs.ClassValidationError(
        f"While structuring {getattr(cls, '__name__', cls)}",
        [_attribute_error(ValueError(message), attribute)], cls)


def _register_tagged_union(conv: cattrs.Converter, union: Any, tag_key: str, tag_attr: str,
                           aliases: Mapping[str, str]) -> None:
    """``tag_key`` on the wire picks the member whose ``tag_attr`` ClassVar matches; an alias
    is renamed first; a missing or unknown tag is a decode error naming the field."""
    members: dict[str, type] = {str(getattr(cls, tag_attr)): cls for cls in get_args(union)}
    expected = ", ".join(sorted(members))

    # Members written on their own carry their tag too (the sandbox encodes member instances).
    for tag, cls in members.items():
        base = conv.get_unstructure_hook(cls)

        def unstructure_member(obj: Any, _base: Callable[[Any], Any] = base,
                               _tag: str = tag) -> Any:
            return {tag_key: _tag, **_base(obj)}

        conv.register_unstructure_hook(cls, unstructure_member)

    configure_tagged_union(union, conv, tag_generator=lambda cls: str(getattr(cls, tag_attr)),
                           tag_name=tag_key)
    tagged = conv.get_structure_hook(union)

    def structure_union(value: Any, t: Any) -> Any:
        mapping = require_mapping(value, union)
        tag = mapping.get(tag_key)
        if isinstance(tag, str) and tag in aliases:
            tag = aliases[tag]
            mapping = {**mapping, tag_key: tag}
        if not isinstance(tag, str):
            problem: Exception = TypeError(
                f"missing or non-string discriminator {tag_key!r} (expected one of {expected})")
        elif tag not in members:
            problem = ValueError(f"unknown {tag_key} {tag!r} (expected one of {expected})")
        else:
            return tagged(mapping, t)
        raise _field_error(union, tag_key, str(problem)) from None

    conv.register_structure_hook(union, structure_union)


def _register_status_aliases(conv: cattrs.Converter, cls: type, aliases: Mapping[str, str],
                             *, fold_case: bool = False) -> None:
    """Older spellings of ``status`` decode as their gen C names; with ``fold_case`` (a status
    the spec leaves a free string) the projection's lower case is read as the upper case."""
    inner = conv.get_structure_hook(cls)

    def structure_with_alias(value: Any, t: Any) -> Any:
        mapping = require_mapping(value, cls)
        status = mapping.get("status")
        if isinstance(status, str):
            named = status.upper() if fold_case else status
            named = aliases.get(named, named)
            if named != status:
                mapping = {**mapping, "status": named}
        return inner(mapping, t)

    conv.register_structure_hook(cls, structure_with_alias)


def _register_sequence_projection(conv: cattrs.Converter) -> None:
    """Check the per-phase rules of ``SequenceProjection`` before building it, so the error
    names the offending field (``$.sequence.grant``) rather than the whole object."""
    cls = wire.SequenceProjection
    inner = conv.get_structure_hook(cls)
    mechanisms = {m.value for m in wire.DistributionType}
    phases = {p.value for p in wire.SequencePhase}

    def structure_projection(value: Any, t: Any) -> Any:
        mapping = require_mapping(value, cls)
        phase = mapping.get("phase")
        if isinstance(phase, str) and phase in phases:
            phase_enum = wire.SequencePhase(phase)
            for name in wire.consumer.PHASE_REQUIRES[phase_enum]:
                if mapping.get(camel(name)) is None:
                    raise _field_error(
                        cls, name, f"required field missing (phase {phase!r} requires it)")
            mechanism = mapping.get("mechanism")
            if isinstance(mechanism, str) and mechanism in mechanisms:
                if phase_enum is wire.SequencePhase.SETTLING and mechanism not in (
                        "draw", "auction"):
                    raise _field_error(cls, "mechanism", "phase 'settling' exists only for draw "
                                       f"and auction, got {mechanism!r}")
                if phase_enum is wire.SequencePhase.GRANTED and mechanism == "appointment":
                    raise _field_error(cls, "mechanism",
                                       "phase 'granted' never applies to appointments")
        return inner(mapping, t)

    conv.register_structure_hook(cls, structure_projection)


def register_unions(conv: cattrs.Converter) -> None:
    """Register the tagged unions, status aliases and projection rules (after the attrs hooks).

    Usage: ``register_unions(converter)``
    """
    _register_sequence_projection(conv)
    for union, tag_key, tag_attr, aliases in _TAGGED:
        _register_tagged_union(conv, union, tag_key, tag_attr, aliases)
    _register_status_aliases(conv, wire.AuctionConsumerState, GEN_AB_STATUS_ALIASES["auction"])
    # Timed-release statuses are free strings (spec §4.7); gen C writes them lower-case.
    _register_status_aliases(conv, wire.TimedReleaseConsumerState,
                             GEN_AB_STATUS_ALIASES["timed_release"], fold_case=True)
