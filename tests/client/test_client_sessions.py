"""Sessions against the sandbox: guest on demand, refresh before expiry and after a 401, a failed
refresh falling back to a new guest, OTP sign-in linking the guest, logout, restore."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from client_helpers import Events, distribution_id

from fanfare_rx.client.session import SESSION_LOST, SessionManager
from fanfare_rx.client.storage import FileStorage, MemoryStorage
from fanfare_rx.errors import AuthError, FanfareError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.retry import RetryPolicy

pytestmark = pytest.mark.integration


async def _queue_id(api: ConsumerApi, sandbox: Sandbox) -> str:
    return distribution_id(await api.get_experience(sandbox.experiences["queue"]), "queues")


def _expire_access_tokens_on_server(sandbox: Sandbox, seconds: float = 7200) -> None:
    # Token lifetimes run on the sandbox's wall clock; moving it ahead expires access tokens
    # (refresh tokens live 30 days) while the client still believes its token is fresh.
    sandbox.world.accounts.wall = lambda: time.time() + seconds


def _revoke_all_sessions(sandbox: Sandbox) -> None:
    for session in sandbox.world.accounts.sessions.values():
        session.revoked = True


async def test_guest_session_is_created_on_demand(api: ConsumerApi, sandbox: Sandbox,
                                                  events: Events) -> None:
    queue_id = await _queue_id(api, sandbox)
    await api.get_queue(queue_id)
    assert api.sessions.session is None and events.items == []  # public calls need none
    state = await api.queue_status(queue_id)
    assert isinstance(state, wire.QueueNotQueued)
    session = api.sessions.session
    assert session is not None and session.type == wire.SessionType.GUEST
    assert events.items == [("auth:authenticated", {"session": session, "is_new": True})]
    await api.queue_status(queue_id)
    assert events.names == ["auth:authenticated"]  # reused, not recreated


async def test_401_refreshes_once_and_repeats_the_request(api: ConsumerApi, sandbox: Sandbox,
                                                          events: Events) -> None:
    queue_id = await _queue_id(api, sandbox)
    entered = await api.enter_queue(queue_id)
    before = api.sessions.session
    old_token = api.sessions.current_access_token
    _expire_access_tokens_on_server(sandbox)
    assert await api.queue_status(queue_id) == entered
    after = api.sessions.session
    assert after is not None and before is not None
    assert after.consumer_id == before.consumer_id
    assert api.sessions.current_access_token != old_token
    assert events.names == ["auth:authenticated", "auth:refreshed"]


async def test_concurrent_401s_share_one_refresh(api: ConsumerApi, sandbox: Sandbox,
                                                 events: Events) -> None:
    queue_id = await _queue_id(api, sandbox)
    await api.enter_queue(queue_id)
    consumer = api.sessions.session
    _expire_access_tokens_on_server(sandbox)
    states = await asyncio.gather(*(api.queue_status(queue_id) for _ in range(4)))
    assert all(isinstance(state, wire.QueueQueued) for state in states)
    assert events.names.count("auth:refreshed") == 1
    assert api.sessions.session is not None and consumer is not None
    assert api.sessions.session.consumer_id == consumer.consumer_id


async def test_session_operations_take_turns_on_a_lock_kept_only_while_one_runs(
        api: ConsumerApi, sandbox: Sandbox, events: Events) -> None:
    """Renewals and sign-ins run one at a time; the lock they take turns on exists only while
    one runs or waits (thousands of idle shoppers keep none), and a waiter cancelled in line
    gives its turn back."""
    queue_id = await _queue_id(api, sandbox)
    sessions = api.sessions
    assert sessions._lock is None
    states = await asyncio.gather(*(api.queue_status(queue_id) for _ in range(4)))
    assert all(isinstance(state, wire.QueueNotQueued) for state in states)
    assert events.names == ["auth:authenticated"]  # four first requests: one guest
    assert sessions._lock is None and sessions._operations == 0
    async with sessions._one_at_a_time():
        lock = sessions._lock
        waiter = asyncio.ensure_future(sessions.refresh())
        await asyncio.sleep(0)
        assert sessions._lock is lock and sessions._operations == 2  # in line, same lock
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert sessions._operations == 1 and events.names == ["auth:authenticated"]
    assert sessions._lock is None
    await sessions.refresh()  # the next operation takes a new lock and runs
    assert events.names == ["auth:authenticated", "auth:refreshed"]
    assert sessions._lock is None and sessions._operations == 0


async def test_a_gone_session_is_lost_not_replaced_when_participations_may_exist(
        api: ConsumerApi, sandbox: Sandbox, events: Events) -> None:
    queue_id = await _queue_id(api, sandbox)
    entered = await api.enter_queue(queue_id)
    first = api.sessions.session
    assert first is not None
    _revoke_all_sessions(sandbox)
    with pytest.raises(AuthError) as raised:
        await api.queue_status(queue_id)
    assert raised.value.code == SESSION_LOST
    assert api.sessions.session is None and api.sessions.lost_session == first
    assert events.names == ["auth:authenticated", "auth:error", "auth:session_lost"]
    error_payload = events.items[1][1]
    assert error_payload["context"] == "unauthorized"
    assert isinstance(error_payload["error"], FanfareError) and error_payload["error"].status == 401
    assert events.items[2][1] == {"session": first, "reason": "INVALID_TOKEN", "replaced": False,
                                  "participations": None}
    with pytest.raises(AuthError):  # every call says so until the app decides
        await api.queue_status(queue_id)
    assert len(sandbox.world.accounts.consumers) == 1  # no guest was minted behind its back
    second = await api.sessions.start_new_guest()
    assert second.consumer_id != first.consumer_id and api.sessions.lost_session is None
    assert isinstance(await api.queue_status(queue_id), wire.QueueNotQueued)
    assert entered.position is not None


async def test_a_gone_guest_session_without_participations_becomes_a_new_guest(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events) -> None:
    sessions = SessionManager(sandbox.organization_id, on_event=events,
                              participations=lambda: 0)
    api = make_api(sessions=sessions)
    queue_id = await _queue_id(api, sandbox)
    await api.queue_status(queue_id)
    first = sessions.session
    _revoke_all_sessions(sandbox)
    assert isinstance(await api.queue_status(queue_id), wire.QueueNotQueued)
    second = sessions.session
    assert first is not None and second is not None and second.consumer_id != first.consumer_id
    assert events.names == ["auth:authenticated", "auth:error", "auth:session_lost",
                            "auth:authenticated"]
    assert events.items[2][1]["replaced"] is True


async def test_signing_in_again_after_a_lost_session_recovers_the_consumer(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events) -> None:
    sessions = SessionManager(sandbox.organization_id, on_event=events,
                              participations=lambda: 0)
    api = make_api(sessions=sessions)
    queue_id = await _queue_id(api, sandbox)
    entered = await api.enter_queue(queue_id)
    signed_in = await api.verify_otp(sandbox.otp_code, email="ada@example.com")
    _revoke_all_sessions(sandbox)
    with pytest.raises(AuthError):  # signed in: never replaced by a guest
        await api.queue_status(queue_id)
    again = await api.verify_otp(sandbox.otp_code, email="ada@example.com")
    assert again.consumer_id == signed_in.consumer_id
    assert await api.queue_status(queue_id) == entered


async def test_refresh_happens_before_expiry(make_api: Callable[..., ConsumerApi],
                                             sandbox: Sandbox, events: Events) -> None:
    offset = [0.0]
    sessions = SessionManager(sandbox.organization_id, on_event=events,
                              clock=lambda: time.time() + offset[0])
    api = make_api(sessions=sessions)
    queue_id = await _queue_id(api, sandbox)
    await api.enter_queue(queue_id)
    expires = sessions.access_expires_at
    assert expires is not None
    offset[0] = expires.timestamp() - time.time() - 30  # inside the refresh margin
    old_token = sessions.current_access_token
    assert isinstance(await api.queue_status(queue_id), wire.QueueQueued)
    assert sessions.current_access_token != old_token
    assert events.names == ["auth:authenticated", "auth:refreshed"]  # no 401, no auth:error


async def test_otp_verify_links_the_guest_session(api: ConsumerApi, sandbox: Sandbox,
                                                  events: Events) -> None:
    queue_id = await _queue_id(api, sandbox)
    entered = await api.enter_queue(queue_id)
    guest = api.sessions.session
    assert await api.request_otp(email="ada@example.com") is True
    session = await api.verify_otp(sandbox.otp_code, email="ada@example.com")
    assert guest is not None and session.consumer_id == guest.consumer_id
    assert session.type == wire.SessionType.AUTHENTICATED and session.email == "ada@example.com"
    assert api.sessions.is_authenticated
    assert await api.queue_status(queue_id) == entered  # the guest's place is kept
    assert events.names == ["auth:authenticated", "auth:authenticated"]


async def test_otp_verify_without_a_session_signs_in_fresh(api: ConsumerApi,
                                                           sandbox: Sandbox) -> None:
    session = await api.verify_otp(sandbox.otp_code, email="bob@example.com")
    assert session.type == wire.SessionType.AUTHENTICATED
    assert not session.consumer_id.startswith("guest_")


async def test_external_exchange_failure_keeps_the_session(api: ConsumerApi) -> None:
    guest = await api.guest()
    with pytest.raises(FanfareError):  # the sandbox implements no external identity provider
        await api.exchange_external("exc_unknown")
    assert api.sessions.session == guest


async def test_explicit_refresh_and_guest(api: ConsumerApi, events: Events) -> None:
    first = await api.guest()
    refreshed = await api.refresh()
    assert refreshed.consumer_id == first.consumer_id
    second = await api.guest()
    assert second.consumer_id != first.consumer_id
    assert events.names == ["auth:authenticated", "auth:refreshed", "auth:authenticated"]


async def test_logout_clears_session_and_storage(make_api: Callable[..., ConsumerApi],
                                                 sandbox: Sandbox, events: Events,
                                                 tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    api = make_api(storage=storage)
    queue_id = await _queue_id(api, sandbox)
    await api.enter_queue(queue_id)
    first = api.sessions.session
    token = api.sessions.current_access_token
    assert storage.path_for(api.sessions.storage_key).exists()
    await api.logout()
    assert api.sessions.session is None
    assert not storage.path_for(api.sessions.storage_key).exists()
    assert events.items[-1] == ("auth:logout", {"reason": "logout"})
    assert token is not None and sandbox.world.accounts.identify(token) is None  # revoked
    await api.queue_status(queue_id)  # a new guest on demand
    assert api.sessions.session is not None and first is not None
    assert api.sessions.session.consumer_id != first.consumer_id


async def test_restore_from_file_storage_resumes_the_same_consumer(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, tmp_path: Path) -> None:
    first = make_api(storage=FileStorage(tmp_path))
    queue_id = await _queue_id(first, sandbox)
    entered = await first.enter_queue(queue_id)
    await first.sessions.save_journey(sandbox.experiences["queue"], '{"revision": 3}')
    consumer = first.sessions.session
    await first.close()

    seen = Events()
    sessions = SessionManager(sandbox.organization_id, storage=FileStorage(tmp_path),
                              on_event=seen)
    second = make_api(sessions=sessions)
    restored = await sessions.restore()
    assert restored == consumer
    assert seen.items == [("auth:authenticated", {"session": restored, "is_new": False})]
    assert sessions.journeys == {sandbox.experiences["queue"]: '{"revision": 3}'}
    assert await second.queue_status(queue_id) == entered  # same place, no second entry
    assert seen.names == ["auth:authenticated"]  # no new guest was needed


async def test_restore_with_nothing_stored(make_api: Callable[..., ConsumerApi]) -> None:
    api = make_api(storage=MemoryStorage())
    assert await api.sessions.restore() is None and api.sessions.session is None


async def test_a_raising_event_handler_does_not_break_the_session(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    def boom(name: str, payload: object) -> None:
        raise RuntimeError("listener failed")

    api = make_api(sessions=SessionManager(sandbox.organization_id, on_event=boom))
    session = await api.guest()
    assert api.sessions.session == session


async def test_refresh_lost_on_the_network_keeps_a_still_valid_token(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox, events: Events) -> None:
    offset = [0.0]
    sessions = SessionManager(sandbox.organization_id, on_event=events,
                              clock=lambda: time.time() + offset[0])
    api = make_api(sessions=sessions, retry=RetryPolicy.none())
    queue_id = await _queue_id(api, sandbox)
    entered = await api.enter_queue(queue_id)
    expires = sessions.access_expires_at
    assert expires is not None
    offset[0] = expires.timestamp() - time.time() - 30  # due for refresh, not yet expired
    token = sessions.current_access_token
    sandbox.faults.set({"rules": [{"match": "POST /auth/refresh", "kind": "drop", "times": 1}]})
    assert await api.queue_status(queue_id) == entered
    assert sandbox.faults.fired == [1]
    assert sessions.current_access_token == token and events.names == ["auth:authenticated"]


async def test_the_ready_token_is_the_one_access_token_answers_and_none_when_awaiting_is_due(
        api: ConsumerApi, sandbox: Sandbox) -> None:
    """A request takes the held token without a lock or a coroutine only where
    ``access_token()`` would answer it at once: none yet, a refresh due, a session operation
    running or the session lost all go through ``access_token()``."""
    sessions = api.sessions
    assert sessions.ready_access_token() is None  # no session yet: a guest is created
    await api.queue_status(await _queue_id(api, sandbox))
    token = sessions.ready_access_token()
    assert token is not None and token == await sessions.access_token()
    async with sessions._one_at_a_time():  # a refresh or sign-in running: wait for it
        assert sessions.ready_access_token() is None
    clock = sessions.clock
    sessions.clock = lambda: clock() + 3600  # the token is due for refresh
    assert sessions.ready_access_token() is None
    sessions.clock = clock
    sessions._lost = sessions.session
    assert sessions.ready_access_token() is None


async def test_a_poll_reuses_its_headers_until_the_token_changes(api: ConsumerApi,
                                                                 sandbox: Sandbox) -> None:
    transport = api._transport
    queue_id = await _queue_id(api, sandbox)
    await api.queue_status(queue_id)
    first = transport._headers(api.sessions.current_access_token, False)
    assert first["Authorization"] == f"Bearer {api.sessions.current_access_token}"
    await api.queue_status(queue_id)
    assert transport._headers(api.sessions.current_access_token, False) is first
    await api.refresh()
    renewed = transport._headers(api.sessions.current_access_token, False)
    assert renewed is not first
    assert renewed["Authorization"] == f"Bearer {api.sessions.current_access_token}"
    assert "Content-Type" in transport._headers(api.sessions.current_access_token, True)


async def test_clients_share_one_decoded_experience_per_body(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    """Thousands of shoppers load the same immutable experience: one model, not one each."""
    first, second = make_api(), make_api()
    experience_id = sandbox.experiences["queue"]
    one = await first.get_experience(experience_id)
    assert await second.get_experience(experience_id) is one
    other = await first.get_experience(sandbox.experiences["draw"])
    assert other is not one and other.id == sandbox.experiences["draw"]
