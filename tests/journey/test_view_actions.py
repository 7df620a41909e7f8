"""The live view's actions on virtual time: "may I?" by ``in``, ActionNotAvailableError for
the rest, start past an optional code, gated reroute's stored/cleared/new code, and
submit_access_code's three outcomes without displacing the participation."""

from __future__ import annotations

from typing import Any

import pytest

from fanfare_rx import ExperienceJourney
from fanfare_rx.errors import ActionNotAvailableError, UsageError
from fanfare_rx.journey.view import LiveJourneyView, LiveSequenceView
from fanfare_rx.models.journey import Offer, RequirementType
from fanfare_rx.models.view import AccessCodeSubmitResult, JourneyView
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

VIP_OFFER = b.offer("vip", b.access_code_gate(), priority=10)
VIP_REJECTED = b.offer("vip", b.access_code_gate(invalid=True), priority=10)


def view(journey: ExperienceJourney) -> LiveJourneyView:
    return journey.view.get()


def sequence(journey: ExperienceJourney) -> LiveSequenceView:
    current = journey.view.get().sequence
    assert current is not None
    return current


def vip_experience() -> Any:
    vip = b.experience("queue", sequence_id="vip").sequences
    assert vip is not None
    return b.experience("queue", extra_sequences=vip)


def routed_queue(h: JourneyHarness) -> None:
    h.act("s", s=lambda j: view(j).start())
    h.advance(8)


def test_may_i_by_in_and_not_allowed_actions_raise() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    ready = view(h.journey)
    assert "start" in ready and "reroute" not in ready and ready.sequence is None
    with pytest.raises(ActionNotAvailableError):
        ready.reroute()
    with pytest.raises(ActionNotAvailableError):
        ready.submit_access_code("X")
    routed_queue(h)
    live = sequence(h.journey)
    assert "enter" in live and "leave" not in live and "claim" not in live
    for call in (live.leave, live.claim, live.complete, lambda: live.bid("5"),
                 lambda: live.book("slot-1"), live.cancel):
        with pytest.raises(ActionNotAvailableError):
            call()
    with pytest.raises(ActionNotAvailableError):
        view(h.journey).start()  # started already
    assert h.server.calls_to("enter") == []  # nothing reached the server


def test_a_stale_view_cannot_claim_a_grant_that_lapsed() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-g|", g=b.queue_granted("tok", expires_at=b.at(10)))
    routed_queue(h)
    stale = sequence(h.journey)
    assert stale.phase == "granted"
    h.advance(10)
    assert sequence(h.journey).phase == "ended"
    with pytest.raises(ActionNotAvailableError):
        stale.claim()
    assert h.journey.state.get().context.checkout_started is False


def test_start_continues_past_an_optional_code_and_lists_offers() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed(offers=(VIP_OFFER,)))
    h.server.on_status("-n|", n=b.not_queued())
    views = h.record(h.journey.view)
    routed_queue(h)
    final = view(h.journey)
    assert [v.journey_stage for v in views.values] == ["ready", "routing", "routed"]  # no gated flash
    assert final.offers == (Offer("vip", "vip", 10, (RequirementType.ACCESS_CODE,)),)
    assert [c.args[1] for c in h.server.calls_to("route")] == [None, None]
    assert h.journey.journey_stage.get() == "routed"  # the old stores agree


def test_submit_access_code_rejected_then_advanced_keeps_participation_until_then() -> None:
    h = JourneyHarness(vip_experience())
    # start routes twice: once stopping for the optional code, once skipping it
    h.server.on_route("-r|", "-r|", "-x|", "-v|", r=b.routed(offers=(VIP_OFFER,)),
                      x=b.routed(offers=(VIP_REJECTED,)), v=b.routed("vip", priority=10))
    h.server.on_status("-n|", "-q|", n=b.not_queued(), q=b.queued(1))
    h.server.on_enter("-q|", q=b.queued(7))
    routed_queue(h)
    h.act("e", e=lambda j: sequence(j).enter())
    h.advance(3)
    before = h.journey.view.get()
    participating = h.journey.state.get()
    assert sequence(h.journey).phase == "participating"
    views = h.record(h.journey.view)

    wrong = h.act("w", w=lambda j: view(j).submit_access_code("WRONG"))[0]
    h.advance(3)
    assert wrong.snapshot == AccessCodeSubmitResult("unchanged")
    assert views.values == [before]  # nothing moved: no routing, no gate
    assert h.journey.state.get() is participating  # not even a revision
    assert h.journey.state.get().context.access_code is None

    right = h.act("v", v=lambda j: view(j).submit_access_code("VIP2024"))[0]
    h.advance(4)
    assert right.snapshot == AccessCodeSubmitResult("advanced", "vip")
    now = h.journey.state.get()
    assert now.context.sequence_id == "vip" and now.context.access_code == "VIP2024"
    assert sequence(h.journey).phase == "participating"  # the VIP status poll: queued
    assert [c.args[1] for c in h.server.calls_to("route")] == [None, None, "WRONG", "VIP2024"]
    assert [v.journey_stage for v in views.values] == ["routed", "routed", "routed"]
    reroutes = [e for e in now.events if e.kind == "reroute"]
    assert reroutes and reroutes[-1].detail is not None and reroutes[-1].detail["direction"] == "upgrade"


