"""What the typed endpoint mixins of :class:`~fanfare_rx.wire.client.ConsumerApi` share: the
credential an endpoint takes, path-segment escaping and ``_call`` (request, then decode).
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar
from urllib.parse import quote

from fanfare_rx.errors import UsageError
from fanfare_rx.wire import codec

__all__ = ["Auth", "Calls", "segment"]

T = TypeVar("T")
#: Which credential an endpoint takes: none (publishable key only), the bearer when a
#: session exists, or a consumer bearer (created on demand, refreshed on 401).
Auth = Literal["none", "optional", "consumer"]


def segment(value: str) -> str:
    """One URL path segment, escaped whatever it holds (ids come from servers and users):
    ``/``, ``?``, ``%`` and ``#`` are percent-encoded, and the dot segments ``.`` and ``..``
    (which a URL resolves away, so ``/experiences/..`` would be ``/``) become ``%2E`` and
    ``%2E%2E``. Every path of the client is built from its ids through this function and sent
    as encoded (see :class:`~fanfare_rx.wire.transport.HttpTransport`).

    Raises:
        UsageError: the id is not a string, or is empty (no segment can name it).

    Usage: ``f"/queues/{segment(queue_id)}/enter"``
    """
    if not isinstance(value, str) or not value:
        raise UsageError(f"an id in a request path must be a non-empty string, got {value!r}")
    if value.strip(".") == "":  # "." and "..": a dot segment would be resolved away
        return "%2E" * len(value)
    return quote(value, safe="")


class Calls:
    """Typed calls over ``_raw`` (implemented by ``ConsumerApi``).

    Usage: ``class AppointmentCalls(Calls): ...`` then ``await self._call("GET", path, Model)``
    """

    #: The organization (some endpoints name it in the query).
    organization_id: str

    async def _raw(self, method: str, path: str, *, body: object = None,
                   auth: Auth = "consumer") -> bytes:
        raise NotImplementedError

    async def _call(self, method: str, path: str, model: type[T] | Any, *,
                    body: object = None, auth: Auth = "consumer") -> T:
        raw = await self._raw(method, path, body=body, auth=auth)
        result: T = codec.decode(raw, model)
        return result
