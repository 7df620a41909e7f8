"""Experience handlers: details with every sequence's distributions, enter/leave, routing and
the archived-status resolver.
"""

from __future__ import annotations

from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.http import json_response, read_body
from fanfare_rx.sandbox.routing import route as route_consumer
from fanfare_rx.sandbox.scenario import ExperienceSpec
from fanfare_rx.sandbox.world import World

__all__ = ["routes"]

routes = web.RouteTableDef()


def _experience(world: World, experience: ExperienceSpec) -> wire.Experience:
    """The experience body; in spec mode its sequences list no timed releases (§4.3: no
    ``timedReleases`` array in gen B/C; ``TimedReleaseEngine.extensions``): a client finds one through the
    routed sequence's ``distribution`` in ``GET /consumers/me``."""
    return world.experience_model(experience)


@routes.post("/experiences/archived-status")
async def archived_status(request: web.Request) -> web.Response:
    body = await read_body(request, wire.ArchivedStatusRequest)
    world = context.world(request)
    live = tuple(i for i in body.experience_ids
                 if i in world.experiences and not world.experiences[i].archived)
    return json_response(wire.ArchivedStatusResult(live_experience_ids=live))


@routes.get("/experiences/{experience_id}")
async def get_experience(request: web.Request) -> web.Response:
    world = context.world(request)
    experience = world.experience(request.match_info["experience_id"])
    return json_response(_experience(world, experience))


@routes.post("/experiences/{experience_id}/enter")
async def enter_experience(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    world = context.world(request)
    experience = world.experience(request.match_info["experience_id"])
    now = context.now(request)
    world.touch_journey(identity.consumer.id, experience.id, now)
    return json_response(wire.ExperienceEntered(experience_id=experience.id,
                                                entered_at=to_datetime(now),
                                                experience=_experience(world, experience)))


@routes.delete("/experiences/{experience_id}/leave")
async def leave_experience(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    world = context.world(request)
    experience = world.experience(request.match_info["experience_id"])
    journeys = world.journeys.get(identity.consumer.id, {})
    return json_response(wire.ExperienceLeft(left=journeys.pop(experience.id, None) is not None))


@routes.post("/experiences/{experience_id}/route")
async def route(request: web.Request) -> web.Response:
    identity = context.consumer(request)
    world = context.world(request)
    experience = world.experience(request.match_info["experience_id"])
    body = await read_body(request, wire.RouteRequest, optional=True)
    result = route_consumer(world, identity.consumer, experience, body.access_code,
                            context.now(request), base_url=context.base_url(request))
    return json_response(result)
