"""``journey.view``: the store of live current-SDK views, derived from the journey's snapshots
(equal views suppressed), readable with ``get``/``listen`` and iterable with ``async for``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from reactivex import operators as ops

from fanfare_rx.journey.core.view import view_of
from fanfare_rx.journey.store import Store
from fanfare_rx.journey.view import LiveJourneyView
from fanfare_rx.models.view import JourneyView

if TYPE_CHECKING:
    from fanfare_rx.journey.journey import ExperienceJourney

__all__ = ["ViewStore", "view_store"]


class ViewStore(Store[LiveJourneyView]):
    """``journey.view``: a :class:`Store` of live views that can also be iterated with
    ``async for`` (the current view first, then each change; a slow reader gets the latest
    view, not a backlog; the loop ends when the journey is destroyed)::

        snapshots : -a--b--c--d-|      (b, c only move the queue position)
        view      : -A--------D-|

    Usage: ``async for view in journey.view: render(view)``
    """

    def __aiter__(self) -> AsyncIterator[LiveJourneyView]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[LiveJourneyView]:
        latest: list[LiveJourneyView] = []
        done = False
        wake = asyncio.Event()

        def on_next(view: LiveJourneyView) -> None:
            latest[:] = [view]
            wake.set()

        def on_end(_: object = None) -> None:
            nonlocal done
            done = True
            wake.set()

        subscription = self.subscribe(on_next=on_next, on_error=on_end, on_completed=on_end)
        try:
            while True:
                await wake.wait()
                wake.clear()
                if latest:
                    view = latest.pop()
                    yield view
                elif done:
                    return
        finally:
            subscription.dispose()


def view_store(journey: ExperienceJourney) -> ViewStore:
    """The view store of a journey: ``view_of`` over its snapshots, equal views suppressed.

    Usage: ``view_store(journey).get().journey_stage``
    """
    values = journey.state.derive(view_of)

    def bind(value: JourneyView) -> LiveJourneyView:
        return LiveJourneyView(value, journey)

    return ViewStore(values.pipe(ops.map(bind)), lambda: bind(values.get()))
