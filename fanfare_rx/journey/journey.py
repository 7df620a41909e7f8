"""``ExperienceJourney``: one reactive pipeline per journey.

Method calls become actions; actions, effect results, poll results and timer ticks are folded
by the pure reducer (``scan``) into a ``BehaviorSubject`` of snapshots; the stores are
operators on it. Time comes only from the injected scheduler.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import CompositeDisposable, Disposable, SerialDisposable
from reactivex.scheduler.eventloop import AsyncIOScheduler
from reactivex.subject import AsyncSubject, BehaviorSubject, Subject

from fanfare_rx.errors import (
    ActionNotAvailableError,
    ConfigError,
    FanfareError,
    JourneyDestroyedError,
    UnknownActionError,
    ValidationError,
)
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.core.machine import initial_snapshot, is_available, reduce
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ActionRequested,
    AdmissionMarked,
    AllEventsAcked,
    EventAcked,
    ExperienceLoaded,
    GrantClaimed,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    Tick,
)
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.journey.resume_args import resume_target
from fanfare_rx.journey.store import Store
from fanfare_rx.journey.view_store import ViewStore, view_store
from fanfare_rx.models import wire
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

__all__ = ["ExperienceJourney"]

log = logging.getLogger("fanfare_rx.journey")

_ActionName = JourneyAction | SequenceAction | str


def _now_ms(scheduler: abc.SchedulerBase) -> int:
    return int(scheduler.now.timestamp() * 1000)


def _same_object(a: JourneySnapshot, b: JourneySnapshot) -> bool:
    return a is b


def _as_fanfare_error(error: Exception) -> FanfareError:
    if isinstance(error, FanfareError):
        return error
    wrapped = FanfareError(f"{type(error).__name__}: {error}")
    wrapped.__cause__ = error
    return wrapped


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
        scheduler: where time comes from; defaults to an ``AsyncIOScheduler`` on the running
            loop. Tests pass a ``reactivex.testing.TestScheduler``.
        on_destroy: called once when the journey is destroyed (the owner forgets it).
    """

    def __init__(
        self,
        experience_id: str,
        effects: JourneyEffects,
        *,
        scheduler: abc.SchedulerBase | None = None,
        on_destroy: Callable[[ExperienceJourney], None] | None = None,
    ) -> None:
        if not experience_id:
            raise ConfigError("experience_id must be a non-empty string")
        if scheduler is None:
            try:
                scheduler = AsyncIOScheduler(asyncio.get_running_loop())
            except RuntimeError:
                raise ConfigError(
                    "no running event loop: pass scheduler= (e.g. a TestScheduler)"
                ) from None
        self.experience_id = experience_id
        self._scheduler = scheduler
        self._on_destroy = on_destroy
        self._destroyed = False
        self._disposables = CompositeDisposable()
        self._in_flight: dict[str, AsyncSubject[JourneySnapshot]] = {}
        self._poll_timer = SerialDisposable()
        self._poll_run = SerialDisposable()
        self._poll_interval_ms: int | None = None
        self._polling = False
        self._disposables.add(self._poll_timer)
        self._disposables.add(self._poll_run)

        first = initial_snapshot(experience_id)
        self._subject: BehaviorSubject[JourneySnapshot] = BehaviorSubject(first)
        self._inbox: Subject[Message] = Subject()
        self._pending: deque[Message] = deque()
        self._draining = False
        folded: Observable[JourneySnapshot] = self._inbox.pipe(
            ops.scan(self._fold, first),
            ops.distinct_until_changed(comparer=_same_object),
        )
        self._disposables.add(folded.subscribe(self._subject.on_next))
        self._ctx = fx.EffectContext(effects, lambda: self._subject.value, self._now)

        self.state: Store[JourneySnapshot] = Store.of_subject(self._subject)
        """The whole snapshot (``revision`` increments on every change)."""
        self.journey_stage: Store[JourneyStage] = self.state.derive(lambda s: s.journey_stage)
        self.sequence_stage: Store[SequenceStage] = self.state.derive(lambda s: s.sequence_stage)
        self.requirements: Store[tuple[Requirement, ...]] = self.state.derive(
            lambda s: s.requirements
        )
        self.latest_event: Store[JourneyEvent | None] = self.state.derive(
            lambda s: s.latest_event
        )
        self.available_actions: Store[AvailableActions] = self.state.derive(
            lambda s: s.available_actions
        )
        self.context: Store[JourneyContext] = self.state.derive(lambda s: s.context)
        self.events: Store[tuple[JourneyEvent, ...]] = self.state.derive(lambda s: s.events)

        self._disposables.add(self._expiry_timer().subscribe(self._send))

    # ----------------------------------------------------------------------------------------
    # The fold

    def _now(self) -> int:
        return _now_ms(self._scheduler)

    def _fold(self, snapshot: JourneySnapshot, message: Message) -> JourneySnapshot:
        try:
            return reduce(snapshot, message)
        except Exception as exc:
            log.exception("reducer failed on %s; snapshot kept", type(message).__name__)
            failure = ActionFailed(
                at=getattr(message, "at", snapshot.updated_at), action="internal",
                code="INTERNAL_ERROR", message=f"internal error: {type(exc).__name__}",
            )
            try:
                return reduce(snapshot, failure)
            except Exception:  # noqa: BLE001
                return snapshot

    def _send(self, message: Message) -> None:
        """Deliver a message to the fold. Messages sent while a fold is being published
        (by a subscriber or a synchronous effect) wait their turn, so every subscriber sees
        snapshots in order."""
        if self._destroyed:
            return
        self._pending.append(message)
        if self._draining:
            return
        self._draining = True
        try:
            while self._pending and not self._destroyed:
                self._inbox.on_next(self._pending.popleft())
        finally:
            self._draining = False

    def _expiry_timer(self) -> Observable[Message]:
        """admitted with a deadline  ──►  timer on the scheduler  ──►  Tick  ──►  expired::

            deadline : --d1------d2----|
            ticks    : -------t1-----t2|   (switch_map: a new deadline replaces the old)
        """

        def deadline(snap: JourneySnapshot) -> int | None:
            if snap.sequence_stage is SequenceStage.ADMITTED and not snap.context.checkout_started:
                return snap.context.admittance_expires_at
            return None

        def timer_for(at: int | None) -> Observable[Message]:
            if at is None:
                return reactivex.empty()
            delay = max(0.0, (at - self._now()) / 1000.0)
            return reactivex.timer(delay, scheduler=self._scheduler).pipe(
                ops.map(lambda _: Tick(at=max(self._now(), at)))
            )

        deadlines: Observable[int | None] = self._subject.pipe(
            ops.map(deadline), ops.distinct_until_changed()
        )
        return deadlines.pipe(ops.switch_map(timer_for))

    # ----------------------------------------------------------------------------------------
    # Running actions

    def _ensure_alive(self) -> None:
        if self._destroyed:
            raise JourneyDestroyedError(f"journey {self.experience_id} was destroyed")

    def _run(
        self, key: str, effect: Observable[Message], action: _ActionName
    ) -> AsyncSubject[JourneySnapshot]:
        """Subscribe to ``effect``; the returned subject yields the snapshot once every
        result is folded, or the error (also folded as an ``error`` event)."""
        result: AsyncSubject[JourneySnapshot] = AsyncSubject()
        self._in_flight[key] = result
        subscription = SerialDisposable()
        self._disposables.add(subscription)

        def finish(error: Exception | None) -> None:
            self._in_flight.pop(key, None)
            self._disposables.remove(subscription)
            if error is not None:
                result.on_error(_as_fanfare_error(error))
            else:
                result.on_next(self._subject.value)
                result.on_completed()

        def on_error(error: Exception) -> None:
            self._send(fx.failure_message(action, error, self._now()))
            finish(error)

        subscription.disposable = effect.subscribe(
            on_next=self._send,
            on_error=on_error,
            on_completed=lambda: finish(None),
            scheduler=self._scheduler,
        )
        return result

    def request(
        self, action: JourneyAction | SequenceAction | str, arg: str | None = None, *, reset: bool = False
    ) -> Observable[JourneySnapshot]:
        """Run one action; the observable yields the snapshot after its results are folded.

        Raises at once, without a request, when the action is unknown
        (:class:`UnknownActionError`) or not in ``available_actions``
        (:class:`ActionNotAvailableError`). A second request of the same action while one is
        in flight joins it (single-flight)::

            request(enter_queue) : --(s|)        (s = snapshot after the enter was folded)
            inbox                : a--r          (a = ActionRequested, r = StatusReceived)

        Usage: ``snap = await journey.request("enter_queue")``
        """
        self._ensure_alive()
        name = self._parse_action(action)
        key = name.value if isinstance(name, JourneyAction | SequenceAction) else name
        if key in self._in_flight:
            return self._in_flight[key]
        snapshot = self._subject.value
        if name == fx.PLACE_BID:
            self._check_can_bid(snapshot)
            if arg is None:
                raise ValidationError("place_bid needs an amount")
            fx.parse_amount(arg)
            return self._run(key, fx.effect_for(self._ctx, name, arg), name)
        assert isinstance(name, JourneyAction | SequenceAction)
        start_over = name is JourneyAction.START and reset
        if not start_over and not is_available(snapshot, name):
            raise ActionNotAvailableError(
                f"{key!r} is not available in journey stage {snapshot.journey_stage.value!r}, "
                f"sequence stage {snapshot.sequence_stage.value!r}",
                details={
                    "journey": [a.value for a in snapshot.available_actions.journey],
                    "sequence": [a.value for a in snapshot.available_actions.sequence],
                },
            )
        if name is JourneyAction.PROVIDE_ACCESS_CODE and not arg:
            raise ValidationError("provide_access_code needs a non-empty code")
        if name is SequenceAction.ENTER_AUCTION and arg is not None:
            fx.parse_amount(arg)
        self._send(ActionRequested(at=self._now(), action=name, arg=arg, reset=reset))
        return self._run(key, fx.effect_for(self._ctx, name, arg), name)

    @staticmethod
    def _parse_action(action: _ActionName) -> JourneyAction | SequenceAction | str:
        if isinstance(action, JourneyAction | SequenceAction):
            return action
        for enum_type in (JourneyAction, SequenceAction):
            try:
                return enum_type(action)
            except ValueError:
                continue
        if action == fx.PLACE_BID:
            return fx.PLACE_BID
        raise UnknownActionError(f"unknown journey action {action!r}")

    def _check_can_bid(self, snapshot: JourneySnapshot) -> None:
        distribution = snapshot.context.distribution
        can_bid = (
            snapshot.journey_stage is JourneyStage.ROUTED
            and distribution is not None
            and distribution.type is wire.DistributionType.AUCTION
            and snapshot.sequence_stage
            in (SequenceStage.ACTIVE_ENTERABLE, SequenceStage.PARTICIPATING)
        )
        if not can_bid:
            raise ActionNotAvailableError(
                "'place_bid' needs an open auction the consumer can bid in"
            )

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
        """Enter the auction and, with ``amount``, place a first bid."""
        return await self.request(
            SequenceAction.ENTER_AUCTION, None if amount is None else str(amount)
        )

    async def place_bid(self, amount: str | Decimal) -> JourneySnapshot:
        """Bid in the routed auction (a fanfare_rx addition: G1 has no bid action).

        Usage: ``await journey.place_bid("125.00")``
        """
        return await self.request(fx.PLACE_BID, str(amount))

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

        Usage: ``journey.mark_admitted(grant_token, expires_at_ms=now_ms + 600_000)``
        """
        self._ensure_alive()
        self._send(AdmissionMarked(at=self._now(), token=token, expires_at=expires_at_ms))

    def mark_checkout_started(self) -> None:
        """Checkout started with the current grant (the current SDK's ``claim()``): the client
        stops expiring it, the server reservation owns the deadline. Synchronous.

        Usage: ``journey.mark_checkout_started()``
        """
        self._ensure_alive()
        self._send(GrantClaimed(at=self._now()))

    @functools.cached_property
    def view(self) -> ViewStore:
        """The current SDK's ``view$``: a store of live :class:`~fanfare_rx.journey.view.LiveJourneyView`
        values derived from the same snapshots (actions live on the view)::

            state : -s1---s2---s3--   (s2 only moves the queue position)
            view  : -v1--------v3--

        Usage: ``async for view in journey.view: ...``
        """
        return view_store(self)

    def ack_event(self, event_id: str) -> None:
        """Acknowledge an event: ``latest_event`` moves past it."""
        self._ensure_alive()
        self._send(EventAcked(at=self._now(), event_id=event_id))

    def ack_all_events(self) -> None:
        """Acknowledge every event so far."""
        self._ensure_alive()
        self._send(AllEventsAcked(at=self._now()))

    async def resume_from_me(self, me: wire.ConsumerMe) -> bool:
        """Resume from a ``/consumers/me`` projection; ``False`` when it has no journey for
        this experience. No second entry is made.

        Usage: ``await journey.resume_from_me(await fanfare.experiences.get_me())``
        """
        self._ensure_alive()
        projection = me.journey_for(self.experience_id)
        if projection is None:
            return False
        self._send(ResumedFromMe(at=self._now(), projection=projection, waitlists=me.waitlists))

        def loaded(experience: wire.Experience) -> Message:
            return ExperienceLoaded(at=self._now(), experience=experience)

        refresh = fx.experience_for(self._ctx, fresh=True).pipe(ops.map(loaded))
        try:
            await self._run("resume", refresh, "resume")
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
        self._ensure_alive()
        sequence_id, waitlist_id, entered_at = resume_target(sequence_id, waitlist)

        def to_message(experience: wire.Experience) -> Message:
            return ResumedFromServer(
                at=self._now(), experience=experience, sequence_id=sequence_id,
                waitlist_id=waitlist_id, waitlist_entered_at=entered_at,
            )

        effect = reactivex.concat(
            fx.experience_for(self._ctx, fresh=True).pipe(ops.map(to_message)),
            fx.status_follow_up(self._ctx),
        )
        return await self._run("resume", effect, "resume")

    # ----------------------------------------------------------------------------------------
    # Polling

    @property
    def is_polling(self) -> bool:
        """Whether ``start_polling`` is in force."""
        return self._polling

    def start_polling(self, interval_ms: int | None = None) -> None:
        """Refresh what the current stage depends on, every ``interval_ms`` (default: per
        distribution type, see ``DEFAULT_POLL_INTERVAL_MS``). Polls never overlap: the next
        is scheduled when the previous one finished, later when the server sent
        ``Retry-After``::

            start_polling(5000): -----p1(done)-----p2(done)-----p3 ...

        Usage: ``journey.start_polling(5000)``
        """
        self._ensure_alive()
        if interval_ms is not None and interval_ms <= 0:
            raise ValidationError("interval_ms must be positive")
        self.stop_polling()
        self._polling = True
        self._poll_interval_ms = interval_ms
        self._schedule_poll(self._interval_ms())

    def stop_polling(self) -> None:
        """Stop polling (an in-flight poll is cancelled)."""
        self._polling = False
        self._poll_timer.disposable = Disposable()
        self._poll_run.disposable = Disposable()

    def _interval_ms(self) -> int:
        if self._poll_interval_ms is not None:
            return self._poll_interval_ms
        return fx.poll_interval_ms(self._subject.value)

    def _schedule_poll(self, delay_ms: float) -> None:
        if not self._polling or self._destroyed:
            return

        def run(_: abc.SchedulerBase, __: Any = None) -> None:
            self._poll_once()

        self._poll_timer.disposable = self._scheduler.schedule_relative(delay_ms / 1000.0, run)

    def _poll_once(self) -> None:
        def on_error(error: Exception) -> None:
            self._send(fx.failure_message("poll", error, self._now()))
            delay = float(self._interval_ms())
            retry_after = error.retry_after if isinstance(error, FanfareError) else None
            if retry_after is not None:
                delay = max(delay, retry_after * 1000.0)
            self._schedule_poll(delay)

        self._poll_run.disposable = fx.poll_effect(self._ctx).subscribe(
            on_next=self._send,
            on_error=on_error,
            on_completed=lambda: self._schedule_poll(self._interval_ms()),
            scheduler=self._scheduler,
        )

    # ----------------------------------------------------------------------------------------
    # Lifetime

    @property
    def destroyed(self) -> bool:
        return self._destroyed

    def destroy(self) -> None:
        """Dispose every subscription, timer and in-flight request; stores complete.
        Idempotent. Later method calls raise :class:`JourneyDestroyedError`.

        Usage: ``journey.destroy()``
        """
        if self._destroyed:
            return
        self._destroyed = True
        self._polling = False
        in_flight = list(self._in_flight.values())
        self._in_flight.clear()
        self._disposables.dispose()
        for result in in_flight:
            result.on_error(JourneyDestroyedError(f"journey {self.experience_id} was destroyed"))
        self._subject.on_completed()
        self._inbox.on_completed()
        if self._on_destroy is not None:
            self._on_destroy(self)

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
