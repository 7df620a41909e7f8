"""``ExperienceJourney``: one reactive pipeline per journey.

Method calls become actions; actions, effect results, poll results and timer ticks are folded
by the pure reducer into a ``BehaviorSubject`` of snapshots; the stores are views of it that
cost nothing until listened to. Time comes only from the injected scheduler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reactivex import abc

from fanfare_rx.journey.actions import JourneyActions
from fanfare_rx.journey.operators import SELECTORS
from fanfare_rx.journey.polling import Cadence
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.journey.store import Store
from fanfare_rx.journey.view_store import (
    AutoPolling,
    AutoPollingSetting,
    ViewStore,
    check_auto_polling,
    page_store,
    view_store,
)
from fanfare_rx.models.journey import (
    AvailableActions,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Requirement,
    SequenceStage,
)
from fanfare_rx.models.page import Page

__all__ = ["ExperienceJourney"]

class ExperienceJourney(JourneyActions):
    """A consumer's journey through one experience, as Rx streams.

    Usage::

        journey = fanfare.experiences.create_journey("exp-1")
        off = journey.state.listen(lambda snap: print(snap.journey_stage, snap.sequence_stage))
        await journey.start()
        journey.start_polling()
        await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=600)

    Args:
        experience_id: the experience to journey through.
        effects: the port to the Consumer API (:class:`~fanfare_rx.journey.ports.JourneyEffects`).
        scheduler: where time comes from; defaults to an ``AsyncIOScheduler`` on the running
            loop. Tests pass a ``reactivex.testing.TestScheduler``.
        on_destroy: called once when the journey is destroyed (the owner forgets it).
    """

    __slots__ = ("_auto_poller", "_auto_polling", "_page", "_stores", "_view")

    def __init__(
        self,
        experience_id: str,
        effects: JourneyEffects,
        *,
        scheduler: abc.SchedulerBase | None = None,
        on_destroy: Callable[[ExperienceJourney], None] | None = None,
    ) -> None:
        super().__init__(experience_id, effects, scheduler=scheduler, on_destroy=on_destroy)
        self._stores: dict[str, Store[Any]] | None = None
        self._view: ViewStore | None = None
        self._page: Store[Page] | None = None
        self._auto_poller: AutoPolling | None = None
        self._auto_polling: AutoPollingSetting = True

    # ----------------------------------------------------------------------------------------
    # Polling (the Poller part)

    @property
    def is_polling(self) -> bool:
        """Whether ``start_polling`` is in force."""
        return self._poller is not None and self._poller.is_polling

    def start_polling(self, interval_ms: int | None = None, *, cadence: Cadence | None = None) -> None:
        """Refresh what the current stage depends on until ``stop_polling``/``destroy``.
        Polls never overlap: the next is scheduled when the previous one finished, never
        sooner than a ``Retry-After`` the server sent::

            start_polling(5000)           : -----p1(done)-----p2(done)-----p3 ...
            start_polling()               : ~~~~~~~~~~~p1(done)~~~~~~p2(done)~~p3  (server cadence)

        * ``start_polling(5000)``: every 5000 ms (a fixed interval, as in the docs).
        * ``start_polling()`` or ``cadence="server"``: follow the server — rarely while far
          back in a queue, often near the front, jittered so many journeys do not poll in
          lock-step (:class:`ServerCadence`; pass one to tune bounds or seed its RNG).
        * ``cadence="type"``: fixed per distribution type (``DEFAULT_POLL_INTERVAL_MS``).

        Raises :class:`~fanfare_rx.errors.UsageError` for an interval under
        :data:`~fanfare_rx.journey.arguments.MIN_POLL_INTERVAL_MS` (100 ms) or not a whole
        number, an unknown cadence, or both arguments.

        Usage: ``journey.start_polling()`` or ``journey.start_polling(interval_ms=5000)``
        """
        self._ensure_alive()
        self._polling.start(interval_ms, cadence=cadence)

    def stop_polling(self) -> None:
        """Stop polling (an in-flight poll is cancelled)."""
        if self._poller is not None:
            self._poller.stop()

    # ----------------------------------------------------------------------------------------

    @property
    def auto_polling(self) -> AutoPollingSetting:
        """How the journey polls by itself while ``view`` or ``page`` is listened to and it is
        routed (the current SDK's way); it stops when the last listener leaves:

        * ``True`` (default) or ``"server"``: the server's cadence (:class:`ServerCadence`);
        * an ``int``: a fixed interval in ms; ``"type"``: the per-type interval;
        * a :class:`ServerCadence`: tuned (bounds, jitter, ``server_speed`` of an accelerated
          sandbox);
        * ``False``: only ``start_polling`` polls.

        Setting it while it polls re-paces the polling at once; a bad value raises
        :class:`~fanfare_rx.errors.UsageError`.

        Usage: ``journey.auto_polling = ServerCadence(server_speed=60)``
        """
        return self._auto_polling

    @auto_polling.setter
    def auto_polling(self, setting: AutoPollingSetting) -> None:
        self._auto_polling = check_auto_polling(setting)
        if self._auto_poller is not None:
            self._auto_poller.retune()

    @property
    def auto_poller(self) -> AutoPolling:
        """The listener count behind :attr:`auto_polling` (shared by ``view`` and ``page``)."""
        if self._auto_poller is None:
            self._auto_poller = AutoPolling(self)
        return self._auto_poller

    # ----------------------------------------------------------------------------------------
    # Stores (made on first access; derived ones subscribe only while listened to)

    def _store(self, name: str) -> Store[Any]:
        stores = self._stores
        if stores is None:
            stores = self._stores = {"state": Store.of_subject(self._subject, self._scheduler)}
        store = stores.get(name)
        if store is None:
            store = stores[name] = stores["state"].derive(SELECTORS[name])
        return store

    @property
    def state(self) -> Store[JourneySnapshot]:
        """The whole snapshot (``revision`` increments on every change)::

            state : s0--s1---s2--|   (current first; completes on destroy)
        """
        return self._store("state")

    @property
    def journey_stage(self) -> Store[JourneyStage]:
        """``not_started → entering → (needs_* | routing) → routed``, emitted on change::

            journey_stage : s-e--g-r
        """
        return self._store("journey_stage")

    @property
    def sequence_stage(self) -> Store[SequenceStage]:
        """``none → active_enterable → participating → admitted …``, emitted on change::

            sequence_stage : n-e--p----a
        """
        return self._store("sequence_stage")

    @property
    def requirements(self) -> Store[tuple[Requirement, ...]]:
        """The gates in the way (``authentication``, ``access_code``, ``bot_check`` …)."""
        return self._store("requirements")

    @property
    def latest_event(self) -> Store[JourneyEvent | None]:
        """The newest unacknowledged user-facing event (``ack_event`` moves past it)."""
        return self._store("latest_event")

    @property
    def available_actions(self) -> Store[AvailableActions]:
        """What may be called now (journey and sequence actions)."""
        return self._store("available_actions")

    @property
    def view(self) -> ViewStore:
        """The current SDK's ``view$``: a store of live :class:`~fanfare_rx.journey.view.LiveJourneyView`
        values derived from the same snapshots (actions live on the view)::

            state : -s1---s2---s3--   (s2 only moves the queue position)
            view  : -v1--------v3--

        Usage: ``async for view in journey.view: ...``
        """
        if self._view is None:
            self._view = view_store(self, self._effect_runner)
        return self._view

    @property
    def page(self) -> Store[Page]:
        """Everything a waiting-room page draws, one value per change: the view, the place in
        line and wait estimate (known or not), countdowns on the server's clock, the
        connection, the newest event, when it last changed. Every part is read from the same
        snapshot, so there are no glitch frames (never ``participating`` with the old
        position); listening keeps a routed journey polling (:attr:`auto_polling`)::

            state : -s1----s2------s3------s4--   (s2 moves the position, s4 the connection)
            page  : -p1----p2------p3------p4--   (p = page_of(s): view, position, wait, ...)
            view  : -v1------------v3----------

        Usage: ``off = journey.page.listen(lambda page: send(page_to_json(page)))``
        """
        if self._page is None:
            self._page = page_store(self)
        return self._page

    @property
    def context(self) -> Store[JourneyContext]:
        """Experience, sequence, distribution, position, bids, the admission grant."""
        return self._store("context")

    @property
    def events(self) -> Store[tuple[JourneyEvent, ...]]:
        """Every journey event so far (bounded), newest last."""
        return self._store("events")

    # ----------------------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """Jupyter: the current snapshot's HTML, titled with the experience id."""
        from fanfare_rx.models._html import snapshot_html

        return snapshot_html(self._subject.value, title=f"ExperienceJourney {self.experience_id}")

    def __repr__(self) -> str:
        snap = self._subject.value
        return (
            f"ExperienceJourney({self.experience_id!r}, journey_stage={snap.journey_stage.value!r}, "
            f"sequence_stage={snap.sequence_stage.value!r}, revision={snap.revision})"
        )
