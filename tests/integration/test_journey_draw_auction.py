"""Draw and auction journeys end to end: the journey's terminal stage agrees with the sandbox's
own record (draw winners from its seeded shuffle; the auction's highest bidder)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from integration_helpers import BusEvents, MakeFanfare, consumer_id, engine_of

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.wire import DrawStatus
from fanfare_rx.sandbox import Sandbox


async def test_draw_journeys_end_as_the_sandbox_drew(
    sb: Sandbox, make_fanfare: MakeFanfare
) -> None:
    journeys: list[tuple[str, ExperienceJourney, BusEvents]] = []
    for _ in range(6):
        fanfare = await make_fanfare()
        events = BusEvents(fanfare)
        journey = fanfare.experiences.create_journey(sb.experiences["draw"])
        await journey.start()
        assert journey.sequence_stage.get() == "active_enterable"
        await journey.enter_draw()
        assert journey.sequence_stage.get() == "participating"
        journeys.append((consumer_id(fanfare), journey, events))
    engine = engine_of(sb, "draw")
    assert {who for who, _, _ in journeys} <= set(engine.entries)
    assert all(engine.entries[who].status is DrawStatus.ENTERED for who, _, _ in journeys)

    await sb.advance(299)
    await journeys[0][1].refresh_distribution()
    assert journeys[0][1].sequence_stage.get() == "participating"  # not drawn yet

    await sb.advance(2)  # past drawAt
    outcomes = set()
    for who, journey, events in journeys:
        await journey.refresh_distribution()
        snap = journey.state.get()
        entry = engine.entries[who]
        if entry.status is DrawStatus.WON:
            assert snap.sequence_stage == "admitted"
            assert snap.context.admittance_token == entry.grant.token
            assert [e["drawId"] for e in events.of("draw:won")] == [engine.id]
        else:
            assert entry.status is DrawStatus.DENIED and entry.reason == "NOT_SELECTED"
            assert (snap.sequence_stage, snap.context.outcome) == ("ended", "lost")
            assert snap.context.admittance_token is None
            assert len(events.of("draw:lost")) == 1
        assert events.of("draw:entered") and "journey:error" not in events.names
        outcomes.add(snap.sequence_stage)
    # With seed 0 and six entrants after twenty simulated ones, both outcomes occur.
    assert outcomes == {"admitted", "ended"}


async def test_auction_outbid_rebid_settle(sb: Sandbox, make_fanfare: MakeFanfare) -> None:
    ada_app, bob_app = await make_fanfare(), await make_fanfare()
    ada_events, bob_events = BusEvents(ada_app), BusEvents(bob_app)
    ada = ada_app.experiences.create_journey(sb.experiences["auction"])
    bob = bob_app.experiences.create_journey(sb.experiences["auction"])
    await ada.start()
    await bob.start()
    assert ada.sequence_stage.get() == "active_enterable"

    with pytest.raises(UsageError):
        await ada.enter_auction("not money")
    with pytest.raises(UsageError):  # an auction is entered by bidding: no silent non-entry
        await ada.enter_auction()
    assert ada.sequence_stage.get() == "active_enterable"
    await ada.enter_auction("100.00")
    snap = ada.state.get()
    assert snap.sequence_stage == "participating"
    assert snap.context.current_bid == "100.00"
    assert snap.context.participation is not None and snap.context.participation.status == "WINNING"

    await bob.enter_auction(Decimal("110.00"))
    assert bob.state.get().context.participation.status == "WINNING"  # type: ignore[union-attr]
    await ada.refresh_distribution()
    snap = ada.state.get()
    assert snap.context.participation is not None and snap.context.participation.status == "OUTBID"
    assert snap.context.highest_bid == "110.00"
    assert ada_events.of("auction:outbid")

    await ada.place_bid("160.00")
    assert ada.state.get().context.participation.status == "WINNING"  # type: ignore[union-attr]
    engine = engine_of(sb, "auction")
    assert engine.highest == (consumer_id(ada_app), Decimal("160.00"))

    await sb.advance(301)
    await ada.refresh_distribution()
    await bob.refresh_distribution()
    result = engine.results[consumer_id(ada_app)]  # the settled round (the next one is open)
    assert result.state.status == "WON" and result.grant is not None
    won = ada.state.get()
    assert won.sequence_stage == "admitted"
    assert won.context.admittance_token == result.grant.token
    lost = bob.state.get()
    assert (lost.sequence_stage, lost.context.outcome) == ("ended", "lost")
    assert [e["amount"] for e in ada_events.of("auction:bid-placed")] == ["100.00", "160.00"]
    assert len(ada_events.of("auction:won")) == 1
    assert len(bob_events.of("auction:lost")) == 1
    assert "journey:error" not in ada_events.names + bob_events.names
