"""Queue-status polls per second: the sandbox next to a bare aiohttp JSON handler, measured in
the same run with the same client loop over loopback.

Run: ``python -m benchmarks sandbox`` or ``python benchmarks/bench_sandbox.py [--requests 3000]
[--concurrency 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import web

from fanfare_rx.sandbox import Sandbox

__all__ = ["main"]


async def _poll(url: str, headers: dict[str, str], requests: int, concurrency: int) -> float:
    """Requests per second of ``requests`` GETs spread over ``concurrency`` workers."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one() -> None:
            async with session.get(url, headers=headers) as response:
                await response.read()
                assert response.status == 200, response.status

        for _ in range(50):  # warm-up
            await one()
        remaining = requests

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await one()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


async def _bare_server() -> tuple[web.AppRunner, str]:
    async def status(_: web.Request) -> web.Response:
        return web.json_response({"status": "QUEUED", "position": 41,
                                  "estimatedWaitTimeInSeconds": 41.0})

    app = web.Application()
    app.router.add_get("/queues/{id}/status", status)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/queues/q/status"


async def _sandbox_target(sandbox: Sandbox) -> tuple[str, dict[str, str]]:
    headers = {"X-Publishable-Key": sandbox.publishable_key}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sandbox.base_url}/auth/guest", headers=headers) as r:
            token = (await r.json())["accessToken"]
        headers["Authorization"] = f"Bearer {token}"
        queue_id = next(e.sequences[0].distribution.id for e in sandbox.scenario.experiences
                        if e.label == "queue" and e.sequences[0].distribution)
        async with session.post(f"{sandbox.base_url}/queues/{queue_id}/enter", headers=headers) as r:
            assert r.status == 200
    return f"{sandbox.base_url}/queues/{queue_id}/status", headers


async def run(requests: int, concurrency: int) -> tuple[float, float]:
    runner, bare_url = await _bare_server()
    try:
        async with Sandbox(clock="manual", rate_limit=10_000_000) as sandbox:
            url, headers = await _sandbox_target(sandbox)
            poll: Callable[[str, dict[str, str]], Awaitable[float]] = (
                lambda u, h: _poll(u, h, requests, concurrency))
            sandbox_rate = await poll(url, headers)
            bare_rate = await poll(bare_url, {})
    finally:
        await runner.cleanup()
    return sandbox_rate, bare_rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quick", action="store_true", help="tiny size (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.concurrency = 100, 4
    sandbox_rate, bare_rate = asyncio.run(run(args.requests, args.concurrency))
    print(f"sandbox queue-status polls: {sandbox_rate:8.0f} req/s")
    print(f"bare aiohttp JSON handler:  {bare_rate:8.0f} req/s")
    print(f"ratio sandbox/bare:         {sandbox_rate / bare_rate:8.2f}")


if __name__ == "__main__":
    main()
