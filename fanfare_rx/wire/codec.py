"""The one cattrs converter: camelCase on the wire, ISO datetimes, decimal-string money, tagged
unions, gen A/B aliases, and a single typed :class:`~fanfare_rx.errors.DecodeError`.

Usage::

    state = decode(b'{"status": "QUEUED", "position": 3, "estimatedWaitTimeInSeconds": 2}',
                   QueueConsumerState)
    body = encode(state)            # {"status": "QUEUED", "position": 3, ...}

The hooks live in private modules: ``_scalars`` (strict primitives, money, date-times),
``_unions`` (tagged unions, aliases), ``_converter`` (attrs classes, tuples, mappings),
``_json`` (parsing with a depth limit, no NaN) and ``_decode_errors`` (the error message
naming the camelCase path).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import cattrs

from fanfare_rx.errors import DecodeError, UsageError
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.models.page import Page
from fanfare_rx.models.view import JourneyView
from fanfare_rx.wire._converter import make_converter
from fanfare_rx.wire._decode_errors import decode_error, model_name
from fanfare_rx.wire._json import MAX_DEPTH, parse_json
from fanfare_rx.wire._unions import GEN_AB_FIELD_ALIASES, GEN_AB_STATUS_ALIASES

__all__ = [
    "GEN_AB_FIELD_ALIASES",
    "GEN_AB_STATUS_ALIASES",
    "MAX_DEPTH",
    "SNAPSHOT_SCHEMA_VERSION",
    "converter",
    "decode",
    "dumps",
    "encode",
    "page_to_json",
    "parse_json",
    "snapshot_from_json",
    "snapshot_to_json",
    "structure",
    "view_to_json",
]

T = TypeVar("T")

#: The version of a saved snapshot's JSON (``schemaVersion``): 1 adds the field itself (and
#: ``context.connection``); snapshots without it (version 0, earlier releases) still load.
SNAPSHOT_SCHEMA_VERSION = 1

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

    Also rejected, each with a :class:`DecodeError` naming the path: nesting deeper than
    :data:`MAX_DEPTH`, NaN/Infinity (JavaScript could not read them back), and date-times
    with no UTC equivalent (``0001-01-01T00:00:00+14:00``) that could never be written back.

    Usage: ``decode(await response.read(), wire.RouteResult)``
    """
    value = parse_json(payload, model_name(cls))
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
    """A snapshot as the docs' ``JourneySnapshot`` JSON (camelCase names, epoch-ms numbers),
    with ``schemaVersion`` (:data:`SNAPSHOT_SCHEMA_VERSION`) so a later library reads it right.

    Strict JSON only: a NaN or Infinity raises ``ValueError`` rather than writing text that
    JavaScript cannot parse (decoded snapshots never hold one).

    Usage: ``text = snapshot_to_json(journey.state.get())``
    """
    data = encode(snapshot)
    data["schemaVersion"] = SNAPSHOT_SCHEMA_VERSION
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def snapshot_from_json(text: str | bytes) -> JourneySnapshot:
    """Inverse of :func:`snapshot_to_json` (also reads snapshots written by the JS SDK and by
    earlier versions, which carry no ``schemaVersion``). A version newer than this library's
    :data:`SNAPSHOT_SCHEMA_VERSION`, or one that is not a whole number, is a
    :class:`DecodeError` naming it (nothing is guessed).

    Usage: ``snapshot = snapshot_from_json(path.read_text())``
    """
    value = parse_json(text, model_name(JourneySnapshot))
    if isinstance(value, dict) and "schemaVersion" in value:
        value = dict(value)
        version = value.pop("schemaVersion")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise DecodeError(f"JourneySnapshot.schemaVersion: expected a whole number >= 1, "
                              f"got {version!r}", model="JourneySnapshot",
                              path="$.schemaVersion")
        if version > SNAPSHOT_SCHEMA_VERSION:
            raise DecodeError(
                f"JourneySnapshot.schemaVersion {version} is newer than this library reads "
                f"({SNAPSHOT_SCHEMA_VERSION}): upgrade fanfare_rx to load it",
                model="JourneySnapshot", path="$.schemaVersion")
    result: JourneySnapshot = structure(value, JourneySnapshot)
    return result

def _view_json(view: JourneyView | Any, secrets: bool) -> dict[str, Any]:
    value = view if isinstance(view, JourneyView) else getattr(view, "value", None)
    if not isinstance(value, JourneyView):  # a live view wraps its value
        raise UsageError(f"view_to_json takes a JourneyView, got {type(view).__name__}")
    data: dict[str, Any] = encode(value)
    _sorted_actions(data)
    sequence = data.get("sequence")
    if sequence is not None:
        _sorted_actions(sequence)
        if sequence.get("waitlist") is not None:
            _sorted_actions(sequence["waitlist"])
        grant = sequence.get("grant")
        if grant is not None and not secrets:
            grant["token"] = redact(grant["token"])
    return data


def _sorted_actions(data: dict[str, Any]) -> None:
    if "actions" in data:
        data["actions"] = sorted(data["actions"])


def view_to_json(view: JourneyView | Any, *, secrets: bool = False) -> str:
    """The current SDK's view as JSON (camelCase, epoch ms, ``actions`` as a sorted list) for
    a page; the grant's token is redacted unless ``secrets=True`` (a grant must not reach logs
    or URLs; give it to the checkout, not to every page update). Takes a ``JourneyView`` or
    what ``journey.view`` emits.

    Usage: ``text = view_to_json(journey.view.get())``
    """
    return json.dumps(_view_json(view, secrets), separators=(",", ":"), allow_nan=False)


def page_to_json(page: Page, *, secrets: bool = False) -> str:
    """A :class:`~fanfare_rx.models.page.Page` as JSON for a browser: the view (as
    :func:`view_to_json`), ``position``, ``wait`` (``seconds``, ``known``, ``text``),
    ``countdowns`` (``kind``, ``at`` on the server's clock), ``connection`` (``status``,
    ``since``, ``serverOffsetMs``, ``failOpen``), ``latestEvent``, ``updatedAt``, ``revision``.
    A browser counts down with ``at - (Date.now() + connection.serverOffsetMs)``.

    Usage: ``await sse.send(page_to_json(journey.page.get()))``
    """
    data: dict[str, Any] = encode(page)
    data["view"] = _view_json(page.view, secrets)
    data["position"] = page.position
    data["wait"] = {"seconds": page.wait.seconds, "known": page.wait.known,
                    "text": page.wait.text}
    return json.dumps(data, separators=(",", ":"), allow_nan=False)
