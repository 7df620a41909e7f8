"""Errors come in families a caller catches by type: real errors raised against the sandbox over
loopback (404, an unlisted status, a refused connection, a timeout, journey misuse)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from client_helpers import distribution_id

import fanfare_rx
from fanfare_rx import Fanfare
from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    DecodeError,
    FanfareError,
    JourneyDestroyedError,
    JourneyError,
    NetworkError,
    NotFoundError,
    TimeoutError,
    UnknownActionError,
)
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import HttpConfig
from fanfare_rx.wire.retry import RetryPolicy

FAMILIES = (APIStatusError, APIConnectionError, JourneyError, DecodeError)


def _families_of(error: BaseException) -> set[type[FanfareError]]:
    return {family for family in FAMILIES if isinstance(error, family)}


def _refused_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.integration
async def test_a_404_is_caught_as_the_status_family(api: ConsumerApi) -> None:
    with pytest.raises(APIStatusError) as caught:
        await api.get_queue("no-such-queue")
    assert type(caught.value) is NotFoundError and caught.value.status == 404
    assert _families_of(caught.value) == {APIStatusError}


@pytest.mark.integration
async def test_an_unlisted_status_is_the_status_family_itself(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    api = make_api(retry=RetryPolicy.none())
    sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "status", "status": 418}]})
    with pytest.raises(APIStatusError) as caught:
        await api.get_queue("any")
    assert type(caught.value) is APIStatusError
    assert (caught.value.status, caught.value.retryable) == (418, False)
    assert sandbox.faults.fired == [1]


@pytest.mark.integration
async def test_a_refused_connection_is_caught_as_the_connection_family(
        sandbox: Sandbox) -> None:
    api = ConsumerApi(f"http://127.0.0.1:{_refused_port()}", sandbox.publishable_key,
                      organization_id=sandbox.organization_id,
                      sessions=SessionManager(sandbox.organization_id),
                      http=HttpConfig(retry=RetryPolicy.none()))
    try:
        with pytest.raises(APIConnectionError) as caught:
            await api.get_queue("any")
    finally:
        await api.close()
    assert type(caught.value) is NetworkError and caught.value.status is None
    assert caught.value.retryable and not isinstance(caught.value, TimeoutError)
    assert _families_of(caught.value) == {APIConnectionError}


@pytest.mark.integration
async def test_a_timeout_is_both_a_timeout_and_a_connection_error(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    api = make_api(timeout=0.1, retry=RetryPolicy.none())
    queue_id = distribution_id(await api.get_experience(sandbox.experiences["queue"]), "queues")
    sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "delay", "seconds": 0.6,
                                   "times": 1}]})
    with pytest.raises(APIConnectionError) as caught:
        await api.get_queue(queue_id)
    assert isinstance(caught.value, APITimeoutError) and isinstance(caught.value, TimeoutError)
    assert (caught.value.code, caught.value.retryable) == ("TIMEOUT", True)
    assert _families_of(caught.value) == {APIConnectionError}


@pytest.mark.integration
async def test_a_malformed_body_is_neither_status_nor_connection(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    api = make_api(retry=RetryPolicy.none())
    queue_id = distribution_id(await api.get_experience(sandbox.experiences["queue"]), "queues")
    sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "malformed", "times": 1}]})
    with pytest.raises(DecodeError) as caught:
        await api.get_queue(queue_id)
    assert _families_of(caught.value) == {DecodeError}


@pytest.mark.integration
async def test_journey_misuse_is_caught_as_the_journey_family(sandbox: Sandbox) -> None:
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url) as fanfare:
        journey = fanfare.experiences.create_journey(sandbox.experiences["queue"])
        with pytest.raises(JourneyError) as unknown:
            await journey.perform("fly_to_the_moon")
        journey.destroy()
        with pytest.raises(JourneyError) as destroyed:
            await journey.start()
    assert type(unknown.value) is UnknownActionError
    assert type(destroyed.value) is JourneyDestroyedError
    assert _families_of(destroyed.value) == {JourneyError}


def test_the_families_are_exported_at_top_level() -> None:
    for family in (*FAMILIES, APITimeoutError):
        assert getattr(fanfare_rx, family.__name__) is family
        assert family.__name__ in fanfare_rx.__all__


@pytest.mark.parametrize(("error", "family"), [
    (fanfare_rx.AuthError("x"), APIStatusError),
    (fanfare_rx.ValidationError("x"), APIStatusError),
    (fanfare_rx.ConflictError("x"), APIStatusError),
    (fanfare_rx.NotOpenYetError("x"), APIStatusError),
    (fanfare_rx.RateLimitedError("x"), APIStatusError),
    (fanfare_rx.ServerError("x"), APIStatusError),
    (fanfare_rx.ActionNotAvailableError("x"), JourneyError),
])
def test_every_old_class_sits_in_one_family(error: FanfareError,
                                            family: type[FanfareError]) -> None:
    assert _families_of(error) == {family}