def test_submit_access_code_gated_when_routing_admits_nothing() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", "-r|", "-x|", "-g|", r=b.routed(offers=(VIP_OFFER,)),
                      x=b.gated(b.access_code_gate(invalid=True)), g=b.gated(b.access_code_gate()))
    h.server.on_status("-n|", n=b.not_queued())
    routed_queue(h)
    result = h.act("c", c=lambda j: view(j).submit_access_code("NOPE"))[0]
    h.advance(4)
    assert result.snapshot == AccessCodeSubmitResult("gated")
    gated = view(h.journey)
    assert gated.journey_stage == "gated" and [g.type for g in gated.gates] == ["access_code"]
    assert gated.gates[0].status == "missing"  # the stored code's answer, not the candidate's
    assert [c.args[1] for c in h.server.calls_to("route")] == [None, None, "NOPE", None]


def test_submit_access_code_needs_a_code() -> None:
    h = JourneyHarness(vip_experience())
    h.server.on_route("-r|", r=b.routed(offers=(VIP_OFFER,))).on_status("-n|", n=b.not_queued())
    routed_queue(h)
    with pytest.raises(UsageError):
        view(h.journey).submit_access_code("")
    with pytest.raises(UsageError):
        view(h.journey).reroute(access_code="X")  # routed reroute takes no code


def test_no_dead_buttons_retry_and_submit_access_code_only_when_they_can_act() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    routed_queue(h)
    routed = view(h.journey)
    assert routed.actions == {"reroute"}  # nothing failed, no offers
    with pytest.raises(ActionNotAvailableError):
        routed.retry()
    with pytest.raises(ActionNotAvailableError):
        routed.submit_access_code("VIP")
    assert len(h.server.calls_to("route")) == 1  # nothing was sent


def test_gated_reroute_resends_stored_code_clears_it_or_submits_a_new_one() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-a|", a=b.gated(b.auth_gate()))
    h.act("s", s=lambda j: j.request("start", "STORED"))
    h.advance(3)
    assert view(h.journey).journey_stage == "gated"
    h.act("r", r=lambda j: view(j).reroute())  # the stored code again
    h.advance(3)
    h.act("n", n=lambda j: view(j).reroute(access_code="NEW"))
    h.advance(3)
    h.act("c", c=lambda j: view(j).reroute(access_code=None))  # cleared first
    h.advance(3)
    assert [c.args[1] for c in h.server.calls_to("route")] == ["STORED", "STORED", "NEW", None]
    assert h.journey.state.get().context.access_code is None
    assert all(o.ok for o in h.outcomes), h.outcomes
    assert view(h.journey) == JourneyView(
        journey_stage="gated", experience_id="exp-1", gates=view(h.journey).gates,
        actions=frozenset({"reroute", "retry"}))


def test_gated_access_code_reroute_submits_the_code() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-g|", "-r|", g=b.gated(b.access_code_gate()), r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    routed_queue(h)
    assert [g.status for g in view(h.journey).gates] == ["missing"]
    h.act("c", c=lambda j: view(j).reroute(access_code="VIP2024"))
    h.advance(5)
    assert view(h.journey).journey_stage == "routed"
    assert h.journey.state.get().context.access_code == "VIP2024"
    assert [c.args[1] for c in h.server.calls_to("route")] == [None, "VIP2024"]


def test_ungated_start_passes_through_routing_and_a_gated_one_does_not() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    stages = h.record(h.journey.journey_stage)
    h.act("s", s="start")
    h.advance(4)
    assert stages.values == ["not_started", "entering", "routing", "routed"]

    g = JourneyHarness(b.experience("queue"))
    g.server.on_route("-a|", a=b.gated(b.auth_gate()))
    gated = g.record(g.journey.journey_stage)
    g.act("s", s="start")
    g.advance(3)
    assert gated.values == ["not_started", "entering", "needs_auth"]


def test_a_failed_start_shows_routing_with_retry_then_routes() -> None:
    from fanfare_rx.errors import ServerError

    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-#", "-r|", r=b.routed(), error=ServerError("down", status=503, code="SERVICE_UNAVAILABLE"))
    h.server.on_status("-n|", n=b.not_queued())
    failed = h.act("s", s=lambda j: view(j).start())[0]
    h.advance(2)
    assert isinstance(failed.error, ServerError)
    stuck = view(h.journey)
    assert (stuck.journey_stage, stuck.error, stuck.actions) == ("routing", "SERVICE_UNAVAILABLE",
                                                                 frozenset({"retry"}))
    h.act("r", r=lambda j: view(j).retry())
    h.advance(4)
    assert view(h.journey).journey_stage == "routed" and view(h.journey).error is None


def test_gated_bot_check_reroute_routes_again_without_a_token() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-b|", "-r|", b=b.gated(b.bot_check_gate()), r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    routed_queue(h)
    (gate,) = view(h.journey).gates
    assert (gate.type, gate.challenge_id) == ("bot_check", "challenge-1")
    h.act("r", r=lambda j: view(j).reroute())  # verified elsewhere (fanfare.challenges.verify)
    h.advance(5)
    assert view(h.journey).journey_stage == "routed"
    assert h.server.calls_to("verify_bot_check") == []
    assert len(h.server.calls_to("route")) == 2


def test_submit_access_code_from_no_access_advances_into_the_unlocked_sequence() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", "-x|", "-r|", r=b.routed(), x=b.no_access())
    h.server.on_status("-n|", n=b.not_queued())
    routed_queue(h)
    h.act("x", x=lambda j: view(j).reroute())  # the sequence went away: no_access
    h.advance(3)
    unavailable = view(h.journey)
    assert unavailable.sequence is not None and unavailable.sequence.phase == "unavailable"
    assert h.journey.state.get().context.sequence_id == "seq-1"  # the old id is kept
    result = h.act("c", c=lambda j: view(j).submit_access_code("EARLY"))[0]
    h.advance(4)
    assert result.snapshot == AccessCodeSubmitResult("advanced", "seq-1")
    assert sequence(h.journey).phase == "enterable"
    assert h.journey.state.get().context.access_code == "EARLY"
