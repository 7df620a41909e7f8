"""Routing, availability, gates (access code, sign-in, bot check), experiences and
/consumers/me over loopback HTTP."""

from __future__ import annotations

from typing import Any

from sandbox_helpers import Api

from fanfare_rx.models import wire
from fanfare_rx.sandbox.scenario import parse_scenario
from fanfare_rx.wire import codec


async def _route(api: Api, label: str, token: str, code: str | None = None) -> Any:
    body = {"accessCode": code} if code is not None else None
    reply = await api.call("POST", f"/experiences/{api.sandbox.experiences[label]}/route",
                           token=token, json=body)
    assert reply.status == 200, reply
    return codec.structure(reply.body, wire.RouteResult)


async def test_experience_lists_every_distribution_kind(api: Api) -> None:
    expected = {"queue": "queues", "draw": "draws", "auction": "auctions",
                "timed_release": "timedReleases"}
    for label, field in expected.items():
        body = await api.experience(label)
        item = body["sequences"][0][field][0]
        assert item["admissionExpirationSeconds"] == 600
        model = codec.structure(body, wire.Experience)
        assert model.id == api.sandbox.experiences[label]
    draw = (await api.experience("draw"))["sequences"][0]["draws"][0]
    assert draw["winnerCount"] == 5
    waitlist = (await api.experience("waitlist"))["sequences"][0]["waitlist"]
    assert waitlist["capacity"] == 1000 and waitlist["id"]


async def test_availability_per_default_experience(api: Api) -> None:
    token = await api.guest()
    seen = {label: (await _route(api, label, token)).selected.sequence.availability
            for label in ("queue", "draw", "auction", "timed_release", "waitlist")}
    assert seen == {"queue": "open", "draw": "open", "auction": "open",
                    "timed_release": "upcoming", "waitlist": "waitlist"}
    await api.sandbox.advance(7201)
    after = await _route(api, "queue", token)
    assert isinstance(after, wire.RouteNoAccess)
    assert after.outcome_reasons[0].code is wire.ReasonCode.NO_ACCESS


async def test_vip_offer_then_code_routes_and_is_remembered(api: Api) -> None:
    token = await api.guest()
    general = await _route(api, "vip", token)
    assert isinstance(general, wire.RouteRouted)
    assert general.selected.sequence.name == "General queue"
    assert [o.sequence.name for o in general.offers] == ["VIP early access"]
    assert general.offers[0].gates[0].status == "missing"
    wrong = await _route(api, "vip", token, "NOPE")
    assert isinstance(wrong, wire.RouteRouted)
    assert wrong.offers[0].gates[0].status == "invalid"
    assert wrong.offers[0].reasons[0].code is wire.ReasonCode.ACCESS_CODE_INVALID
    vip = await _route(api, "vip", token, api.sandbox.access_codes["vip"])
    assert isinstance(vip, wire.RouteRouted) and vip.selected.sequence.name == "VIP early access"
    assert vip.offers == ()
    remembered = await _route(api, "vip", token)
    assert remembered.selected.sequence.name == "VIP early access"  # type: ignore[union-attr]


async def test_vip_queue_entry_needs_the_code(api: Api) -> None:
    token = await api.guest()
    vip_queue = (await api.experience("vip"))["sequences"][0]["queues"][0]["id"]
    refused = await api.call("POST", f"/queues/{vip_queue}/enter", token=token)
    assert refused.status == 403 and refused.body["code"] == "ACCESS_CODE_REQUIRED"
    await _route(api, "vip", token, "VIP2024")
    assert (await api.call("POST", f"/queues/{vip_queue}/enter", token=token)).status == 200


async def test_signin_gate_then_routed_after_otp(api: Api) -> None:
    token = await api.guest()
    gated = await _route(api, "signin", token)
    assert isinstance(gated, wire.RouteGated)
    assert isinstance(gated.selected.gates[0], wire.AuthenticationGate)
    assert gated.outcome_reasons[0].code is wire.ReasonCode.AUTH_REQUIRED
    member = await api.signed_in(token=token)
    assert isinstance(await _route(api, "signin", member), wire.RouteRouted)


