"""Auth, consumer and challenge handlers: guest and OTP sessions, refresh rotation, logout,
``GET /consumers/me`` and the sandbox-defined bot-check verification.
"""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.auth import AlreadyLinked, Consumer
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.external import ExternalAuthorize, ExternalAuthorized, external_identities
from fanfare_rx.sandbox.http import ApiError, json_response, read_body, validation_error
from fanfare_rx.sandbox.projection import consumer_me
from fanfare_rx.sandbox.world import World

__all__ = ["routes"]

routes = web.RouteTableDef()


def _envelope(request: web.Request, consumer: Consumer) -> wire.SessionEnvelope:
    world = context.world(request)
    access, refresh, expires = world.accounts.open_session(consumer)
    session = wire.SessionInfo(
        type=wire.SessionType.GUEST if consumer.guest else wire.SessionType.AUTHENTICATED,
        consumer_id=consumer.id, expires_at=to_datetime(expires), email=consumer.email,
        phone=consumer.phone, guest_id=consumer.id if consumer.guest else None)
    return wire.SessionEnvelope(
        session=session, access_token=access, refresh_token=refresh,
        refresh_token_ttl_seconds=world.accounts.refresh_ttl,
        beacon_token=world.signer.sign("bcn", {"cid": consumer.id}))


@routes.post("/auth/guest")
async def guest(request: web.Request) -> web.Response:
    consumer = context.world(request).accounts.new_guest()
    return json_response(_envelope(request, consumer))


@routes.post("/auth/otp/request")
async def otp_request(request: web.Request) -> web.Response:
    await read_body(request, wire.OtpRequest, optional=True)  # §5.1: no field is required
    return json_response(wire.OtpRequestResult(ok=True))


@routes.post("/auth/otp/verify")
async def otp_verify(request: web.Request) -> web.Response:
    body = await read_body(request, wire.OtpVerify)
    world = context.world(request)
    if not hmac.compare_digest(body.code.encode(), world.scenario.otp_code.encode()):
        raise ApiError(401, {"error": "otp_invalid", "message": "The code is invalid or expired",
                             "code": "INVALID_OTP"})
    current, holds = _holding_guest(request)
    try:
        consumer = world.accounts.authenticate(body.email, body.phone, current,
                                               guest_holds_places=holds)
    except AlreadyLinked:
        raise _already_linked("this email or phone") from None
    return json_response(_envelope(request, consumer))


def _already_linked(what: str) -> ApiError:
    """The spec's conflict of a guest upgrade (§4.1): 409 ``already_linked``, the guest and its
    places stay as they were (OTP verify and external exchange alike)."""
    return ApiError(409, {
        "error": "already_linked",
        "code": "ALREADY_LINKED",
        "message": f"already_linked: {what} belongs to another account, so the guest session "
                   "(and its places) cannot be linked to it",
    })


def _holding_guest(request: web.Request) -> tuple[Consumer | None, bool]:
    """The caller's consumer (None without a session) and whether it is a guest holding places."""
    world = context.world(request)
    identity = context.state(request).identity
    current = identity.consumer if identity is not None else None
    holds = (current is not None and current.guest
             and holds_places(world, current, context.now(request)))
    return current, holds


#: Phases of ``/consumers/me`` in which the consumer holds a place (an entry, a bid, a grant).
_HOLDING = frozenset({wire.SequencePhase.PARTICIPATING, wire.SequencePhase.SETTLING,
                      wire.SequencePhase.GRANTED})


def holds_places(world: World, consumer: Consumer, now: float) -> bool:
    """Whether a consumer holds a place now, as ``/consumers/me`` shows it: a participation
    (participating, settling, granted) or a waitlist entry."""
    me = consumer_me(world, consumer, now)
    return bool(me.waitlists) or any(
        isinstance(journey, wire.RoutedJourneyProjection) and journey.sequence.phase in _HOLDING
        for journey in me.active.journeys)


