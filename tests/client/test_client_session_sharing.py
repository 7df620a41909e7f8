"""Sessions shared through one storage and sessions that fail to refresh: one refresh at a time
per stored session, tokens another holder rotated adopted without a request, a lost refresh
answer keeping the still-valid token, a truly gone session reported, and an unusable storage
replaced by memory."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from client_helpers import Events, distribution_id

from fanfare_rx.client.session import SESSION_LOST, SessionManager
from fanfare_rx.client.storage import FileStorage, MemoryStorage, SessionStorage
from fanfare_rx.errors import AuthError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox, default_scenario
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.client import ConsumerApi

pytestmark = pytest.mark.integration


class Clock:
    """Epoch seconds with an adjustable offset, shared by the clients and the sandbox's token
    lifetimes (time passing for both)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.offset = 0.0
        sandbox.world.accounts.wall = self

    def __call__(self) -> float:
        return time.time() + self.offset

    def near_expiry(self, sessions: SessionManager, seconds_left: float) -> None:
        expires = sessions.access_expires_at
        assert expires is not None
        self.offset = expires.timestamp() - time.time() - seconds_left


async def _queue_id(api: ConsumerApi, sandbox: Sandbox) -> str:
    return distribution_id(await api.get_experience(sandbox.experiences["queue"]), "queues")


def _pair(make_api: Callable[..., ConsumerApi], sandbox: Sandbox, storages: list[SessionStorage],
          clock: Clock) -> list[tuple[ConsumerApi, SessionManager, Events]]:
    made = []
    for storage in storages:
        seen = Events()
        sessions = SessionManager(sandbox.organization_id, storage=storage, on_event=seen,
                                  clock=clock)
        made.append((make_api(sessions=sessions), sessions, seen))
    return made


@pytest.mark.parametrize("backend", ["file", "memory"])
async def test_two_holders_of_one_storage_refreshing_together_keep_one_identity(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, tmp_path: Path,
        backend: str) -> None:
    shared = MemoryStorage()
    storages: list[SessionStorage] = (
        [FileStorage(tmp_path), FileStorage(tmp_path)] if backend == "file" else [shared, shared])
    clock = Clock(sandbox)
    (api_a, sessions_a, seen_a), (api_b, sessions_b, seen_b) = _pair(make_api, sandbox,
                                                                     storages, clock)
    queue_id = await _queue_id(api_a, sandbox)
    entered = await api_a.enter_queue(queue_id)
    assert await sessions_b.restore() == sessions_a.session
    rotations = 0
    for _ in range(5):
        clock.near_expiry(sessions_a, 10)  # both are due
        states = await asyncio.gather(*(api.queue_status(queue_id)
                                        for api in (api_a, api_b, api_a, api_b)))
        assert all(state == entered for state in states)
        assert sessions_a.current_access_token == sessions_b.current_access_token
        rotations += 1
    assert len(sandbox.world.accounts.consumers) == 1  # nobody became a new guest
    assert sessions_a.session is not None and sessions_b.session is not None
    assert sessions_a.session.consumer_id == sessions_b.session.consumer_id
    for seen in (seen_a, seen_b):
        assert "auth:error" not in seen.names and "auth:session_lost" not in seen.names
    assert seen_a.names.count("auth:refreshed") + seen_b.names.count("auth:refreshed") \
        == 2 * rotations  # one rotated, the other adopted the stored tokens, each round
    restarted = SessionManager(sandbox.organization_id, storage=storages[0],
                               base_url=sandbox.base_url)
    assert await restarted.restore() == sessions_a.session  # a restart finds the same consumer


async def test_a_holder_adopts_tokens_rotated_elsewhere_without_a_request(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, tmp_path: Path) -> None:
    clock = Clock(sandbox)
    (api_a, sessions_a, _), (_, sessions_b, seen_b) = _pair(
        make_api, sandbox, [FileStorage(tmp_path), FileStorage(tmp_path)], clock)
    await api_a.guest()
    await sessions_b.restore()
    clock.near_expiry(sessions_b, 100)  # both are due
    await api_a.refresh()  # A rotates: B's refresh token is dead now
    sandbox.faults.set({"rules": [{"match": "POST /auth/refresh", "kind": "status",
                                   "status": 500}]})
    await sessions_b.ensure()  # no refresh request: the stored tokens are newer
    assert sandbox.faults.fired == [0]
    assert sessions_b.current_access_token == sessions_a.current_access_token
    assert seen_b.names == ["auth:authenticated", "auth:refreshed"]


