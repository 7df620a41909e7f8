"""The example app stops at once with a tab still listening: its page streams end when the app
shuts down, so the server does not wait out its shutdown timeout (60 s) for them."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web


async def test_stopping_the_app_ends_an_open_page_stream_at_once(
        served: tuple[web.AppRunner, str]) -> None:
    runner, url = served
    # The app's cookie names the shopper; aiohttp keeps cookies of an IP host only when unsafe.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http, \
            http.get(f"{url}/x/queue/events") as stream:
        assert (await stream.content.readline()).startswith(b"data: ")
        await asyncio.wait_for(runner.cleanup(), timeout=10)
