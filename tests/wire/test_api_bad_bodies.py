"""A server answer the codec cannot trust reaches the caller as a DecodeError over loopback: the
sandbox, its queue's admit rate set to NaN or infinity (a scenario refuses both), serves it as
``NaN``/``Infinity``."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import pytest

from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import DecodeError
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines import QueueEngine
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import HttpConfig
from fanfare_rx.wire.retry import RetryPolicy


@pytest.fixture(params=[math.nan, math.inf], ids=["nan", "infinity"])
async def bad_sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="manual", seed=0) as running:
        queue = running.world.engine_of_sequence[
            running.scenario.experiences[0].sequences[0].id]
        assert isinstance(queue, QueueEngine)
        queue.rate = request.param
        yield running


@pytest.mark.integration
@pytest.mark.filterwarnings("error::ResourceWarning")
async def test_a_non_finite_number_in_an_answer_is_a_decode_error(bad_sandbox: Sandbox) -> None:
    api = ConsumerApi(bad_sandbox.base_url, bad_sandbox.publishable_key,
                      organization_id=bad_sandbox.organization_id,
                      sessions=SessionManager(bad_sandbox.organization_id),
                      http=HttpConfig(retry=RetryPolicy.none()))
    try:
        with pytest.raises(DecodeError) as caught:
            await api.get_experience(bad_sandbox.experiences["queue"])
    finally:
        await api.close()
    assert caught.value.model == "Experience"
    assert caught.value.path == "$.sequences[0].queues[0].admitRate"
    assert "finite" in caught.value.message and not caught.value.retryable
