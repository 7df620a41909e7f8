"""Connection settings in one frozen object: request and connect timeouts, the size of the
keep-alive pool and the retry policy, with module-level ``DEFAULT_*`` constants.
"""

from __future__ import annotations

import functools
import math

import attrs
import yarl

from fanfare_rx.errors import ConfigError, ErrorCode
from fanfare_rx.wire.retry import RetryPolicy

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_HTTP",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_TIMEOUT",
    "HttpConfig",
    "check_base_url",
    "check_credentials",
]

#: Seconds for one whole request (connect, send, read the answer).
DEFAULT_TIMEOUT = 15.0
#: Seconds to open a new connection (part of ``DEFAULT_TIMEOUT``; waiting for a free
#: connection of a busy pool counts only against ``DEFAULT_TIMEOUT``).
DEFAULT_CONNECT_TIMEOUT = 5.0
#: Connections a client's own keep-alive pool may open at once.
DEFAULT_MAX_CONNECTIONS = 16
#: Secret keys (spec §2.1: ``sk_live_…`` / ``sk_test_…``) never leave the merchant's server.
_SECRET_KEY_PREFIX = "sk_"


def check_base_url(base_url: object) -> None:
    """Refuse a Consumer API root that is not an ``http://`` or ``https://`` URL with a host,
    written in ASCII with no spaces, no user name or password and a port in 1..65535, so a bad
    root fails where it is given rather than at the first request.

    Raises:
        ConfigError: code ``INVALID_CONFIG``.

    Usage: ``check_base_url("https://consumer.fanfare.io/api")``
    """
    problem = _base_url_problem(base_url)
    if problem is not None:
        shown = "a URL with a user name or password (not shown)" if problem == _USER_INFO \
            else repr(base_url)
        raise ConfigError(f"base_url must be an http(s) URL ({problem}), got {shown}",
                          code=ErrorCode.INVALID_CONFIG)


#: A password in the root would be echoed by every error message and log line: refused.
_USER_INFO = "no user name or password in it"


def _base_url_problem(base_url: object) -> str | None:
    if not isinstance(base_url, str):
        return f"a string, not {type(base_url).__name__}"
    return _text_url_problem(base_url)


@functools.lru_cache(maxsize=64)
def _text_url_problem(base_url: str) -> str | None:
    """What is wrong with a root given as text, answered once per root (thousands of clients
    of one drop are given the same one)."""
    if not base_url.startswith(("http://", "https://")):
        return "http:// or https://"
    if not base_url.isascii() or any(c.isspace() or not c.isprintable() for c in base_url):
        return "ASCII with no spaces (write a unicode host in IDNA, xn--...)"
    try:
        url = yarl.URL(base_url)
        port = url.port
    except ValueError as exc:
        return str(exc)
    if not url.host:
        return "a host"
    if url.user is not None or url.password is not None:
        return _USER_INFO
    if port is not None and not 0 < port <= 65535:
        return "a port in 1..65535"
    return None


def check_credentials(*, organization_id: object, publishable_key: object) -> None:
    """Refuse what cannot identify a client before anything is sent: a missing organization
    id or key, a key that is not a string, or a secret key given as the publishable key (it
    would travel in ``X-Publishable-Key`` on every request). Messages never echo a key.

    Raises:
        ConfigError: code ``MISSING_ORGANIZATION_ID``, ``MISSING_PUBLISHABLE_KEY`` or
            ``INVALID_CONFIG``.

    Usage: ``check_credentials(organization_id="org", publishable_key="pk_test_...")``
    """
    if not organization_id:
        raise ConfigError("organization_id is required", code=ErrorCode.MISSING_ORGANIZATION_ID)
    if not isinstance(organization_id, str):
        raise ConfigError(f"organization_id must be a string, got "
                          f"{type(organization_id).__name__}", code=ErrorCode.INVALID_CONFIG)
    if not publishable_key:
        raise ConfigError("publishable_key is required", code=ErrorCode.MISSING_PUBLISHABLE_KEY)
    if not isinstance(publishable_key, str):
        raise ConfigError(f"publishable_key must be a string, got "
                          f"{type(publishable_key).__name__}", code=ErrorCode.INVALID_CONFIG)
    if publishable_key.startswith(_SECRET_KEY_PREFIX):
        raise ConfigError(
            "publishable_key is a secret key (sk_...): it must stay on your server and is "
            "never sent by this client; pass the publishable key (pk_live_... or pk_test_...) "
            "and rotate the secret key if it was exposed", code=ErrorCode.INVALID_CONFIG)


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
        connect_timeout: seconds to open a new connection (None: only ``timeout`` bounds it);
            waiting for a free connection of a busy pool is bounded by ``timeout`` alone.
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
