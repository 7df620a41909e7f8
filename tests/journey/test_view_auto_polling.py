"""The current SDK keeps a routed journey fresh by itself: listening to ``journey.view`` polls
while routed (the server's cadence), unless the app polls already or opted out; the polling it
started stops when the last listener leaves. G1's start_polling/stop_polling keep their meaning."""

from __future__ import annotations

import itertools

import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.cadence import ServerCadence
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b


def routed_queue(auto_polling: bool = True) -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"), auto_polling=auto_polling)
    h.server.on_route(*["-r|"] * 20, r=b.routed())
    h.server.on_status(*["-n|"] * 20, n=b.not_queued())
    return h


def test_listening_to_the_view_polls_a_routed_journey() -> None:
    h = routed_queue()
    views = h.journey.view.subscribe(lambda _: None)
    h.act("s", s="start")
    h.advance(3)
    assert h.journey.journey_stage.get() == "routed"
    assert h.journey.is_polling
    fetched = len(h.server.calls_to("fetch_status"))
    h.advance(30)
    assert len(h.server.calls_to("fetch_status")) > fetched  # polls went on by themselves
    views.dispose()
    assert not h.journey.is_polling  # the last listener left: the polling it started stops
    settled = len(h.server.calls_to("fetch_status"))
    h.advance(30)
    assert len(h.server.calls_to("fetch_status")) == settled


def test_not_polling_without_a_view_listener_or_when_opted_out() -> None:
    quiet = routed_queue()
    quiet.act("s", s="start")
    quiet.advance(3)
    assert quiet.journey.journey_stage.get() == "routed" and not quiet.journey.is_polling
    opted_out = routed_queue(auto_polling=False)
    opted_out.journey.view.subscribe(lambda _: None)
    opted_out.act("s", s="start")
    opted_out.advance(3)
    assert opted_out.journey.journey_stage.get() == "routed"
    assert not opted_out.journey.is_polling


def test_polling_the_app_started_is_left_running() -> None:
    h = routed_queue()
    h.act("s-p", s="start", p=lambda journey: journey.start_polling(2000))
    h.advance(3)
    views = h.journey.view.subscribe(lambda _: None)
    h.advance(3)
    views.dispose()
    assert h.journey.is_polling  # not ours to stop


def _poll_times(h: JourneyHarness) -> list[float]:
    return [call.at for call in h.server.calls_to("fetch_status")]


def test_auto_polling_takes_an_interval_and_still_stops_with_the_last_listener() -> None:
    h = routed_queue()
    h.journey.auto_polling = 7000
    pages = h.journey.page.subscribe(lambda _: None)  # the page keeps it polling too
    h.act("s", s="start")
    h.advance(30)
    assert h.journey.is_polling
    times = _poll_times(h)
    gaps = {round(b - a) for a, b in itertools.pairwise(times[1:])}
    assert gaps == {9}  # 7 s after the previous poll finished (each answer "-n|" takes 2 s)
    pages.dispose()
    assert not h.journey.is_polling
    settled = len(times)
    h.advance(30)
    assert len(_poll_times(h)) == settled


def test_setting_auto_polling_while_it_polls_repaces_it() -> None:
    h = routed_queue()
    views = h.journey.view.subscribe(lambda _: None)
    h.act("s", s="start")
    h.advance(5)
    h.journey.auto_polling = ServerCadence(min_ms=1000, max_ms=1000, jitter=0, server_speed=60)
    before = len(_poll_times(h))
    h.advance(10)
    assert len(_poll_times(h)) - before >= 4  # every 1 s + the 1 s answer
    h.journey.auto_polling = False
    assert not h.journey.is_polling
    views.dispose()


def test_a_bad_auto_polling_value_is_refused_where_it_is_given() -> None:
    h = routed_queue()
    for bad in (0, -5, "fast", 2.5, None):
        with pytest.raises(UsageError):
            h.journey.auto_polling = bad  # type: ignore[assignment]
    assert h.journey.auto_polling is True
