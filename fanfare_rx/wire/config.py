"""Connection settings in one frozen object: request and connect timeouts, the size of the
keep-alive pool and the retry policy, with module-level ``DEFAULT_*`` constants.
"""

from __future__ import annotations

import math

import attrs

from fanfare_rx.errors import ConfigError
from fanfare_rx.wire.retry import RetryPolicy

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_HTTP",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_TIMEOUT",
    "HttpConfig",
]

#: Seconds for one whole request (connect, send, read the answer).
DEFAULT_TIMEOUT = 15.0
#: Seconds to open a connection (part of ``DEFAULT_TIMEOUT``).
DEFAULT_CONNECT_TIMEOUT = 5.0
#: Connections a client's own keep-alive pool may open at once.
DEFAULT_MAX_CONNECTIONS = 16


def _positive_seconds(name: str, value: float | None, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and value > 0):
        raise ConfigError(f"{name} must be a positive number of seconds, got {value!r}")


@attrs.frozen(kw_only=True)
class HttpConfig:
    """How a client talks HTTP: timeouts, pool size and retries (keyword-only, immutable).

    Args:
        timeout: seconds for one whole request, including connecting.
        connect_timeout: seconds to open a connection (None: only ``timeout`` bounds it).
        max_connections: size of the client's own keep-alive pool (a shared
            :class:`~fanfare_rx.wire.pool.HttpPool` has its own limit instead).
        retry: which failures are repeated and how long to wait in between.

    Raises:
        ConfigError: a timeout that is not a positive number, a pool of fewer than one
            connection, or a retry that is not a :class:`RetryPolicy`.

    Usage: ``Fanfare.init(..., http=HttpConfig(timeout=5, retry=RetryPolicy(max_attempts=6)))``
    """

    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float | None = DEFAULT_CONNECT_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    retry: RetryPolicy = attrs.field(factory=RetryPolicy)

    def __attrs_post_init__(self) -> None:
        _positive_seconds("timeout", self.timeout)
        _positive_seconds("connect_timeout", self.connect_timeout, optional=True)
        if isinstance(self.max_connections, bool) or not isinstance(self.max_connections, int) \
                or self.max_connections < 1:
            raise ConfigError(f"max_connections must be an integer >= 1, got "
                              f"{self.max_connections!r}")
        if not isinstance(self.retry, RetryPolicy):
            raise ConfigError(f"retry must be a RetryPolicy, got {type(self.retry).__name__}")


#: The settings used when none are given (one object, shared: it holds no connection).
DEFAULT_HTTP = HttpConfig()
