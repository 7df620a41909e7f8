"""The live-view renderer on hand-made snapshots: one line per change on a non-TTY, in-place
redraws on a TTY, a progress bar against the first position, and no secret ever printed."""

from __future__ import annotations

import functools
import io

import attrs
import pytest

from fanfare_rx.cli.live_view import (
    LiveView,
    progress_bar,
    progress_line,
    stage_line,
    view_state,
    wait_text,
)
from fanfare_rx.models.journey import (
    AuctionTerms,
    DistributionSummary,
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Offer,
    Requirement,
    RequirementType,
    SequenceStage,
)
from fanfare_rx.models.wire import DistributionType

TOKEN = "grt.eyJzdWIiOiJjbnNfMTIzNDU2Nzg5MCJ9.c2lnbmF0dXJlLW9mLXRoZS1ncmFudA"
QUEUE = DistributionSummary(type=DistributionType.QUEUE, id="q-1")


def snap(journey: str, sequence: str = "none", **context: object) -> JourneySnapshot:
    ctx = JourneyContext(experience_id="exp-1", **context)  # type: ignore[arg-type]
    return JourneySnapshot(
        journey_stage=JourneyStage(journey), sequence_stage=SequenceStage(sequence), context=ctx
    )


def queued(position: int, wait: float | None = None, **context: object) -> JourneySnapshot:
    return snap("routed", "participating", sequence_name="General queue", distribution=QUEUE,
                position=position, estimated_wait_seconds=wait, **context)


def render(snapshots: list[JourneySnapshot], *, tty: bool = False) -> str:
    out = io.StringIO()
    view = LiveView(out, tty=tty)
    for s in snapshots:
        view.update(s)
    view.close()
    return out.getvalue()


def test_non_tty_prints_one_line_per_change() -> None:
    text = render([
        snap("entering"),
        snap("routed", "active_enterable", sequence_name="General queue", distribution=QUEUE),
        queued(4, 4.0),
        queued(4, 4.0),  # nothing new: nothing printed
        queued(2, 2.0),
        snap("routed", "admitted", sequence_name="General queue", distribution=QUEUE,
             admittance_token=TOKEN),
    ])
    assert text.splitlines() == [
        "stage: entering / none",
        "stage: routed / active_enterable (General queue, queue)",
        "stage: routed / participating (General queue, queue)",
        "  position 4 of 4 [######------------------] wait ~4 s",
        "  position 2 of 4 [##################------] wait ~2 s",
        "  admitted: 4 of 4 through the line [########################]",
        "stage: routed / admitted (General queue, queue)",
    ]
    assert "\r" not in text and "\x1b" not in text


def test_tty_redraws_the_progress_line_in_place() -> None:
    text = render([queued(10, 600.0), queued(5, 300.0), queued(1, 60.0),
                   snap("routed", "admitted", distribution=QUEUE)], tty=True)
    assert text.count("\r\x1b[K") == 4
    assert "  position 5 of 10 [##############----------] wait ~5 min" in text
    # The bar fills in place, then the open progress line is ended before the stage line.
    assert ("wait ~1 min\r\x1b[K  admitted: 10 of 10 through the line [########################]"
            "\nstage: routed / admitted (queue)\n") in text
    assert text.endswith("\n")


def test_bar_measures_against_the_largest_position_seen() -> None:
    out = io.StringIO()
    view = LiveView(out, tty=False)
    for position in (3, 8, 6, 0):
        view.update(queued(position))
    lines = out.getvalue().splitlines()[1:]
    assert lines == [
        "  position 3 of 3 [########----------------]",
        "  position 8 of 8 [###---------------------]",
        "  position 6 of 8 [#########---------------]",
        # Full only once admitted: first in line is nearly full.
        "  position 0 of 8 [#######################-]",
    ]


def test_secrets_are_never_printed() -> None:
    text = render([
        snap("needs_access_code", access_code="VIP2024",
             offers=(Offer(sequence_id="s-vip", name="VIP early access", priority=10,
                           gates=(RequirementType.ACCESS_CODE,)),)),
        snap("routed", "admitted", distribution=QUEUE, admittance_token=TOKEN,
             access_code="VIP2024"),
    ])
    assert TOKEN not in text and TOKEN[:20] not in text
    assert "VIP2024" not in text
    assert "offers: VIP early access" in text


def test_user_events_are_printed_once_and_system_events_never() -> None:
    def event(id_: str, audience: EventAudience, message: str) -> JourneyEvent:
        return JourneyEvent(id=id_, ts=0, kind=EventKind.INFO, severity=EventSeverity.INFO,
                            audience=audience, message=message)

    first = attrs.evolve(snap("entering"), events=(event("e1", EventAudience.USER, "Hello"),))
    second = attrs.evolve(snap("routing"), events=(
        event("e1", EventAudience.USER, "Hello"),
        event("e2", EventAudience.ANALYTICS, "journey_started"),
        event("e3", EventAudience.USER, "Signed in"),
    ))
    lines = render([first, second]).splitlines()
    assert lines == [
        "event: Hello (info)", "stage: entering / none",
        "event: Signed in (info)", "stage: routing / none",
    ]


