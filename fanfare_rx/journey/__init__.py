"""The journey: the Rx pipeline (stores, effects, polling) on top of the pure ``core`` reducer.

Names load lazily, so ``import fanfare_rx.journey.core`` never loads reactivex.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fanfare_rx._lazy import lazy_exports

if TYPE_CHECKING:
    from fanfare_rx.journey.cadence import ServerCadence
    from fanfare_rx.journey.core.machine import MAX_EVENTS, initial_snapshot, reduce
    from fanfare_rx.journey.journey import ExperienceJourney
    from fanfare_rx.journey.ports import JourneyEffects
    from fanfare_rx.journey.store import Store, Unsubscribe

_EXPORTS: dict[str, str] = {
    "MAX_EVENTS": "fanfare_rx.journey.core.machine",
    "ExperienceJourney": "fanfare_rx.journey.journey",
    "JourneyEffects": "fanfare_rx.journey.ports",
    "ServerCadence": "fanfare_rx.journey.cadence",
    "Store": "fanfare_rx.journey.store",
    "Unsubscribe": "fanfare_rx.journey.store",
    "initial_snapshot": "fanfare_rx.journey.core.machine",
    "reduce": "fanfare_rx.journey.core.machine",
}

__all__ = [
    "MAX_EVENTS",
    "ExperienceJourney",
    "JourneyEffects",
    "ServerCadence",
    "Store",
    "Unsubscribe",
    "initial_snapshot",
    "reduce",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
