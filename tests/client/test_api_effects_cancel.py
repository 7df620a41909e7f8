"""A status request cancelled before its task first ran (a poll stopped, a journey destroyed in
the same step as the request was asked for) leaves no coroutine that was never awaited: Python
would warn of one, and a user's suite that turns warnings into errors would fail."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Callable

import pytest

from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.models.journey import DistributionSummary, DistributionType
from fanfare_rx.wire.client import ConsumerApi


@pytest.mark.parametrize("kind", [DistributionType.APPOINTMENT, DistributionType.QUEUE])
async def test_a_status_cancelled_before_it_ran_leaves_no_unawaited_coroutine(
        make_api: Callable[..., ConsumerApi], kind: DistributionType) -> None:
    effects = ApiEffects(make_api())
    distribution = DistributionSummary(type=kind, id="d-1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            effects.fetch_status(distribution).subscribe(lambda _: None, lambda _: None).dispose()
        await asyncio.sleep(0)  # the cancelled tasks end
        await asyncio.sleep(0)
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
