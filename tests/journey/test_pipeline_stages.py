"""Pipeline marble tests: scripted server answers and driven actions give the expected stage
sequences for every distribution type and requirement path (one character = 1 virtual s)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fanfare_rx import ExperienceJourney
from fanfare_rx.models.journey import RequirementType
from fanfare_rx.testing import JOURNEY_STAGES, SEQUENCE_STAGES, JourneyHarness
from fanfare_rx.testing import builders as b


def poll(interval_ms: int | None = None) -> Any:
    def start_polling(journey: ExperienceJourney) -> None:
        journey.start_polling(interval_ms)

    return start_polling


def test_queue_start_enter_polls_with_decreasing_positions_then_admitted() -> None:
    DIGITS: dict[str, Any] = {"2": b.queued(2), "1": b.queued(1)}
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3))
    h.server.on_status(
        "-n|", "-2|", "-1|", "-g|",
        n=b.not_queued(), **DIGITS, g=b.queue_granted("grant-q"),
    )
    # start at 1; route answers at 2; status follow-up 3..5; enter at 4 answers at 5;
    # polls every 2 s after the previous one finished: 8..10, 12..14, 16..18.
    h.act("-s--q-P", s="start", q="enter_queue", P=poll(2000))
    h.expect(h.journey.journey_stage, "se(gr)", **JOURNEY_STAGES)  # through routing
    h.expect(h.journey.sequence_stage, "n-e--p-----------a", **SEQUENCE_STAGES)
    h.expect(
        h.journey.state.derive(lambda s: s.context.position),
        "N----3---2---1---N", N=None,
    )
    h.run(19)
    assert h.outcome("start").ok and h.outcome("enter_queue").ok
    assert h.journey.state.get().context.admittance_token == "grant-q"
    assert h.server.call_times("fetch_status") == [3.0, 8.0, 12.0, 16.0]
    assert len(h.server.calls_to("enter")) == 1
    assert h.server.calls_to("enter")[0].args[0].id == b.distribution_id("queue")


def test_draw_enter_then_won() -> None:
    h = JourneyHarness(b.experience("draw"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", "-p|", "-w|", n=b.draw_not_entered(), p=b.draw_entered(), w=b.draw_won())
    h.server.on_enter("-d|", d=b.draw_entered())
    h.act("-s--d-P", s="start", d="enter_draw", P=poll(3000))
    # polls at 9..11 (still entered) and 14..16 (won)
    h.expect(h.journey.sequence_stage, "n-e--p---------a", **SEQUENCE_STAGES)
    h.run(17)
    assert h.journey.state.get().context.admittance_token == "grant-1"
    assert h.server.call_times("fetch_status") == [3.0, 9.0, 14.0]


def test_auction_enter_with_bid_place_bids_then_won() -> None:
    h = JourneyHarness(b.experience("auction"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status(
        "-n|", "-o|", "-w|",
        n=b.auction_state("NOT_BID"),
        o=b.auction_state("OUTBID", last_bid="120.00", highest_bid="130.00"),
        w=b.auction_state("WON", last_bid="140.00", grant="grant-a"),
    )
    h.server.on_enter("-e|", e=b.auction_state("NOT_BID"))
    h.server.on_bid(
        "-b|", "-c|", "-d|",
        b=b.auction_state("BIDDING", last_bid="100.00"),
        c=b.auction_state("WINNING", last_bid="120.00"),
        d=b.auction_state("WINNING", last_bid="140.00"),
    )
    # enter_auction(100) at 4: enter 4..6, bid 6..8; place_bid(120) at 9 → 10;
    # polls (5 s) at 15..17 outbid; place_bid(140) at 19 → 20; poll at 22..24 won.
    h.act(
        "-s--E----BP--------C",
        s="start", E=("enter_auction", "100"), B=("place_bid", "120"),
        P=poll(5000), C=("place_bid", "140"),
    )
    bids = h.record(h.journey.state.derive(lambda s: s.context.current_bid))
    h.expect(h.journey.sequence_stage, "n-e----p" + "-" * 15 + "a", **SEQUENCE_STAGES)
    h.run(24)
    assert bids.values == [None, "100.00", "120.00", "140.00"]
    assert h.journey.state.get().context.admittance_token == "grant-a"
    calls = h.server.calls_to("place_bid")
    assert [c.args for c in calls] == [
        (b.distribution_id("auction"), Decimal(100)),
        (b.distribution_id("auction"), Decimal(120)),
        (b.distribution_id("auction"), Decimal(140)),
    ]
    assert all(o.ok for o in h.outcomes), h.outcomes


def test_timed_release_enter_admitted_then_completed() -> None:
    h = JourneyHarness(b.experience("timed_release"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("-n|", n=b.timed_release_state("NOT_ENTERED"))
    h.server.on_enter("-g|", g=b.timed_release_state("GRANTED", grant="grant-t"))
    h.server.on_complete("-c|", c=b.timed_release_state("COMPLETED"))
    h.act("-s--t--c", s="start", t="enter_timed_release", c="complete_timed_release")
    h.expect(h.journey.sequence_stage, "n-e--a--d", **SEQUENCE_STAGES)
    h.run(10)
    snap = h.journey.state.get()
    assert snap.context.outcome == "completed"
    assert snap.available_actions.sequence == ()


def test_waitlist_upcoming_entered_then_poll_reroute_opens() -> None:
    h = JourneyHarness(b.experience("queue", waitlist=True))
    h.server.on_route("-u|", "-o|", u=b.routed(availability="upcoming"), o=b.routed())
    h.server.on_enter_waitlist("-w|", w=b.waitlist_status(True))
    h.server.on_status("-n|", n=b.not_queued())
    # upcoming: no status fetch; waitlist 4..5; the poll (3 s) at 9 routes again → open at 10
    h.act("-s--w-P", s="start", w="enter_waitlist", P=poll(3000))
    h.expect(h.journey.sequence_stage, "n-u--w----e", **SEQUENCE_STAGES)
    h.run(11)
    assert h.server.call_times("route") == [1.0, 9.0]
    assert h.server.calls_to("enter_waitlist")[0].args == ("waitlist-seq-1",)
    assert h.server.call_times("fetch_status") == [11.0]  # the follow-up once it opened


def test_auth_gate_then_authenticate_routes() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-g|", "-r|", g=b.gated(b.auth_gate()), r=b.routed())
    h.server.on_status("-n|", n=b.not_queued())
    h.act("-s--a", s="start", a="authenticate")
    h.expect(h.journey.journey_stage, "sea-gr--", **JOURNEY_STAGES)
    h.expect(
        h.journey.requirements.derive(lambda rs: tuple(r.type for r in rs)),
        "N-A-N", N=(), A=(RequirementType.AUTHENTICATION,),
    )
    h.run(8)
    assert h.outcome("authenticate").ok


def test_access_code_invalid_then_valid() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route(
        "-m|", "-i|", "-r|",
        m=b.gated(b.access_code_gate()), i=b.gated(b.access_code_gate(invalid=True)), r=b.routed(),
    )
    h.server.on_status("-n|", n=b.not_queued())
    reasons = h.record(h.journey.requirements.derive(lambda rs: tuple(r.reason for r in rs)))
    h.act("-s--w--v", s="start", w=("provide_access_code", "WRONG"), v=("provide_access_code", "VIP"))
    h.expect(h.journey.journey_stage, "sec-gc-gr", **JOURNEY_STAGES)
    h.run(9)
    assert reasons.values == [(), ("ACCESS_CODE_REQUIRED",), (), ("ACCESS_CODE_INVALID",), ()]
    assert [c.args[1] for c in h.server.calls_to("route")] == [None, "WRONG", "VIP"]
    assert h.journey.state.get().context.access_code == "VIP"


def test_optional_access_code_skipped_routes_to_selected_sequence() -> None:
    h = JourneyHarness(b.experience("queue"))
    optional = b.routed(offers=(b.offer("vip", b.access_code_gate()),))
    h.server.on_route("-r|", r=optional)
    h.server.on_status("-n|", n=b.not_queued())
    h.act("-s--k", s="start", k="skip_access_code")
    h.expect(h.journey.journey_stage, "sec-gr", **JOURNEY_STAGES)
    h.expect(h.journey.sequence_stage, "n----e", **SEQUENCE_STAGES)
    h.advance(3)
    (requirement,) = h.journey.requirements.get()
    assert requirement.type is RequirementType.ACCESS_CODE and requirement.required is False
    h.run(3)
    assert h.journey.state.get().context.access_code_skipped is True
    assert h.server.call_times("route") == [1.0, 4.0]


def test_bot_check_with_token_verifies_then_routes() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-c|", "-r|", c=b.gated(b.bot_check_gate("ch-1")), r=b.routed())
    h.server.on_verify_bot_check("-v|", v=True)
    h.server.on_status("-n|", n=b.not_queued())
    h.act("-s--t", s="start", t=("complete_bot_check", "token-123"))
    # verify 4..6 (answer at 5, completes at 6), then route 6..7
    h.expect(h.journey.journey_stage, "seg----r", **JOURNEY_STAGES)
    h.run(8)
    assert [c.args for c in h.server.calls_to("verify_bot_check")] == [("ch-1", "token-123")]
    assert h.server.call_times("route") == [1.0, 6.0]
    assert h.journey.requirements.get() == ()
