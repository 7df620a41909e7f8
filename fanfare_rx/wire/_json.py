"""Parse JSON text the codec can trust: malformed text, nesting deeper than
:data:`MAX_DEPTH` and NaN/Infinity all become a :class:`~fanfare_rx.errors.DecodeError`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fanfare_rx.errors import DecodeError

__all__ = ["MAX_DEPTH", "check_json_value", "parse_json"]

#: The deepest nesting of objects and arrays accepted (wire bodies nest fewer than 10 levels).
MAX_DEPTH = 64


def _child_path(path: str, key: object) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def check_json_value(value: Any, model: str) -> None:
    """Raise :class:`DecodeError` if ``value`` nests deeper than :data:`MAX_DEPTH` or holds a
    NaN/Infinity; the error's ``path`` names the first offender (``$.sequences[0].priority``).

    Iterative, so a deep value cannot exhaust the stack here.

    Usage: ``check_json_value(json.loads(text), "Queue")``
    """
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, float) and not math.isfinite(node):
            raise DecodeError(f"cannot decode {model}: expected a finite number, got {node!r} "
                              f"(NaN and Infinity are not JSON) @ {path}", model=model, path=path)
        if isinstance(node, dict | list):
            if depth >= MAX_DEPTH:
                raise DecodeError(f"cannot decode {model}: nested deeper than {MAX_DEPTH} levels "
                                  f"@ {path}", model=model, path=path)
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((child, _child_path(path, key), depth + 1)
                         for key, child in reversed(list(items)))


class _NotFinite(ValueError):
    """A NaN or an infinity met while parsing (reported with its path by the full check)."""


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400
        raise _NotFinite(text)
    return number


def _no_constant(text: str) -> float:
    raise _NotFinite(text)  # NaN, Infinity, -Infinity


#: Rejects NaN and infinities while it parses, so a body needs no second walk for them.
_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_constant=_no_constant)


def parse_json(payload: bytes | str, model: str) -> Any:
    """``json.loads`` that raises only :class:`DecodeError` (also for nesting deep enough to
    exhaust the parser's recursion limit), then :func:`check_json_value`.

    NaN and infinities are refused while parsing, and a body with fewer than
    :data:`MAX_DEPTH` brackets cannot nest that deep, so a usual answer is not walked again;
    an offender is walked to name its path.

    Usage: ``value = parse_json(await response.read(), "Queue")``
    """
    try:
        text = payload.decode(json.detect_encoding(payload), "surrogatepass") \
            if isinstance(payload, bytes | bytearray) else payload
        value = _DECODER.decode(text)
    except RecursionError:
        raise DecodeError(f"cannot decode {model}: nested deeper than {MAX_DEPTH} levels @ $",
                          model=model, path="$") from None
    except _NotFinite:
        check_json_value(json.loads(payload), model)  # raises, naming the path
        raise  # pragma: no cover - the check found it
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"malformed JSON for {model}: {exc}", model=model, path="$") from exc
    if _brackets(payload) >= MAX_DEPTH:
        check_json_value(value, model)
    return value


def _brackets(payload: bytes | str) -> int:
    """An upper bound of the nesting: every level opens a bracket."""
    if isinstance(payload, str):
        return payload.count("[") + payload.count("{")
    return payload.count(b"[") + payload.count(b"{")
