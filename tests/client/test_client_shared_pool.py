"""Many shoppers, one connection pool: Fanfare instances on a shared HttpPool keep their own
identity (tokens go per request), destroying one leaves the pool to the others, and closing
the pool leaves no connection open — all over loopback against the sandbox."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from client_helpers import distribution_id

import fanfare_rx
from fanfare_rx import Fanfare
from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import ClientClosedError, ConfigError, ErrorCode
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.pool import ClosesOnExit, HttpPool

SHOPPERS = 50


async def _shopper(sandbox: Sandbox, pool: HttpPool | None) -> Fanfare:
    return await Fanfare.init(organization_id=sandbox.organization_id,
                              publishable_key=sandbox.publishable_key,
                              base_url=sandbox.base_url, pool=pool)


@pytest.mark.integration
async def test_fifty_shoppers_share_one_pool_and_keep_their_own_identity(
        sandbox: Sandbox) -> None:
    pool = HttpPool(max_connections=4)
    shoppers = [await _shopper(sandbox, pool) for _ in range(SHOPPERS)]
    assert pool.client_session is None  # nothing opened before the first request
    sessions = await asyncio.gather(*(shopper.auth.guest() for shopper in shoppers))
    assert len({session.consumer_id for session in sessions}) == SHOPPERS

    experience = await shoppers[0].api.get_experience(sandbox.experiences["queue"])
    queue_id = distribution_id(experience, "queues")
    await asyncio.gather(*(shopper.api.enter_queue(queue_id) for shopper in shoppers))
    states = await asyncio.gather(*(shopper.api.queue_status(queue_id) for shopper in shoppers))
    positions = [getattr(state, "position", None) for state in states]
    assert None not in positions and len(set(positions)) == SHOPPERS  # one place each

    shared = pool.client_session
    assert shared is not None and shared.connector is not None
    assert shared.connector.limit == 4
    assert all(shopper.api.client_session is shared for shopper in shoppers)
    assert all(shopper.api.pool is pool for shopper in shoppers)

    await shoppers[0].destroy()
    assert not pool.closed and not shared.closed
    with pytest.raises(ClientClosedError) as aborted:
        await shoppers[0].api.queue_status(queue_id)
    assert aborted.value.code == ErrorCode.ABORTED
    again = await shoppers[1].api.queue_status(queue_id)
    assert getattr(again, "position", None) == positions[1]

    for shopper in shoppers[1:]:
        await shopper.destroy()
    assert not shared.closed
    await pool.close()
    gc.collect()  # an unclosed session or connection would warn here (warnings are errors)
    assert pool.closed and pool.client_session is None
    assert shared.closed and shared.connector is None


@pytest.mark.integration
async def test_a_closed_pool_refuses_requests_and_a_shopper_does_not_reopen_it(
        sandbox: Sandbox) -> None:
    async with HttpPool() as pool:
        shopper = await _shopper(sandbox, pool)
        await shopper.auth.guest()
    try:
        with pytest.raises(ClientClosedError) as caught:
            await shopper.experiences.get_me()
        assert caught.value.code == ErrorCode.ABORTED and pool.client_session is None
    finally:
        await shopper.destroy()


@pytest.mark.integration
async def test_a_shopper_without_a_pool_still_closes_its_own(sandbox: Sandbox) -> None:
    shopper = await _shopper(sandbox, None)
    await shopper.auth.guest()
    own = shopper.api.client_session
    assert own is not None and not shopper.api.pool.closed
    await shopper.destroy()
    assert own.closed and shopper.api.pool.closed


@pytest.mark.parametrize("kwargs", [{"max_connections": 0}, {"max_connections": True},
                                    {"keepalive_timeout": -1}, {"keepalive_timeout": "30"}])
def test_bad_pool_settings_are_config_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match=next(iter(kwargs))):
        HttpPool(**kwargs)


def test_the_pool_is_exported_and_its_repr_holds_no_secret() -> None:
    assert fanfare_rx.HttpPool is HttpPool and "HttpPool" in fanfare_rx.__all__
    assert repr(HttpPool(max_connections=3)) == "HttpPool(max_connections=3, open=False, " \
        "closed=False)"


@pytest.mark.integration
async def test_an_error_in_the_block_still_closes_the_client_and_the_pool(
        sandbox: Sandbox) -> None:
    """The pool and the client share one ``async with`` exit (ClosesOnExit): a failing block
    closes them both, its error propagating."""
    api: ConsumerApi[SessionManager] | None = None
    with pytest.raises(RuntimeError, match="boom"):
        async with HttpPool() as pool, ConsumerApi(
                sandbox.base_url, sandbox.publishable_key,
                organization_id=sandbox.organization_id,
                sessions=SessionManager(sandbox.organization_id), pool=pool) as api:
            await api.guest()
            raise RuntimeError("boom")
    assert api is not None and api.closed
    assert pool.closed and pool.client_session is None
    assert isinstance(api, ClosesOnExit) and isinstance(pool, ClosesOnExit)


@pytest.fixture
async def cookie_server() -> Any:
    """A loopback server whose guest sessions set a cookie (as a real server's refresh cookie
    or a load balancer's might) and which records the ``Cookie`` header of every request."""
    from aiohttp import web

    seen: list[str | None] = []
    made = 0

    async def guest(request: web.Request) -> web.Response:
        nonlocal made
        made += 1
        seen.append(request.headers.get("Cookie"))
        response = web.json_response({
            "session": {"type": "guest", "consumerId": f"c-{made}",
                        "expiresAt": "2099-01-01T00:00:00Z"},
            "accessToken": f"tok-{made}", "refreshToken": f"ref-{made}",
            "refreshTokenTtlSeconds": 3600})
        response.set_cookie("refresh", f"cookie-of-shopper-{made}")
        return response

    app = web.Application()
    app.router.add_post("/auth/guest", guest)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://localhost:{port}", seen  # a host name: aiohttp keeps no cookie of an IP
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("shared", [True, False], ids=["one pool", "a pool each"])
async def test_a_cookie_set_for_one_shopper_never_goes_out_with_another_s_request(
        cookie_server: tuple[str, list[str | None]], shared: bool) -> None:
    """A shopper's identity is the session its client holds: the pool keeps no cookie, so a
    cookie the server set in one shopper's answer is not sent with the next shopper's (or the
    same shopper's) requests."""
    base_url, seen = cookie_server
    pool = HttpPool() if shared else None
    shoppers = [await Fanfare.init(organization_id="org_x", publishable_key="pk_test_x",
                                   base_url=base_url, pool=pool) for _ in range(2)]
    try:
        for shopper in shoppers:
            await shopper.auth.guest()
            await shopper.auth.guest()
    finally:
        for shopper in shoppers:
            await shopper.destroy()
        if pool is not None:
            await pool.close()
    assert len(seen) == 4
    assert seen == [None, None, None, None]
