"""One aiohttp session and keep-alive connection pool that many clients share: thousands of
shoppers in one process need one pool, not one each (tokens still go per request).
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

import aiohttp

from fanfare_rx.errors import ClientClosedError, ConfigError, ErrorCode

__all__ = [
    "DEFAULT_KEEPALIVE_TIMEOUT",
    "DEFAULT_POOL_CONNECTIONS",
    "USER_AGENT",
    "ClosesOnExit",
    "HttpPool",
]

#: Connections a shared pool may open at once (for all its clients together).
DEFAULT_POOL_CONNECTIONS = 100
#: Seconds an idle keep-alive connection stays open.
DEFAULT_KEEPALIVE_TIMEOUT = 30.0
USER_AGENT = "fanfare-rx/0.1 (+aiohttp)"


class ClosesOnExit:
    """An ``async with`` block over an object that has an async ``close()``: the block gives
    the object itself and closes it on the way out, an exception included (the one exit of
    the pool and of the clients over it).

    Usage: ``class Thing(ClosesOnExit): async def close(self) -> None: ...``
    """

    __slots__ = ()

    async def close(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()


class HttpPool(ClosesOnExit):
    """An aiohttp ``ClientSession`` with its ``TCPConnector``, created on first use and closed
    by whoever made the pool. Clients given a pool send their own key and token on every
    request and never close it; one pool serves one event loop.

    Args:
        max_connections: connections open at once, for every client of the pool together.
        keepalive_timeout: seconds an idle connection is kept for reuse.

    Usage::

        async with HttpPool(max_connections=50) as pool:
            shoppers = [await Fanfare.init(..., pool=pool) for _ in range(1000)]
            ...
            for fanfare in shoppers:
                await fanfare.destroy()     # leaves the pool open
        # leaving the block closes every connection
    """

    def __init__(self, *, max_connections: int = DEFAULT_POOL_CONNECTIONS,
                 keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT) -> None:
        if isinstance(max_connections, bool) or not isinstance(max_connections, int) \
                or max_connections < 1:
            raise ConfigError(f"max_connections must be an integer >= 1, got {max_connections!r}")
        if isinstance(keepalive_timeout, bool) or not isinstance(keepalive_timeout, int | float) \
                or not keepalive_timeout >= 0:
            raise ConfigError(f"keepalive_timeout must be seconds >= 0, got {keepalive_timeout!r}")
        self.max_connections = max_connections
        self.keepalive_timeout = float(keepalive_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    @property
    def client_session(self) -> aiohttp.ClientSession | None:
        """The aiohttp session, once the first request created it (None after close)."""
        return self._session

    @property
    def closed(self) -> bool:
        return self._closed

    def session(self) -> aiohttp.ClientSession:
        """The session, created on first use (inside the running event loop).

        Raises:
            ClientClosedError: ``ABORTED`` once the pool is closed.

        Usage: ``async with pool.session().get(url, headers=headers) as response: ...``
        """
        if self._closed:
            raise ClientClosedError("the HTTP pool is closed", code=ErrorCode.ABORTED)
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.max_connections,
                                             keepalive_timeout=self.keepalive_timeout)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
                # No cookies kept: a shopper's identity is the session its client holds and
                # stores (tokens sent per request), and one pool serves many shoppers, so a
                # cookie one shopper's answer set must never go out with another's request.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def close(self) -> None:
        """Close every connection; later requests through the pool raise. Idempotent.

        Usage: ``await pool.close()``
        """
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def __repr__(self) -> str:
        return (f"HttpPool(max_connections={self.max_connections}, "
                f"open={self._session is not None}, closed={self._closed})")
