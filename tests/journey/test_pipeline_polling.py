"""Polling and grant expiry on virtual time: intervals, no overlap, Retry-After, stop,
destroy, and ``admission_expired`` exactly at the grant's deadline."""

from __future__ import annotations

from fanfare_rx import RateLimitedError
from fanfare_rx.testing import SEQUENCE_STAGES, JourneyHarness, pending_actions
from fanfare_rx.testing import builders as b


def started(kind: str = "queue", *, status: object = None) -> JourneyHarness:
    """A journey routed to an open ``kind`` at 1 s and settled by 2 s (status answered at once)."""
    h = JourneyHarness(b.experience(kind))
    h.server.on_route("-r|", r=b.routed())
    first = status if status is not None else b.not_queued()
    h.server.on_status("(s|)", s=first)
    h.act("s", s="start")
    h.advance(2)
    assert h.outcome("start").ok
    return h


def test_explicit_interval_counts_from_the_end_of_the_previous_poll() -> None:
    h = started()
    h.server.on_status("-q|", q=b.queued(4))  # each poll takes 2 s
    h.journey.start_polling(3000)  # at 2 s
    h.advance(20)
    # 2 + 3 = 5 (done 7), 7 + 3 = 10 (done 12), 15, 20
    assert h.server.call_times("fetch_status") == [2.0, 5.0, 10.0, 15.0, 20.0]
    assert h.journey.is_polling


def test_type_cadence_is_per_distribution_type() -> None:
    queue = started("queue", status=b.queued(3))
    queue.journey.start_polling(cadence="type")  # at 2 s
    queue.advance(16)
    assert queue.server.call_times("fetch_status") == [2.0, 7.0, 12.0, 17.0]  # queues: 5 s

    draw = started("draw", status=b.draw_entered())
    draw.journey.start_polling(cadence="type")
    draw.advance(25)
    # draws: 10 s after each poll; a draw entry's poll also routes (is it settling?), and the
    # scripted route takes 2 s: 12 (done 14), 24
    assert draw.server.call_times("fetch_status") == [2.0, 12.0, 24.0]
    assert draw.server.call_times("route")[1:] == [12.0, 24.0]

    auction = started("auction", status=b.auction_state("BIDDING", last_bid="10"))
    auction.journey.start_polling(cadence="type")
    auction.advance(7)
    assert auction.server.call_times("fetch_status") == [2.0, 4.0, 6.0, 8.0]  # auctions: 2 s


def test_upcoming_polls_route_every_ten_seconds_with_type_cadence() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("(u|)", u=b.routed(availability="upcoming"))
    h.act("s", s="start")
    h.advance(1)
    h.journey.start_polling(cadence="type")
    h.advance(25)
    assert h.server.call_times("route") == [0.0, 11.0, 21.0]
    assert h.server.calls_to("fetch_status") == []  # nothing to fetch while upcoming


def test_polls_never_overlap_a_slow_answer() -> None:
    h = started()
    h.server.on_status("-----q|", q=b.queued(2))  # 6 s per poll, longer than the interval
    h.journey.start_polling(2000)
    h.advance(30)
    times = h.server.call_times("fetch_status")[1:]
    assert times == [4.0, 12.0, 20.0, 28.0]  # each one 2 s after the previous finished


def test_retry_after_delays_the_next_poll() -> None:
    h = started()
    busy = RateLimitedError("slow down", status=429, retry_after=30)
    h.server.on_status("-#", "-q|", error=busy, q=b.queued(2))
    h.journey.start_polling(2000)
    errors = h.record(h.journey.state.derive(lambda s: s.context.last_error))
    h.advance(40)
    # poll at 4 fails at 5 → next not before 5 + 30 = 35 (done 37) → 39
    assert h.server.call_times("fetch_status")[1:] == [4.0, 35.0, 39.0]
    assert "RATE_LIMITED" in errors.values
    assert h.journey.is_polling


def test_stop_polling_stops() -> None:
    h = started()
    h.server.on_status("(q|)", q=b.queued(2))
    h.journey.start_polling(1000)
    h.advance(3)
    h.journey.stop_polling()
    calls = len(h.server.calls)
    h.advance(60)
    assert len(h.server.calls) == calls
    assert not h.journey.is_polling


def test_destroy_stops_everything() -> None:
    h = started()
    h.server.on_status("--q|", q=b.queued(2))
    h.server.on_enter("---e|", e=b.queued(5))
    h.journey.start_polling(1000)
    stages = h.record(h.journey.sequence_stage)
    h.act("-e", e="enter_queue")
    h.advance(2)  # a poll and the enter are in flight
    h.destroy()
    calls = len(h.server.calls)
    assert h.outcome("enter_queue").done and h.outcome("enter_queue").error is not None
    assert stages.completed
    assert pending_actions(h.scheduler) == 0
    h.advance(3600)
    assert len(h.server.calls) == calls


def test_grant_expires_exactly_at_its_deadline_then_re_enter() -> None:
    h = started()
    h.server.on_enter("-g|", "-q|", g=b.queue_granted(expires_at=b.at(20)), q=b.queued(7))
    h.act("-e" + "-" * 23 + "E", e="enter_queue", E="enter_queue")
    # now 2 s: enter at 3, granted at 4; deadline 20 s (frame 18); re-enter at 27 → 28
    h.expect(h.journey.sequence_stage, "e-a" + "-" * 15 + "x" + "-" * 7 + "p", **SEQUENCE_STAGES)
    h.run(27)
    snap = h.journey.state.get()
    assert snap.context.position == 7
    assert snap.context.admittance_token is None


def test_mark_admitted_expires_on_the_scheduler() -> None:
    h = started()
    h.journey.mark_admitted("grant-m", expires_at_ms=7_500)
    stages = h.record(h.journey.sequence_stage)
    h.scheduler.advance_to(7.499)
    assert stages.values == ["admitted"]
    h.scheduler.advance_to(7.5)
    assert stages.values == ["admitted", "admission_expired"]
    assert h.scheduler.clock == 7.5 and stages.events[-1][0] == 5.5
