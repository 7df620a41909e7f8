"""Waitlist handlers: enter, leave and status of the waitlist attached to a sequence (the
distributions' own routes live in their engine modules, ``fanfare_rx.sandbox.engines``).
"""

from __future__ import annotations

from aiohttp import web

from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.http import json_response

__all__ = ["routes"]

routes = web.RouteTableDef()


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
