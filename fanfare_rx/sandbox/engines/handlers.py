"""What the engines' HTTP handlers share: the engine a path names, the calling consumer, and
the gates (access code, sign-in, bot check) routing reports, which also guard entering.
"""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.auth import Identity
from fanfare_rx.sandbox.engines.base import Engine
from fanfare_rx.sandbox.http import ApiError, json_response

__all__ = ["CREATED_BY", "eligible", "engine_of", "participant", "serve_model"]

E = TypeVar("E", bound=Engine)
#: ``createdBy`` of the sandbox's resources (the scenario stands in for a dashboard user).
CREATED_BY = "sandbox-scenario"


def engine_of(request: web.Request, cls: type[E]) -> E:
    """The engine of class ``cls`` the path's ``{id}`` names, or 404 in its noun.

    Usage: ``engine = engine_of(request, DrawEngine)``
    """
    return context.world(request).engine(request.match_info["id"], cls)


def serve_model(routes: web.RouteTableDef, path: str, cls: type[Engine]) -> None:
    """Route ``GET path`` (public) to the body of the engine the path's ``{id}`` names: its
    ``model()``, the same for every engine that has nothing to add to it.

    Usage: ``serve_model(routes, "/draws/{id}", DrawEngine)``
    """

    async def get_model(request: web.Request) -> web.Response:
        return json_response(engine_of(request, cls).model())

    routes.get(path)(get_model)


def participant(request: web.Request, cls: type[E]) -> tuple[Identity, E, float]:
    """The calling consumer (or 401), the engine (or 404) and the request's sandbox time.

    Usage: ``identity, engine, now = participant(request, DrawEngine)``
    """
    identity = context.consumer(request)
    return identity, engine_of(request, cls), context.now(request)


def eligible(request: web.Request, identity: Identity, engine: Engine) -> None:
    """Refuse (403) a consumer who has not passed the gates of the engine's sequence; the
    experience then counts as one of the consumer's journeys (``/consumers/me``).

    Usage: ``eligible(request, identity, engine)``
    """
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
