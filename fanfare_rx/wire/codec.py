"""The one cattrs converter: camelCase on the wire, ISO datetimes, decimal-string money, tagged
unions, gen A/B aliases, and a single typed :class:`~fanfare_rx.errors.DecodeError`.

Usage::

    state = decode(b'{"status": "QUEUED", "position": 3, "estimatedWaitTimeInSeconds": 2}',
                   QueueConsumerState)
    body = encode(state)            # {"status": "QUEUED", "position": 3, ...}

The hooks live in private modules: ``_scalars`` (strict primitives, money, date-times),
``_unions`` (tagged unions, aliases), ``_converter`` (attrs classes, tuples, mappings) and
``_decode_errors`` (the error message naming the camelCase path).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import cattrs

from fanfare_rx.errors import DecodeError
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.wire._converter import make_converter
from fanfare_rx.wire._decode_errors import decode_error, model_name
from fanfare_rx.wire._unions import GEN_AB_FIELD_ALIASES, GEN_AB_STATUS_ALIASES

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

#: The process-wide converter (wire bodies and snapshots share it).
converter: cattrs.Converter = make_converter()


def structure(value: Any, cls: type[T] | Any) -> T:
    """Turn parsed JSON into a model; any mismatch raises :class:`DecodeError`.

    Usage: ``structure({"ok": True}, OtpRequestResult)``
    """
    try:
        return converter.structure(value, cls)  # type: ignore[no-any-return]
    except DecodeError:
        raise
    except Exception as exc:
        raise decode_error(exc, cls) from exc


def decode(payload: bytes | str, cls: type[T] | Any) -> T:
    """Parse a JSON body into a model; malformed JSON or a mismatch raises :class:`DecodeError`.

    Usage: ``decode(await response.read(), wire.RouteResult)``
    """
    try:
        value = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as exc:
        name = model_name(cls)
        raise DecodeError(f"malformed JSON for {name}: {exc}", model=name, path="$") from exc
    result: T = structure(value, cls)
    return result


def encode(obj: Any) -> Any:
    """The JSON-ready (camelCase) form of a model.

    Usage: ``encode(RouteRequest(access_code="VIP2024"))`` -> ``{"accessCode": "VIP2024"}``
    """
    return converter.unstructure(obj)


def dumps(obj: Any) -> str:
    """``encode`` then compact JSON text.

    Usage: ``body = dumps(wire.RouteRequest(access_code="VIP2024")).encode()``
    """
    return json.dumps(encode(obj), separators=(",", ":"))


def snapshot_to_json(snapshot: JourneySnapshot) -> str:
    """A snapshot as the docs' ``JourneySnapshot`` JSON (camelCase names, epoch-ms numbers).

    Usage: ``text = snapshot_to_json(journey.state.get())``
    """
    return dumps(snapshot)


def snapshot_from_json(text: str | bytes) -> JourneySnapshot:
    """Inverse of :func:`snapshot_to_json` (also reads snapshots written by the JS SDK).

    Usage: ``snapshot = snapshot_from_json(path.read_text())``
    """
    return decode(text, JourneySnapshot)