async def test_bot_check_challenge_and_verify(api: Api) -> None:
    token = await api.guest()
    gated = await _route(api, "botcheck", token)
    assert isinstance(gated, wire.RouteGated)
    gate = gated.selected.gates[0]
    assert isinstance(gate, wire.BotCheckGate) and gate.challenge is not None
    assert gate.challenge.provider == "turnstile" and gate.challenge.type == "turnstile_managed"
    page = await api.call("GET", gate.challenge.iframe_url.removeprefix(api.sandbox.base_url))
    assert page.status == 200
    wrong = await api.call("POST", "/challenges/verify", token=token,
                           json={"challengeId": gate.challenge.id, "token": "nope"})
    assert wrong.status == 403
    missing = await api.call("POST", "/challenges/verify", token=token, json={"token": "x"})
    assert missing.status == 400 and missing.body["issues"][0]["path"][0]["key"] == "challengeId"
    ok = await api.call("POST", "/challenges/verify", token=token,
                        json={"challengeId": gate.challenge.id, "token": api.sandbox.bot_check_token})
    assert ok.body == {"verified": True}
    assert isinstance(await _route(api, "botcheck", token), wire.RouteRouted)


async def test_no_sequences_is_no_access(custom: Any) -> None:
    api = await custom(parse_scenario({"experiences": [{"id": "e", "label": "empty", "name": "E"}]}))
    reply = await api.call("POST", "/experiences/e/route", token=await api.guest())
    assert reply.body["outcome"] == "no_access"
    assert reply.body["outcomeReasons"] == [{"code": "NO_SEQUENCES"}]


async def test_consumers_me_projection(api: Api) -> None:
    token = await api.guest()
    empty = await api.call("GET", "/consumers/me", token=token)
    assert codec.structure(empty.body, wire.ConsumerMe).active.journeys == ()
    queue_id = await api.distribution("queue", "queues")
    await _route(api, "queue", token)
    await api.call("POST", f"/queues/{queue_id}/enter", token=token)
    await _route(api, "signin", token)
    waitlist_id = (await api.experience("waitlist"))["sequences"][0]["waitlist"]["id"]
    await api.call("POST", f"/waitlists/{waitlist_id}/enter", token=token)
    me = codec.structure((await api.call("GET", "/consumers/me", token=token)).body, wire.ConsumerMe)
    queue = me.journey_for(api.sandbox.experiences["queue"])
    assert isinstance(queue, wire.RoutedJourneyProjection)
    assert queue.sequence.phase is wire.SequencePhase.PARTICIPATING
    assert queue.sequence.consumer is not None and queue.sequence.consumer.position == 41
    assert isinstance(me.journey_for(api.sandbox.experiences["signin"]), wire.GatedJourneyProjection)
    assert [w.waitlist_id for w in me.waitlists] == [waitlist_id]
    await api.sandbox.advance(41)
    me = codec.structure((await api.call("GET", "/consumers/me", token=token)).body, wire.ConsumerMe)
    granted = me.journey_for(api.sandbox.experiences["queue"])
    assert isinstance(granted, wire.RoutedJourneyProjection)
    assert granted.sequence.phase is wire.SequencePhase.GRANTED and granted.sequence.grant
    await api.sandbox.advance(600)
    me = codec.structure((await api.call("GET", "/consumers/me", token=token)).body, wire.ConsumerMe)
    ended = me.journey_for(api.sandbox.experiences["queue"])
    assert isinstance(ended, wire.RoutedJourneyProjection) and ended.sequence.outcome is not None
    assert ended.sequence.outcome.type is wire.OutcomeType.EXPIRED


async def test_experience_enter_leave_and_archived_status(api: Api) -> None:
    token = await api.guest()
    exp_id = api.sandbox.experiences["draw"]
    entered = await api.call("POST", f"/experiences/{exp_id}/enter", token=token)
    assert codec.structure(entered.body, wire.ExperienceEntered).experience_id == exp_id
    assert (await api.call("DELETE", f"/experiences/{exp_id}/leave", token=token)).body == {"left": True}
    live = await api.call("POST", "/experiences/archived-status",
                          json={"experienceIds": [exp_id, "gone"]})
    assert live.body == {"liveExperienceIds": [exp_id]}
