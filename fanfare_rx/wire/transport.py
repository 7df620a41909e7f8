"""The HTTP layer under :class:`~fanfare_rx.wire.client.ConsumerApi`: requests over its own or a
shared :class:`~fanfare_rx.wire.pool.HttpPool`, the key headers, typed errors, retries, logging.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from yarl import URL

from fanfare_rx.errors import (
    APITimeoutError,
    ClientClosedError,
    ErrorCode,
    FanfareError,
    NetworkError,
)
from fanfare_rx.models._redact import redact
from fanfare_rx.models.connection import Connection, ConnectionStatus
from fanfare_rx.wire import codec, listeners
from fanfare_rx.wire.config import DEFAULT_HTTP, HttpConfig
from fanfare_rx.wire.http_errors import error_from_response
from fanfare_rx.wire.pool import HttpPool
from fanfare_rx.wire.retry import RetryPolicy

__all__ = ["ConnectionListener", "ConnectionMonitor", "HttpTransport", "Sleep"]

Sleep = Callable[[float], Awaitable[None]]
_log = logging.getLogger("fanfare_rx.http")


ConnectionListener = Callable[[Connection], None]
#: What every monitor starts from (immutable: shared by all of them, not one per client).
_NOTHING_SEEN = Connection()

#: Answers that mean the service cannot serve now (the way to it works).
_UNAVAILABLE = frozenset({502, 503, 504})


#: How far outside the window of offsets an answer allows the known offset may lie before it
#: is moved: half of ``Date``'s resolution (the old offset stays through that much noise).
_OFFSET_SLACK_MS = 500


def _server_offset_ms(headers: Mapping[str, str], sent_ms: int, read_ms: int,
                      known_ms: int) -> int | None:
    """The server's clock minus ours from a ``Date`` header, or None without one.

    The server wrote ``Date`` (to the second) while the request was out: between ``sent_ms``
    and ``read_ms`` on our clock. The offsets that fit are ``[date - read_ms, date + 999 -
    sent_ms]``. ``known_ms`` is kept while it lies within that window widened by
    ``_OFFSET_SLACK_MS``, else moved to the window's nearer end: an answer read late (a busy
    event loop) only widens the window, and each move brings the offset closer to the
    server's, so it settles after a few moves::

        Date 12:00:07, sent 12:00:06.900, read 12:00:07.100 -> offsets -100 .. +1099 ms
    """
    date_ms = _date_ms(headers.get("Date"))
    if date_ms is None:
        return None
    low, high = date_ms - read_ms, date_ms + 999 - sent_ms
    if low - _OFFSET_SLACK_MS <= known_ms <= high + _OFFSET_SLACK_MS:
        return known_ms
    return min(max(known_ms, low), high)


@functools.lru_cache(maxsize=8)
def _date_ms(value: str | None) -> int | None:
    """An HTTP date in epoch ms (None: absent, unreadable or without a zone); the answers of one
    second share their ``Date``, so it is parsed once per second, not once per answer."""
    if not value:
        return None
    try:
        sent = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if sent.tzinfo is None:
        return None
    return int(sent.timestamp() * 1000)


class ConnectionMonitor:
    """What the transport sees of the way to the server, told to listeners on change::

        requests   : --ok--ok--x(network)--x--503--ok--
        connection : online----offline--------unavailable--online
        listeners  : ----------L---------------L-----------R      (lost, changed, restored)

    ``since`` and the offset are on the server's clock (the answers' ``Date`` header); the
    offset is re-told when an answer's ``Date`` no longer fits it (see ``saw_answer``).

    Usage: ``off = transport.connection.listen(lambda c: print(c.status))``
    """

    __slots__ = ("_clock", "_listeners", "current")

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._listeners: listeners.Held[ConnectionListener] = None
        self.current = _NOTHING_SEEN

    def listen(self, listener: ConnectionListener) -> Callable[[], None]:
        """Call ``listener(connection)`` on every change; returns the ``off`` callable."""
        self._listeners = listeners.added(self._listeners, listener)

        def off() -> None:
            self._listeners = listeners.removed(self._listeners, listener)

        return off

    def now(self) -> float:
        """Now on this monitor's clock (epoch seconds): what ``saw_answer``'s ``sent_at`` is on.

        Usage: ``sent = monitor.now(); ...; monitor.saw_answer(200, headers, sent_at=sent)``
        """
        return self._clock()

    def saw_answer(self, status: int, headers: Mapping[str, str],
                   sent_at: float | None = None) -> None:
        """An HTTP answer arrived (any status). ``sent_at`` (:meth:`now` when the request
        went out) bounds when the server wrote its ``Date``: an answer read late does not move
        the server's clock offset. Without it, the answer is taken as read when it was sent.
        """
        read_ms = int(self._clock() * 1000)
        sent_ms = read_ms if sent_at is None else min(read_ms, int(sent_at * 1000))
        old = self.current
        offset = _server_offset_ms(headers, sent_ms, read_ms, old.server_offset_ms)
        if offset is None:
            offset = old.server_offset_ms
        seen = ConnectionStatus.UNAVAILABLE if status in _UNAVAILABLE else ConnectionStatus.ONLINE
        self._tell(seen, offset, read_ms)

    def saw_failure(self) -> None:
        """No answer (a network error or a timeout)."""
        old = self.current
        self._tell(ConnectionStatus.OFFLINE, old.server_offset_ms, int(self._clock() * 1000))

    def _tell(self, status: ConnectionStatus, offset: int, local_ms: int) -> None:
        old = self.current
        if status is old.status and offset == old.server_offset_ms:
            return
        since = old.since if status is old.status else local_ms + offset
        self.current = Connection(status=status, since=since, server_offset_ms=offset)
        for listener in listeners.each(self._listeners):
            try:
                listener(self.current)
            except Exception:  # noqa: BLE001 - a listener's bug must not fail the request
                _log.exception("connection listener raised")


@functools.lru_cache(maxsize=64)
def _client_timeout(http: HttpConfig) -> aiohttp.ClientTimeout:
    """One ``ClientTimeout`` per distinct config (thousands of clients share the default).

    ``connect_timeout`` is aiohttp's ``sock_connect`` (opening a socket), not its ``connect``,
    which also counts the wait for a free connection of the pool: in a drop of thousands of
    shoppers on one pool that wait is normal, and timing it out turned it into retries."""
    return aiohttp.ClientTimeout(total=http.timeout, sock_connect=http.connect_timeout)


class HttpTransport:
    """Sends one logical request, repeating it under a :class:`RetryPolicy`.

    Args:
        base_url: the API root.
        publishable_key: sent as ``X-Publishable-Key`` on every request.
        http: timeouts, pool size and retry policy.
        pool: a shared pool (never closed here); None: a pool of its own, closed with it.
        sleep: how to wait between retries.
        clock: epoch seconds now, to read ``Retry-After`` dates.

    Usage: ``status, body = await transport.request("GET", "/queues/q1")``
    """

    def __init__(
        self,
        base_url: str,
        publishable_key: str,
        *,
        http: HttpConfig = DEFAULT_HTTP,
        pool: HttpPool | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._encoded_base = str(URL(self.base_url)).rstrip("/")  # quoted once, here
        self._key = publishable_key
        self.http = http
        self.timeout = _client_timeout(http)
        self.sleep = sleep
        self.clock = clock
        self._owns_pool = pool is None
        self._pool = pool if pool is not None else HttpPool(max_connections=http.max_connections)
        self._closed = False
        # The last headers made and what they were made for: two attributes, not a tuple of
        # them (a tuple holding a dict stays tracked by the collector; these two do not).
        self._headers_for: tuple[str | None, bool] | None = None
        self._last_headers: Mapping[str, str] = {}
        #: What this transport sees of the way to the server (:class:`ConnectionMonitor`).
        self.connection = ConnectionMonitor(clock)

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy (``http.retry``)."""
        return self.http.retry

    @property
    def pool(self) -> HttpPool:
        """The connection pool (shared, or this transport's own)."""
        return self._pool

    @property
    def client_session(self) -> aiohttp.ClientSession | None:
        """The pool's aiohttp session once a request created it; None after close."""
        return None if self._closed else self._pool.client_session

    @property
    def closed(self) -> bool:
        return self._closed

    def _client(self) -> aiohttp.ClientSession:
        if self._closed:
            raise ClientClosedError("the Consumer API client is closed", code=ErrorCode.ABORTED)
        return self._pool.session()

    async def close(self) -> None:
        """Stop; later requests raise. Closes the pool only if it is this transport's own.
        Idempotent.

        Usage: ``await transport.close()``
        """
        self._closed = True
        if self._owns_pool:
            await self._pool.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        bearer: str | None = None,
    ) -> tuple[int, bytes]:
        """Send ``method path`` (``body`` an attrs model or None) and return (status, body) of
        a success answer; an error answer raises its typed :class:`FanfareError` once the retry
        policy gives up.

        Usage: ``status, raw = await transport.request("POST", "/auth/guest")``
        """
        data = None if body is None else codec.dumps(body).encode()
        headers = self._headers(bearer, data is not None)
        url = self._url(path)
        attempt = 0
        while True:
            # One coroutine per request (no helper coroutine): the task resumes this frame on
            # every step of the exchange, so each frame between would be paid several times
            try:
                client = self._client()
                sent_at = self.connection.now()
                response = await client.request(method, url, data=data, headers=headers,
                                                timeout=self.timeout)
                try:
                    raw = await response.read()
                finally:
                    response.release()
                status = response.status
            except TimeoutError as exc:
                error: FanfareError = APITimeoutError(f"{method} {path} timed out")
                error.__cause__ = exc
                status = 0
                self.connection.saw_failure()
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                error = NetworkError(f"{method} {path} failed: {type(exc).__name__}")
                error.__cause__ = exc
                status = 0
                self.connection.saw_failure()
            else:
                self.connection.saw_answer(status, response.headers, sent_at)
                if status < 400:
                    _log.debug("%s %s -> %d (attempt %d)", method, path, status, attempt + 1)
                    return status, raw
                error = error_from_response(status, raw, response.headers, now=self.clock())
            delay = self.retry.delay_for(error, attempt)
            _log.debug("%s %s -> %s (attempt %d) %s", method, path, status or error.code,
                       attempt + 1, "giving up" if delay is None else f"retry in {delay:.3f}s")
            if delay is None:
                try:
                    raise error
                finally:
                    # its traceback holds this frame: no cycle back through the frame's locals
                    del error
            del error
            await self.sleep(delay)
            attempt += 1

    def _headers(self, bearer: str | None, json_body: bool) -> Mapping[str, str]:
        """The request's headers (never changed afterwards): the key, the bearer and the body's
        type. The last ones made are kept, so a poll of the same session builds none."""
        cache_key = (bearer, json_body)
        if self._headers_for == cache_key:
            return self._last_headers
        headers = {"X-Publishable-Key": self._key}  # per request: a shared pool has no key
        if json_body:
            headers["Content-Type"] = "application/json"
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        self._headers_for, self._last_headers = cache_key, headers
        return headers

    def _url(self, path: str) -> URL:
        """The base URL followed by ``path`` exactly as built (its segments already escaped by
        :func:`~fanfare_rx.wire._calls.segment`): never re-quoted nor dot-normalised, so an
        id ``..`` stays the segment ``%2E%2E`` instead of climbing to the parent path."""
        return URL(self._encoded_base + path, encoded=True)

    def __repr__(self) -> str:
        return (f"HttpTransport(base_url={self.base_url!r}, publishable_key={redact(self._key)}, "
                f"closed={self._closed!r})")
