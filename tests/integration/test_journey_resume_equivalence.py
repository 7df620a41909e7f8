"""One mapping from server state to stages: at every step of every distribution type's path,
a journey resumed from ``/consumers/me`` equals the live one in stages and available actions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from integration_helpers import one_experience_sandboxes

from fanfare_rx import Fanfare
from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import AvailableActions, JourneySnapshot
from fanfare_rx.sandbox import Sandbox

Face = tuple[str, str, AvailableActions]


def _face(snap: JourneySnapshot) -> Face:
    return (snap.journey_stage.value, snap.sequence_stage.value, snap.available_actions)


class Pair:
    """A live journey and, on demand, the same consumer's journey resumed from /consumers/me."""

    def __init__(self, sb: Sandbox, fanfare: Fanfare, label: str) -> None:
        self.sb, self.fanfare = sb, fanfare
        self.experience_id = sb.experiences[label]
        self.live = fanfare.experiences.create_journey(self.experience_id)
        self.steps: list[tuple[str, Face]] = []

    async def check(self, step: str) -> Face:
        await self.live.refresh_distribution()
        live = self.live.state.get()
        resumed = ExperienceJourney(self.experience_id, effects=ApiEffects(self.fanfare.api))
        try:
            assert await resumed.resume_from_me(await self.fanfare.experiences.get_me())
            again = resumed.state.get()
        finally:
            resumed.destroy()
        assert _face(again) == _face(live), f"{step}: resumed {_face(again)} != live {_face(live)}"
        self.steps.append((step, _face(live)))
        return _face(live)


@pytest.fixture
async def on_scenario() -> AsyncIterator[Callable[[dict[str, Any]], Awaitable[tuple[Sandbox, Fanfare]]]]:
    async with one_experience_sandboxes() as start:

        async def with_distribution(distribution: dict[str, Any]) -> tuple[Sandbox, Fanfare]:
            return await start([{"id": "seq-x", "name": "X", "priority": 1,
                                 "distribution": distribution}])

        yield with_distribution


async def test_queue_path_resumes_as_live(sb: Sandbox, fanfare: Fanfare) -> None:
    pair = Pair(sb, fanfare, "queue")
    await pair.live.start()
    assert (await pair.check("enterable"))[1] == "active_enterable"
    await pair.live.enter_queue()
    assert (await pair.check("queued"))[1] == "participating"
    await sb.advance(60)
    assert (await pair.check("granted"))[1] == "admitted"
    await sb.advance(700)
    assert (await pair.check("grant expired"))[1] == "admission_expired"
    await pair.live.enter_queue()
    assert (await pair.check("queued again"))[1] == "participating"
    await pair.live.leave_participation()
    assert (await pair.check("left"))[1] == "active_enterable"


async def test_draw_path_resumes_as_live(on_scenario: Any) -> None:
    sb, fanfare = await on_scenario({"type": "draw", "id": "d-1", "openAt": 0, "closeAt": 200,
                                     "drawAt": 400, "winnerCount": 1, "crowd": 0,
                                     "admissionExpirationSeconds": 600})
    pair = Pair(sb, fanfare, "x")
    await pair.live.start()
    assert (await pair.check("enterable"))[1] == "active_enterable"
    await pair.live.enter_draw()
    assert (await pair.check("entered"))[1] == "participating"
    await sb.advance(250)
    face = await pair.check("settling")
    assert face[1] == "participating" and face[2].sequence == ()
    await sb.advance(200)
    assert (await pair.check("won"))[1] == "admitted"
    await sb.advance(700)
    assert (await pair.check("grant expired"))[1] == "admission_expired"


async def test_draw_left_and_lost_resume_as_live(on_scenario: Any) -> None:
    sb, fanfare = await on_scenario({"type": "draw", "id": "d-1", "openAt": 0, "closeAt": 200,
                                     "drawAt": 400, "winnerCount": 1, "crowd": 30,
                                     "admissionExpirationSeconds": 600})
    pair = Pair(sb, fanfare, "x")
    await pair.live.start()
    await pair.live.enter_draw()
    await pair.live.leave_participation()
    assert (await pair.check("left"))[1] == "active_enterable"
    await pair.live.enter_draw()
    await sb.advance(450)
    face = await pair.check("drawn")
    assert face[1] in ("admitted", "ended")  # one winner among 31 (seeded)


async def test_auction_path_resumes_as_live(sb: Sandbox, fanfare: Fanfare) -> None:
    pair = Pair(sb, fanfare, "auction")
    await pair.live.start()
    assert (await pair.check("enterable"))[1] == "active_enterable"
    await pair.live.enter_auction("160")
    assert (await pair.check("bidding"))[1] == "participating"
    await sb.advance(400)
    assert (await pair.check("won"))[1] == "admitted"
    # A won auction's grant expiry is known to the live path only by the client's clock,
    # which a manual sandbox clock runs ahead of: that step is not compared here.


async def test_timed_release_path_resumes_as_live(sb: Sandbox, fanfare: Fanfare) -> None:
    pair = Pair(sb, fanfare, "timed_release")
    await pair.live.start()
    assert (await pair.check("scheduled"))[1] == "upcoming"
    await sb.advance(130)
    assert (await pair.check("open"))[1] == "active_enterable"
    await pair.live.enter_timed_release()
    assert (await pair.check("granted"))[1] == "admitted"
    await sb.advance(700)
    assert (await pair.check("grant expired"))[1] == "admission_expired"
