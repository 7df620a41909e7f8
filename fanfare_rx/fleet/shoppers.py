"""Ready-made shopper behaviours for fleets and ``fanfare-rx swarm``: start, enter whatever the
routed sequence offers, poll until admitted or ended.
"""

from __future__ import annotations

from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import SequenceAction, SequenceStage

__all__ = ["DONE_STAGES", "ENTER_ACTIONS", "enter_and_wait"]

#: Stages after which a shopper has nothing left to wait for.
DONE_STAGES = frozenset({SequenceStage.ADMITTED, SequenceStage.ADMISSION_EXPIRED,
                         SequenceStage.ENDED})

#: The entry action of each kind of distribution, in the order a shopper tries them.
ENTER_ACTIONS = (SequenceAction.ENTER_QUEUE, SequenceAction.ENTER_DRAW,
                 SequenceAction.ENTER_TIMED_RELEASE, SequenceAction.ENTER_AUCTION)

_READY = DONE_STAGES | {SequenceStage.ACTIVE_ENTERABLE, SequenceStage.PARTICIPATING}


async def enter_and_wait(journey: ExperienceJourney, *, poll_ms: int = 1000,
                         timeout: float = 900.0) -> str:
    """Start, wait until the sequence opens, enter it, poll until admitted or ended; returns
    the last sequence stage.

    Raises whatever the journey raises (a typed ``FanfareError``), and
    :class:`fanfare_rx.TimeoutError` when a stage does not come within ``timeout`` seconds.

    Usage: ``summary = await Fleet(target, shoppers=1000).run(enter_and_wait)``
    """
    await journey.start()
    journey.start_polling(poll_ms)
    try:
        stage = await journey.sequence_stage.wait_for(lambda s: s in _READY, timeout=timeout)
        if stage is SequenceStage.ACTIVE_ENTERABLE:
            offered = journey.state.get().available_actions.sequence
            action = next((a for a in ENTER_ACTIONS if a in offered), None)
            if action is not None:
                await journey.perform(action)  # an auction: at its starting price
        stage = await journey.sequence_stage.wait_for(lambda s: s in DONE_STAGES,
                                                      timeout=timeout)
    finally:
        journey.stop_polling()
    return str(stage)
