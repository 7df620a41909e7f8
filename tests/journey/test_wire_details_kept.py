"""What the server says on the way in is kept: a blocked bot check's ``mitigation`` reaches the
requirement and the view's gate; ``positionDisplayMode: qualitative`` reaches the context and
the participating display (which then shows no exact place)."""

from __future__ import annotations

import json

from factories import T0, dt, fold, gated, route, snapshot_at, started, status

from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.view import display_of, view_of
from fanfare_rx.models import wire
from fanfare_rx.models.view import BotMitigation
from fanfare_rx.wire.codec import snapshot_from_json, snapshot_to_json

BLOCKED = wire.BotCheckGate(
    status="blocked", reason=wire.Reason(wire.ReasonCode.BOT_BLOCKED),
    mitigation=wire.BotMitigation(attempts_remaining=0, blocked_until=dt(T0 + 60_000),
                                  message="Too many attempts, try again in a minute"),
)


def test_a_blocked_bot_checks_mitigation_reaches_the_requirement_and_the_gate() -> None:
    snap = fold(started(), route(gated(BLOCKED), at=T0 + 1))
    [requirement] = snap.requirements
    assert requirement.metadata is not None
    assert requirement.metadata["mitigation"] == {
        "attempts_remaining": 0, "blocked_until": T0 + 60_000,
        "message": "Too many attempts, try again in a minute"}
    [gate] = view_of(snap).gates
    assert gate.status == "blocked"
    assert gate.mitigation == BotMitigation(attempts_remaining=0, blocked_until=T0 + 60_000,
                                            message="Too many attempts, try again in a minute")
    again = snapshot_from_json(snapshot_to_json(snap))  # survives the snapshot JSON
    assert view_of(again).gates[0].mitigation == gate.mitigation


def test_qualitative_positions_are_carried_and_not_shown_as_places() -> None:
    queued = wire.QueueQueued(position=7, estimated_wait_time_in_seconds=70,
                              position_display_mode="qualitative")
    snap = reduce(snapshot_at("queue", state="NOT_QUEUED"), status(queued, at=T0 + 10))
    assert snap.context.position_display_mode == "qualitative"
    assert snap.context.position == 7  # kept for diagnostics
    display = display_of(snap)
    assert display is not None
    assert display.position_display_mode == "qualitative" and display.position is None
    assert display.estimated_wait_seconds == 70
    precise = reduce(snap, status(wire.QueueQueued(position=6, estimated_wait_time_in_seconds=60,
                                                   position_display_mode="precise"), at=T0 + 20))
    shown = display_of(precise)
    assert shown is not None and shown.position == 6
    assert shown.position_display_mode == "precise"
    assert json.loads(snapshot_to_json(snap))["context"]["positionDisplayMode"] == "qualitative"
