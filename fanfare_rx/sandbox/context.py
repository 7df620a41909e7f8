"""What handlers share: the app keys, the caller's credentials resolved by the auth middleware,
and the helpers that demand a consumer bearer or the secret key.
"""

from __future__ import annotations

from aiohttp import web

from fanfare_rx.sandbox.auth import Identity
from fanfare_rx.sandbox.faults import Faults
from fanfare_rx.sandbox.http import ApiError
from fanfare_rx.sandbox.ratelimit import RateLimiter
from fanfare_rx.sandbox.world import World

__all__ = ["FAULTS", "LIMITER", "WORLD", "base_url", "consumer", "now", "require_secret",
           "world"]

WORLD = web.AppKey("world", World)
FAULTS = web.AppKey("faults", Faults)
LIMITER = web.AppKey("limiter", RateLimiter)


def world(request: web.Request) -> World:
    return request.app[WORLD]


def now(request: web.Request) -> float:
    """The sandbox time the request was received at (engines already advanced to it)."""
    value = request.get("now")
    return float(value) if isinstance(value, float | int) else request.app[WORLD].tick()


def base_url(request: web.Request) -> str:
    return str(request.url.origin())


def consumer(request: web.Request) -> Identity:
    """The consumer behind the bearer token, or 401."""
    identity = request.get("identity")
    if isinstance(identity, Identity):
        return identity
    if request.get("bearer"):
        raise ApiError(401, {"error": "invalid_token", "message": "Access token is invalid, "
                             "expired or revoked", "code": "INVALID_TOKEN"})
    raise ApiError(401, {"error": "Authentication required", "code": "AUTHENTICATION_REQUIRED"})


def require_secret(request: web.Request) -> None:
    """The secret key as ``Authorization: Bearer sk_test_...``, or 401."""
    if not request.get("secret"):
        raise ApiError(401, {"error": "Secret key required", "code": "UNAUTHORIZED"})
