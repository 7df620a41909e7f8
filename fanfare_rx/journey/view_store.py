"""``journey.view``: the store of live current-SDK views, derived from the journey's snapshots
(equal views suppressed), readable with ``get``/``listen`` and iterable with ``async for``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reactivex import abc
from reactivex.disposable import Disposable

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.cadence import ServerCadence
from fanfare_rx.journey.core.page import page_of
from fanfare_rx.journey.core.routing import awaits_sequence
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.journey.polling import Cadence
from fanfare_rx.journey.runner import EffectRunner
from fanfare_rx.journey.store import Store, Unsubscribe
from fanfare_rx.journey.view import LiveJourneyView
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage
from fanfare_rx.models.page import Page
from fanfare_rx.models.view import JourneyView

if TYPE_CHECKING:
    from fanfare_rx.journey.journey import ExperienceJourney

__all__ = ["AutoPolling", "AutoPollingSetting", "ViewStore", "check_auto_polling", "page_store",
           "view_store"]


class ViewStore(Store[LiveJourneyView]):
    """``journey.view``: a :class:`Store` of live views that can also be iterated with
    ``async for`` (the current view first, then each change; a slow reader gets the latest
    view, not a backlog; the loop ends when the journey is destroyed)::

        snapshots : -a--b--c--d-|      (b, c only move the queue position)
        view      : -A--------D-|

    Each new view is bound once for all the listeners; a listener is a plain entry in the
    derived store's list (see :meth:`Store.derive`).

    Usage: ``async for view in journey.view: render(view)``
    """

    def __init__(self, views: Store[LiveJourneyView]) -> None:
        super().__init__(views, views.get, views.scheduler)
        self._views = views

    def listen(self, callback: Callable[[LiveJourneyView], Any]
               | Callable[[LiveJourneyView, LiveJourneyView], Any]) -> Unsubscribe:
        return self._views.listen(callback)

    def _subscribe_core(self, observer: abc.ObserverBase[LiveJourneyView],
                        scheduler: abc.SchedulerBase | None = None) -> abc.DisposableBase:
        return self._views.subscribe(observer, scheduler=scheduler)


def _polled(snapshot: JourneySnapshot) -> bool:
    """Whether the view keeps the journey polling: routed, or stopped at ``no_access`` (the
    view's ``routed`` / ``unavailable``, which routes again until a sequence opens)."""
    return snapshot.journey_stage is JourneyStage.ROUTED or awaits_sequence(snapshot)


#: What ``journey.auto_polling`` accepts: True (the server's cadence), False (never), a fixed
#: interval in ms, ``"server"`` / ``"type"``, or a tuned :class:`ServerCadence`.
AutoPollingSetting = bool | int | Cadence


def check_auto_polling(setting: object) -> AutoPollingSetting:
    """``setting`` if ``journey.auto_polling`` accepts it, else :class:`UsageError`.

    Usage: ``check_auto_polling(ServerCadence(server_speed=60))``
    """
    if isinstance(setting, bool | ServerCadence) or setting in ("server", "type"):
        return setting
    if isinstance(setting, int) and setting > 0:
        return setting
    raise UsageError(
        "auto_polling is True, False, an interval in ms > 0, 'server', 'type' or a "
        f"ServerCadence, not {setting!r}")


class AutoPolling:
    """The current SDK keeps a routed journey fresh by itself: while anyone listens to
    ``journey.view`` or ``journey.page`` and the journey is routed (or routed / unavailable),
    it polls as ``journey.auto_polling`` says (the server's cadence by default; an interval, a
    tuned :class:`ServerCadence` with ``server_speed``; False: never) unless the app polls
    already. Polling it started stops when the last listener leaves; setting
    ``auto_polling`` while it polls re-paces it::

        view/page listeners : --1---2-----1---0--
        journey_stage       : s--e-r--------------
        polling             : ------on--------off-   (started here; start_polling/stop_polling
                                                      keep their meaning for the app)

    Usage: ``AutoPolling(journey).attach()`` -> a Disposable (one per listener)
    """

    def __init__(self, journey: ExperienceJourney) -> None:
        self._journey = journey
        self._started = False
        self._listened = False
        #   listeners : --1---2-----1---0--     (watch/attach count them)
        #   upstream  : --(mounted)-------|     (listening to _polled while anyone listens)
        self._watchers = 0
        self._off: Unsubscribe | None = None

    @property
    def started(self) -> bool:
        """Whether the polling in force is this one's (not the app's ``start_polling``)."""
        return self._started and self._journey.is_polling

    def attach(self) -> abc.DisposableBase:
        """One more listener (the first starts watching); dispose it when the listener leaves."""
        return Disposable(self.watch())

    def watch(self) -> Unsubscribe:
        """One more listener (the first starts watching); call what it returns (once) when the
        listener leaves. Usage: ``leave = auto.watch(); ...; leave()``"""
        self._watchers += 1
        if self._watchers == 1:
            self._mount()
        return self._leave

    def _leave(self) -> None:
        if self._watchers <= 0:
            return
        self._watchers -= 1
        if self._watchers == 0:
            off, self._off = self._off, None
            if off is not None:
                off()
            self._unmount()

    def _mount(self) -> None:
        self._listened = True
        polled = self._journey.state.derive(_polled)
        self._off = polled.listen(self._on_polled)  # future changes ...
        self._on_polled(polled.get())  # ... and the current one

    def _on_polled(self, polled: bool) -> None:
        journey = self._journey
        if (polled and journey.auto_polling is not False and not journey.destroyed
                and not journey.is_polling):
            self._start()

    def _start(self) -> None:
        setting = self._journey.auto_polling
        if isinstance(setting, bool):
            self._journey.start_polling()
        elif isinstance(setting, int):
            self._journey.start_polling(interval_ms=setting)
        else:
            self._journey.start_polling(cadence=setting)
        self._started = True

    def retune(self) -> None:
        """``auto_polling`` changed: re-pace (or stop) the polling this one started."""
        journey = self._journey
        if not self.started or journey.destroyed:
            return
        journey.stop_polling()
        self._started = False
        if journey.auto_polling is not False and self._listened:
            self._start()

    def _unmount(self) -> None:
        self._listened = False
        if self.started and not self._journey.destroyed:
            self._journey.stop_polling()
        self._started = False


def view_store(journey: ExperienceJourney, runner: EffectRunner) -> ViewStore:
    """The view store of a journey: ``view_of`` over its snapshots, equal views suppressed,
    each new one bound once; listening to it keeps a routed journey polling
    (:class:`AutoPolling`). Its views run the journey's methods, and their own flows
    (``submit_access_code``) on ``runner``.

    Usage: ``view_store(journey, runner).get().journey_stage``
    """

    def bind(value: JourneyView) -> LiveJourneyView:
        return LiveJourneyView(value, journey, runner)

    return ViewStore(journey.state.derive(view_of, then=bind,
                                          while_listened=journey.auto_poller.watch))


def page_store(journey: ExperienceJourney) -> Store[Page]:
    """``journey.page``: :func:`~fanfare_rx.journey.core.page.page_of` over the journey's
    snapshots, one page per change (every part from the same snapshot: no glitch frames);
    listening to it keeps a routed journey polling as :class:`AutoPolling` says.

    Usage: ``page_store(journey).get().wait.text``
    """
    pages: Store[Page] = journey.state.derive(page_of, while_listened=journey.auto_poller.watch)
    return pages
