"""One resource per mechanism on the API client (``api.queues.enter(id)``), read from the
mechanism's declaration, over loopback HTTP against the sandbox."""

from __future__ import annotations

import pytest
from client_helpers import distribution_id

from fanfare_rx.errors import UsageError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi


async def test_a_queue_entered_and_left_through_its_resource(
        api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["queue"])
    queue_id = distribution_id(experience, "queues")
    entered = await api.queues.enter(queue_id)
    assert isinstance(entered, wire.QueueQueued) and entered.position is not None
    assert isinstance(await api.queues.status(queue_id), wire.QueueQueued)
    assert (await api.resource("queue").status(queue_id)) == await api.queue_status(queue_id)
    assert isinstance(await api.queues.leave(queue_id), wire.QueueLeft)


async def test_a_call_the_mechanism_does_not_declare_is_a_usage_error(api: ConsumerApi) -> None:
    with pytest.raises(UsageError, match="auction has no leave"):
        await api.auctions.leave("a-1")  # no leave endpoint in any API generation
    with pytest.raises(UsageError, match="no mechanism 'raffle' is registered"):
        api.resource("raffle")
