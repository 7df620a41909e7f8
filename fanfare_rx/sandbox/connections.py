"""Connection handling of the sandbox server: idle and body timeouts, a cap on open connections
(the least recently active one is closed past it) and JSON answers to malformed requests.

aiohttp answers requests its parser rejects (request line or header too long, unknown
method) itself, in text/plain, before any middleware runs; the protocol below answers them in
the sandbox's JSON error shape with an ``X-Request-Id`` instead.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import attrs
from aiohttp import http_exceptions, web
from aiohttp.web_request import BaseRequest

from fanfare_rx.errors import UsageError
from fanfare_rx.sandbox.middlewares import next_request_id

__all__ = ["ConnectionGate", "SandboxProtocol", "SandboxSite", "ServerLimits"]

_log = logging.getLogger("fanfare_rx.sandbox")


def _positive(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not value > 0:
        raise UsageError(f"{attribute.name} must be greater than 0, got {value!r}")


@attrs.frozen
class ServerLimits:
    """How long and how many connections the server keeps.

    Args:
        idle_timeout: seconds a connection may stay without a complete request (from the
            connect, or from the previous answer); covers silent and slow-header clients.
        body_timeout: seconds to receive a request body (else 408 and the connection closes).
        max_connections: open connections kept at most; a new one past it closes the least
            recently active.
        max_line_size: longest request line or header field, in bytes.
        max_field_size: longest header value, in bytes.

    Usage: ``Sandbox(limits=ServerLimits(idle_timeout=5, max_connections=100))``
    """

    idle_timeout: float = attrs.field(default=60.0, validator=_positive)
    body_timeout: float = attrs.field(default=30.0, validator=_positive)
    max_connections: int = attrs.field(default=512, validator=_positive)
    max_line_size: int = attrs.field(default=8190, validator=_positive)
    max_field_size: int = attrs.field(default=8190, validator=_positive)

    def handler_args(self) -> dict[str, Any]:
        """The keyword arguments of aiohttp's ``RequestHandler`` these limits set.

        Usage: ``web.RequestHandler(server, loop=loop, **limits.handler_args())``
        """
        return {"keepalive_timeout": self.idle_timeout, "max_line_size": self.max_line_size,
                "max_field_size": self.max_field_size,
                "lingering_time": min(2.0, self.body_timeout)}


#: Parser errors -> (status, error, message); the most specific class wins.
_PARSER_ERRORS: dict[type[BaseException], tuple[int, str, str]] = {
    http_exceptions.LineTooLong: (400, "line_too_long",
                                  "Request line or header field too long"),
    http_exceptions.BadHttpMethod: (501, "method_not_implemented", "Unknown HTTP method"),
    http_exceptions.BadStatusLine: (400, "bad_request", "Malformed request line"),
    http_exceptions.InvalidHeader: (400, "bad_request", "Malformed header"),
    http_exceptions.BadHttpMessage: (400, "bad_request", "Malformed HTTP request"),
}


def _describe(status: int, exc: BaseException | None) -> tuple[int, str, str]:
    for cls in type(exc).__mro__ if exc is not None else ():
        if cls in _PARSER_ERRORS:
            return _PARSER_ERRORS[cls]
    if status == 500:
        return 500, "internal_error", "Internal server error"
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return status, phrase.lower().replace(" ", "_"), phrase


class ConnectionGate:
    """Counts open connections; past ``limit`` a new one closes the least recently active.

    Usage: ``gate = ConnectionGate(512); gate.opened(protocol)``
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: dict[SandboxProtocol, None] = {}
        self.evicted = 0

    def opened(self, protocol: SandboxProtocol) -> None:
        """Admit a new connection, closing the least recently active ones past the limit."""
        while len(self.open) >= self.limit:
            victim = min(self.open, key=lambda p: p.last_active)
            del self.open[victim]
            self.evicted += 1
            victim.force_close()
        self.open[protocol] = None

    def closed(self, protocol: SandboxProtocol) -> None:
        """Forget a connection that went away (evicted ones are already forgotten)."""
        self.open.pop(protocol, None)


class SandboxProtocol(web.RequestHandler):
    """aiohttp's request handler with the gate's bookkeeping and JSON parser errors.

    Usage: ``loop.create_server(protocol_factory(runner.server, limits, gate), host, port)``
    """

    def __init__(self, manager: web.Server, gate: ConnectionGate, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self.gate = gate
        self.last_active = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.last_active = time.monotonic()
        self.gate.opened(self)
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.gate.closed(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        super().data_received(data)

    def handle_error(self, request: BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """A JSON error with ``X-Request-Id``; never echoes the request's bytes."""
        status, error, text = _describe(status, exc)
        request_id = next_request_id()
        if status == 500 and not isinstance(exc, http_exceptions.HttpProcessingError):
            _log.error("unhandled error (%s)", request_id, exc_info=exc)
        else:
            _log.info("rejected a malformed request from %s: %s (%s)", request.remote,
                      type(exc).__name__, request_id)
        if request.writer.output_size > 0:
            raise ConnectionError("the answer was already started; the connection is closed")
        body: dict[str, Any] = {"error": error, "message": text, "requestId": request_id}
        response = web.json_response(body, status=status, headers={"X-Request-Id": request_id})
        response.force_close()
        return response


def protocol_factory(server: web.Server, limits: ServerLimits,
                     gate: ConnectionGate) -> Callable[[], SandboxProtocol]:
    """The ``loop.create_server`` factory: a :class:`SandboxProtocol` per connection.

    Usage: ``await loop.create_server(protocol_factory(runner.server, limits, gate), host, 0)``
    """
    loop = asyncio.get_running_loop()
    kwargs = {"loop": loop, "access_log": None, **limits.handler_args()}

    def make() -> SandboxProtocol:
        return SandboxProtocol(server, gate, **kwargs)

    return make


class SandboxSite(web.BaseSite):
    """A TCP site whose connections use :class:`SandboxProtocol` under a :class:`ConnectionGate`.

    Usage: ``site = SandboxSite(runner, "127.0.0.1", 0, ServerLimits()); await site.start()``
    """

    def __init__(self, runner: web.BaseRunner, host: str, port: int, limits: ServerLimits,
                 *, backlog: int = 128) -> None:
        super().__init__(runner, backlog=backlog)
        self._host, self._port, self._limits = host, port, limits
        self.gate = ConnectionGate(limits.max_connections)
        self.bound_port = port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self.bound_port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        if server is None:
            raise RuntimeError("call runner.setup() before starting the site")
        factory = protocol_factory(server, self._limits, self.gate)
        listening = await asyncio.get_running_loop().create_server(
            factory, self._host, self._port, backlog=self._backlog)
        self._server = listening
        if listening.sockets:
            self.bound_port = int(listening.sockets[0].getsockname()[1])
