"""Marble tests of ``journey.page`` (one character = 1 virtual s): one page per snapshot
change, every part read from the same snapshot (never ``participating`` without its position,
never ``granted`` with the old one), wait known / unknown, countdowns and the connection."""

from __future__ import annotations

from typing import Any

from reactivex import operators as ops

from fanfare_rx import ExperienceJourney
from fanfare_rx.journey.core.page import page_of
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.page import Countdown, Page
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

Frame = tuple[str, int | None, bool, tuple[Countdown, ...]]


def frame(page: Page) -> Frame:
    sequence = page.view.sequence
    phase = sequence.phase.value if sequence is not None else page.view.journey_stage.value
    return phase, page.position, page.wait.known, page.countdowns


def start(journey: ExperienceJourney) -> Any:
    return journey.view.get().start()


def enter(journey: ExperienceJourney) -> Any:
    sequence = journey.view.get().sequence
    assert sequence is not None
    return sequence.enter()


def poll(journey: ExperienceJourney) -> None:
    journey.start_polling(2000)


def test_queue_page_carries_position_and_wait_with_the_phase_they_belong_to() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 90))
    answers: dict[str, Any] = {"n": b.not_queued(), "2": b.queued(2, 60),
                               "g": b.queue_granted("grant-q", expires_at=b.at(40))}
    h.server.on_status("-n|", "-2|", "-g|", **answers)
    h.act("-s--e-P", s=start, e=enter, P=poll)
    frames = h.record(h.journey.page.pipe(ops.map(frame)))
    h.advance(16)
    letters: dict[str, Frame] = {
        "r": ("ready", None, False, ()), "o": ("routing", None, False, ()),
        "e": ("enterable", None, False, ()), "3": ("participating", 3, True, ()),
        "2": ("participating", 2, True, ()),
        "g": ("granted", None, False, (Countdown("grant_expires_in", 40_000),)),
    }
    timeline = [(time, letter) for time, notification in frames.events
                for letter, value in letters.items() if notification.value == value]
    #   page : r-o-(oe)--3---2---g   (routing twice: the experience loaded, then routed)
    assert timeline == [(0, "r"), (1, "o"), (2, "o"), (2, "e"), (5, "3"), (9, "2"), (13, "g")]
    assert all(f[1] is not None for f in frames.values if f[0] == "participating")
    h.journey.stop_polling()


def test_page_is_derived_from_one_snapshot_and_emits_once_per_change() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 90))
    h.server.on_status("-n|", "-q|", "-q|", n=b.not_queued(), q=b.queued(3, 90))
    h.act("-s--e-P", s=start, e=enter, P=poll)
    pages = h.record(h.journey.page)
    snapshots = h.record(h.journey.state)
    h.advance(14)
    assert pages.values == [page_of(s) for s in snapshots.values]  # a poll with no news: no page
    page = pages.values[-1]
    assert page.wait.text == "about 2 minutes" and page.connection == Connection()
    assert page.updated_at == h.journey.state.get().updated_at
    h.journey.stop_polling()


def test_countdowns_for_an_opening_a_draw_and_an_auction() -> None:
    scheduled = JourneyHarness(b.experience("queue", open_at=b.at(100)))
    scheduled.server.on_route("(u|)", u=b.routed(availability="upcoming"))
    scheduled.act("s", s="start")
    scheduled.advance(1)
    page = scheduled.journey.page.get()
    assert page.countdowns == (Countdown("opens_in", 100_000),)
    countdown = page.countdown("opens_in")
    assert countdown is not None and countdown.text(page.server_now(40_000)) == "1:00"
    assert countdown.tone(page.server_now(40_000)) == "warning"
    draw = JourneyHarness(b.experience("draw"))
    draw.server.on_route("-r|", r=b.routed())
    draw.server.on_status("-n|", n=b.draw_not_entered())
    draw.act("-s", s=start)
    draw.advance(4)
    assert draw.journey.page.get().countdowns == (Countdown("draw_at", 3_600_000),)
    auction = JourneyHarness(b.experience("auction"))
    auction.server.on_route("-r|", r=b.routed())
    auction.server.on_status("-n|", n=b.auction_state("NOT_BID"))
    auction.act("-s", s=start)
    auction.advance(4)
    [ends] = auction.journey.page.get().countdowns
    assert ends.kind == "auction_ends_in" and ends.at > 0