@routes.post("/auth/external/authorize")
async def external_authorize(request: web.Request) -> web.Response:
    """Secret key: resolve a partner identity and mint a one-time exchange code."""
    context.require_secret(request)
    body = await read_body(request, ExternalAuthorize)
    claims = json.loads(await request.read()).get("claims")
    if claims is not None and len(json.dumps(claims, separators=(",", ":"))) > _MAX_CLAIMS:
        raise validation_error(f"claims must not exceed {_MAX_CLAIMS} JSON characters",
                               ["claims"], body={"claims": "..."},
                               expected=f"at most {_MAX_CLAIMS} characters", type_="too_big")
    for name in ("provider", "issuer", "subject"):
        if not getattr(body, name):
            raise validation_error(f"{name} must not be empty", [name], body={name: ""},
                                   expected="non-empty string", type_="too_small")
    if body.canonical_subject is not None and not 1 <= len(body.canonical_subject) <= 255:
        raise validation_error("canonicalSubject must be 1-255 characters", ["canonicalSubject"],
                               body={"canonicalSubject": body.canonical_subject},
                               expected="1-255 characters", type_="too_big")
    code, expires, resolution = external_identities(context.world(request).accounts).authorize(body)
    iso = to_datetime(expires).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json_response(ExternalAuthorized(exchange_code=code, expires_at=iso,
                                            resolution=resolution))


#: Claims of an authorize call may take at most this many JSON characters.
_MAX_CLAIMS = 10_000


@routes.post("/auth/external/exchange")
async def external_exchange(request: web.Request) -> web.Response:
    """Publishable key: trade an ``exc_`` code for a session (a guest caller is upgraded when
    the code's consumer is new; a guest holding places and the code of another existing
    consumer is the 409 ``already_linked`` conflict, as with OTP verify)."""
    body = await read_body(request, wire.ExternalExchange)
    world = context.world(request)
    current, holds = _holding_guest(request)
    try:
        consumer = external_identities(world.accounts).exchange(
            body.exchange_code, current, guest_holds_places=holds)
    except AlreadyLinked:
        raise _already_linked("this external identity") from None
    return json_response(_envelope(request, consumer))


@routes.post("/auth/refresh")
async def refresh(request: web.Request) -> web.Response:
    body = await read_body(request, wire.RefreshRequest, optional=True)
    if not body.refresh_token:
        raise validation_error("refreshToken is required", ["refreshToken"], body={},
                               expected="string", type_="missing")
    world = context.world(request)
    rotated = world.accounts.refresh(body.refresh_token,
                                     reuse_grace=world.scenario.refresh_reuse_grace_seconds)
    if rotated is None:
        raise ApiError(401, {"error": "invalid refresh token", "code": "INVALID_TOKEN"})
    access, new_refresh, expires = rotated
    claims = world.signer.verify(access, "acc") or {}
    return json_response(wire.RefreshResult(
        access_token=access, refresh_token=new_refresh,
        refresh_token_ttl_seconds=world.accounts.refresh_ttl,
        access_token_expires_at=to_datetime(expires),
        beacon_token=world.signer.sign("bcn", {"cid": claims.get("cid")})))


@routes.post("/auth/logout")
async def logout(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    context.world(request).accounts.logout(identity.session)
    return web.Response(status=204)


@routes.get("/consumers/me")
async def me(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    return json_response(consumer_me(context.world(request), identity.consumer,
                                     context.now(request)))


@routes.post("/challenges/verify")
async def verify_challenge(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    body = await read_body(request, wire.ChallengeVerifyRequest)
    if not body.token:
        raise validation_error("token must not be empty", ["token"], body={"token": ""},
                               expected="non-empty string", type_="invalid_value")
    context.world(request).verify_challenge(identity.consumer.id, body.challenge_id, body.token)
    return json_response(wire.ChallengeVerifyResult(verified=True))
