"""A waiting-room page served to browsers: aiohttp holds one Fanfare client per browser
shopper (a cookie) and one journey per experience, and streams ``journey.page`` to the page
with Server-Sent Events. No JavaScript framework; only fanfare_rx's public API.

Run it against the embedded sandbox (one command)::

    python examples/waiting_room/app.py            # then open http://127.0.0.1:8080/

Usage from Python (tests): ``app = make_app(Target(base_url, organization_id, key))``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NamedTuple

from aiohttp import web

from fanfare_rx import (
    ExperienceJourney,
    Fanfare,
    FanfareError,
    MemoryStorage,
    Page,
    page_to_json,
)
from fanfare_rx.sandbox import Sandbox

__all__ = ["Target", "main", "make_app"]

HERE = Path(__file__).parent
COOKIE = "shopper"


class Target(NamedTuple):
    """The Consumer API the page's shoppers use and the experiences it lists (label -> id)."""

    base_url: str
    organization_id: str
    publishable_key: str
    experiences: dict[str, str]


class Shoppers:
    """One Fanfare client (one consumer identity) per browser shopper; every tab of that
    shopper shares it, so two tabs show one journey and one place in line."""

    def __init__(self, target: Target, auto_polling: bool | int) -> None:
        self.target = target
        self.auto_polling = auto_polling
        self._clients: dict[str, Fanfare] = {}
        self._lock = asyncio.Lock()

    async def client(self, shopper: str) -> Fanfare:
        async with self._lock:
            fanfare = self._clients.get(shopper)
            if fanfare is None:
                fanfare = await Fanfare.init(
                    organization_id=self.target.organization_id,
                    publishable_key=self.target.publishable_key,
                    base_url=self.target.base_url, storage=MemoryStorage(),
                    fail_open_after=30)
                self._clients[shopper] = fanfare
            return fanfare

    async def journey(self, shopper: str, experience_id: str) -> ExperienceJourney:
        journey = (await self.client(shopper)).experiences.create_journey(experience_id)
        journey.auto_polling = self.auto_polling
        return journey

    async def close(self) -> None:
        for fanfare in self._clients.values():
            await fanfare.destroy()
        self._clients.clear()


SHOPPERS = web.AppKey("shoppers", Shoppers)


def _shopper(request: web.Request) -> str:
    shopper = request.cookies.get(COOKIE)
    if not shopper:
        raise web.HTTPFound(request.path, headers={
            "Set-Cookie": f"{COOKIE}={secrets.token_urlsafe(12)}; Path=/; HttpOnly; SameSite=Lax"})
    return shopper


def _experience(request: web.Request) -> str:
    label = request.match_info["label"]
    experience_id = request.app[SHOPPERS].target.experiences.get(label)
    if experience_id is None:
        raise web.HTTPNotFound(text=f"no experience {label!r}")
    return experience_id


async def index(request: web.Request) -> web.Response:
    links = "".join(f'<li><a href="/x/{html.escape(label)}">{html.escape(label)}</a></li>'
                    for label in request.app[SHOPPERS].target.experiences)
    return web.Response(content_type="text/html", text=(
        "<!doctype html><meta charset=utf-8><title>Waiting rooms</title>"
        f"<h1>Waiting rooms</h1><ul>{links}</ul>"))


async def page(request: web.Request) -> web.Response:
    _shopper(request)
    _experience(request)
    return web.Response(content_type="text/html",
                        text=(HERE / "page.html").read_text(encoding="utf-8"))


async def events(request: web.Request) -> web.StreamResponse:
    """The page as Server-Sent Events: the current page first, then one event per change."""
    journey = await request.app[SHOPPERS].journey(_shopper(request), _experience(request))
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-cache"})
    await response.prepare(request)
    latest: asyncio.Queue[Page | None] = asyncio.Queue()
    subscription = journey.page.subscribe(
        on_next=latest.put_nowait, on_completed=lambda: latest.put_nowait(None))
    try:
        while True:
            value = await latest.get()
            while not latest.empty():  # a slow tab gets the newest page, not a backlog
                value = latest.get_nowait()
            if value is None:
                break
            await response.write(f"data: {page_to_json(value)}\n\n".encode())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        subscription.dispose()  # the last tab gone: automatic polling stops
    return response


async def act(request: web.Request) -> web.Response:
    """Run one action of the current view: ``{"action": "enter" | "bid" | ..., "value"?}``."""
    journey = await request.app[SHOPPERS].journey(_shopper(request), _experience(request))
    body: dict[str, Any] = await request.json()
    action, value = str(body.get("action", "")), body.get("value")
    view = journey.view.get()
    sequence = view.sequence
    try:
        if action == "start" and "start" in view:
            await view.start()
        elif action == "access_code" and "submit_access_code" in view:
            await view.submit_access_code(str(value or ""))
        elif action == "access_code" and "reroute" in view:
            await view.reroute(access_code=str(value or ""))
        elif action == "retry" and "retry" in view:
            await view.retry()
        elif sequence is not None and action == "bid" and "bid" in sequence:
            await sequence.bid(str(value or ""))
        elif sequence is not None and action == "claim" and "claim" in sequence:
            sequence.claim()  # the grant goes to the checkout, never into the page
        elif sequence is not None and action in ("enter", "leave") and action in sequence:
            await getattr(sequence, action)()
        else:
            return web.json_response({"ok": False, "error": f"{action} is not offered now"},
                                     status=409)
    except FanfareError as exc:
        return web.json_response({"ok": False, "error": exc.message}, status=400)
    except ValueError as exc:
        return web.json_response({"ok": False, "error": str(exc)}, status=400)
    return web.json_response({"ok": True})


def make_app(target: Target, *, auto_polling: bool | int = True) -> web.Application:
    """The waiting-room app for ``target``; ``auto_polling`` tunes how each journey polls
    while a tab listens (True: the server's cadence; an int: every that many ms)."""
    app = web.Application()
    app[SHOPPERS] = Shoppers(target, auto_polling)

    async def close(app: web.Application) -> None:
        await app[SHOPPERS].close()

    # On shutdown, before the server waits for its handlers: destroying the journeys ends
    # their pages, so every open event stream returns at once.
    app.on_shutdown.append(close)
    app.add_routes([web.get("/", index), web.get("/x/{label}", page),
                    web.get("/x/{label}/events", events), web.post("/x/{label}/act", act)])
    return app


@contextlib.asynccontextmanager
async def embedded_sandbox(speed: float) -> AsyncIterator[Target]:
    """A sandbox on an accelerated real clock, for trying the page with no server."""
    async with Sandbox(clock="real", speed=speed) as sandbox:
        yield Target(sandbox.base_url, sandbox.organization_id, sandbox.publishable_key,
                     dict(sandbox.experiences))


async def serve(host: str, port: int, speed: float) -> None:
    async with embedded_sandbox(speed) as target:
        runner = web.AppRunner(make_app(target, auto_polling=1000))
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        print(f"waiting rooms on http://{host}:{port}/ (sandbox {target.base_url}, speed {speed})")
        print(json.dumps(target.experiences, indent=2))
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--speed", type=float, default=10.0,
                        help="sandbox seconds per real second (default 10)")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.speed))


if __name__ == "__main__":
    main()
