"""Marble tests of ``journey.view`` over a queue, a draw and an auction journey, driven through
the view's own actions (one character = 1 virtual s). Views are values: they compare like
snapshots, and a poll that only moves the position leaves the view unchanged."""

from __future__ import annotations

from typing import Any

from fanfare_rx import ExperienceJourney
from fanfare_rx.models.view import (
    AdmissionGrant,
    JourneyView,
    Mechanism,
    Outcome,
    ParticipatingDisplay,
    SequenceView,
)
from fanfare_rx.testing import SEQUENCE_STAGES, JourneyHarness
from fanfare_rx.testing import builders as b

#: Routed, nothing failed, no offers: reroute only (no dead retry / submit_access_code button).
ROUTED = frozenset({"reroute"})
READY = JourneyView(journey_stage="ready", experience_id="exp-1", actions=frozenset({"start"}))
ROUTING = JourneyView(journey_stage="routing", experience_id="exp-1")


def routed(mechanism: str, phase: str, actions: set[str], **fields: Any) -> JourneyView:
    sequence = SequenceView(
        phase=phase, mechanism=Mechanism(mechanism), sequence_id="seq-1", sequence_name="General",
        distribution_id=b.distribution_id(mechanism), actions=frozenset(actions), **fields)
    return JourneyView(journey_stage="routed", experience_id="exp-1", sequence=sequence,
                       actions=ROUTED)


def grant(mechanism: str, token: str, expires_at: int | None = None) -> AdmissionGrant:
    return AdmissionGrant(token=token, distribution_type=Mechanism(mechanism),
                          distribution_id=b.distribution_id(mechanism), sequence_id="seq-1",
                          experience_id="exp-1", expires_at=expires_at)


def start(journey: ExperienceJourney) -> Any:
    return journey.view.get().start()


def enter(journey: ExperienceJourney) -> Any:
    sequence = journey.view.get().sequence
    assert sequence is not None
    return sequence.enter()


def bid(amount: str) -> Any:
    def place(journey: ExperienceJourney) -> Any:
        sequence = journey.view.get().sequence
        assert sequence is not None
        return sequence.bid(amount)

    return place


def poll(interval_ms: int) -> Any:
    def start_polling(journey: ExperienceJourney) -> None:
        journey.start_polling(interval_ms)

    return start_polling


def claim(journey: ExperienceJourney) -> Any:
    sequence = journey.view.get().sequence
    assert sequence is not None
    return sequence.claim()


def test_queue_view_ready_routing_enterable_participating_granted() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3))
    two: dict[str, Any] = {"2": b.queued(2)}
    h.server.on_status("-n|", "-2|", "-g|", n=b.not_queued(), g=b.queue_granted("grant-q"), **two)
    # start at 1, routed at 2 (status follow-up 3..5); enter at 4 → 5; polls 8..10, 12..14
    h.act("-s--e-P", s=start, e=enter, P=poll(2000))
    h.expect(h.journey.view, "roe--p-------g",
             r=READY, o=ROUTING, e=routed("queue", "enterable", {"enter"}),
             p=routed("queue", "participating", {"leave"}),
             g=routed("queue", "granted", {"claim"}, grant=grant("queue", "grant-q")))
    assert h.journey.view.get().sequence is None  # a "ready" view has no sequence
    h.run(14)
    sequence = h.journey.view.get().sequence
    assert sequence is not None and sequence.grant is not None
    assert sequence.grant.token == "grant-q"
    assert [o.ok for o in h.outcomes] == [True, True, True]


def test_queue_display_moves_while_the_view_stays() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 30))
    digits: dict[str, Any] = {"2": b.queued(2, 20), "1": b.queued(1, 10)}
    h.server.on_status("-n|", "-2|", "-1|", n=b.not_queued(), **digits)
    h.act("-s--e-P", s=start, e=enter, P=poll(2000))
    h.advance(5)  # participating: the sequence's display store exists now
    sequence = h.journey.view.get().sequence
    assert sequence is not None and sequence.phase == "participating"
    views = h.record(h.journey.view)
    shown: dict[str, Any] = {
        str(n): ParticipatingDisplay(mechanism=Mechanism.QUEUE, status="QUEUED", position=n,
                                     estimated_wait_seconds=float(n * 10)) for n in (1, 2, 3)}
    h.expect(sequence.display, "3---2---1", **shown)
    h.run(9)
    assert len(views.values) == 1  # the view itself never changed


