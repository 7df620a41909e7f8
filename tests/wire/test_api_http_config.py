"""HttpConfig: one frozen, keyword-only object for timeouts, pool size and retries, checked on
construction and honoured by ConsumerApi and Fanfare.init over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from client_helpers import distribution_id

import fanfare_rx
from fanfare_rx import Fanfare
from fanfare_rx.errors import APITimeoutError, ConfigError
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire import config
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import HttpConfig
from fanfare_rx.wire.retry import RetryPolicy


def test_defaults_are_the_module_constants() -> None:
    http = HttpConfig()
    assert (http.timeout, http.connect_timeout, http.max_connections) == (
        config.DEFAULT_TIMEOUT, config.DEFAULT_CONNECT_TIMEOUT, config.DEFAULT_MAX_CONNECTIONS)
    assert http.retry == RetryPolicy() and config.DEFAULT_HTTP == http
    assert fanfare_rx.HttpConfig is HttpConfig and "HttpConfig" in fanfare_rx.__all__


def test_frozen_and_keyword_only() -> None:
    http = HttpConfig(timeout=3)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        http.timeout = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        HttpConfig(3)  # type: ignore[misc]
    assert attrs.evolve(http, max_connections=2).max_connections == 2 and http.timeout == 3


@pytest.mark.parametrize(("field", "value"), [
    ("timeout", 0), ("timeout", -1.0), ("timeout", float("nan")), ("timeout", float("inf")),
    ("timeout", "5"), ("timeout", True), ("timeout", None), ("connect_timeout", 0),
    ("max_connections", 0), ("max_connections", 1.5), ("max_connections", True),
    ("retry", "none"),
])
def test_bad_settings_raise_config_error_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(ConfigError, match=field):
        HttpConfig(**{field: value})


def test_connect_timeout_may_be_left_to_the_total() -> None:
    assert HttpConfig(connect_timeout=None).connect_timeout is None


@pytest.mark.integration
async def test_the_client_uses_the_given_timeout_and_pool_size(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    # looked up without the short timeout (a busy machine may take 0.1 s over any answer)
    lookup = make_api(retry=RetryPolicy.none())
    queue_id = distribution_id(await lookup.get_experience(sandbox.experiences["queue"]),
                               "queues")
    api = make_api(http=HttpConfig(timeout=0.1, max_connections=3, retry=RetryPolicy.none()))
    sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "delay", "seconds": 0.6,
                                   "times": 1}]})
    with pytest.raises(APITimeoutError):
        await api.get_queue(queue_id)
    assert sandbox.faults.fired == [1]
    session = api.client_session
    assert session is not None and session.connector is not None
    assert session.connector.limit == 3 and api.http.max_connections == 3


@pytest.mark.integration
async def test_waiting_for_a_free_connection_is_not_opening_one(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    """``connect_timeout`` bounds opening a connection, not the wait for a free one of a busy
    pool (thousands of shoppers on one pool wait their turn; only ``timeout`` bounds that): with
    one connection, a request waits for a slow one longer than the connect timeout, and is
    answered."""
    api = make_api(http=HttpConfig(timeout=5, connect_timeout=0.1, max_connections=1,
                                   retry=RetryPolicy.none()))
    experience_id = sandbox.experiences["queue"]
    await api.get_experience(experience_id)  # the pool's one connection is open
    sandbox.faults.set({"rules": [{"match": "GET /experiences/*", "kind": "delay",
                                   "seconds": 0.4, "times": 1}]})
    slow, waited = await asyncio.gather(api.get_experience(experience_id),
                                        api.get_experience(experience_id))
    assert slow.id == waited.id == experience_id
    assert sandbox.faults.fired == [1]


@pytest.mark.integration
async def test_fanfare_init_takes_http_and_its_shorthands_replace_fields(
        sandbox: Sandbox) -> None:
    base = HttpConfig(timeout=7, max_connections=2, retry=RetryPolicy.none())
    keys: dict[str, Any] = {"organization_id": sandbox.organization_id,
                            "publishable_key": sandbox.publishable_key,
                            "base_url": sandbox.base_url}
    async with await Fanfare.init(**keys, http=base) as plain:
        assert plain.api.http is base
        # looked up without the short timeout (a busy machine may take 0.1 s over any answer)
        experience = await plain.api.get_experience(sandbox.experiences["queue"])
    async with await Fanfare.init(**keys, http=base, timeout=0.1) as tuned:
        assert tuned.api.http == attrs.evolve(base, timeout=0.1)
        sandbox.faults.set({"rules": [{"match": "GET /queues/*", "kind": "delay",
                                       "seconds": 0.6, "times": 1}]})
        with pytest.raises(APITimeoutError):
            await tuned.api.get_queue(distribution_id(experience, "queues"))
    async with await Fanfare.init(**keys) as default:
        assert default.api.http is config.DEFAULT_HTTP


async def test_fanfare_init_rejects_a_bad_shorthand() -> None:
    with pytest.raises(ConfigError, match="max_connections"):
        await Fanfare.init(organization_id="org", publishable_key="pk_test_x",
                           base_url="http://127.0.0.1:9", max_connections=0)
