"""The journey's public actions: ``request`` (validation, single-flight) and the docs' methods
(``start``, ``enter_queue`` ...), each an action folded before and after its effect.

Every method checks the action is available first and raises without a request if not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

import reactivex
from reactivex import Observable
from reactivex import operators as ops

from fanfare_rx.errors import (
    ActionNotAvailableError,
    FanfareError,
    UnknownActionError,
    UsageError,
)
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.arguments import admission_args
from fanfare_rx.journey.core import rules
from fanfare_rx.journey.core.machine import is_available
from fanfare_rx.journey.core.messages import (
    ActionRequested,
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
from fanfare_rx.journey.pipeline import JourneyPipeline
from fanfare_rx.journey.resume_args import resume_target
from fanfare_rx.journey.runner import ActionName
from fanfare_rx.models import wire
from fanfare_rx.models.actions import (
    Bid,
    Book,
    Cancel,
    Claim,
    Complete,
    Enter,
    JoinWaitlist,
    Leave,
    LeaveWaitlist,
    Reschedule,
    ShopperAction,
)
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction

__all__ = ["JourneyActions"]


def _facts(snapshot: JourneySnapshot) -> rules.Facts:
    return rules.facts_of(snapshot.journey_stage, snapshot.sequence_stage, snapshot.requirements,
                          snapshot.context)


def _g1_name(g1: str) -> SequenceAction | str:
    try:
        return SequenceAction(g1)
    except ValueError:
        return g1  # an action the docs' G1 list lacks (place_bid, book_appointment ...)


def _not_available(name: str, snapshot: JourneySnapshot) -> ActionNotAvailableError:
    facts = _facts(snapshot)
    return ActionNotAvailableError(
        f"{name!r} is not available in journey stage {snapshot.journey_stage.value!r}, "
        f"sequence stage {snapshot.sequence_stage.value!r}",
        details={
            "journey": [a.value for a in snapshot.available_actions.journey],
            "sequence": [r.g1 for r in rules.allowed(facts)],
        },
    )


#: The typed value each G1 name builds from its one text argument (``perform(name, arg)``).
_VALUE_OF_NAME: Mapping[str, Callable[[str | None], ShopperAction]] = {
    SequenceAction.ENTER_AUCTION: lambda arg: Bid(_needs(arg, "enter_auction", "an amount")),
    fx.PLACE_BID: lambda arg: Bid(_needs(arg, "place_bid", "an amount")),
    fx.BOOK_APPOINTMENT: lambda arg: Book(_needs(arg, "book_appointment", "a slot id")),
    fx.RESCHEDULE_APPOINTMENT: lambda arg: Reschedule(
        _needs(arg, "reschedule_appointment", "a slot id")),
    fx.CANCEL_APPOINTMENT: lambda arg: Cancel(arg),
}
_SHOPPER_ACTIONS = (Enter, Bid, Book, Reschedule, Cancel, Leave, Complete, Claim, JoinWaitlist,
                    LeaveWaitlist)


def _needs(arg: str | None, name: str, what: str) -> str:
    if arg is None:
        raise UsageError(f"{name} needs {what}")
    return arg


class JourneyActions(JourneyPipeline):
    """The action methods of :class:`~fanfare_rx.journey.journey.ExperienceJourney`."""

    __slots__ = ()

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
        self._ensure_alive()
        snapshot = self._subject.value
        if isinstance(action, _SHOPPER_ACTIONS):
            return self._request_value(snapshot, action)
        name = self._parse_action(action)
        if isinstance(name, JourneyAction):
            return self._request_journey(snapshot, name, arg, reset=reset)
        rule = rules.rule_named(_facts(snapshot), name)
        if rule is None:
            raise _not_available(name, snapshot)
        builder = _VALUE_OF_NAME.get(name)
        value = builder(arg) if builder is not None else cast(Callable[[], ShopperAction], rule.value)()
        return self._request_value(snapshot, value, rule)

    def _request_journey(self, snapshot: JourneySnapshot, name: JourneyAction, arg: str | None,
                         *, reset: bool) -> Observable[JourneySnapshot]:
        running = self._in_flight(name.value)
        if running is not None:
            return running
        start_over = name is JourneyAction.START and reset
        if not start_over and not is_available(snapshot, name):
            raise _not_available(name.value, snapshot)
        if name is JourneyAction.PROVIDE_ACCESS_CODE and not arg:
            raise UsageError("provide_access_code needs a non-empty code")
        self._send(ActionRequested(at=self._now(), action=name, arg=arg, reset=reset))
        runner = self._effect_runner
        return runner.run(name.value, fx.effect_for(runner.context, name, arg), name)

    def _request_value(self, snapshot: JourneySnapshot, value: ShopperAction,
                       rule: rules.Rule | None = None) -> Observable[JourneySnapshot]:
        """A shopper's typed action: the one table names its G1 action and effect; it is
        folded as requested, then its effect runs."""
        rule = rule or rules.rule_for_value(_facts(snapshot), value)
        if rule is None:
            raise _not_available(type(value).__name__, snapshot)
        running = self._in_flight(rule.g1)
        if running is not None:
            return running
        if isinstance(value, Claim):
            self.mark_checkout_started()
            return reactivex.just(self._subject.value)
        name = _g1_name(rule.g1)
        self._send(ActionRequested(at=self._now(), action=name, value=value))
        runner = self._effect_runner
        return runner.run(rule.g1, fx.effect_for(runner.context, name, value), name)

    @staticmethod
    def _parse_action(action: ActionName) -> JourneyAction | SequenceAction | str:
        if isinstance(action, JourneyAction | SequenceAction):
            return action
        for enum_type in (JourneyAction, SequenceAction):
            try:
                return enum_type(action)
            except ValueError:
                continue
        if any(row.g1 == action for row in rules.rules()):
            return action  # a name the docs' G1 list lacks (place_bid, a plug-in's ...)
        raise UnknownActionError(f"unknown journey action {action!r}")

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
        self._ensure_alive()
        token, expires_at_ms = admission_args(token, expires_at_ms)
        self._send(AdmissionMarked(at=self._now(), token=token, expires_at=expires_at_ms))

    def mark_checkout_started(self) -> None:
        """Checkout started with the current grant (the current SDK's ``claim()``): the client
        stops expiring it, the server reservation owns the deadline. Synchronous.

        Usage: ``journey.mark_checkout_started()``
        """
        self._ensure_alive()
        self._send(GrantClaimed(at=self._now()))

    def ack_event(self, event_id: str) -> None:
        """Acknowledge an event: ``latest_event`` moves past it."""
        self._ensure_alive()
        self._send(EventAcked(at=self._now(), event_id=event_id))

    def ack_all_events(self) -> None:
        """Acknowledge every event so far."""
        self._ensure_alive()
        self._send(AllEventsAcked(at=self._now()))

    def session_lost(self, code: str = "SESSION_LOST",
                     message: str = "The session was lost: sign in again") -> None:
        """The consumer session is gone: the journey asks for authentication (``needs_auth``)
        and keeps its participation; ``authenticate()`` after signing in routes again. The
        Fanfare facade calls it on ``auth:session_lost``.

        Usage: ``journey.session_lost()``
        """
        self._ensure_alive()
        self._send(SessionLost(at=self._now(), code=code, message=message))

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

        runner = self._effect_runner
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
        self._ensure_alive()
        target, waitlist_id, entered_at = resume_target(sequence_id, waitlist)

        def to_message(experience: wire.Experience) -> Message:
            return ResumedFromServer(
                at=self._now(), experience=experience, sequence_id=target,
                waitlist_id=waitlist_id, waitlist_entered_at=entered_at,
            )

        runner = self._effect_runner
        effect = reactivex.concat(
            fx.experience_for(runner.context, fresh=True).pipe(ops.map(to_message)),
            fx.status_follow_up(runner.context),
        )
        return await runner.run("resume", effect, "resume")

