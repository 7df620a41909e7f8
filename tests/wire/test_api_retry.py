"""Retries under the sandbox's fault plan: what is repeated, how long the client waits (recorded,
never slept), and that repeated enters never make duplicate entries."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from client_helpers import distribution_id

from fanfare_rx.errors import (
    DecodeError,
    NetworkError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    UsageError,
    ValidationError,
)
from fanfare_rx.errors import TimeoutError as FanfareTimeoutError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.retry import RetryPolicy


async def _queue(api: ConsumerApi, sandbox: Sandbox) -> str:
    experience = await api.get_experience(sandbox.experiences["queue"])
    return distribution_id(experience, "queues")


def _entries(sandbox: Sandbox, queue_id: str, consumer_id: str) -> int:
    engine: Any = sandbox.world.engines[queue_id]
    return list(engine.line).count(consumer_id)


def _plan(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"seed": 7, "rules": list(rules)}


# --- against the sandbox --------------------------------------------------------------------


@pytest.mark.integration
async def test_5xx_then_success_waits_the_jittered_backoff(api: ConsumerApi, sandbox: Sandbox,
                                                          sleep: RecordedSleep) -> None:
    queue_id = await _queue(api, sandbox)
    sandbox.faults.set(_plan({"match": "POST /queues/*/enter", "kind": "status", "status": 500,
                              "times": 2}))
    state = await api.enter_queue(queue_id)
    assert isinstance(state, wire.QueueQueued)
    assert sandbox.faults.fired == [2]
    twin = RetryPolicy(seed=0)  # same seed as the client's policy: same jitter draws
    assert sleep.delays == [twin.backoff(0), twin.backoff(1)]
    assert 0.25 <= sleep.delays[0] <= 0.5 and 0.5 <= sleep.delays[1] <= 1.0


@pytest.mark.integration
async def test_503_retry_after_is_honoured(api: ConsumerApi, sandbox: Sandbox,
                                           sleep: RecordedSleep) -> None:
    queue_id = await _queue(api, sandbox)
    sandbox.faults.set(_plan({"match": "GET /queues/*/status", "kind": "status", "status": 503,
                              "retryAfter": 3, "times": 2}))
    assert isinstance(await api.queue_status(queue_id), wire.QueueNotQueued)
    assert sleep.delays == [3.0, 3.0]


@pytest.mark.integration
async def test_429_retry_after_is_honoured(api: ConsumerApi, sandbox: Sandbox,
                                           sleep: RecordedSleep) -> None:
    queue_id = await _queue(api, sandbox)
    sandbox.faults.set(_plan({"match": "*", "kind": "status", "status": 429, "retryAfter": 2,
                              "times": 1}))
    state = await api.enter_queue(queue_id)
    assert isinstance(state, wire.QueueQueued)
    assert sleep.delays == [2.0]


@pytest.mark.integration
async def test_retry_after_beyond_the_cap_is_not_waited(api: ConsumerApi, sandbox: Sandbox,
                                                        sleep: RecordedSleep) -> None:
    sandbox.faults.set(_plan({"match": "*", "kind": "status", "status": 429, "retryAfter": 120,
                              "times": 1}))
    with pytest.raises(RateLimitedError) as caught:
        await api.get_queue("any")
    assert caught.value.retry_after == 120.0 and sleep.delays == []


@pytest.mark.integration
@pytest.mark.parametrize("when", ["before", "after"])
async def test_dropped_enter_is_retried_without_a_duplicate_entry(
        api: ConsumerApi, sandbox: Sandbox, sleep: RecordedSleep, when: str) -> None:
    queue_id = await _queue(api, sandbox)
    session = await api.sessions.ensure()
    sandbox.faults.set(_plan({"match": "POST /queues/*/enter", "kind": "drop", "when": when,
                              "times": 1}))
    state = await api.enter_queue(queue_id)
    assert isinstance(state, wire.QueueQueued)
    assert sandbox.faults.fired == [1] and len(sleep.delays) == 1
    assert _entries(sandbox, queue_id, session.consumer_id) == 1
    assert await api.queue_status(queue_id) == state


@pytest.mark.integration
async def test_dropped_status_poll_is_retried(api: ConsumerApi, sandbox: Sandbox,
                                              sleep: RecordedSleep) -> None:
    queue_id = await _queue(api, sandbox)
    await api.enter_queue(queue_id)
    sandbox.faults.set(_plan({"match": "GET /queues/*/status", "kind": "drop", "times": 2}))
    assert isinstance(await api.queue_status(queue_id), wire.QueueQueued)
    # aiohttp itself repeats an idempotent request once on a dropped keep-alive connection.
    assert sandbox.faults.fired == [2] and 1 <= len(sleep.delays) <= 2


@pytest.mark.integration
async def test_exhausted_attempts_raise_the_last_error(make_api: Callable[..., ConsumerApi],
                                                       sandbox: Sandbox,
                                                       sleep: RecordedSleep) -> None:
    api = make_api(retry=RetryPolicy(max_attempts=3, seed=1))
    sandbox.faults.set(_plan({"match": "GET /queues/*", "kind": "status", "status": 500}))
    with pytest.raises(ServerError):
        await api.get_queue("any")
    assert sandbox.faults.fired == [3] and len(sleep.delays) == 2


@pytest.mark.integration
async def test_dropped_connections_exhausted_raise_network_error(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    api = make_api(retry=RetryPolicy(max_attempts=2))
    sandbox.faults.set(_plan({"match": "GET /queues/*", "kind": "drop"}))
    with pytest.raises(NetworkError) as caught:
        await api.get_queue("any")
    assert caught.value.retryable
    assert 2 <= sandbox.faults.fired[0] <= 4  # 2 attempts, each maybe repeated once by aiohttp


@pytest.mark.integration
@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
async def test_other_4xx_are_not_retried(api: ConsumerApi, sandbox: Sandbox,
                                         sleep: RecordedSleep, status: int) -> None:
    sandbox.faults.set(_plan({"match": "GET /queues/*", "kind": "status", "status": status,
                              "times": 3}))
    with pytest.raises(Exception) as caught:
        await api.get_queue("any")
    assert getattr(caught.value, "status", None) == status
    assert sandbox.faults.fired == [1] and sleep.delays == []


@pytest.mark.integration
async def test_real_404_is_not_retried(api: ConsumerApi, sleep: RecordedSleep) -> None:
    with pytest.raises(NotFoundError):
        await api.queue_status("no-such-queue")
    assert sleep.delays == []


@pytest.mark.integration
async def test_malformed_body_raises_decode_error_once(api: ConsumerApi, sandbox: Sandbox,
                                                       sleep: RecordedSleep) -> None:
    queue_id = await _queue(api, sandbox)
    sandbox.faults.set(_plan({"match": "GET /queues/*", "kind": "malformed", "times": 1}))
    with pytest.raises(DecodeError) as caught:
        await api.get_queue(queue_id)
    assert caught.value.model == "Queue" and not caught.value.retryable
    assert sandbox.faults.fired == [1] and sleep.delays == []


@pytest.mark.integration
async def test_timeout_is_retried(make_api: Callable[..., ConsumerApi], sandbox: Sandbox,
                                  sleep: RecordedSleep) -> None:
    # The one test on wall time: the server holds the first answer far longer than the timeout.
    api = make_api(timeout=0.2)
    sandbox.faults.set(_plan({"match": "GET /queues/*", "kind": "delay", "seconds": 0.6,
                              "times": 1}))
    queue_id = await _queue(api, sandbox)
    assert (await api.get_queue(queue_id)).id == queue_id
    assert len(sleep.delays) >= 1


@pytest.mark.integration
async def test_timeouts_exhausted_raise_timeout_error(make_api: Callable[..., ConsumerApi],
                                                      sandbox: Sandbox) -> None:
    api = make_api(timeout=0.1, retry=RetryPolicy.none())
    sandbox.faults.set(_plan({"match": "GET /queues/*", "kind": "delay", "seconds": 0.6,
                              "times": 1}))
    with pytest.raises(FanfareTimeoutError):
        await api.get_queue("any")


# --- the policy itself ----------------------------------------------------------------------


def test_backoff_doubles_up_to_the_maximum() -> None:
    policy = RetryPolicy(jitter=(1.0, 1.0), base_delay=0.5, max_delay=3.0)
    assert [policy.backoff(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_stays_in_range_and_is_seeded() -> None:
    first, second = RetryPolicy(seed=42), RetryPolicy(seed=42)
    draws = [first.backoff(n) for n in range(8)]
    assert draws == [second.backoff(n) for n in range(8)]
    for n, delay in enumerate(draws):
        raw = min(0.5 * 2**n, 30.0)
        assert 0.5 * raw <= delay <= raw


def test_delay_for_rules() -> None:
    policy = RetryPolicy(max_attempts=3, jitter=(1.0, 1.0))
    assert policy.delay_for(ServerError("x", status=500), 0) == 0.5
    assert policy.delay_for(ServerError("x", status=500), 2) is None  # attempts used up
    assert policy.delay_for(ServerError("x", status=503, retry_after=4), 0) == 4
    assert policy.delay_for(RateLimitedError("x", status=429), 0) == 5.0
    assert policy.delay_for(RateLimitedError("x", retry_after=61), 0) is None
    assert policy.delay_for(RateLimitedError("full", code="QUEUE_FULL", retry_after=30), 0) is None
    assert policy.delay_for(ValidationError("x", status=400), 0) is None
    assert policy.delay_for(NetworkError("x"), 1) == 1.0
    assert RetryPolicy.none().delay_for(NetworkError("x"), 0) is None


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(UsageError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(UsageError):
        RetryPolicy(jitter=(1.0, 0.5))


@pytest.mark.parametrize("kwargs", [
    {"base_delay": math.nan}, {"base_delay": -1}, {"max_delay": math.inf},
    {"retry_after_cap": math.nan}, {"jitter": (0.5, math.inf)}, {"max_attempts": 2.5},
    {"max_attempts": True}, {"base_delay": "1"},
])
def test_policy_refuses_delays_that_never_end_or_never_were(kwargs: dict[str, Any]) -> None:
    """A nan, infinite or negative delay would make the client wait forever (or not at all):
    refused where it is given."""
    with pytest.raises(UsageError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)