def test_stage_line_names_requirements_outcome_and_error() -> None:
    needs = attrs.evolve(snap("needs_auth"), requirements=(
        Requirement(type=RequirementType.AUTHENTICATION),
        Requirement(type=RequirementType.ACCESS_CODE, required=False),
    ))
    assert stage_line(view_state(needs)) == (
        "stage: needs_auth / none needs authentication, access_code (optional)")
    ended = snap("routed", "ended", distribution=QUEUE, outcome="lost")
    assert stage_line(view_state(ended)) == "stage: routed / ended (queue) outcome: lost"
    failed = snap("routing", last_error="NO_SEQUENCE_AVAILABLE")
    assert stage_line(view_state(failed)) == "stage: routing / none [error: NO_SEQUENCE_AVAILABLE]"


def test_auction_progress_shows_bids() -> None:
    auction = DistributionSummary(type=DistributionType.AUCTION, id="a-1")
    state = view_state(snap("routed", "participating", distribution=auction,
                            current_bid="100.00", highest_bid="105.00"))
    assert progress_line(state, None) == "your bid 100.00, highest 105.00"
    assert progress_line(view_state(snap("routed", "upcoming")), None) is None


@pytest.mark.parametrize(("fraction", "bar"), [
    (0.0, "[----------]"), (0.25, "[##--------]"), (0.5, "[#####-----]"),
    (1.0, "[##########]"), (1.7, "[##########]"), (-1.0, "[----------]"),
])
def test_progress_bar(fraction: float, bar: str) -> None:
    assert progress_bar(fraction, 10) == bar


# --- what a newcomer saw: full bars, accelerated clocks, silent draws and auctions ---------

NOON = 1_767_268_800.0  # 2026-01-01 12:00:00 UTC
DRAW = DistributionSummary(type=DistributionType.DRAW, id="d-1", settles_at=int((NOON + 300) * 1000))
AUCTION = DistributionSummary(type=DistributionType.AUCTION, id="a-1",
                              settles_at=int((NOON + 40) * 1000))


def test_first_of_one_is_nearly_full_and_admitted_is_full() -> None:
    lines = render([queued(1, 1.0), snap("routed", "admitted", distribution=QUEUE)]).splitlines()
    assert lines == [
        "stage: routed / participating (General queue, queue)",
        "  position 1 of 1 [#######################-] wait ~1 s",
        "  admitted: 1 of 1 through the line [########################]",
        "stage: routed / admitted (queue)",
    ]


def test_admitted_without_a_queue_draws_no_bar() -> None:
    text = render([snap("routed", "participating", distribution=DRAW),
                   snap("routed", "admitted", distribution=DRAW)])
    assert "[" not in text


def test_waits_on_an_accelerated_clock_say_so() -> None:
    assert wait_text(41) == "41 s"
    assert wait_text(41, speed=5) == "41 s sandbox time (~8 s real, clock x5)"
    assert wait_text(240, speed=10) == "4 min sandbox time (~24 s real, clock x10)"
    assert wait_text(2, speed=5) == "2 s sandbox time (<1 s real, clock x5)"
    state = view_state(queued(30, 240.0))
    assert progress_line(state, 30, speed=10) == (
        "position 30 of 30 [#-----------------------] wait ~4 min sandbox time (~24 s real, clock x10)")


def test_a_draw_shows_when_it_is_drawn() -> None:
    state = view_state(snap("routed", "participating", distribution=DRAW))
    assert progress_line(state, None, now=NOON + 260) == "draw at 12:05:00 UTC, in 40 s"
    assert progress_line(state, None, now=NOON + 260, speed=60) == (
        "draw at 12:05:00 UTC sandbox time, in 40 s (~1 s real, clock x60)")
    assert progress_line(state, None, now=NOON + 301) == "draw at 12:05:00 UTC, due now"
    # Without a clock or a draw time it still says what it waits for.
    assert progress_line(state, None) == "waiting for the draw"


def test_an_auction_shows_bids_as_money_and_when_it_ends() -> None:
    state = view_state(snap("routed", "participating", distribution=AUCTION,
                            current_bid="100", highest_bid="105.5"))
    assert progress_line(state, None, now=NOON) == (
        "your bid 100.00, highest 105.50; ends at 12:00:40 UTC, in 40 s")


def test_an_upcoming_distribution_shows_when_it_opens() -> None:
    opening = DistributionSummary(type=DistributionType.QUEUE, id="q-2",
                                  opens_at=int((NOON + 600) * 1000))
    for stage in ("upcoming", "waitlist_entered"):
        state = view_state(snap("routed", stage, distribution=opening))
        assert progress_line(state, None, now=NOON) == "opens at 12:10:00 UTC, in 10 min"


