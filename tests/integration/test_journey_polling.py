"""The complete example on an accelerated real clock: start, enter, poll until admitted, with
no manual clock steps — the journey's own polling drives it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from integration_helpers import BusEvents, consumer_id, engine_of

from fanfare_rx import Fanfare
from fanfare_rx.sandbox import Sandbox


@pytest.fixture
async def fast() -> AsyncIterator[Sandbox]:
    # 20x: the 40 shoppers ahead are admitted over ~2 s, so polls see the line move even on a
    # loaded machine (at 600x the whole line could pass between two polls).
    async with Sandbox(clock="real", speed=20, seed=0) as running:
        yield running


async def test_polling_carries_a_queue_journey_to_admitted(fast: Sandbox) -> None:
    async with await Fanfare.init(organization_id=fast.organization_id,
                                  publishable_key=fast.publishable_key,
                                  base_url=fast.base_url) as fanfare:
        events = BusEvents(fanfare)
        stages: list[str] = []
        journey = fanfare.experiences.create_journey(fast.experiences["queue"])
        journey.sequence_stage.listen(lambda stage: stages.append(stage.value))
        await journey.start()
        await journey.enter_queue()
        journey.start_polling(100)
        await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=30)
        journey.stop_polling()
        snap = journey.state.get()
        engine = engine_of(fast, "queue")
        assert snap.context.admittance_token == engine.records[consumer_id(fanfare)].grant.token
        assert stages[-3:] == ["active_enterable", "participating", "admitted"]
        positions = [e["position"] for e in events.of("queue:position-changed")]
        assert positions and positions == sorted(positions, reverse=True)
        assert len(events.of("queue:admitted")) == 1
        session = fanfare.api.client_session
    assert fanfare.destroyed and session is not None and session.closed
