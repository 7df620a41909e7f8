"""A journey resumed from ``/consumers/me`` knows what the live one knows: the sequence's name
and priority (so a later upgrade is reported with its direction) and the queue's wait estimate.
Over loopback HTTP against the sandbox."""

from __future__ import annotations

from integration_helpers import one_experience_sandboxes

from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.journey.journey import ExperienceJourney

SEQUENCES = [
    {"id": "seq-vip", "name": "VIP", "priority": 10, "accessCode": "VIP2024",
     "distribution": {"type": "queue", "id": "q-vip", "openAt": 0, "closeAt": 7200,
                      "admitRate": 1}},
    {"id": "seq-x", "name": "Everyone", "priority": 1,
     "distribution": {"type": "queue", "id": "q-x", "openAt": 0, "closeAt": 7200,
                      "admitRate": 1}},
]


async def test_a_resumed_journey_knows_its_sequence_and_wait_and_upgrades_with_direction() -> None:
    async with one_experience_sandboxes() as start:
        sb, fanfare = await start(SEQUENCES)
        experience_id = sb.experiences["x"]
        live = fanfare.experiences.create_journey(experience_id)
        await live.start()
        if live.journey_stage.get() == "needs_access_code":
            await live.skip_access_code()
        await live.enter_queue()
        was = live.state.get().context
        assert was.sequence_id == "seq-x" and was.estimated_wait_seconds is not None

        resumed = ExperienceJourney(experience_id, effects=ApiEffects(fanfare.api))
        try:
            assert await resumed.resume_from_me(await fanfare.experiences.get_me())
            ctx = resumed.state.get().context
            assert (ctx.sequence_name, ctx.sequence_priority) == ("Everyone", 1)
            assert ctx.estimated_wait_seconds == was.estimated_wait_seconds
            assert ctx.position == was.position
            result = await resumed.view.get().submit_access_code("VIP2024")
            assert result.outcome == "advanced"
            [reroute] = [e for e in resumed.state.get().events if e.kind == "reroute"]
            assert reroute.detail is not None and reroute.detail["direction"] == "upgrade"
        finally:
            resumed.destroy()
