"""The draw: enter before it closes, wait for the results (settling), win a grant or not."""

from __future__ import annotations

from fanfare_rx.mechanisms.base import (
    ENTERABLE,
    ApiCalls,
    ItemTerms,
    MechanismEvents,
    MechanismSpec,
    Standing,
    epoch_ms,
    is_open,
    not_settling,
    rule,
)
from fanfare_rx.models import wire
from fanfare_rx.models.actions import Enter, Leave
from fanfare_rx.models.journey import SequenceAction, SequenceStage

__all__ = ["DRAW"]

SS = SequenceStage
_KIND = wire.DistributionType.DRAW


def _standing(state: wire.DrawConsumerState) -> Standing:
    match state:
        case wire.DrawWon():
            return Standing(status=state.STATUS.value, grant=state.admission_grant,
                            expires_at=epoch_ms(state.expires_at))
        case wire.DrawCompleted():
            return Standing(status=state.STATUS.value, grant=state.admission_grant)
        case wire.DrawDenied():
            return Standing(status=state.STATUS.value, reason=state.reason)
        case _:
            return Standing(status=state.STATUS.value)


DRAW = MechanismSpec(
    kind=_KIND,
    state_types=(wire.DrawNotEntered, wire.DrawEntered, wire.DrawWon, wire.DrawCompleted,
                 wire.DrawDenied),
    standing=_standing,
    statuses={"NOT_ENTERED": ENTERABLE, "ENTERED": SS.PARTICIPATING, "WON": SS.ADMITTED,
              "COMPLETED": SS.ENDED, "DENIED": SS.ENDED, "LEFT": ENTERABLE},
    rules=(
        rule(SequenceAction.ENTER_DRAW, "enter", Enter, {SS.ACTIVE_ENTERABLE}, {_KIND}),
        rule(SequenceAction.LEAVE_PARTICIPATION, "leave", Leave, {SS.PARTICIPATING}, {_KIND},
             not_settling),
        rule(SequenceAction.ENTER_DRAW, "reenter", Enter, {SS.ADMISSION_EXPIRED}, {_KIND}, is_open),
    ),
    api=ApiCalls(status="draw_status", enter="enter_draw", leave="leave_draw"),
    poll_interval_ms=10000,
    listed=lambda sequence: tuple(sequence.draws or ()),
    terms=lambda item: ItemTerms(item.draw_at, item.admission_expiration_seconds,
                                 item.supports_guest),
    settles=True,
    route_tells_settling=True,
    events=MechanismEvents(
        entered="draw:entered", left="draw:left", granted="draw:won", expired="draw:expired",
        ended={"completed": "draw:left", "lost": "draw:lost", "denied": "draw:lost"},
        status_updated="draw:status-updated", error="draw:error",
        id_key="drawId"),
)
