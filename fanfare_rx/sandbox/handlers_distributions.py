"""Distribution handlers: queues (with secret-key admit/deny), draws, auctions, timed releases
and waitlists. Entering checks the sequence's gates (access code, sign-in, bot check).
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs
from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.auth import Identity
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.engines import (
    AuctionEngine,
    DrawEngine,
    Engine,
    QueueEngine,
    TimedReleaseEngine,
)
from fanfare_rx.sandbox.http import (
    ApiError,
    json_response,
    parse_json,
    read_body,
    validation_error,
)

__all__ = ["routes"]

routes = web.RouteTableDef()
E = TypeVar("E", bound=Engine)
#: ``createdBy`` of the sandbox's resources (the scenario stands in for a dashboard user).
CREATED_BY = "sandbox-scenario"


def _engine(request: web.Request, cls: type[E]) -> E:
    return context.world(request).engine(request.match_info["id"], cls)


def _participant(request: web.Request, cls: type[E]) -> tuple[Identity, E, float]:
    identity = context.consumer(request)
    return identity, _engine(request, cls), context.now(request)


def _eligible(request: web.Request, identity: Identity, engine: Engine) -> None:
    """The gates routing reports also guard entry, so a client cannot skip them."""
    world = context.world(request)
    experience, sequence = world.sequences[engine.sequence_id]
    consumer = identity.consumer
    if sequence.access_code and sequence.id not in world.unlocked.get(consumer.id, set()):
        raise ApiError(403, {"error": "Access code required", "code": "ACCESS_CODE_REQUIRED"})
    if sequence.requires_sign_in and consumer.guest:
        raise ApiError(403, {"error": "Forbidden – User must be authenticated",
                             "code": "AUTHENTICATION_REQUIRED"})
    if sequence.bot_check and (consumer.id, experience.id) not in world.bot_verified:
        raise ApiError(403, {"error": "Bot check required", "code": "BOT_CHECK_REQUIRED"})
    world.touch_journey(consumer.id, experience.id, context.now(request))


# --- queues -----------------------------------------------------------------------------------


@routes.get("/queues/{id}")
async def get_queue(request: web.Request) -> web.Response:
    engine = _engine(request, QueueEngine)
    world = context.world(request)
    _, sequence = world.sequences[engine.sequence_id]
    return json_response(attrs.evolve(engine.model(), organization_id=world.scenario.organization_id,
                                      name=sequence.name, archived=False,
                                      created_at=to_datetime(world.clock.start),
                                      created_by=CREATED_BY))


@routes.post("/queues/{id}/enter")
async def enter_queue(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, QueueEngine)
    _eligible(request, identity, engine)
    return json_response(engine.enter(identity.consumer.id, guest=identity.consumer.guest, now=now))


@routes.post("/queues/{id}/leave")
async def leave_queue(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, QueueEngine)
    return json_response(engine.leave(identity.consumer.id, now))


@routes.get("/queues/{id}/status")
async def queue_status(request: web.Request) -> web.Response:
    identity, engine, _ = _participant(request, QueueEngine)
    return json_response(engine.state(identity.consumer.id))


@routes.post("/queues/{id}/admit")
async def admit(request: web.Request) -> web.Response:
    context.require_secret(request)
    engine = _engine(request, QueueEngine)
    body = await read_body(request, wire.QueueAdmitRequest)
    return json_response(engine.admit(body.consumer_id, context.now(request)))


_DENY_REASONS = ("QUEUE_CLOSED", "BOT_DETECTED", "VALIDATION_LIMIT_REACHED",
                 "ORDER_LIMIT_EXCEEDED", "ADMISSION_EXPIRED")


@routes.post("/queues/{id}/deny")
async def deny(request: web.Request) -> web.Response:
    context.require_secret(request)
    engine = _engine(request, QueueEngine)
    body = await read_body(request, wire.QueueDenyRequest)
    if body.reason not in _DENY_REASONS:
        raise validation_error(f"reason must be one of {', '.join(_DENY_REASONS)}", ["reason"],
                               body={"reason": body.reason}, expected="|".join(_DENY_REASONS),
                               type_="invalid_enum_value")
    return json_response(engine.deny(body.consumer_id, body.reason, context.now(request)))


# --- draws ------------------------------------------------------------------------------------


@routes.get("/draws/{id}")
async def get_draw(request: web.Request) -> web.Response:
    return json_response(_engine(request, DrawEngine).model())


@routes.post("/draws/{id}/enter")
async def enter_draw(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, DrawEngine)
    _eligible(request, identity, engine)
    return json_response(engine.enter(identity.consumer.id, guest=identity.consumer.guest, now=now))


@routes.post("/draws/{id}/leave")
async def leave_draw(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, DrawEngine)
    return json_response(engine.leave(identity.consumer.id, now))


@routes.get("/draws/{id}/status")
async def draw_status(request: web.Request) -> web.Response:
    identity, engine, _ = _participant(request, DrawEngine)
    return json_response(engine.state(identity.consumer.id))


# --- auctions ---------------------------------------------------------------------------------


@routes.get("/auctions/{id}")
async def get_auction(request: web.Request) -> web.Response:
    return json_response(_engine(request, AuctionEngine).model())


@routes.post("/auctions/{id}/enter")
async def enter_auction(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, AuctionEngine)
    _eligible(request, identity, engine)
    return json_response(engine.enter(identity.consumer.id, guest=identity.consumer.guest, now=now))


@routes.post("/auctions/{id}/bid")
async def bid(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, AuctionEngine)
    body = await read_body(request, wire.BidRequest)
    if body.amount is None:
        raise validation_error("amount is required", ["amount"], body={}, expected="string",
                               type_="missing")
    _money_is_a_string(parse_json(await request.read()))
    _eligible(request, identity, engine)
    return json_response(engine.bid(identity.consumer.id, body.amount,
                                    guest=identity.consumer.guest, now=now))


def _money_is_a_string(raw: dict[str, Any]) -> None:
    """Money is a decimal string on the wire; a JSON number (binary float) is refused."""
    if not isinstance(raw.get("amount"), str):
        raise validation_error('amount must be a decimal string like "1500.00"', ["amount"],
                               body=raw, expected="string", type_="invalid_type")


@routes.get("/auctions/{id}/status")
async def auction_status(request: web.Request) -> web.Response:
    identity, engine, _ = _participant(request, AuctionEngine)
    return json_response(engine.state(identity.consumer.id))


@routes.get("/auctions/{id}/highest-bid")
async def highest_bid(request: web.Request) -> web.Response:
    _, engine, _ = _participant(request, AuctionEngine)
    return json_response(engine.highest_bid())


# --- timed releases ---------------------------------------------------------------------------


@routes.get("/timed-releases/{id}")
async def get_timed_release(request: web.Request) -> web.Response:
    return json_response(_engine(request, TimedReleaseEngine).model())


@routes.post("/timed-releases/{id}/enter")
async def enter_timed_release(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, TimedReleaseEngine)
    body = await read_body(request, wire.TimedReleaseEnterRequest, optional=True)
    _eligible(request, identity, engine)
    return json_response(_shaped(request, engine.enter(identity.consumer.id, body.variant_id,
                                                       guest=identity.consumer.guest, now=now)))


@routes.post("/timed-releases/{id}/leave")
async def leave_timed_release(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, TimedReleaseEngine)
    return json_response(engine.leave(identity.consumer.id, now))


@routes.post("/timed-releases/{id}/complete")
async def complete_timed_release(request: web.Request) -> web.Response:
    identity, engine, now = _participant(request, TimedReleaseEngine)
    return json_response(engine.complete(identity.consumer.id, now))


@routes.get("/timed-releases/{id}/status")
async def timed_release_status(request: web.Request) -> web.Response:
    identity, engine, _ = _participant(request, TimedReleaseEngine)
    return json_response(_shaped(request, engine.state(identity.consumer.id)))


def _shaped(request: web.Request,
            state: wire.TimedReleaseConsumerState) -> wire.TimedReleaseConsumerState:
    """Gen C (scenario ``timedReleaseShape: "genC"``) has no ``GRANTED`` timed-release status:
    a granted entry is ``ENTERED`` with its ``admissionGrant``."""
    if (state.status is wire.TimedReleaseStatus.GRANTED
            and context.world(request).scenario.timed_release_shape == "genC"):
        return attrs.evolve(state, status=wire.TimedReleaseStatus.ENTERED)
    return state


# --- waitlists --------------------------------------------------------------------------------


@routes.post("/waitlists/{id}/enter")
async def enter_waitlist(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    world = context.world(request)
    waitlist = world.waitlist(request.match_info["id"])
    entry = waitlist.enter(identity.consumer.id, now=context.now(request))
    world.touch_journey(identity.consumer.id, waitlist.experience_id, context.now(request))
    return json_response(entry)


@routes.delete("/waitlists/{id}/leave")
async def leave_waitlist(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    waitlist = context.world(request).waitlist(request.match_info["id"])
    return json_response(waitlist.leave(identity.consumer.id))


@routes.get("/waitlists/{id}/status")
async def waitlist_status(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    waitlist = context.world(request).waitlist(request.match_info["id"])
    return json_response(waitlist.status(identity.consumer.id))
