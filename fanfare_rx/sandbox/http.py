"""HTTP helpers of the sandbox: the error type handlers raise, JSON responses written through
the wire codec, and request-body decoding that turns a DecodeError into a 400 with ``issues``.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web

from fanfare_rx.errors import DecodeError
from fanfare_rx.models import wire
from fanfare_rx.wire import codec

__all__ = [
    "ApiError",
    "ModelResponse",
    "conflict",
    "json_response",
    "not_found",
    "parse_json",
    "read_body",
    "validation_error",
]

T = TypeVar("T")


class ApiError(Exception):
    """An error answer: status, a wire error body and extra headers.

    Usage: ``raise ApiError(404, wire.WireError(error="not_found", message="Queue not found"))``
    """

    def __init__(self, status: int, body: wire.WireError | dict[str, Any],
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = codec.encode(body) if isinstance(body, wire.WireError) else body
        self.headers = headers or {}

    def response(self) -> web.Response:
        return web.json_response(self.body, status=self.status, headers=self.headers,
                                 dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class ModelResponse(web.Response):
    """A JSON answer that keeps the model it was written from (so the spec-mode middleware can
    write it again without the sandbox's extension fields)."""

    def __init__(self, model: Any, status: int = 200) -> None:
        super().__init__(text=codec.dumps(model), status=status, content_type="application/json")
        self.model = model


def json_response(model: Any, status: int = 200) -> ModelResponse:
    """A model written through the codec.

    Usage: ``return json_response(wire.OtpRequestResult(ok=True))``
    """
    return ModelResponse(model, status)


def not_found(what: str) -> ApiError:
    """404 in the documented shape: ``not_found("Queue")`` -> "Queue not found", QUEUE_NOT_FOUND."""
    code = re.sub(r"\W+", "_", what).upper() + "_NOT_FOUND"
    return ApiError(404, wire.WireError(error="not_found", message=f"{what} not found", code=code))


def conflict(message: str, code: str) -> ApiError:
    """409 ``{"error": "conflict", "message", "code"}``."""
    return ApiError(409, wire.WireError(error="conflict", message=message, code=code))


def _issue(kind: str, type_: str, expected: str, received: str, message: str,
           path: list[str | int], body: Any) -> dict[str, Any]:
    steps: list[dict[str, Any]] = []
    node = body
    for key in path:
        steps.append({"type": "array" if isinstance(key, int) else "object",
                      "origin": "value", "input": _preview(node), "key": key})
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return {"kind": kind, "type": type_, "expected": expected, "received": received,
            "message": message, "path": steps}


def _preview(value: Any) -> Any:
    """The container an issue step looked into, kept small."""
    if isinstance(value, dict):
        return {k: v for k, v in list(value.items())[:10] if not isinstance(v, dict | list)}
    if isinstance(value, list):
        return f"array({len(value)})"
    return value


def _json_kind(value: Any, present: bool) -> str:
    if not present:
        return "undefined"
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(type(value), "number")


def _path_keys(path: str) -> list[str | int]:
    keys: list[str | int] = []
    for name, index in re.findall(r"\.([A-Za-z0-9_]+)|\[(\d+)\]", path):
        keys.append(name if name else int(index))
    return keys


def validation_error(message: str, path: list[str | int] | None = None, *, body: Any = None,
                     expected: str = "valid input", received: str | None = None,
                     type_: str = "invalid") -> ApiError:
    """400 ``{"error": "validation_error", "issues": [...]}`` with one issue.

    Usage: ``raise validation_error("amount is required", ["amount"], body=parsed)``
    """
    keys = path or []
    if received is None:
        node, present = body, True
        for key in keys:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                node, present = None, False
        received = _json_kind(node, present)
    issue = _issue("schema", type_, expected, received, message, keys, body)
    return ApiError(400, {"error": "validation_error", "issues": [issue]})


def _from_decode_error(exc: DecodeError, body: Any) -> ApiError:
    keys = _path_keys(exc.path)
    text = str(exc).split(": ", 1)[-1]
    first = text.split(";")[0].rsplit(" @ ", 1)[0].strip()
    match = re.search(r"expected (?:an? )?([\w-]+(?: date-time)?)", first)
    if first == "required field missing":
        expected, type_ = "present", "missing"
    elif match:
        expected, type_ = match.group(1), "invalid_type"
    else:
        expected, type_ = "valid value", "invalid_value"
    return validation_error(first, keys, body=body, expected=expected, type_=type_)


def parse_json(raw: bytes) -> Any:
    """Parse a request body with the codec's parser, or raise 400 ``invalid_json``: malformed,
    not UTF-8, NaN/Infinity, or nested deeper than ``codec.MAX_DEPTH`` (``[[[[...``).

    Usage: ``parsed = parse_json(await request.read())``
    """
    try:
        return codec.parse_json(raw, "request body")
    except DecodeError as exc:
        raise validation_error(exc.message.rsplit(" @ ", 1)[0], [], body=None, expected="json",
                               received="string", type_="invalid_json") from None


async def read_body(request: web.Request, cls: type[T], *, optional: bool = False) -> T:
    """Decode a JSON request body into ``cls`` through the codec, or raise a 400.

    An empty body counts as ``{}`` when ``optional`` (bodies whose fields are all optional).

    Usage: ``req = await read_body(request, wire.BidRequest)``
    """
    raw = await request.read()
    if not raw.strip():
        if not optional:
            raise validation_error("request body required", [], body=None, expected="object",
                                   received="undefined", type_="missing")
        parsed: Any = {}
    else:
        parsed = parse_json(raw)
    if not isinstance(parsed, dict):
        raise validation_error("expected a JSON object", [], body=parsed, expected="object",
                               type_="invalid_type")
    try:
        return codec.structure(parsed, cls)
    except DecodeError as exc:
        raise _from_decode_error(exc, parsed) from None