def test_tick_counts_down_on_a_tty_only() -> None:
    shown: dict[bool, str] = {}
    for tty in (True, False):
        now = [NOON + 200.0]
        out = io.StringIO()
        view = LiveView(out, tty=tty, clock=functools.partial(min, now))  # reads now[0]
        view.update(snap("routed", "participating", distribution=DRAW))
        now[0] += 30
        view.tick()
        view.tick()  # same second: nothing new
        now[0] += 30
        view.tick()
        view.close()
        shown[tty] = out.getvalue()
    countdown = [line.split(", ")[-1] for line in shown[True].split("\r\x1b[K")[1:]]
    assert countdown == ["in 1 min 40 s", "in 1 min 10 s", "in 40 s\n"]
    assert shown[False].count("draw at 12:05:00 UTC") == 1


# --- the auction line: minimum next bid and end time (auto-extend read from the terms) ------

TERMS = AuctionTerms(currency="USD", start_price="100.00", min_bid_increment="5.00",
                     minimum_next_bid="110.50", ends_at=int((NOON + 70) * 1000),
                     auto_extend_seconds=30)


def test_the_auction_line_shows_the_minimum_next_bid_and_the_end_time() -> None:
    state = view_state(snap("routed", "participating", distribution=AUCTION, auction=TERMS,
                            current_bid="100.00", highest_bid="105.50"))
    # The terms' end time (extended past the distribution's settles_at) is the one shown.
    assert progress_line(state, None, now=NOON) == (
        "your bid 100.00 USD, highest 105.50 USD, next bid at least 110.50 USD;"
        " ends at 12:01:10 UTC, in 1 min 10 s")


def test_an_enterable_auction_shows_the_first_bid_and_the_end_time() -> None:
    first = attrs.evolve(TERMS, minimum_next_bid="100.00")
    state = view_state(snap("routed", "active_enterable", distribution=AUCTION, auction=first))
    assert progress_line(state, None, now=NOON) == (
        "first bid at least 100.00 USD; ends at 12:01:10 UTC, in 1 min 10 s")
    jpy = AuctionTerms(currency="JPY", minimum_next_bid="1500")
    state = view_state(snap("routed", "active_enterable", distribution=AUCTION, auction=jpy))
    assert progress_line(state, None, now=NOON) == (
        "first bid at least 1500 JPY; ends at 12:00:40 UTC, in 40 s")


def test_an_ended_auction_shows_no_bid_line() -> None:
    state = view_state(snap("routed", "ended", distribution=AUCTION, auction=TERMS,
                            current_bid="100.00", highest_bid="105.50", outcome="lost"))
    assert progress_line(state, None, now=NOON) is None


# --- a narrow terminal: the progress line drops detail, other lines wrap -----------------------

NARROW_STATES = [
    view_state(queued(41, 41.0)),
    view_state(snap("routed", "participating", distribution=AUCTION, auction=TERMS,
                    current_bid="100.00", highest_bid="105.50")),
    view_state(snap("routed", "participating", distribution=DRAW)),
    view_state(snap("routed", "upcoming", distribution=attrs.evolve(
        QUEUE, opens_at=int((NOON + 600) * 1000)))),
]


@pytest.mark.parametrize("width", [30, 40, 60, 77, 120])
@pytest.mark.parametrize("state", NARROW_STATES, ids=["queue", "auction", "draw", "upcoming"])
def test_a_progress_line_fits_the_width_it_is_given(state: object, width: int) -> None:
    assert isinstance(state, type(NARROW_STATES[0]))
    wide = progress_line(state, 41, now=NOON + 1, speed=5)
    narrow = progress_line(state, 41, now=NOON + 1, speed=5, width=width)
    assert wide is not None and narrow is not None
    assert len(narrow) <= width
    if len(wide) <= width:
        assert narrow == wide  # nothing is dropped when it fits


def test_a_narrow_progress_line_keeps_the_real_wait_before_the_detail() -> None:
    line = progress_line(view_state(queued(39, 41.0)), 41, speed=5, width=60)
    assert line == "position 39 of 41 [#---------] wait ~8 s real"


def test_on_a_tty_every_line_fits_the_width_and_progress_redraws_in_place() -> None:
    out = io.StringIO()
    view = LiveView(out, tty=True, speed=5, width=40)
    view.note("Fanfare.init(organization_id='32068448-037b-503e-a6c8-c793d3aead00')")
    for position in (41, 30, 12):
        view.update(queued(position, float(position)))
    view.close()
    rows = [row.rsplit("\r\x1b[K", 1)[-1] for row in out.getvalue().split("\n")]
    assert max(len(row) for row in rows) <= 39
    assert rows[0] == "Fanfare.init(organization_id='32068448-"
    assert rows[1].startswith("    037b-")  # wrapped with an indent, nothing lost
    assert out.getvalue().count("\r\x1b[K") == 3
