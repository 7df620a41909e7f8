"""What every endpoint resource of :class:`~fanfare_rx.wire.client.ConsumerApi` is given: the
:class:`Requester` (a request with the credential its endpoint takes, then the decoded answer)
and path-segment escaping.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from fanfare_rx.errors import AuthError, UsageError
from fanfare_rx.wire import codec
from fanfare_rx.wire.auth import TokenSource
from fanfare_rx.wire.transport import HttpTransport

__all__ = ["Auth", "Requester", "segment"]

T = TypeVar("T")
#: What ``raw`` asks of the exchange: the body as it came.
_UNDECODED: Any = object()
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


class Requester:
    """Sends one Consumer API request over the client's transport with the credential its
    endpoint takes, and decodes the answer: the one part every endpoint resource is given.

    A consumer endpoint sends the session's bearer (a guest session is created on demand);
    a 401 refreshes the session once and the request is repeated once.

    Args:
        transport: the client's :class:`~fanfare_rx.wire.transport.HttpTransport`.
        sessions: where bearer tokens come from (:class:`~fanfare_rx.wire.auth.TokenSource`).

    Usage: ``me = await api.requester.call("GET", "/consumers/me", wire.ConsumerMe)``
    """

    __slots__ = ("sessions", "transport")

    def __init__(self, transport: HttpTransport, sessions: TokenSource) -> None:
        self.transport = transport
        self.sessions = sessions

    def raw(self, method: str, path: str, *, body: object = None,
            auth: Auth = "consumer") -> Awaitable[bytes]:
        """The answer's body, undecoded (an error status raises its typed error).

        Usage: ``body = await requester.raw("POST", f"/queues/{segment(queue_id)}/enter")``
        """
        return self._exchange(method, path, _UNDECODED, body, auth)

    def call(self, method: str, path: str, model: type[T] | Any, *,
             body: object = None, auth: Auth = "consumer") -> Awaitable[T]:
        """The answer decoded into ``model`` (a body that does not decode raises
        :class:`~fanfare_rx.errors.DecodeError`).

        Usage: ``queue = await requester.call("GET", path, wire.Queue, auth="none")``
        """
        return self._exchange(method, path, model, body, auth)

    async def _exchange(self, method: str, path: str, model: Any, body: object,
                        auth: Auth) -> Any:
        # The one coroutine of ``raw`` and ``call``: the task resumes each coroutine of the
        # await chain on every step of the exchange, and each is one more tracked object
        if auth == "none":
            token = None
        elif auth == "optional":
            token = self.sessions.current_access_token
        else:
            token = self.sessions.ready_access_token() or await self.sessions.access_token()
        try:
            raw = (await self.transport.request(method, path, body=body, bearer=token))[1]
        except AuthError as exc:
            if exc.status != 401 or token is None:  # a bearer sent and refused: refresh
                raise
            await self.sessions.handle_unauthorized(token)
            token = await self.sessions.access_token()
            raw = (await self.transport.request(method, path, body=body, bearer=token))[1]
        return raw if model is _UNDECODED else codec.decode(raw, model)
