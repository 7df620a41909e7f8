"""The current SDK keeps a routed journey fresh by itself: listening to ``journey.view`` polls
while routed (the server's cadence), unless the app polls already or opted out; the polling it
started stops when the last listener leaves. G1's start_polling/stop_polling keep their meaning."""

from __future__ import annotations

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