def test_draw_view_enter_settles_to_granted_then_lapses_to_ended_expired() -> None:
    h = JourneyHarness(b.experience("draw"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-d|", d=b.draw_entered())
    h.server.on_status("-n|", "-p|", "-w|", n=b.draw_not_entered(), p=b.draw_entered(),
                       w=b.draw_won("grant-d", expires_at=b.at(30)))
    # polls every 3 s after the last finished: 9..11 entered, 14..16 won (grant until 30 s)
    h.act("-s--d-P", s=start, d=enter, P=poll(3000))
    granted = routed("draw", "granted", {"claim"}, grant=grant("draw", "grant-d", 30_000))
    # the draw is still open: the lapsed grant may be entered again
    ended = routed("draw", "ended", {"reenter"}, outcome=Outcome(type="expired",
                                                            distribution_id=b.distribution_id("draw")))
    h.expect(h.journey.view, "roe--p---------g" + "-" * 14 + "x",
             r=READY, o=ROUTING, e=routed("draw", "enterable", {"enter"}),
             p=routed("draw", "participating", {"leave"}), g=granted, x=ended)
    # The old model's stores read the same fold: admitted, then admission_expired.
    h.expect(h.journey.sequence_stage, "n-e--p---------a" + "-" * 14 + "x", **SEQUENCE_STAGES)
    h.run(31)
    h.journey.stop_polling()


def test_draw_claim_stops_the_expiry_timer() -> None:
    h = JourneyHarness(b.experience("draw"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-d|", d=b.draw_entered())
    h.server.on_status("-n|", "-w|", n=b.draw_not_entered(), w=b.draw_won("grant-d", expires_at=b.at(20)))
    h.act("-s--d-P-------C", s=start, d=enter, P=poll(3000), C=claim)
    granted = routed("draw", "granted", {"claim"}, grant=grant("draw", "grant-d", 20_000))
    claimed = routed("draw", "granted", set(), grant=grant("draw", "grant-d", 20_000),
                     checkout_started=True)
    # status follow-up 3..5, enter 4 → 5, poll at 9 → won at 10, claim at 14
    h.expect(h.journey.view, "roe--p----g---c", r=READY, o=ROUTING,
             e=routed("draw", "enterable", {"enter"}),
             p=routed("draw", "participating", {"leave"}), g=granted, c=claimed)
    h.run(15)
    h.journey.stop_polling()
    h.advance(30)  # well past the grant's 20 s deadline: the client does not lapse it
    h.check()
    assert h.outcome("claim").result == grant("draw", "grant-d", 20_000)
    assert h.journey.sequence_stage.get() == "admitted"
    assert h.journey.state.get().context.checkout_started is True


def test_auction_view_bid_enters_then_bids_again_then_granted() -> None:
    h = JourneyHarness(b.experience("auction"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", "-w|", n=b.auction_state("NOT_BID"),
                       w=b.auction_state("WON", last_bid="120.00", grant="grant-a"))
    h.server.on_enter("-e|", e=b.auction_state("NOT_BID"))
    h.server.on_bid("-b|", "-c|", b=b.auction_state("BIDDING", last_bid="100.00"),
                    c=b.auction_state("WINNING", last_bid="120.00"))
    # bid(100) at 4 while enterable: enter 4..6, bid 6..8 (participating at 7);
    # bid(120) at 9 while participating → 10; polling from 10: poll at 15 → won at 16
    h.act("-s--B----CP", s=start, B=bid("100"), C=bid("120"), P=poll(5000))
    h.expect(h.journey.view, "roe----p--------g",
             r=READY, o=ROUTING, e=routed("auction", "enterable", {"bid"}),
             p=routed("auction", "participating", {"bid"}),
             g=routed("auction", "granted", {"claim"}, grant=grant("auction", "grant-a")))
    h.run(17)
    bids = [c.args for c in h.server.calls_to("place_bid")]
    assert [str(amount) for _, amount in bids] == ["100", "120"]
    assert all(o.ok for o in h.outcomes), h.outcomes
