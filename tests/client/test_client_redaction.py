"""No secret in reprs, log lines, events or exception strings; nothing left open after close."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from client_helpers import Events, distribution_id

from fanfare_rx.client.session import SessionManager
from fanfare_rx.client.storage import MemoryStorage
from fanfare_rx.errors import ClientClosedError, ErrorCode, FanfareError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi

pytestmark = pytest.mark.integration


async def test_secrets_never_reach_reprs_logs_events_or_errors(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events,
        caplog: pytest.LogCaptureFixture) -> None:
    storage = MemoryStorage()
    api = make_api(sessions=SessionManager(sandbox.organization_id, storage=storage,
                                           on_event=events))
    secrets: set[str] = {sandbox.otp_code, sandbox.access_codes["vip"]}
    texts: list[str] = []

    async def collect() -> None:
        stored = await storage.load(api.sessions.storage_key)
        if stored is not None:
            secrets.update(t for t in (stored.access_token, stored.refresh_token) if t)
        texts.extend([repr(api), repr(api.sessions), repr(stored)])

    with caplog.at_level(logging.DEBUG, logger="fanfare_rx"):
        experience = await api.get_experience(sandbox.experiences["queue"])
        queue_id = distribution_id(experience, "queues")
        await api.route(sandbox.experiences["vip"], access_code=sandbox.access_codes["vip"])
        await api.enter_queue(queue_id)
        await collect()
        await sandbox.advance(90)
        granted = await api.queue_status(queue_id)
        assert isinstance(granted, wire.QueueGranted)
        secrets.add(granted.admission_grant)
        texts.append(repr(granted))
        await api.refresh()
        await collect()
        sandbox.world.accounts.wall = lambda: time.time() + 7200  # 401 -> refresh -> retry
        await api.queue_status(queue_id)
        await collect()
        try:
            await api.verify_otp("000000", email="ada@example.com")
        except FanfareError as exc:
            texts.extend([str(exc), repr(exc)])
        await api.verify_otp(sandbox.otp_code, email="ada@example.com")
        await collect()
        await api.logout()

    assert any(r.name == "fanfare_rx.http" for r in caplog.records)
    texts.extend(r.getMessage() for r in caplog.records)
    texts.extend(repr(payload) for _, payload in events.items)
    leaked = [(secret, text) for secret in secrets for text in texts if secret in text]
    assert leaked == []
    assert len(secrets) >= 6  # the check looked for real tokens


async def test_http_log_lines_name_method_path_status_attempt_and_delay(
        api: ConsumerApi, sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "status", "status": 500,
                                   "times": 1}]})
    with caplog.at_level(logging.DEBUG, logger="fanfare_rx.http"):
        await api.get_queue(await _queue_id(api, sandbox))
    lines = [r.getMessage() for r in caplog.records if r.name == "fanfare_rx.http"]
    assert any("GET /queues/" in line and "500" in line and "attempt 1" in line
               and "retry in" in line for line in lines)
    assert any("-> 200 (attempt 2)" in line for line in lines)


async def _queue_id(api: ConsumerApi, sandbox: Sandbox) -> str:
    return distribution_id(await api.get_experience(sandbox.experiences["queue"]), "queues")


async def test_close_releases_the_pool_and_later_calls_raise(api: ConsumerApi,
                                                             sandbox: Sandbox) -> None:
    await api.get_experience(sandbox.experiences["queue"])
    session = api.client_session
    assert session is not None and not session.closed
    await api.close()
    await api.close()  # idempotent
    assert session.closed and api.closed and api.client_session is None
    with pytest.raises(ClientClosedError) as caught:
        await api.get_experience(sandbox.experiences["queue"])
    assert caught.value.code == ErrorCode.ABORTED


async def test_async_with_closes(sandbox: Sandbox) -> None:
    async with ConsumerApi(sandbox.base_url, sandbox.publishable_key,
                           organization_id=sandbox.organization_id,
                           sessions=SessionManager(sandbox.organization_id)) as api:
        await api.get_experience(sandbox.experiences["queue"])
        session = api.client_session
    assert session is not None and session.closed


async def test_no_session_is_opened_before_the_first_request(sandbox: Sandbox) -> None:
    api = ConsumerApi(sandbox.base_url, sandbox.publishable_key,
                      organization_id=sandbox.organization_id,
                      sessions=SessionManager(sandbox.organization_id))
    assert api.client_session is None
    await api.close()


def test_configuration_is_checked() -> None:
    with pytest.raises(FanfareError) as caught:
        ConsumerApi("ftp://x", "pk_test", organization_id="org", sessions=SessionManager("org"))
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    with pytest.raises(FanfareError) as caught:
        ConsumerApi("http://x", "", organization_id="org", sessions=SessionManager("org"))
    assert caught.value.code == ErrorCode.MISSING_PUBLISHABLE_KEY
    with pytest.raises(FanfareError) as caught:
        ConsumerApi("http://x", "pk_test", organization_id="", sessions=SessionManager("org"))
    assert caught.value.code == ErrorCode.MISSING_ORGANIZATION_ID
