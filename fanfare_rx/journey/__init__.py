"""The journey: pure reducer, stores, effects and the Rx pipeline that ties them together."""

from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.journey.machine import MAX_EVENTS, initial_snapshot, reduce
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.journey.store import Store, Unsubscribe

__all__ = [
    "MAX_EVENTS",
    "ExperienceJourney",
    "JourneyEffects",
    "Store",
    "Unsubscribe",
    "initial_snapshot",
    "reduce",
]
