"""The SDK facade and what it owns: ``Fanfare``, the event bus, sessions, session storage and the
HTTP port of the journey. Built on the journey and wire layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fanfare_rx._lazy import lazy_exports

if TYPE_CHECKING:
    from fanfare_rx.client.api_effects import ApiEffects
    from fanfare_rx.client.events import EventBus
    from fanfare_rx.client.fanfare import Fanfare
    from fanfare_rx.client.live_journeys import LiveJourneys
    from fanfare_rx.client.session import SessionManager
    from fanfare_rx.client.storage import FileStorage, MemoryStorage, SessionStorage

_EXPORTS: dict[str, str] = {
    "ApiEffects": "fanfare_rx.client.api_effects",
    "EventBus": "fanfare_rx.client.events",
    "Fanfare": "fanfare_rx.client.fanfare",
    "FileStorage": "fanfare_rx.client.storage",
    "LiveJourneys": "fanfare_rx.client.live_journeys",
    "MemoryStorage": "fanfare_rx.client.storage",
    "SessionManager": "fanfare_rx.client.session",
    "SessionStorage": "fanfare_rx.client.storage",
}

__all__ = [
    "ApiEffects",
    "EventBus",
    "Fanfare",
    "FileStorage",
    "LiveJourneys",
    "MemoryStorage",
    "SessionManager",
    "SessionStorage",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
