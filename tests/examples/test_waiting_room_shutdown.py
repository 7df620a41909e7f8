"""The example app stops at once with a tab still listening: its page streams end when the app
shuts down, so the server does not wait out its shutdown timeout (60 s) for them."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp import web

from fanfare_rx.sandbox import Sandbox


async def test_stopping_the_app_ends_an_open_page_stream_at_once(sb: Sandbox,
                                                                  example: Any) -> None:
    target = example.Target(sb.base_url, sb.organization_id, sb.publishable_key,
                            dict(sb.experiences))
    runner = web.AppRunner(example.make_app(target, auto_polling=300))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    # The app's cookie names the shopper; aiohttp keeps cookies of an IP host only when unsafe.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http, \
            http.get(f"http://127.0.0.1:{port}/x/queue/events") as stream:
        assert (await stream.content.readline()).startswith(b"data: ")
        await asyncio.wait_for(runner.cleanup(), timeout=10)
