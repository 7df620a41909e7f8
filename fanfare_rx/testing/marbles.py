"""Scripted server answers as marble strings: :class:`ScriptedEffects` is a
:class:`~fanfare_rx.journey.ports.JourneyEffects` port driven by a ``TestScheduler``.

Each port method answers successive calls with the marbles scripted for it, in order (the
last one repeats), on virtual time; every call is recorded with its arguments and time::

    scheduler = TestScheduler()
    server = ScriptedEffects(scheduler, experience=b.experience("queue"))
    server.on_route("-r|", r=b.routed())                  # 1 s later: routed
    server.on_status("-n|", n=b.not_queued())
    server.on_enter("--q|", q=b.queued(3))                # 2 s later: 3rd in line
    server.on_status("-a|", "-b|", a=b.queued(2), b=b.queued(1))   # successive polls
    server.on_enter("--#", error=RateLimitedError("busy", retry_after=30))
    journey = ExperienceJourney("exp-1", server, scheduler=scheduler)
    ...
    assert [c.method for c in server.calls] == ["load_experience", "route", "fetch_status"]

Marbles use the RxJS syntax of :func:`~fanfare_rx.testing.stages.parse_marbles`: one
character is ``timespan`` seconds (1 s by default), ``#`` errors with ``error``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

import attrs
import reactivex
from reactivex import Observable
from reactivex.notification import Notification
from reactivex.testing import TestScheduler
from reactivex.testing.recorded import Recorded

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.messages import ConsumerState
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionSummary
from fanfare_rx.testing.stages import parse_marbles

__all__ = ["PORT_METHODS", "PortCall", "ScriptedEffects", "UnscriptedCallError"]

#: The :class:`~fanfare_rx.journey.ports.JourneyEffects` methods a script can answer.
PORT_METHODS = (
    "load_experience",
    "route",
    "fetch_status",
    "enter",
    "leave",
    "complete",
    "place_bid",
    "enter_waitlist",
    "leave_waitlist",
    "verify_bot_check",
    "book_appointment",
    "cancel_appointment",
    "reschedule_appointment",
)


class UnscriptedCallError(AssertionError):
    """A port method was called that has no scripted answer (the call still errors with it,
    so the journey folds an error event; :meth:`ScriptedEffects.assert_all_scripted` fails)."""


@attrs.frozen
class PortCall:
    """One call the journey made on the port: method name, arguments, virtual time (s).

    Usage: ``assert server.calls_to("enter")[0].at == 3.0``
    """

    method: str
    args: tuple[Any, ...]
    at: float


@attrs.frozen
class _Answer:
    marbles: str
    values: Mapping[str, Any]
    error: Exception | None


def _cold(events: list[tuple[float, Notification[Any]]], scheduler: TestScheduler) -> Observable[Any]:
    """A cold observable replaying ``events`` relative to each subscription (RxPY's
    ``ColdObservable``). The marbles are parsed by :func:`parse_marbles`, not
    ``reactivex.from_marbles``: RxPY reads ``ab`` as one value ``"ab"`` and groups as
    ``(a,b)``, where the RxJS syntax used here has one value per character."""
    return scheduler.create_cold_observable([Recorded(cast(int, time), n) for time, n in events])


class ScriptedEffects:
    """A journey port whose answers are marble strings on a ``TestScheduler``.

    Usage: ``ScriptedEffects(scheduler, experience=b.experience()).on_route("-r|", r=b.routed())``

    Args:
        scheduler: the virtual clock the answers run on (the journey's scheduler).
        experience: answers ``load_experience`` at once (``"(x|)"``) unless
            :meth:`on_load_experience` scripts otherwise.
        timespan: seconds of virtual time per marble character.
    """

    def __init__(
        self,
        scheduler: TestScheduler,
        *,
        experience: wire.Experience | None = None,
        timespan: float = 1.0,
    ) -> None:
        self.scheduler = scheduler
        self.timespan = timespan
        self.calls: list[PortCall] = []
        """Every call received, in order."""
        self.unscripted: list[PortCall] = []
        """Calls that had no scripted answer."""
        self._scripts: dict[str, list[_Answer]] = {}
        self._served: dict[str, int] = {}
        self._experience = experience

    # ----------------------------------------------------------------------------------------
    # Scripting

    def script(
        self, method: str, *marbles: str, error: Exception | None = None, **values: Any
    ) -> ScriptedEffects:
        """Append answers for successive calls of ``method`` (one marble string per call;
        after the last, the last repeats). ``values`` name the marble characters, ``error``
        is what ``#`` raises.

        Usage: ``server.script("fetch_status", "-a|", "-b|", a=b.queued(2), b=b.queued(1))``
        """
        if method not in PORT_METHODS:
            raise UsageError(f"{method!r} is no port method; expected one of {PORT_METHODS}")
        if not marbles:
            raise UsageError("script at least one marble string")
        self._scripts.setdefault(method, []).extend(_Answer(m, dict(values), error) for m in marbles)
        return self

    def on_load_experience(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``load_experience``. Usage: ``server.on_load_experience("-x|", x=exp)``"""
        return self.script("load_experience", *marbles, error=error, **values)

    def on_route(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``route``. Usage: ``server.on_route("-g|", "-r|", g=b.gated(...), r=b.routed())``"""
        return self.script("route", *marbles, error=error, **values)

    def on_status(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``fetch_status`` (polls). Usage: ``server.on_status("-a|", a=b.queued(4))``"""
        return self.script("fetch_status", *marbles, error=error, **values)

    def on_enter(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``enter``. Usage: ``server.on_enter("--q|", q=b.queued(9))``"""
        return self.script("enter", *marbles, error=error, **values)

    def on_leave(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``leave``. Usage: ``server.on_leave("-l|", l=wire.QueueLeft())``"""
        return self.script("leave", *marbles, error=error, **values)

    def on_complete(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``complete``. Usage: ``server.on_complete("-c|", c=b.timed_release_state("COMPLETED"))``"""
        return self.script("complete", *marbles, error=error, **values)

    def on_bid(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``place_bid``. Usage: ``server.on_bid("-w|", w=b.auction_state("WINNING"))``"""
        return self.script("place_bid", *marbles, error=error, **values)

    def on_enter_waitlist(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``enter_waitlist``. Usage: ``server.on_enter_waitlist("-w|", w=b.waitlist_status(True))``"""
        return self.script("enter_waitlist", *marbles, error=error, **values)

    def on_leave_waitlist(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``leave_waitlist``. Usage: ``server.on_leave_waitlist("-w|", w=b.waitlist_status(False))``"""
        return self.script("leave_waitlist", *marbles, error=error, **values)

    def on_verify_bot_check(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``verify_bot_check``. Usage: ``server.on_verify_bot_check("-v|", v=True)``"""
        return self.script("verify_bot_check", *marbles, error=error, **values)

    def on_book(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``book_appointment``. Usage: ``server.on_book("-b|", b=b.appointment_state("BOOKED", "s1"))``"""
        return self.script("book_appointment", *marbles, error=error, **values)

    def on_cancel(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``cancel_appointment``. Usage: ``server.on_cancel("-c|", c=b.appointment_state("CANCELLED", "s1"))``"""
        return self.script("cancel_appointment", *marbles, error=error, **values)

    def on_reschedule(self, *marbles: str, error: Exception | None = None, **values: Any) -> ScriptedEffects:
        """Script ``reschedule_appointment``. Usage: ``server.on_reschedule("-r|", r=b.appointment_state("BOOKED", "s2"))``"""
        return self.script("reschedule_appointment", *marbles, error=error, **values)

    # ----------------------------------------------------------------------------------------
    # What happened

    def calls_to(self, method: str) -> list[PortCall]:
        """The calls of one method. Usage: ``assert len(server.calls_to("enter")) == 1``"""
        return [call for call in self.calls if call.method == method]

    def call_times(self, method: str) -> list[float]:
        """Virtual times (s) of the calls of one method.

        Usage: ``assert server.call_times("fetch_status") == [7.0, 12.0, 17.0]``
        """
        return [call.at for call in self.calls_to(method)]

    def assert_all_scripted(self) -> None:
        """Fail when any call had no scripted answer. Usage: ``server.assert_all_scripted()``"""
        if self.unscripted:
            listed = ", ".join(f"{c.method} at {c.at:g}s" for c in self.unscripted)
            raise UnscriptedCallError(f"port calls without a scripted answer: {listed}")

    # ----------------------------------------------------------------------------------------
    # The port

    def _answer(self, method: str, *args: Any) -> Observable[Any]:
        call = PortCall(method=method, args=args, at=float(self.scheduler.clock))
        self.calls.append(call)
        answers = self._scripts.get(method)
        if not answers and method == "load_experience" and self._experience is not None:
            answers = [_Answer("(x|)", {"x": self._experience}, None)]
        if not answers:
            self.unscripted.append(call)
            return reactivex.throw(UnscriptedCallError(f"no scripted answer for {method}{args!r}"))
        index = self._served.get(method, 0)
        self._served[method] = index + 1
        answer = answers[min(index, len(answers) - 1)]
        return _cold(parse_marbles(answer.marbles, answer.values, timespan=self.timespan, error=answer.error), self.scheduler)

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        return self._answer("load_experience", experience_id)

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        return self._answer("route", experience_id, access_code)

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return self._answer("fetch_status", distribution)

    def enter(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return self._answer("enter", distribution)

    def leave(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return self._answer("leave", distribution)

    def complete(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return self._answer("complete", distribution)

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[ConsumerState]:
        return self._answer("place_bid", auction_id, amount)

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return self._answer("enter_waitlist", waitlist_id)

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return self._answer("leave_waitlist", waitlist_id)

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        return self._answer("verify_bot_check", challenge_id, token)

    def book_appointment(
        self, appointment_id: str, slot_id: str, location_id: str | None
    ) -> Observable[ConsumerState]:
        return self._answer("book_appointment", appointment_id, slot_id, location_id)

    def cancel_appointment(
        self, appointment_id: str, slot_id: str, reason: str | None
    ) -> Observable[ConsumerState]:
        return self._answer("cancel_appointment", appointment_id, slot_id, reason)

    def reschedule_appointment(
        self, appointment_id: str, new_slot_id: str, new_location_id: str | None
    ) -> Observable[ConsumerState]:
        return self._answer("reschedule_appointment", appointment_id, new_slot_id, new_location_id)
