"""The sandbox's aiohttp middlewares: request ids and JSON errors, body-size limit, injected
faults, credentials (publishable key, bearer, secret key), rate limits and the spec shape.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from fanfare_rx.models._redact import redact
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.http import ApiError, ModelResponse
from fanfare_rx.sandbox.ratelimit import RateWindow
from fanfare_rx.sandbox.shapes import spec_only
from fanfare_rx.wire import codec

__all__ = ["BODY_TIMEOUT", "CONTROL_PREFIX", "MAX_BODY_BYTES", "middlewares", "next_request_id"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONTROL_PREFIX = "/_sandbox/"
MAX_BODY_BYTES = 64 * 1024
_log = logging.getLogger("fanfare_rx.sandbox")
_ids = itertools.count(1)
_HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
#: Seconds to receive a request body before answering 408 and closing the connection.
BODY_TIMEOUT = web.AppKey("body_timeout", float)


def next_request_id() -> str:
    """A new ``X-Request-Id`` value (``req_000001``, ...).

    Usage: ``response.headers["X-Request-Id"] = next_request_id()``
    """
    return f"req_{next(_ids):06d}"


@web.middleware
async def envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer is JSON and carries ``X-Request-Id`` and ``X-RateLimit-*``."""
    request_id = next_request_id()
    call = context.state(request)
    call.request_id = request_id
    try:
        response = await handler(request)
    except ApiError as exc:
        response = exc.response()
    except web.HTTPException as exc:
        body = {"error": _HTTP_ERRORS.get(exc.status, exc.reason.lower().replace(" ", "_")),
                "message": f"{exc.reason}: {request.method} {request.path}"}
        response = web.json_response(body, status=exc.status)
    except asyncio.CancelledError:
        raise
    except ConnectionError:  # the client went away (e.g. mid-body): nothing to answer
        _log.debug("client disconnected during %s %s (%s)", request.method, request.path,
                   request_id)
        response = web.json_response({"error": "client_disconnected"}, status=400)
        response.force_close()
    except Exception:  # noqa: BLE001 - the server must answer, never crash
        _log.exception("unhandled error in %s %s", request.method, request.path)
        response = web.json_response({"error": "internal_error", "message": "Internal server error",
                                      "requestId": request_id}, status=500)
    response.headers["X-Request-Id"] = request_id
    window = call.rate
    if not isinstance(window, RateWindow):
        key = _caller_key(request)
        window = request.app[context.LIMITER].peek(key, request.app[context.WORLD].clock.time())
    response.headers.update(window.headers())
    return response


@web.middleware
async def body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    """413 before reading when the declared body is too large (every route); else the body is
    read here, within ``BODY_TIMEOUT`` (408 and the connection closes past it)."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, {"error": "payload_too_large",
                             "message": f"Request body exceeds {MAX_BODY_BYTES} bytes"})
    if request.body_exists:
        seconds = request.app.get(BODY_TIMEOUT, 30.0)
        try:
            async with asyncio.timeout(seconds):
                await request.read()  # kept by aiohttp for the handler's own read()
        except TimeoutError:
            _log.info("request body not received within %gs: %s %s", seconds, request.method,
                      request.path)
            response = ApiError(408, {"error": "request_timeout", "message":
                                      f"Request body not received within {seconds:g} s"}).response()
            response.force_close()
            return response
    return await handler(request)


@web.middleware
async def faults(request: web.Request, handler: Handler) -> web.StreamResponse:
    plan = request.app[context.FAULTS]
    if not plan.active or request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    rules = plan.draw(request.method, request.path)
    for rule in rules:
        if rule.kind == "delay":
            await asyncio.sleep(rule.seconds)
    fault = next((rule for rule in rules if rule.kind != "delay"), None)
    if fault is None:
        return await handler(request)
    if fault.kind == "status":
        retry = fault.retry_after
        headers = {} if retry is None else {"Retry-After": f"{retry:g}"}
        if fault.status == 503:
            headers.setdefault("Retry-After", "1")
            raise ApiError(503, {"error": "service_unavailable"}, headers)
        if fault.status == 429:
            seconds = retry if retry is not None else 1
            raise ApiError(429, {"error": "Rate limit exceeded", "retryAfter": seconds},
                           {"Retry-After": f"{seconds:g}", "X-RateLimit-Remaining": "0"})
        raise ApiError(fault.status, {"error": "internal_error" if fault.status >= 500 else "fault",
                                      "message": "Injected fault", "requestId": context.state(request).request_id},
                       headers)
    if fault.kind == "drop":
        if fault.when == "after":
            await handler(request)
        return _drop(request)
    response = await handler(request)
    if fault.kind == "malformed" and isinstance(response, web.Response) and response.body:
        text = bytes(response.body)  # type: ignore[arg-type]
        broken = web.Response(body=text[: max(1, len(text) // 2)] + b"\x00{", status=response.status,
                              content_type="application/json")
        return broken
    return response


def _drop(request: web.Request) -> web.StreamResponse:
    """Abort the connection; the returned response is never written."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    return web.Response(status=204)


def _caller_key(request: web.Request) -> str:
    identity = context.state(request).identity
    if identity is not None:
        return f"consumer:{identity.consumer.id}"
    return f"anon:{request.remote}"


@web.middleware
async def credentials(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Publishable key on every API path (or the secret key); the bearer resolved if present."""
    world = request.app[context.WORLD]
    call = context.state(request)
    call.now = world.tick()
    auth = request.headers.get("Authorization", "")
    bearer = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    scenario = world.scenario
    if bearer and bearer == scenario.secret_key:
        call.secret = True
    elif request.path.startswith(CONTROL_PREFIX) and not request.path.startswith(
            "/_sandbox/challenges/"):
        raise ApiError(401, {"error": "Secret key required", "code": "UNAUTHORIZED"})
    else:
        key = request.headers.get("X-Publishable-Key")
        if key != scenario.publishable_key and not request.path.startswith("/_sandbox/"):
            _log.info("rejected publishable key %s", redact(key))
            raise ApiError(401, {"error": "unauthorized", "message": "Missing or invalid "
                                 "publishable key", "code": "UNAUTHORIZED"})
        if bearer:
            call.bearer = True
            call.identity = world.accounts.identify(bearer)
    return await handler(request)


@web.middleware
async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    limiter = request.app[context.LIMITER]
    call = context.state(request)
    at = call.now if call.now is not None else request.app[context.WORLD].clock.time()
    window = limiter.hit(_caller_key(request), at)
    call.rate = window
    if not window.allowed:
        seconds = limiter.retry_after(window, at)
        raise ApiError(429, {"error": "Rate limit exceeded", "retryAfter": seconds},
                       {"Retry-After": str(seconds)})
    return await handler(request)


@web.middleware
async def spec_shape(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Spec mode: a body written from a model is written again without the sandbox's
    extension fields (``shapes.extensions()``)."""
    response = await handler(request)
    if isinstance(response, ModelResponse):
        response.text = codec.dumps(spec_only(response.model))
    return response


def middlewares(spec_mode: bool = False) -> list[Callable[..., Awaitable[web.StreamResponse]]]:
    """In order: envelope, body limit, faults, credentials, rate limit, and in spec mode the
    spec shape (a compat sandbox pays nothing for it)."""
    chain: list[Callable[..., Awaitable[web.StreamResponse]]] = [
        envelope, body_limit, faults, credentials, rate_limit]
    return [*chain, spec_shape] if spec_mode else chain
