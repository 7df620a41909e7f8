"""Errors come in families a caller catches by type: real errors raised against the sandbox over
loopback (404, an unlisted status, a refused connection, a timeout, journey misuse)."""

from __future__ import annotations

import math
import socket
from collections.abc import Callable

import pytest
from client_helpers import distribution_id

import fanfare_rx
from fanfare_rx import Fanfare, errors
from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ConfigError,
    DecodeError,
    ErrorCode,
    FanfareError,
    JourneyDestroyedError,
    JourneyError,
    NetworkError,
    NotFoundError,
    TimeoutError,
    UnknownActionError,
    UsageError,
    ValidationError,
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
    # the queue's id is looked up without the short timeout: a busy machine (the suite runs on
    # two workers) may take longer than 0.1 s over an answer nobody delays
    lookup = make_api(retry=RetryPolicy.none())
    queue_id = distribution_id(await lookup.get_experience(sandbox.experiences["queue"]),
                               "queues")
    api = make_api(timeout=0.1, retry=RetryPolicy.none())
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


def _local_misuse() -> list[tuple[str, Callable[[], object]]]:
    """Local argument checks of every layer: each refuses its bad argument where it is given."""
    from fanfare_rx.fleet.records import FleetTarget
    from fanfare_rx.fleet.worker import ShopperWorker
    from fanfare_rx.journey.cadence import ServerCadence
    from fanfare_rx.journey.resume_args import resume_target
    from fanfare_rx.mechanisms.registry import drop_kind
    from fanfare_rx.notebook.timeline import timeline
    from fanfare_rx.sandbox.clock import SandboxClock
    from fanfare_rx.sandbox.ratelimit import RateLimiter
    from fanfare_rx.testing.stages import parse_marbles
    from fanfare_rx.wire.retry import RetryPolicy

    target = FleetTarget("http://127.0.0.1:1", "org", "pk", experience_id="exp")
    return [
        ("cadence", lambda: ServerCadence(jitter=1.0)),
        ("resume", lambda: resume_target("", None)),
        ("registry", lambda: drop_kind("queue")),
        ("retry", lambda: RetryPolicy(max_attempts=0)),
        ("clock", lambda: SandboxClock("manual", speed=2)),
        ("ratelimit", lambda: RateLimiter(0)),
        ("marbles", lambda: parse_marbles("a(b")),
        ("fleet", lambda: ShopperWorker(target, lambda *_: None, concurrency=0)),  # type: ignore[arg-type]
        ("fleet-nan", lambda: ShopperWorker(target, lambda *_: None,  # type: ignore[arg-type]
                                            spawn_rate=math.nan)),
        ("fleet-float", lambda: ShopperWorker(target, lambda *_: None,  # type: ignore[arg-type]
                                              concurrency=2.5)),  # type: ignore[arg-type]
        ("notebook", lambda: timeline(object())),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize(("layer", "call"), _local_misuse(), ids=[n for n, _ in _local_misuse()])
def test_local_misuse_is_a_usage_error_never_the_server_s_validation_error(
        layer: str, call: Callable[[], object]) -> None:
    with pytest.raises(UsageError) as caught:
        call()
    assert not isinstance(caught.value, ValidationError), layer
    assert isinstance(caught.value, ValueError) and caught.value.code == ErrorCode.USAGE_ERROR


async def test_calls_after_destroy_or_close_raise_client_closed(sandbox: Sandbox) -> None:
    fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                                 publishable_key=sandbox.publishable_key,
                                 base_url=sandbox.base_url)
    api = fanfare.api
    await fanfare.destroy()
    with pytest.raises(ClientClosedError) as destroyed:
        fanfare.experiences.create_journey(sandbox.experiences["queue"])
    assert destroyed.value.code == ErrorCode.NOT_INITIALIZED
    with pytest.raises(ClientClosedError) as closed:
        await api.get_experience(sandbox.experiences["queue"])
    assert closed.value.code == ErrorCode.ABORTED and not isinstance(closed.value, ConfigError)


def test_every_error_class_lives_in_errors_and_fleet_error_is_re_exported() -> None:
    from fanfare_rx.fleet import FleetError as FleetPackageError
    from fanfare_rx.fleet.backends import FleetError as BackendsError

    assert FleetPackageError is BackendsError is errors.FleetError
    assert issubclass(errors.FleetError, FanfareError)
    assert errors.TimeoutError is errors.FanfareTimeoutError
    assert issubclass(APITimeoutError, errors.FanfareTimeoutError)
    assert issubclass(errors.StorageLockTimeout, errors.StorageError)
