"""Jupyter HTML of snapshots, events and journeys: stages, context, events; secrets redacted;
text escaped."""

from __future__ import annotations

import html

import attrs
from reactivex.testing import TestScheduler

from fanfare_rx.errors import ErrorCode
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import (
    AuctionTerms,
    DistributionStatus,
    DistributionSummary,
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Requirement,
    RequirementType,
    SequenceStage,
)
from fanfare_rx.models.wire import DistributionType
from fanfare_rx.testing import builders as b
from fanfare_rx.testing.marbles import ScriptedEffects

TOKEN = "grt.eyJzZWNyZXQiOiJ2YWx1ZSJ9.c2lnbmF0dXJlLW9mLXRoZS1ncmFudA"
CODE = "VIP2024"


def _event(message: str = "Admitted", **detail: object) -> JourneyEvent:
    return JourneyEvent(
        id="evt-1", ts=1_700_000_000_000, kind=EventKind.SEQUENCE_CHANGE,
        severity=EventSeverity.SUCCESS, audience=EventAudience.USER, message=message,
        detail=detail or None,
    )


def _snapshot() -> JourneySnapshot:
    context = JourneyContext(
        experience_id="exp-1", experience_name="Sneaker <drop>",
        sequence_id="seq-1", sequence_name="General", sequence_priority=1,
        distribution=DistributionSummary(type=DistributionType.QUEUE, id="queue-1",
                                         status=DistributionStatus.OPEN, opens_at=1_700_000_000_000),
        access_code=CODE, admittance_token=TOKEN, admittance_expires_at=1_700_000_600_000,
        position=None, last_error="boom & co",
    )
    return JourneySnapshot(
        journey_stage=JourneyStage.ROUTED, sequence_stage=SequenceStage.ADMITTED, context=context,
        revision=7, updated_at=1_700_000_001_000,
        requirements=(Requirement(RequirementType.BOT_CHECK, required=False, reason="BOT_REQUIRED"),),
        events=(_event(token=TOKEN, to_stage="admitted"),),
    )


def test_snapshot_html_shows_stages_context_and_events() -> None:
    page = _snapshot()._repr_html_()
    assert ">routed</span>" in page and ">admitted</span>" in page
    assert "revision 7" in page
    assert "Sneaker &lt;drop&gt;" in page and "<drop>" not in page
    assert "queue queue-1, open" in page
    assert "bot_check (optional) [BOT_REQUIRED]" in page
    assert "2023-11-14 22:13:20 UTC" in page  # opens_at
    assert "22:13:20.000</td>" in page  # the event's time of day
    assert "boom &amp; co" in page
    assert "Admitted" in page and "to_stage=&#x27;admitted&#x27;" in page


def test_snapshot_html_redacts_secrets() -> None:
    page = _snapshot()._repr_html_()
    assert TOKEN not in page and CODE not in page
    assert TOKEN[:20] not in page
    assert html.escape(f"'grt.ey…[redacted, {len(TOKEN)} chars]'") in page
    assert html.escape("'…[redacted, 7 chars]'") in page  # a short code shows nothing
    assert page.count("redacted") == 3  # access code, admittance token, the event's token detail


def test_event_html_is_one_row_with_redacted_detail() -> None:
    page = _event(grant=TOKEN, position=3)._repr_html_()
    assert page.count("<tr>") == 2  # header + the event
    assert "sequence_change" in page and "success" in page and "user" in page
    assert TOKEN not in page and "redacted" in page
    assert "position=3" in page


def test_journey_html_delegates_to_its_snapshot_with_the_experience_id() -> None:
    scheduler = TestScheduler()
    server = ScriptedEffects(scheduler, experience=b.experience("queue"))
    journey = ExperienceJourney("exp-1", server, scheduler=scheduler)
    try:
        page = journey._repr_html_()
        assert "<b>ExperienceJourney exp-1</b>" in page
        assert ">not_started</span>" in page and ">none</span>" in page
        assert "start" in page  # available action
        assert "no events" in page
    finally:
        journey.destroy()


def test_virtual_times_show_as_seconds_not_1970() -> None:
    context = JourneyContext(experience_id="exp-1", admittance_expires_at=30_000,
                             distribution=DistributionSummary(type=DistributionType.DRAW, id="d",
                                                              settles_at=3_600_000))
    event = JourneyEvent(id="e", ts=5_000, kind=EventKind.ERROR, severity=EventSeverity.ERROR,
                         audience=EventAudience.USER, message="Queue is full",
                         detail={"code": ErrorCode.RATE_LIMITED, "retryable": True})
    page = JourneySnapshot(journey_stage=JourneyStage.ROUTED, sequence_stage=SequenceStage.ADMITTED,
                           context=context, updated_at=6_000, events=(event,))._repr_html_()
    assert "1970" not in page
    assert "t=5 s</td>" in page and "t=30 s" in page and "t=3600 s" in page and "t=6 s" in page
    # Enums in event details show as their values, not as reprs.
    assert "code=&#x27;RATE_LIMITED&#x27;" in page and "ErrorCode" not in page and "&lt;" not in page


def test_bids_show_as_money_and_an_ended_stage_by_outcome() -> None:
    context = JourneyContext(
        experience_id="exp-1", outcome="lost", current_bid="100", highest_bid="120.5",
        distribution=DistributionSummary(type=DistributionType.AUCTION, id="a"),
        estimated_wait_seconds=280.0,
    )
    lost = JourneySnapshot(journey_stage=JourneyStage.ROUTED, sequence_stage=SequenceStage.ENDED,
                           context=context)._repr_html_()
    assert "<td style=\"border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top\">100.00</td>" in lost
    assert ">120.50</td>" in lost and "4 min 40 s" in lost
    assert ">ended · lost</span>" in lost and "background:#c62828" in lost  # failure red
    completed = attrs.evolve(context, outcome="completed")
    done = JourneySnapshot(journey_stage=JourneyStage.ROUTED, sequence_stage=SequenceStage.ENDED,
                           context=completed)._repr_html_()
    assert ">ended · completed</span>" in done and "background:#2e7d32" in done  # success green
    admitted = JourneySnapshot(journey_stage=JourneyStage.ROUTED,
                               sequence_stage=SequenceStage.ADMITTED, context=context)._repr_html_()
    assert ">admitted</span>" in admitted and "background:#2e7d32" in admitted


def test_snapshot_html_shows_the_auction_terms() -> None:
    terms = AuctionTerms(currency="USD", start_price="100.00", reserve_price="150.00",
                         min_bid_increment="5.00", minimum_next_bid="115.00",
                         ends_at=1_700_000_000_000, auto_extend_seconds=30)
    context = JourneyContext(
        experience_id="exp-1", current_bid="100.00", highest_bid="110.00", auction=terms,
        distribution=DistributionSummary(type=DistributionType.AUCTION, id="auction-1"),
    )
    page = JourneySnapshot(journey_stage=JourneyStage.ROUTED,
                           sequence_stage=SequenceStage.PARTICIPATING, context=context)._repr_html_()
    for label, value in (("your bid", "100.00 USD"), ("highest bid", "110.00 USD"),
                         ("start price", "100.00 USD"), ("reserve price", "150.00 USD"),
                         ("minimum increment", "5.00 USD"), ("minimum next bid", "115.00 USD"),
                         ("auction ends at", "2023-11-14 22:13:20 UTC"), ("auto-extend", "30 s")):
        assert f">{label}</th>" in page and f">{value}</td>" in page, label
    # Without auction terms no auction row appears.
    assert "minimum next bid" not in _snapshot()._repr_html_()
