"""The sandbox aiohttp application: every Consumer API route the journey uses (each registered
engine's among them), served at the root of the base URL, behind the middlewares of
:mod:`fanfare_rx.sandbox.middlewares`.
"""

from __future__ import annotations

from aiohttp import web

from fanfare_rx.sandbox import (
    context,
    control,
    handlers_auth,
    handlers_experiences,
    handlers_waitlists,
)
from fanfare_rx.sandbox.engines import registered_engines
from fanfare_rx.sandbox.faults import Faults
from fanfare_rx.sandbox.middlewares import BODY_TIMEOUT, MAX_BODY_BYTES, middlewares
from fanfare_rx.sandbox.ratelimit import RateLimiter
from fanfare_rx.sandbox.world import World

__all__ = ["create_app"]


def create_app(world: World, *, faults: Faults | None = None,
               limiter: RateLimiter | None = None, body_timeout: float = 30.0) -> web.Application:
    """Build the application around a world.

    Usage: ``app = create_app(World(default_scenario(), SandboxClock("manual")))``
    """
    app = web.Application(middlewares=middlewares(world.scenario.spec_mode),
                          client_max_size=MAX_BODY_BYTES)
    app[context.WORLD] = world
    app[context.FAULTS] = faults or Faults()
    app[context.LIMITER] = limiter or RateLimiter(world.scenario.requests_per_minute)
    app[BODY_TIMEOUT] = body_timeout
    engine_routes = [engine.routes for engine in registered_engines().values()
                     if engine.routes is not None]
    for table in (handlers_auth.routes, handlers_experiences.routes, *engine_routes,
                  handlers_waitlists.routes, control.routes):
        app.router.add_routes(table)
    return app
