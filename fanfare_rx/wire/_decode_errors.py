"""Turn a cattrs validation failure into one :class:`~fanfare_rx.errors.DecodeError` whose
message and ``path`` name the offending field as it is spelled on the wire (camelCase).
"""

from __future__ import annotations

import re
from typing import Any

import cattrs
from cattrs.errors import IterableValidationError

from fanfare_rx.errors import DecodeError
from fanfare_rx.wire._unions import UNION_NAMES, camel

__all__ = ["decode_error", "model_name"]

_SHOWN = 5  # messages listed in full; the rest are counted


def model_name(cls: Any) -> str:
    """The name a decode error gives the type being decoded (``QueueConsumerState`` ...)."""
    return UNION_NAMES.get(cls) or getattr(cls, "__name__", None) or str(cls)


def _format_exception(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, IterableValidationError | cattrs.ClassValidationError):
        return str(exc)
    return str(exc) or type(exc).__name__


def _camel_path(message: str) -> str:
    """Name fields as they are on the wire: ``@ $.session.expires_at`` -> ``expiresAt``."""
    if " @ " not in message:
        return message
    text, path = message.rsplit(" @ ", 1)
    return f"{text} @ " + re.sub(r"\.([a-z0-9_]+)", lambda m: "." + camel(m.group(1)), path)


def decode_error(exc: BaseException, cls: Any) -> DecodeError:
    """The :class:`DecodeError` for a failure to structure ``cls``.

    Usage: ``raise decode_error(exc, wire.RouteResult) from exc``
    """
    name = model_name(cls)
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path="$", format_exception=_format_exception)
    else:
        messages = [f"{exc} @ $"]
    messages = [_camel_path(message) for message in messages]
    first = messages[0] if messages else f"invalid {name} @ $"
    path = first.rsplit(" @ ", 1)[1] if " @ " in first else "$"
    summary = "; ".join(messages[:_SHOWN])
    if len(messages) > _SHOWN:
        summary += f" (+{len(messages) - _SHOWN} more)"
    return DecodeError(f"cannot decode {name}: {summary}", model=name, path=path)
