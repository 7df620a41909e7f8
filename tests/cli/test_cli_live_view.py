"""The live-view renderer on hand-made snapshots: one line per change on a non-TTY, in-place
redraws on a TTY, a progress bar against the first position, and no secret ever printed."""

from __future__ import annotations

import io

import attrs
import pytest

from fanfare_rx.cli.live_view import LiveView, progress_bar, progress_line, stage_line, view_state
from fanfare_rx.models.journey import (
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
        "  position 4 of 4 [------------------------] ~4 s wait",
        "  position 2 of 4 [############------------] ~2 s wait",
        "stage: routed / admitted (General queue, queue)",
    ]
    assert "\r" not in text and "\x1b" not in text


def test_tty_redraws_the_progress_line_in_place() -> None:
    text = render([queued(10, 600.0), queued(5, 300.0), queued(1, 60.0),
                   snap("routed", "admitted", distribution=QUEUE)], tty=True)
    assert text.count("\r\x1b[K") == 3
    assert "  position 5 of 10 [############------------] ~5 min 00 s wait" in text
    # The open progress line is ended before the next stage line.
    assert "~1 min 00 s wait\nstage: routed / admitted (queue)\n" in text
    assert text.endswith("\n")


def test_bar_measures_against_the_largest_position_seen() -> None:
    out = io.StringIO()
    view = LiveView(out, tty=False)
    for position in (3, 8, 6, 0):
        view.update(queued(position))
    lines = out.getvalue().splitlines()[1:]
    assert lines == [
        "  position 3 of 3 [------------------------]",
        "  position 8 of 8 [------------------------]",
        "  position 6 of 8 [######------------------]",
        "  position 0 of 8 [########################]",
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
    assert progress_line(state, None) == "bid 100.00, highest 105.00"
    assert progress_line(view_state(snap("routed", "upcoming")), None) is None


@pytest.mark.parametrize(("fraction", "bar"), [
    (0.0, "[----------]"), (0.25, "[##--------]"), (0.5, "[#####-----]"),
    (1.0, "[##########]"), (1.7, "[##########]"), (-1.0, "[----------]"),
])
def test_progress_bar(fraction: float, bar: str) -> None:
    assert progress_bar(fraction, 10) == bar
