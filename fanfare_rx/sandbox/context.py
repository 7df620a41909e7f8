"""What handlers share: the app keys, the caller's credentials resolved by the auth middleware,
and the helpers that demand a consumer bearer or the secret key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
from aiohttp import web

from fanfare_rx.sandbox.auth import Identity
from fanfare_rx.sandbox.faults import Faults
from fanfare_rx.sandbox.http import ApiError
from fanfare_rx.sandbox.ratelimit import RateLimiter

if TYPE_CHECKING:  # the world builds the engines, whose handlers use this module
    from fanfare_rx.sandbox.world import World

__all__ = ["FAULTS", "LIMITER", "WORLD", "CallState", "base_url", "consumer", "now",
           "require_secret", "state", "world"]

WORLD: web.AppKey[World] = web.AppKey("world")
FAULTS = web.AppKey("faults", Faults)
LIMITER = web.AppKey("limiter", RateLimiter)


@attrs.define
class CallState:
    """What the middlewares learned about one request."""

    request_id: str = ""
    now: float | None = None
    identity: Identity | None = None
    bearer: bool = False
    secret: bool = False
    rate: Any = None


_STATE: Any = (web.RequestKey("fanfare_rx.sandbox", CallState)  # type: ignore[attr-defined,unused-ignore]
               if hasattr(web, "RequestKey") else "fanfare_rx.sandbox")


def state(request: web.Request) -> CallState:
    """The request's :class:`CallState` (created on first use)."""
    found = request.get(_STATE)
    if isinstance(found, CallState):
        return found
    created = CallState()
    request[_STATE] = created
    return created


def world(request: web.Request) -> World:
    return request.app[WORLD]


def now(request: web.Request) -> float:
    """The sandbox time the request was received at (engines already advanced to it)."""
    value = state(request).now
    return value if value is not None else request.app[WORLD].tick()


def base_url(request: web.Request) -> str:
    return str(request.url.origin())


def consumer(request: web.Request) -> Identity:
    """The consumer behind the bearer token, or 401."""
    call = state(request)
    if call.identity is not None:
        return call.identity
    if call.bearer:
        raise ApiError(401, {"error": "invalid_token", "message": "Access token is invalid, "
                             "expired or revoked", "code": "INVALID_TOKEN"})
    raise ApiError(401, {"error": "Authentication required", "code": "AUTHENTICATION_REQUIRED"})


def require_secret(request: web.Request) -> None:
    """The secret key as ``Authorization: Bearer sk_test_...``, or 401."""
    if not state(request).secret:
        raise ApiError(401, {"error": "Secret key required", "code": "UNAUTHORIZED"})
