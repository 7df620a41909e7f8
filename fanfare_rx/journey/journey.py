"""``ExperienceJourney``: one reactive pipeline per journey.

Method calls become actions; actions, effect results, poll results and timer ticks are folded
by the pure reducer into a root store of snapshots (a ``BehaviorSubject``'s semantics); the
other stores are views of it that cost nothing until listened to. Time comes only from the
injected scheduler.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops

from fanfare_rx.errors import FanfareError, UsageError
from fanfare_rx.journey import actions
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.arguments import admission_args
from fanfare_rx.journey.core.messages import (
    AdmissionMarked,
    AllEventsAcked,
    EventAcked,
    ExperienceLoaded,
    GrantClaimed,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    SessionLost,
)
from fanfare_rx.journey.operators import SELECTORS
from fanfare_rx.journey.pipeline import JourneyPipeline
from fanfare_rx.journey.polling import Cadence
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.journey.recorder import FlightRecorder
from fanfare_rx.journey.resume_args import resume_target
from fanfare_rx.journey.store import Store
from fanfare_rx.journey.view_store import (
    AutoPolling,
    AutoPollingSetting,
    ViewStore,
    check_auto_polling,
    page_store,
    view_store,
)
from fanfare_rx.models import wire
from fanfare_rx.models.actions import Bid, ShopperAction
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import (
    AvailableActions,
    JourneyAction,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Requirement,
    SequenceAction,
    SequenceStage,
)
from fanfare_rx.models.page import Page

__all__ = ["ExperienceJourney"]

#: Where a journey keeps each derived store once made: a slot per name of ``SELECTORS`` (no
#: dict per journey).
_STORE_SLOTS: Mapping[str, str] = {name: f"_{name}_store" for name in SELECTORS}

class ExperienceJourney:
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
        scheduler: where time comes from; defaults to the running loop's ``LoopScheduler`` (one
            per loop, shared). Tests pass a ``reactivex.testing.TestScheduler``.
        on_destroy: called once when the journey is destroyed (the owner forgets it).
    """

    __slots__ = (
        "__weakref__",
        "_auto_poller",
        "_auto_polling",
        "_on_destroy",
        "_page",
        "_pipeline",
        "_view",
        "experience_id",
        *_STORE_SLOTS.values(),
    )

    def __init__(
        self,
        experience_id: str,
        effects: JourneyEffects,
        *,
        scheduler: abc.SchedulerBase | None = None,
        on_destroy: Callable[[ExperienceJourney], None] | None = None,
    ) -> None:
        #: The part its actions, polling and stores talk to: the fold, effects, timers, lifetime.
        self._pipeline = JourneyPipeline(experience_id, effects, scheduler=scheduler)
        self.experience_id = experience_id
        self._on_destroy = on_destroy
        self._view: ViewStore | None = None
        self._page: Store[Page] | None = None
        self._auto_poller: AutoPolling | None = None
        self._auto_polling: AutoPollingSetting = True

    # ----------------------------------------------------------------------------------------
    # Polling (the Poller part)

    @property
    def is_polling(self) -> bool:
        """Whether ``start_polling`` is in force."""
        return self._pipeline.is_polling

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
        self._pipeline.ensure_alive()
        self._pipeline.poller.start(interval_ms, cadence=cadence)

    def stop_polling(self) -> None:
        """Stop polling (an in-flight poll is cancelled)."""
        self._pipeline.stop_polling()

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
        slot = _STORE_SLOTS[name]
        store: Store[Any] | None = getattr(self, slot, None)
        if store is None:
            store = self._pipeline.state.derive(SELECTORS[name])
            setattr(self, slot, store)
        return store

    @property
    def state(self) -> Store[JourneySnapshot]:
        """The whole snapshot (``revision`` increments on every change)::

            state : s0--s1---s2--|   (current first; completes on destroy)
        """
        return self._pipeline.state

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
            self._view = view_store(self, self._pipeline.runner)
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
    # Actions (each checked against the one table, then folded before and after its effect)

    def request(
        self,
        action: JourneyAction | SequenceAction | ShopperAction | str,
        arg: str | None = None,
        *,
        reset: bool = False,
    ) -> Observable[JourneySnapshot]:
        """Run one action, named as the docs' G1 do (``"enter_queue"``) or as a typed value
        (``Bid("125.00")``); the observable yields the snapshot after its results are folded.

        Raises at once, without a request, when the action is unknown
        (:class:`UnknownActionError`), not allowed now by the one table
        (:class:`ActionNotAvailableError`) or given a bad argument (:class:`UsageError`). A
        second request of the same action while one is in flight joins it (single-flight)::

            request(enter_queue) : --(s|)        (s = snapshot after the enter was folded)
            inbox                : a--r          (a = ActionRequested, r = StatusReceived)

        Usage: ``snap = await journey.request(Bid("125.00"))``
        """
        return actions.request(self._pipeline, action, arg, reset=reset)

    async def perform(self, action: str, arg: str | None = None) -> JourneySnapshot:
        """Generic dispatcher by action name.

        Usage: ``await journey.perform("provide_access_code", "VIP2024")``
        """
        return await self.request(action, arg)

    # ----------------------------------------------------------------------------------------
    # The docs' methods

    async def start(self, access_code: str | None = None, reset: bool = False) -> JourneySnapshot:
        """Begin the journey: ``not_started → entering → (needs_* | routing) → routed``.

        Usage: ``await journey.start(access_code="VIP2024")``
        """
        return await self.request(JourneyAction.START, access_code, reset=reset)

    async def authenticate(self) -> JourneySnapshot:
        """Call after the consumer signed in: ``needs_auth → routing → routed``."""
        return await self.request(JourneyAction.AUTHENTICATE)

    async def provide_access_code(self, code: str) -> JourneySnapshot:
        """``needs_access_code → routing``; an invalid code comes back as ``needs_access_code``."""
        return await self.request(JourneyAction.PROVIDE_ACCESS_CODE, code)

    async def skip_access_code(self) -> JourneySnapshot:
        """Only when the access-code requirement is optional (``required=False``)."""
        return await self.request(JourneyAction.SKIP_ACCESS_CODE)

    async def complete_bot_check(self, token: str | None = None) -> JourneySnapshot:
        """Pass the bot check with its verification ``token`` (or, without one, route again
        after it was completed elsewhere)."""
        return await self.request(JourneyAction.COMPLETE_BOT_CHECK, token)

    async def request_reroute(self) -> JourneySnapshot:
        """``routed → routing → routed`` with the stored access code."""
        return await self.request(JourneyAction.REQUEST_REROUTE)

    async def retry(self) -> JourneySnapshot:
        """Route again after a failure or ``no_access``."""
        return await self.request(JourneyAction.RETRY)

    async def refresh_distribution(self) -> JourneySnapshot:
        """Reload the experience and the consumer's status."""
        return await self.request(JourneyAction.REFRESH_DISTRIBUTION)

    async def enter_queue(self) -> JourneySnapshot:
        """``active_enterable → participating`` (``POST /queues/{id}/enter``)."""
        return await self.request(SequenceAction.ENTER_QUEUE)

    async def enter_draw(self) -> JourneySnapshot:
        """``active_enterable → participating`` (``POST /draws/{id}/enter``)."""
        return await self.request(SequenceAction.ENTER_DRAW)

    async def enter_auction(self, amount: str | Decimal | None = None) -> JourneySnapshot:
        """Enter the auction with a first bid of ``amount`` (an auction is entered by bidding:
        without an amount it raises :class:`UsageError` and nothing is sent).

        Usage: ``await journey.enter_auction("100.00")``
        """
        if amount is None:
            raise UsageError("enter_auction needs an amount: an auction is entered by bidding")
        return await self.request(SequenceAction.ENTER_AUCTION, str(amount))

    async def place_bid(self, amount: str | Decimal) -> JourneySnapshot:
        """Bid in the routed auction (a fanfare_rx addition: G1 has no bid action).

        Usage: ``await journey.place_bid("125.00")``
        """
        return await self.request(Bid(amount))

    async def act(self, value: ShopperAction) -> JourneySnapshot:
        """Run a shopper's typed action (``Enter()``, ``Bid(amount)``, ``Book(slot_id)``,
        ``Reschedule(...)``, ``Cancel()``, ``Leave()``, ``Complete()``, ``JoinWaitlist()``
        ...), allowed or refused by the one table as the G1 methods are.

        Usage: ``await journey.act(Book("slot-1", "loc-1"))``
        """
        return await self.request(value)

    async def enter_timed_release(self) -> JourneySnapshot:
        """Inside the release window the entry is admitted at once."""
        return await self.request(SequenceAction.ENTER_TIMED_RELEASE)

    async def complete_timed_release(self) -> JourneySnapshot:
        """After purchase: ``admitted → ended`` (completed)."""
        return await self.request(SequenceAction.COMPLETE_TIMED_RELEASE)

    async def enter_waitlist(self) -> JourneySnapshot:
        """``upcoming → waitlist_entered``."""
        return await self.request(SequenceAction.ENTER_WAITLIST)

    async def leave_waitlist(self) -> JourneySnapshot:
        """``waitlist_entered → upcoming``."""
        return await self.request(SequenceAction.LEAVE_WAITLIST)

    async def leave_participation(self) -> JourneySnapshot:
        """``participating → active_enterable``."""
        return await self.request(SequenceAction.LEAVE_PARTICIPATION)

    def mark_admitted(self, token: str, expires_at_ms: int | None = None) -> None:
        """Record an admission the app learnt of itself (synchronous).

        Raises:
            UsageError: ``token`` is not a non-empty string, or ``expires_at_ms`` is not
                None or whole epoch milliseconds.

        Usage: ``journey.mark_admitted(grant_token, expires_at_ms=now_ms + 600_000)``
        """
        self._pipeline.ensure_alive()
        token, expires_at_ms = admission_args(token, expires_at_ms)
        self._pipeline.send(AdmissionMarked(at=self._pipeline.now(), token=token, expires_at=expires_at_ms))

    def mark_checkout_started(self) -> None:
        """Checkout started with the current grant (the current SDK's ``claim()``): the client
        stops expiring it, the server reservation owns the deadline. Synchronous.

        Usage: ``journey.mark_checkout_started()``
        """
        self._pipeline.ensure_alive()
        self._pipeline.send(GrantClaimed(at=self._pipeline.now()))

    def ack_event(self, event_id: str) -> None:
        """Acknowledge an event: ``latest_event`` moves past it."""
        self._pipeline.ensure_alive()
        self._pipeline.send(EventAcked(at=self._pipeline.now(), event_id=event_id))

    def ack_all_events(self) -> None:
        """Acknowledge every event so far."""
        self._pipeline.ensure_alive()
        self._pipeline.send(AllEventsAcked(at=self._pipeline.now()))

    def session_lost(self, code: str = "SESSION_LOST",
                     message: str = "The session was lost: sign in again") -> None:
        """The consumer session is gone: the journey asks for authentication (``needs_auth``)
        and keeps its participation; ``authenticate()`` after signing in routes again. The
        Fanfare facade calls it on ``auth:session_lost``.

        Usage: ``journey.session_lost()``
        """
        self._pipeline.ensure_alive()
        self._pipeline.send(SessionLost(at=self._pipeline.now(), code=code, message=message))

    async def resume_from_me(self, me: wire.ConsumerMe) -> bool:
        """Resume from a ``/consumers/me`` projection; ``False`` when it has no journey for
        this experience. No second entry is made.

        Usage: ``await journey.resume_from_me(await fanfare.experiences.get_me())``
        """
        self._pipeline.ensure_alive()
        projection = me.journey_for(self.experience_id)
        if projection is None:
            return False
        self._pipeline.send(ResumedFromMe(at=self._pipeline.now(), projection=projection, waitlists=me.waitlists))

        def loaded(experience: wire.Experience) -> Message:
            return ExperienceLoaded(at=self._pipeline.now(), experience=experience)

        runner = self._pipeline.runner
        refresh = fx.experience_for(runner.context, fresh=True).pipe(ops.map(loaded))
        # The projection has no wait estimate: the participation's status brings it.
        refreshed = reactivex.concat(refresh, fx.status_follow_up(runner.context))
        try:
            await runner.run("resume", refreshed, "resume")
        except FanfareError:
            pass  # folded as an error event; the projection itself was applied
        return True

    async def resume_from_server(
        self,
        sequence_id: str | Mapping[str, Any],
        waitlist: tuple[str, int | None] | Mapping[str, Any] | None = None,
    ) -> JourneySnapshot:
        """Resume into a known sequence (and, optionally, a waitlist ``(id, entered_at_ms)``),
        then fetch the participation's status. The docs' object form works too:
        ``{"sequenceId": ..., "waitlist": {"waitlistId": ..., "enteredAt": ...}}``.

        Usage: ``await journey.resume_from_server(sequence_id="seq-1")``
        """
        self._pipeline.ensure_alive()
        target, waitlist_id, entered_at = resume_target(sequence_id, waitlist)

        def to_message(experience: wire.Experience) -> Message:
            return ResumedFromServer(
                at=self._pipeline.now(), experience=experience, sequence_id=target,
                waitlist_id=waitlist_id, waitlist_entered_at=entered_at,
            )

        runner = self._pipeline.runner
        effect = reactivex.concat(
            fx.experience_for(runner.context, fresh=True).pipe(ops.map(to_message)),
            fx.status_follow_up(runner.context),
        )
        return await runner.run("resume", effect, "resume")

    # ----------------------------------------------------------------------------------------
    # Connection, flight recorder, lifetime (the pipeline's)

    @property
    def fail_open_after_ms(self) -> int | None:
        """Opt-in fail-open policy: once the connection stayed down this long (ms), the
        snapshot's ``context.connection.fail_open`` is set and a user event says the waiting
        room is unreachable since when. None (the default): never. No grant is invented."""
        return self._pipeline.fail_open_after_ms

    @fail_open_after_ms.setter
    def fail_open_after_ms(self, after_ms: int | None) -> None:
        self._pipeline.fail_open_after_ms = after_ms

    def observe_connection(self, connection: Connection) -> None:
        """Fold what the transport saw (status, since, the server's clock offset); the client
        calls it for every journey. Starts the fail-open timer when the connection went down::

            connection : on---off--------------on--
            fail-open  :      |--after--|F          (F: context.connection.fail_open, an event)

        Usage: ``journey.observe_connection(Connection(status="offline", since=now_ms))``
        """
        self._pipeline.observe_connection(connection)

    def _watch_folds(self, callback: Callable[[JourneySnapshot, JourneySnapshot], None]) -> None:
        """For the journey's owner (one ``Fanfare``): ``callback(old, new)`` after each new
        snapshot was published, a plain call (no Rx subscription per journey)::

            state    : a---b---c
            callback :     (a,b)(b,c)
        """
        self._pipeline.watch_folds(callback)

    def record(self, path: str | os.PathLike[str]) -> FlightRecorder:
        """Write every message the journey folds from now on to ``path`` as JSON lines, each
        with its time, secrets redacted; ``fanfare_rx.replay(path)`` folds it back offline::

            state  : a--b--c--d|
            record :    ^  b  c  d      (a header with b's snapshot, then each message)

        Recording stops with :meth:`FlightRecorder.close` or when the journey is destroyed;
        a second ``record`` closes the first. A path that cannot be written raises
        :class:`~fanfare_rx.errors.UsageError`. Usage: ``journey.record("journey.jsonl")``
        """
        return self._pipeline.record(path)

    @property
    def destroyed(self) -> bool:
        """Whether :meth:`destroy` was called."""
        return self._pipeline.destroyed

    def destroy(self) -> None:
        """Dispose every subscription, timer and in-flight request; stores complete.
        Idempotent. Later method calls raise :class:`JourneyDestroyedError`::

            state   : a--b--c|     (destroy() at c: the stores complete)
            request : ----#        (an action in flight errors)

        Usage: ``journey.destroy()``
        """
        if self._pipeline.destroyed:
            return
        self._pipeline.destroy()
        if self._on_destroy is not None:
            self._on_destroy(self)

    # ----------------------------------------------------------------------------------------

    def _repr_html_(self) -> str:
        """Jupyter: the current snapshot's HTML, titled with the experience id."""
        from fanfare_rx.models._html import snapshot_html

        return snapshot_html(self._pipeline.snapshot(), title=f"ExperienceJourney {self.experience_id}")

    def __repr__(self) -> str:
        snap = self._pipeline.snapshot()
        return (
            f"ExperienceJourney({self.experience_id!r}, journey_stage={snap.journey_stage.value!r}, "
            f"sequence_stage={snap.sequence_stage.value!r}, revision={snap.revision})"
        )
