"""A server answer the codec cannot trust reaches the caller as a DecodeError over loopback: the
sandbox, given a scenario with a NaN or infinite admit rate, serves it as ``NaN``/``Infinity``."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator
from importlib import resources

import pytest

from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import DecodeError
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import parse_scenario
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.config import HttpConfig
from fanfare_rx.wire.retry import RetryPolicy


def _scenario_with_admit_rate(rate: float) -> Sandbox:
    text = resources.files("fanfare_rx.sandbox").joinpath("default_scenario.json").read_text()
    data = json.loads(text)
    queues = [sequence["distribution"] for experience in data["experiences"]
              for sequence in experience["sequences"]
              if sequence["distribution"]["type"] == "queue"]
    queues[0]["admitRate"] = rate
    return Sandbox(parse_scenario(data), clock="manual", seed=0)


@pytest.fixture(params=[math.nan, math.inf], ids=["nan", "infinity"])
async def bad_sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    async with _scenario_with_admit_rate(request.param) as running:
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