async def test_a_lost_refresh_answer_keeps_the_valid_token_then_reports_the_loss(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events) -> None:
    clock = Clock(sandbox)
    sessions = SessionManager(sandbox.organization_id, on_event=events, clock=clock)
    api = make_api(sessions=sessions)
    queue_id = await _queue_id(api, sandbox)
    entered = await api.enter_queue(queue_id)
    consumer = sessions.session
    token = sessions.current_access_token
    clock.near_expiry(sessions, 60)
    # The server rotates, the answer is lost; the client's retry presents the old token: 401.
    sandbox.faults.set({"rules": [{"match": "POST /auth/refresh", "kind": "drop",
                                   "when": "after", "times": 1}]})
    assert await api.queue_status(queue_id) == entered
    assert sessions.current_access_token == token and sessions.session == consumer
    assert events.names == ["auth:authenticated", "auth:error"]
    assert await api.queue_status(queue_id) == entered  # no second refresh with a dead token
    assert events.names == ["auth:authenticated", "auth:error"]
    clock.near_expiry(sessions, -1)  # the access token expired: now the session is gone
    with pytest.raises(AuthError) as raised:
        await api.queue_status(queue_id)
    assert raised.value.code == SESSION_LOST
    assert events.names[-1] == "auth:session_lost" and sessions.lost_session == consumer
    assert len(sandbox.world.accounts.consumers) == 1


async def test_a_network_failure_of_refresh_is_tried_again_while_the_token_is_valid(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events) -> None:
    clock = Clock(sandbox)
    sessions = SessionManager(sandbox.organization_id, on_event=events, clock=clock)
    api = make_api(sessions=sessions)
    session = await api.guest()
    clock.near_expiry(sessions, 100)
    sandbox.faults.set({"rules": [{"match": "POST /auth/refresh", "kind": "status",
                                   "status": 503}]})
    assert await sessions.ensure() == session  # every retry failed; the token still works
    sandbox.faults.clear()
    clock.offset += 20  # past the short pause before the next try
    refreshed = await sessions.ensure()
    assert refreshed.consumer_id == session.consumer_id
    assert events.names == ["auth:authenticated", "auth:refreshed"]


async def test_an_unwritable_storage_falls_back_to_memory_once(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events,
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    sessions = SessionManager(sandbox.organization_id, on_event=events,
                              storage=FileStorage(blocker / "sessions"))
    api = make_api(sessions=sessions)
    queue_id = await _queue_id(api, sandbox)
    with caplog.at_level(logging.WARNING, logger="fanfare_rx"):
        entered = await api.enter_queue(queue_id)
        await sessions.save_journey("exp", "{}")
        await api.refresh()
        assert await api.queue_status(queue_id) == entered
    assert isinstance(sessions.storage, MemoryStorage)
    assert events.names.count("storage:fallback") == 1
    fallback = dict(events.items)["storage:fallback"]
    assert fallback["error"] == "NotADirectoryError" and "sessions" in fallback["storage"]
    warnings = [r for r in caplog.records if "not usable" in r.getMessage()]
    assert len(warnings) == 1
    assert await sessions.storage.load(sessions.storage_key) is not None


async def test_ensure_adopts_a_stored_session_instead_of_minting_a_guest(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, tmp_path: Path) -> None:
    first = make_api(storage=FileStorage(tmp_path))
    session = await first.guest()
    late = SessionManager(sandbox.organization_id, storage=FileStorage(tmp_path))
    make_api(sessions=late)
    assert await late.ensure() == session  # restore() was forgotten: still the same consumer
    assert len(sandbox.world.accounts.consumers) == 1
    assert late.session is not None and late.session.type == wire.SessionType.GUEST


async def test_with_a_reuse_grace_a_lost_refresh_answer_is_recovered(events: Events) -> None:
    scenario = attrs.evolve(default_scenario(), refresh_reuse_grace_seconds=30)
    async with Sandbox(scenario, clock="manual", seed=0) as sb:
        clock = Clock(sb)
        sessions = SessionManager(sb.organization_id, on_event=events, clock=clock)
        async with ConsumerApi(sb.base_url, sb.publishable_key, organization_id=sb.organization_id,
                               sessions=sessions, sleep=RecordedSleep()) as api:
            queue_id = await _queue_id(api, sb)
            entered = await api.enter_queue(queue_id)
            consumer, token = sessions.session, sessions.current_access_token
            clock.near_expiry(sessions, 60)
            sb.faults.set({"rules": [{"match": "POST /auth/refresh", "kind": "drop",
                                      "when": "after", "times": 1}]})
            assert await api.queue_status(queue_id) == entered
            assert sb.faults.fired == [1]
            # The retry presented the rotated-out token within the grace: the same new pair.
            assert sessions.current_access_token != token
            assert sessions.session is not None and consumer is not None
            assert sessions.session.consumer_id == consumer.consumer_id
            assert events.names == ["auth:authenticated", "auth:refreshed"]
            clock.near_expiry(sessions, -1)  # even past the old token's expiry all is well
            assert await api.queue_status(queue_id) == entered
            assert "auth:session_lost" not in events.names
