"""The queue: enter, wait your turn (position, wait estimate), get a grant; leave any time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

__all__ = ["QUEUE"]

SS = SequenceStage
_KIND = wire.DistributionType.QUEUE


_S = wire.QueueStatus
# One normaliser per state type (a dict lookup on the polling hot path, not a match).
_STANDING: dict[type, Callable[[Any], Standing]] = {
    wire.QueueQueued: lambda s: Standing(_S.QUEUED.value, None, None, None, s.position,
                                         s.estimated_wait_time_in_seconds,
                                         position_display_mode=s.position_display_mode),
    wire.QueueNotQueued: lambda s: Standing(_S.NOT_QUEUED.value, position=s.position),
    wire.QueueGranted: lambda s: Standing(_S.GRANTED.value, grant=s.admission_grant,
                                          expires_at=epoch_ms(s.expires_at), position=s.position),
    wire.QueueLeft: lambda s: Standing(_S.LEFT.value, position=s.position),
    wire.QueueCompleted: lambda s: Standing(_S.COMPLETED.value, grant=s.admission_grant,
                                            position=s.position),
    wire.QueueDenied: lambda s: Standing(_S.DENIED.value, reason=s.reason, position=s.position),
}


def _standing(state: wire.QueueConsumerState) -> Standing:
    return _STANDING[type(state)](state)


QUEUE = MechanismSpec(
    kind=_KIND,
    state_types=(wire.QueueNotQueued, wire.QueueQueued, wire.QueueGranted, wire.QueueLeft,
                 wire.QueueCompleted, wire.QueueDenied),
    standing=_standing,
    statuses={"NOT_QUEUED": ENTERABLE, "QUEUED": SS.PARTICIPATING, "GRANTED": SS.ADMITTED,
              "LEFT": ENTERABLE, "COMPLETED": SS.ENDED, "DENIED": SS.ENDED},
    rules=(
        rule(SequenceAction.ENTER_QUEUE, "enter", Enter, {SS.ACTIVE_ENTERABLE}, {_KIND}),
        rule(SequenceAction.LEAVE_PARTICIPATION, "leave", Leave, {SS.PARTICIPATING}, {_KIND},
             not_settling),
        rule(SequenceAction.ENTER_QUEUE, "reenter", Enter, {SS.ADMISSION_EXPIRED}, {_KIND}, is_open),
    ),
    api=ApiCalls(status="queue_status", enter="enter_queue", leave="leave_queue"),
    poll_interval_ms=5000,
    listed=lambda sequence: tuple(sequence.queues or ()),
    terms=lambda item: ItemTerms(None, item.admission_expiration_seconds, item.supports_guest),
    events=MechanismEvents(
        entered="queue:entered", left="queue:left", granted="queue:admitted",
        expired="queue:expired", ended={"completed": "queue:left", "*": "queue:denied"},
        status_updated=None, error="queue:error", id_key="queueId",
        position_changed="queue:position-changed"),
)
