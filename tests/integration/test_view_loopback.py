"""The current SDK's view end to end on the sandbox over loopback: submit_access_code's three
outcomes (advanced, unchanged, gated), claim() and an unclaimed grant lapsing, G3 handles
(``fanfare.journeys``), the docs' resume_from_server object and a bot check passed elsewhere."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from integration_helpers import consumer_id

from fanfare_rx import Fanfare
from fanfare_rx.errors import ActionNotAvailableError
from fanfare_rx.journey.view import LiveJourneyView, LiveSequenceView
from fanfare_rx.models.view import AccessCodeSubmitResult
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import parse_scenario

GENERAL_CLOSES_AT = 60  # s: the VIP sequence stays open after the general one closed


def _scenario() -> Any:
    from importlib import resources

    data = json.loads(resources.files("fanfare_rx.sandbox").joinpath("default_scenario.json").read_text())
    for experience in data["experiences"]:
        if experience["label"] == "vip":
            general = next(s for s in experience["sequences"] if not s.get("accessCode"))
            general["distribution"]["closeAt"] = GENERAL_CLOSES_AT
    fast = json.loads(json.dumps(next(e for e in data["experiences"] if e["label"] == "queue")))
    fast.update(id="5b7c1a7e-0c1f-4b8e-9a57-2d7c0f1f0a11", label="fast", name="Fast queue")
    sequence = fast["sequences"][0]
    sequence["id"] = "1f0a7c3e-5d2b-4e8f-8c1a-7b6d5e4f3a21"
    sequence["distribution"].update(id="9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", crowd=0,
                                    admitRate=600, admissionExpirationSeconds=2)
    data["experiences"].append(fast)
    return parse_scenario(data)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(_scenario(), clock="manual", seed=0) as running:
        yield running


def sequence_of(view: LiveJourneyView) -> LiveSequenceView:
    assert view.journey_stage == "routed" and view.sequence is not None, view
    return view.sequence


def _names(sb: Sandbox, label: str) -> dict[str, str]:
    experience = sb.world.experiences[sb.experiences[label]]
    return {s.name: s.id for s in experience.sequences}


async def test_submit_access_code_unchanged_then_advanced(sb: Sandbox, fanfare: Fanfare) -> None:
    names = _names(sb, "vip")
    journey = fanfare.journeys.get(sb.experiences["vip"])
    assert journey is fanfare.experiences.create_journey(sb.experiences["vip"])
    view = await journey.view.get().start()
    assert sequence_of(view).sequence_id == names["General queue"]
    assert [o.sequence_id for o in view.offers] == [names["VIP early access"]]
    view = await sequence_of(view).enter()
    assert sequence_of(view).phase == "participating"
    participating = journey.state.get()

    result = await view.submit_access_code("WRONG-CODE")
    assert result == AccessCodeSubmitResult("unchanged")
    assert journey.state.get() is participating  # no revision: nothing was folded
    assert journey.state.get().context.access_code is None
    general: Any = sb.world.engine_of_sequence[names["General queue"]]
    assert consumer_id(fanfare) in general.records  # still in the general line

    result = await journey.view.get().submit_access_code(sb.access_codes["vip"])
    assert result == AccessCodeSubmitResult("advanced", names["VIP early access"])
    view = journey.view.get()
    assert sequence_of(view).sequence_id == names["VIP early access"]
    assert sequence_of(view).phase == "enterable"
    assert journey.state.get().context.access_code == sb.access_codes["vip"]
    assert sb.access_codes["vip"] not in repr(view)
    view = await sequence_of(view).enter()
    assert sequence_of(view).phase == "participating"
    display = sequence_of(view).display.get()
    assert display is not None and display.position == 1


async def test_submit_access_code_gated_once_nothing_admits(sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.journeys.get(sb.experiences["vip"])
    view = await journey.view.get().start()
    assert sequence_of(view).phase == "enterable"
    await sb.advance(GENERAL_CLOSES_AT + 1)  # the general sequence closed, never entered
    result = await view.submit_access_code("WRONG-CODE")
    assert result == AccessCodeSubmitResult("gated")
    gated = journey.view.get()
    assert gated.journey_stage == "gated"
    assert [(g.type, g.status) for g in gated.gates] == [("access_code", "missing")]
    with pytest.raises(ActionNotAvailableError):
        gated.submit_access_code("VIP2024")  # a routed-only action
    routed = await gated.reroute(access_code=sb.access_codes["vip"])
    assert sequence_of(routed).sequence_id == _names(sb, "vip")["VIP early access"]


async def _granted(sb: Sandbox, fanfare: Fanfare) -> LiveJourneyView:
    journey = fanfare.journeys.get(sb.experiences["fast"])
    view = await journey.view.get().start()
    view = await sequence_of(view).enter()
    await sb.advance(1)
    assert "retry" not in view  # nothing failed: no retry button
    await journey.refresh_distribution()  # the status (G3 polls it; the G1 call refreshes now)
    view = journey.view.get()
    assert sequence_of(view).phase == "granted", view
    return view


async def test_claim_returns_the_grant_and_stops_the_expiry_timer(sb: Sandbox, fanfare: Fanfare) -> None:
    view = await _granted(sb, fanfare)
    journey = fanfare.journeys.get(sb.experiences["fast"])
    grant = sequence_of(view).claim()
    assert grant.token and grant.token not in repr(grant)
    assert grant.distribution_type == "queue" and grant.expires_at is not None
    assert sequence_of(journey.view.get()).checkout_started is True
    await asyncio.sleep(max(0.0, grant.expires_at / 1000 - journey._pipeline.now() / 1000) + 1.5)
    assert sequence_of(journey.view.get()).phase == "granted"  # the server owns the deadline
    assert journey.sequence_stage.get() == "admitted"
    claimed = sequence_of(journey.view.get())
    assert "claim" not in claimed and claimed.grant == grant  # claimed once; the grant stays readable
    with pytest.raises(ActionNotAvailableError):
        claimed.claim()


async def test_unclaimed_grant_lapses_to_ended_expired(sb: Sandbox, fanfare: Fanfare) -> None:
    view = await _granted(sb, fanfare)
    journey = fanfare.journeys.get(sb.experiences["fast"])
    stale = sequence_of(view)
    ended = await journey.view.wait_for(
        lambda v: v.sequence is not None and v.sequence.phase == "ended", timeout=15)
    assert ended.outcome is not None and ended.outcome.type == "expired"
    assert journey.sequence_stage.get() == "admission_expired"  # the old stores' reading
    with pytest.raises(ActionNotAvailableError):
        stale.claim()


async def test_async_for_renders_views_until_destroyed(sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.journeys.get(sb.experiences["queue"])
    stages: list[str] = []

    async def render() -> None:
        async for view in journey.view:
            stages.append(view.journey_stage.value)
            if "start" in view:
                await view.start()
            elif view.sequence is not None and "enter" in view.sequence:
                await view.sequence.enter()
            elif view.sequence is not None and view.sequence.phase == "participating":
                journey.destroy()

    await asyncio.wait_for(render(), timeout=15)
    assert stages[0] == "ready" and stages[-1] == "routed"


async def test_resume_from_server_takes_the_docs_object(sb: Sandbox, make_fanfare: Any) -> None:
    first = await make_fanfare()
    journey = first.journeys.get(sb.experiences["waitlist"])
    view = await journey.view.get().start()
    waitlist = sequence_of(view).waitlist
    assert waitlist is not None and waitlist.status == "not_waitlisted"
    view = await waitlist.join()
    joined = sequence_of(view).waitlist
    assert joined is not None and joined.status == "waitlisted" and joined.entered_at is not None
    sequence_id = sequence_of(view).sequence_id
    journey.destroy()

    again = first.journeys.get(sb.experiences["waitlist"])
    await again.resume_from_server(
        {"sequenceId": sequence_id,
         "waitlist": {"waitlistId": joined.waitlist_id, "enteredAt": joined.entered_at}})
    resumed = sequence_of(again.view.get())
    assert resumed.phase == "scheduled"
    assert resumed.waitlist is not None and resumed.waitlist.status == "waitlisted"


async def test_bot_check_verified_elsewhere_then_complete_without_token(
        sb: Sandbox, fanfare: Fanfare) -> None:
    journey = fanfare.journeys.get(sb.experiences["botcheck"])
    view = await journey.view.get().start()
    assert view.journey_stage == "gated"
    (gate,) = view.gates
    assert gate.type == "bot_check" and gate.challenge_id is not None
    assert await fanfare.challenges.verify(challenge_id=gate.challenge_id, token=sb.bot_check_token)
    await journey.complete_bot_check()  # the docs' call: no token
    assert journey.view.get().journey_stage == "routed"
    assert journey.context.get().experience.name == "Bot-protected drop (bot check)"
