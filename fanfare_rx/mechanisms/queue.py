"""The queue: enter, wait your turn (position, wait estimate), get a grant; leave any time."""

from __future__ import annotations

from fanfare_rx.mechanisms.base import (
    ENTERABLE,
    ApiCalls,
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


def _standing(state: wire.QueueConsumerState) -> Standing:
    match state:
        case wire.QueueQueued():
            return Standing(status=state.STATUS.value, position=state.position,
                            estimated_wait_seconds=state.estimated_wait_time_in_seconds)
        case wire.QueueGranted():
            return Standing(status=state.STATUS.value, grant=state.admission_grant,
                            expires_at=epoch_ms(state.expires_at), position=state.position)
        case wire.QueueCompleted():
            return Standing(status=state.STATUS.value, grant=state.admission_grant,
                            position=state.position)
        case wire.QueueDenied():
            return Standing(status=state.STATUS.value, reason=state.reason, position=state.position)
        case _:
            return Standing(status=state.STATUS.value, position=state.position)


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
    events=("queue:entered", "queue:left", "queue:position-changed", "queue:admitted",
            "queue:expired", "queue:denied", "queue:error"),
)
