"""One typed error hierarchy for everything fanfare_rx raises.

Every error carries what a caller needs to act: a stable ``code``, the HTTP ``status`` when
there was one, whether ``retryable`` retrying may help, the server's ``retry_after`` and the
``request_id`` to quote to support. This module imports nothing of ours.

Families a caller can catch by type::

    FanfareError
    ├── ConfigError, DecodeError
    ├── UsageError              (a bad argument, refused where it is given; also a ValueError)
    ├── StorageError            (the session store failed or is unreachable)
    │   └── StorageLockTimeout
    ├── APIStatusError          (an HTTP error status; ``status`` is set)
    │   ├── AuthError, ValidationError, NotFoundError, ConflictError
    │   └── NotOpenYetError, RateLimitedError, ServerError
    ├── APIConnectionError      (no HTTP answer)
    │   ├── NetworkError
    │   └── APITimeoutError     (also a FanfareTimeoutError)
    ├── FanfareTimeoutError     (a request, or a store's ``wait_for``; alias ``TimeoutError``)
    ├── ClientClosedError       (a call after ``Fanfare.destroy()`` or a client's ``close()``)
    ├── FleetError              (a fleet's worker failed as a whole)
    └── JourneyError
        └── ActionNotAvailableError, UnknownActionError, JourneyDestroyedError

``TimeoutError`` is kept as an alias of :class:`FanfareTimeoutError` for code written before
the rename; it is not in ``__all__``, so ``from fanfare_rx.errors import *`` never shadows the
builtin ``TimeoutError``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ActionNotAvailableError",
    "AuthError",
    "ClientClosedError",
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "ErrorCode",
    "FanfareError",
    "FanfareTimeoutError",
    "FleetError",
    "JourneyDestroyedError",
    "JourneyError",
    "NetworkError",
    "NotFoundError",
    "NotOpenYetError",
    "RateLimitedError",
    "ServerError",
    "StorageError",
    "StorageLockTimeout",
    "UnknownActionError",
    "UsageError",
    "ValidationError",
]


class ErrorCode(enum.StrEnum):
    """Error codes of the SDK docs (G1 ``ErrorCodes`` and the current SDK error table).

    Codes the server sends that are not listed here are kept verbatim on
    :attr:`FanfareError.code`; this enum only names the known ones.

    Usage: ``if err.code == ErrorCode.QUEUE_FULL: offer_waitlist()``
    """

    INVALID_CONFIG = "INVALID_CONFIG"
    MISSING_ORGANIZATION_ID = "MISSING_ORGANIZATION_ID"
    MISSING_PUBLISHABLE_KEY = "MISSING_PUBLISHABLE_KEY"
    NOT_INITIALIZED = "NOT_INITIALIZED"
    ALREADY_INITIALIZED = "ALREADY_INITIALIZED"
    UNAUTHORIZED = "UNAUTHORIZED"
    INVALID_OTP = "INVALID_OTP"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    SESSION_EXPIRED = "SESSION_EXPIRED"
    AUTHENTICATION_REQUIRED = "AUTHENTICATION_REQUIRED"
    INVALID_TOKEN = "INVALID_TOKEN"
    FORBIDDEN = "FORBIDDEN"
    NETWORK_ERROR = "NETWORK_ERROR"
    TIMEOUT = "TIMEOUT"
    ABORTED = "ABORTED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    NOT_OPEN_YET = "NOT_OPEN_YET"
    QUEUE_NOT_FOUND = "QUEUE_NOT_FOUND"
    QUEUE_CLOSED = "QUEUE_CLOSED"
    QUEUE_FULL = "QUEUE_FULL"
    QUEUE_EXPIRED = "QUEUE_EXPIRED"
    ALREADY_IN_QUEUE = "ALREADY_IN_QUEUE"
    NOT_IN_QUEUE = "NOT_IN_QUEUE"
    DRAW_NOT_FOUND = "DRAW_NOT_FOUND"
    DRAW_CLOSED = "DRAW_CLOSED"
    DRAW_FULL = "DRAW_FULL"
    ALREADY_IN_DRAW = "ALREADY_IN_DRAW"
    NOT_IN_DRAW = "NOT_IN_DRAW"
    DRAW_NOT_STARTED = "DRAW_NOT_STARTED"
    AUCTION_NOT_FOUND = "AUCTION_NOT_FOUND"
    AUCTION_CLOSED = "AUCTION_CLOSED"
    AUCTION_NOT_STARTED = "AUCTION_NOT_STARTED"
    BID_TOO_LOW = "BID_TOO_LOW"
    INVALID_BID_AMOUNT = "INVALID_BID_AMOUNT"
    RESERVE_NOT_MET = "RESERVE_NOT_MET"
    EXPERIENCE_NOT_FOUND = "EXPERIENCE_NOT_FOUND"
    SEQUENCE_NOT_FOUND = "SEQUENCE_NOT_FOUND"
    ACCESS_CODE_REQUIRED = "ACCESS_CODE_REQUIRED"
    INVALID_ACCESS_CODE = "INVALID_ACCESS_CODE"
    NO_SEQUENCE_AVAILABLE = "NO_SEQUENCE_AVAILABLE"
    WAITLIST_NOT_FOUND = "WAITLIST_NOT_FOUND"
    WAITLIST_CLOSED = "WAITLIST_CLOSED"
    TIMED_RELEASE_NOT_FOUND = "TIMED_RELEASE_NOT_FOUND"
    TIMED_RELEASE_NOT_STARTED = "TIMED_RELEASE_NOT_STARTED"
    TIMED_RELEASE_ENDED = "TIMED_RELEASE_ENDED"
    DISTRIBUTION_ORDER_LIMIT = "DISTRIBUTION_ORDER_LIMIT"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_PARAMETERS = "INVALID_PARAMETERS"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    DECODE_ERROR = "DECODE_ERROR"
    USAGE_ERROR = "USAGE_ERROR"
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
    ACTION_NOT_AVAILABLE = "ACTION_NOT_AVAILABLE"
    UNKNOWN_ACTION = "UNKNOWN_ACTION"
    JOURNEY_DESTROYED = "JOURNEY_DESTROYED"
    UNKNOWN_ERROR = "UNKNOWN_ERROR"


class FanfareError(Exception):
    """Base of every error fanfare_rx raises.

    Usage: ``except FanfareError as err: log.warning("%s (retryable=%s)", err.code, err.retryable)``

    Attributes:
        code: stable machine-readable code (an :class:`ErrorCode` value or the server's own).
        message: human-readable text.
        status: HTTP status code, when the error came from a response.
        retryable: whether repeating the same call may succeed.
        retry_after: seconds the server asked us to wait, if it said.
        request_id: the server's ``X-Request-Id``, when sent.
        correlation_id: the server's ``correlationId`` of the error body, when sent (quote it
            to support together with ``request_id``).
        details: extra structured data (validation issues, the server's body fields).
    """

    default_code: str = ErrorCode.UNKNOWN_ERROR
    default_retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        details: Mapping[str, Any] | None = None,
        correlation_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code: str = code if code is not None else self.default_code
        self.status = status
        self.retryable = self.default_retryable if retryable is None else retryable
        self.retry_after = retry_after
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.details: Mapping[str, Any] = dict(details or {})

    def __str__(self) -> str:
        parts = [f"[{self.code}] {self.message}"]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        if self.correlation_id:
            parts.append(f"correlation_id={self.correlation_id}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"status={self.status!r}, retryable={self.retryable!r}, "
            f"retry_after={self.retry_after!r})"
        )


class ConfigError(FanfareError):
    """Invalid configuration (missing organization id or key, bad URL, bad option)."""

    default_code = ErrorCode.INVALID_CONFIG


class UsageError(FanfareError, ValueError):
    """A bad argument to the library itself, refused where it is given (no request was sent).

    Local misuse, never the server's answer (that is :class:`ValidationError`). It is also a
    :class:`ValueError`, so ``except ValueError`` keeps working.

    Usage: ``except UsageError as err: print(err.message)``
    """

    default_code = ErrorCode.USAGE_ERROR


class StorageError(FanfareError):
    """The session store failed or cannot be reached (a Redis outage, an unreadable file).

    The message never names the store's host or credentials. Journeys keep running from
    memory while the store is away.

    Usage: ``except StorageError: log.warning("session store unavailable")``
    """

    default_code = ErrorCode.STORAGE_UNAVAILABLE
    default_retryable = True


class StorageLockTimeout(StorageError):
    """Another holder kept a storage's exclusive section longer than the lock timeout."""


class DecodeError(FanfareError):
    """A payload did not match the wire model: malformed JSON, wrong type, unknown enum value.

    ``path`` names the offending field in JSON-path form (``$.selected.gates[0].type``);
    ``model`` is the name of the type being decoded.
    """

    default_code = ErrorCode.DECODE_ERROR

    def __init__(self, message: str, *, model: str, path: str = "$", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.model = model
        self.path = path


# --- the server answered with an error status ------------------------------------------------


class APIStatusError(FanfareError):
    """Family: the server answered with an HTTP error status (``status`` says which).

    An error status with no more specific class (418, 410 ...) is raised as this class itself.

    Usage: ``except APIStatusError as err: log.warning("HTTP %s %s", err.status, err.code)``
    """


class AuthError(APIStatusError):
    """401/403: missing, invalid or expired credentials."""

    default_code = ErrorCode.UNAUTHORIZED


class ValidationError(APIStatusError):
    """400/422: the server rejected the request body; ``details["issues"]`` lists why."""

    default_code = ErrorCode.VALIDATION_ERROR


class NotFoundError(APIStatusError):
    """404: the experience, distribution or participation does not exist."""

    default_code = ErrorCode.NOT_FOUND


class ConflictError(APIStatusError):
    """409: already in, order limit reached, concurrent modification."""

    default_code = ErrorCode.CONFLICT


class NotOpenYetError(APIStatusError):
    """423: the distribution is not open yet; ``retry_after`` says when it opens."""

    default_code = ErrorCode.NOT_OPEN_YET
    default_retryable = True


class RateLimitedError(APIStatusError):
    """429: too many requests, or a full queue; wait ``retry_after`` seconds."""

    default_code = ErrorCode.RATE_LIMITED
    default_retryable = True


class ServerError(APIStatusError):
    """5xx: the server failed; retrying with backoff may help."""

    default_code = ErrorCode.INTERNAL_ERROR
    default_retryable = True


# --- no HTTP answer at all --------------------------------------------------------------------


class APIConnectionError(FanfareError):
    """Family: the request got no HTTP answer (refused, reset, dropped, timed out).

    Retrying may help; the request may or may not have reached the server.

    Usage: ``except APIConnectionError: show_offline_banner()``
    """

    default_code = ErrorCode.NETWORK_ERROR
    default_retryable = True


class NetworkError(APIConnectionError):
    """The request never got an HTTP answer (refused, reset, dropped connection)."""


class FanfareTimeoutError(FanfareError):
    """Something took longer than allowed: an HTTP request (then it is an
    :class:`APITimeoutError`) or a store's ``wait_for``.

    Usage: ``except FanfareTimeoutError: show_still_waiting()``
    """

    default_code = ErrorCode.TIMEOUT
    default_retryable = True


#: The former name of :class:`FanfareTimeoutError` (it shadowed the builtin), kept as an alias.
TimeoutError = FanfareTimeoutError


class APITimeoutError(APIConnectionError, FanfareTimeoutError):
    """An HTTP request timed out: both a connection error and a :class:`FanfareTimeoutError`.

    Usage: ``except APITimeoutError: retry_later()``
    """

    default_code = ErrorCode.TIMEOUT


# --- a closed client, a failed fleet ---------------------------------------------------------


class ClientClosedError(FanfareError):
    """A method was called after ``Fanfare.destroy()``, ``ConsumerApi.close()`` or a closed
    ``HttpPool`` (no request was sent). ``code`` is ``NOT_INITIALIZED`` for a destroyed
    ``Fanfare``, ``ABORTED`` for a closed client or pool.

    Usage: ``except ClientClosedError: fanfare = Fanfare.init(config)``
    """

    default_code = ErrorCode.ABORTED


class FleetError(FanfareError):
    """A worker of a fleet failed as a whole (not one shopper: those are counted as errors).

    Usage: ``except FleetError as err: print(err.message)``
    """


# --- journey misuse ---------------------------------------------------------------------------


class JourneyError(FanfareError):
    """Family: a journey method was called when it cannot run (no request was sent).

    Usage: ``except JourneyError as err: print(err.code)``
    """


class ActionNotAvailableError(JourneyError):
    """A journey action was requested that ``available_actions`` does not contain."""

    default_code = ErrorCode.ACTION_NOT_AVAILABLE


class UnknownActionError(JourneyError):
    """``perform(name)`` was called with a name that is no journey or sequence action."""

    default_code = ErrorCode.UNKNOWN_ACTION


class JourneyDestroyedError(JourneyError):
    """The journey was destroyed; its methods no longer run."""

    default_code = ErrorCode.JOURNEY_DESTROYED
