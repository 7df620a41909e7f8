"""Effects: from a requested action to the stream of result messages it produces (the "epic"
pattern). Effects call the port and read the current snapshot; they never write it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reactivex import Observable
from reactivex import operators as ops

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.cadence import DEFAULT_POLL_INTERVAL_MS, type_interval_ms
from fanfare_rx.journey.core import locate
from fanfare_rx.journey.core.messages import (
    ConsumerState,
    Message,
    RouteResolved,
    RoutingStarted,
    WaitlistChanged,
)
from fanfare_rx.journey.core.routing import awaits_sequence, passes_through_routing
from fanfare_rx.journey.effect_context import (
    ROUTE_RESULTS,
    EffectContext,
    FoldedFailure,
    checked,
    failure_message,
    status_messages,
    to_status,
)
from fanfare_rx.journey.lean import (
    catch,
    concat,
    defer,
    fail,
    flat_map,
    items,
    mapped,
    merge,
)
from fanfare_rx.journey.mechanism_effects import (
    APPOINTMENT_ACTIONS,
    BOOK_APPOINTMENT,
    CANCEL_APPOINTMENT,
    PLACE_BID,
    RESCHEDULE_APPOINTMENT,
    appointment,
    bid,
    parse_amount,
)
from fanfare_rx.journey.ports import ConsumerMeSource, JourneyEffects, SessionKindSource
from fanfare_rx.mechanisms import registry
from fanfare_rx.models import wire
from fanfare_rx.models.actions import (
    Bid,
    Book,
    Cancel,
    Complete,
    Enter,
    Leave,
    Reschedule,
    ShopperAction,
)
from fanfare_rx.models.journey import (
    DistributionSummary,
    JourneyAction,
    JourneySnapshot,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "APPOINTMENT_ACTIONS",
    "BOOK_APPOINTMENT",
    "CANCEL_APPOINTMENT",
    "DEFAULT_POLL_INTERVAL_MS",
    "PLACE_BID",
    "RESCHEDULE_APPOINTMENT",
    "ActionArg",
    "EffectContext",
    "concat",
    "effect_for",
    "experience_for",
    "failure_message",
    "parse_amount",
    "poll_effect",
    "poll_interval_ms",
    "status_follow_up",
]

_Stage = SequenceStage


def experience_for(ctx: EffectContext, *, fresh: bool) -> Observable[wire.Experience]:
    """The journey's experience: the cached one, or ``GET /experiences/{id}`` when ``fresh``."""
    if ctx.experience is not None and not fresh:
        return items(ctx.experience)
    experience_id = ctx.snapshot().context.experience_id

    def remember(experience: wire.Experience) -> wire.Experience:
        checked(experience, (wire.Experience,), "Experience")
        ctx.experience = experience
        return experience

    return ctx.port.load_experience(experience_id).pipe(mapped(remember))


def status_follow_up(ctx: EffectContext) -> Observable[Message]:
    """After routing: fetch the consumer's status where the sequence stage depends on it."""
    return defer(_StatusFollowUp(ctx))


class _StatusFollowUp:
    """What :func:`status_follow_up` defers: the status of the routed distribution, if its
    stage depends on one. One object, where a closure and its cell were three: the chain holds
    it until the action's last step, and what that step frees the collector's count mostly
    does not see (see ``docs/performance.md``, the nineteenth pass)."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: EffectContext) -> None:
        self._ctx = ctx

    def __call__(self) -> Observable[Message]:
        ctx = self._ctx
        snap = ctx.snapshot()
        distribution = snap.context.distribution
        if distribution is None or snap.sequence_stage in _NO_STATUS_STAGES:
            return items()
        return status_messages(ctx, distribution.id, ctx.port.fetch_status(distribution))


#: Stages where the consumer has no participation status worth fetching.
_NO_STATUS_STAGES = frozenset({_Stage.NONE, _Stage.UPCOMING, _Stage.WAITLIST_ENTERED, _Stage.ENDED})


def _route(ctx: EffectContext, *, fresh_experience: bool, follow: bool = True) -> Observable[Message]:
    return defer(_Route(ctx, fresh_experience=fresh_experience, follow=follow))


class _Route:
    """The route of one action, as its chain runs it: called at each subscription, it reads the
    experience id and access code from the snapshot and returns the experience, then the route
    with it (:class:`_RouteWith`), then the status where the stage depends on one.

    One object for what the chain holds until the action's last step (a closure per step and
    their cells were about a dozen there): the collector's count mostly does not see what that
    step frees, so each object held to the end costs about what one kept for good does (see
    ``docs/performance.md``, the nineteenth pass)."""

    __slots__ = ("_ctx", "_follow", "_fresh_experience")

    def __init__(self, ctx: EffectContext, *, fresh_experience: bool, follow: bool) -> None:
        self._ctx = ctx
        self._fresh_experience = fresh_experience
        self._follow = follow

    def __call__(self) -> Observable[Message]:
        ctx = self._ctx
        context = ctx.snapshot().context
        route_with = _RouteWith(ctx, context.experience_id, context.access_code, self._follow)
        routed: Observable[Message] = experience_for(ctx, fresh=self._fresh_experience).pipe(
            flat_map(route_with)
        )
        return concat(routed, status_follow_up(ctx))


class _RouteWith:
    """The route with the experience (the id and code read when the route's subscription
    started), then, where the experience lists no distribution for the routed sequence, its
    projection, as the messages the fold takes. One object per subscription (see
    :class:`_Route`)."""

    __slots__ = ("_code", "_ctx", "_experience_id", "_follow")

    def __init__(self, ctx: EffectContext, experience_id: str, code: str | None,
                 follow: bool) -> None:
        self._ctx = ctx
        self._experience_id = experience_id
        self._code = code
        self._follow = follow

    def __call__(self, experience: wire.Experience) -> Observable[Message]:
        ctx, follow = self._ctx, self._follow

        def to_messages(result: wire.RouteResult) -> Observable[Message]:
            checked(result, ROUTE_RESULTS, "RouteResult")

            def resolved(projection: wire.JourneyProjection | None) -> Observable[Message]:
                answer = RouteResolved(at=ctx.now_ms(), result=result, experience=experience,
                                       follow=follow, projection=projection, guest=_guest(ctx))
                if passes_through_routing(ctx.snapshot(), answer):
                    return items(RoutingStarted(at=answer.at), answer)
                return items(answer)

            return _with_projection(ctx, experience, result).pipe(flat_map(resolved))

        return ctx.port.route(self._experience_id, self._code).pipe(flat_map(to_messages))


def _guest(ctx: EffectContext) -> bool:
    """Whether the port says the consumer is a guest (a port that cannot tell: not a guest)."""
    port: SessionKindSource | None = _as(ctx.port, SessionKindSource)
    return port is not None and not port.signed_in()


_OFFERS: dict[tuple[type, Any], bool] = {}


def _as(port: JourneyEffects, protocol: Any) -> Any:
    """The port if it offers an optional port protocol, else None; answered once per port
    class (a protocol's ``isinstance`` inspects every member each time it is asked)."""
    key = (type(port), protocol)
    known = _OFFERS.get(key)
    if known is None:
        known = _OFFERS[key] = isinstance(port, protocol)
    return port if known else None


def _with_projection(
    ctx: EffectContext, experience: wire.Experience, result: wire.RouteResult
) -> Observable[wire.JourneyProjection | None]:
    """The ``/consumers/me`` journey when the experience lists no distribution for the routed
    sequence (gen C timed releases) and the port can fetch it; else None at once."""
    me_source: ConsumerMeSource | None = _as(ctx.port, ConsumerMeSource)
    if not isinstance(result, wire.RouteRouted) or me_source is None:
        return items(None)
    sequence_id = result.selected.sequence.id
    sequence = locate.find_sequence(experience, sequence_id)
    if sequence is not None and locate.lists_distributions(sequence):
        return items(None)
    context = ctx.snapshot().context
    if context.sequence_id == sequence_id and context.distribution is not None:
        return items(None)  # located before: the reducer keeps it

    def journey_of(me: wire.ConsumerMe) -> wire.JourneyProjection | None:
        checked(me, (wire.ConsumerMe,), "ConsumerMe")
        return me.journey_for(experience.id)

    return me_source.load_me().pipe(mapped(journey_of))


def _probe_route(ctx: EffectContext) -> Observable[Message]:
    """The route with the cached experience, as a probe (``follow=False``), no status after."""

    def build() -> Observable[Message]:
        snap = ctx.snapshot()

        def route_with(experience: wire.Experience) -> Observable[Message]:
            def to_message(result: wire.RouteResult) -> Message:
                checked(result, ROUTE_RESULTS, "RouteResult")
                return RouteResolved(at=ctx.now_ms(), result=result, experience=experience,
                                     follow=False)

            return ctx.port.route(snap.context.experience_id, snap.context.access_code).pipe(
                mapped(to_message))

        return experience_for(ctx, fresh=False).pipe(flat_map(route_with))

    return defer(build)


#: Which of the port's distribution calls an effect makes (a function of the module, not a
#: lambda made per action: the chain holds it until the action's last step).
_PortCall = Callable[[JourneyEffects], Callable[[DistributionSummary], Observable[ConsumerState]]]


def _distribution_call(ctx: EffectContext, call: _PortCall) -> Observable[Message]:
    return defer(_DistributionCall(ctx, call))


def _enter(port: JourneyEffects) -> Callable[[DistributionSummary], Observable[ConsumerState]]:
    return port.enter


def _leave(port: JourneyEffects) -> Callable[[DistributionSummary], Observable[ConsumerState]]:
    return port.leave


def _complete(port: JourneyEffects) -> Callable[[DistributionSummary], Observable[ConsumerState]]:
    return port.complete


class _DistributionCall:
    """What a distribution call defers: the port's call on the journey's distribution when the
    action runs, as status messages. One object, where a closure and its cells were four (see
    :class:`_Route` for why that counts)."""

    __slots__ = ("_call", "_ctx")

    def __init__(self, ctx: EffectContext, call: _PortCall) -> None:
        self._ctx = ctx
        self._call = call

    def __call__(self) -> Observable[Message]:
        ctx = self._ctx
        distribution = ctx.snapshot().context.distribution
        if distribution is None:
            return fail(UsageError("the journey has no distribution"))
        states = self._call(ctx.port)(distribution)
        return states.pipe(to_status(ctx, distribution.id))


def _waitlist_call(ctx: EffectContext, *, enter: bool) -> Observable[Message]:
    def build() -> Observable[Message]:
        distribution = ctx.snapshot().context.distribution
        waitlist_id = distribution.waitlist_id if distribution else None
        if waitlist_id is None:
            return fail(UsageError("the sequence has no waitlist"))
        call = ctx.port.enter_waitlist if enter else ctx.port.leave_waitlist

        def to_message(status: wire.WaitlistStatus) -> Message:
            checked(status, (wire.WaitlistStatus,), "WaitlistStatus")
            entered_at = status.entered_at
            return WaitlistChanged(
                at=ctx.now_ms(), waitlist_id=waitlist_id, entered=status.is_entered,
                entered_at=None if entered_at is None else int(entered_at.timestamp() * 1000),
            )

        return call(waitlist_id).pipe(mapped(to_message))

    return defer(build)


def _bot_check(ctx: EffectContext, token: str | None) -> Observable[Message]:
    def build() -> Observable[Message]:
        reroute = _route(ctx, fresh_experience=False)
        if token is None:
            return reroute  # verified out of band (e.g. a browser): just route again
        requirement = next(
            (r for r in ctx.snapshot().requirements if r.type is RequirementType.BOT_CHECK), None
        )
        challenge_id = (requirement.metadata or {}).get("challenge_id") if requirement else None
        if not isinstance(challenge_id, str):
            return fail(UsageError("no bot-check challenge to complete"))
        verified: Observable[Message] = ctx.port.verify_bot_check(challenge_id, token).pipe(
            ops.ignore_elements()  # type: ignore[arg-type]
        )
        return concat(verified, reroute)

    return defer(build)


def _listed(experience: wire.Experience | None, distribution_id: str) -> bool:
    return experience is not None and any(
        summary.id == distribution_id
        for sequence in experience.sequences or ()
        for summary in locate.summaries(sequence)
    )


def _complete_timed_release(ctx: EffectContext) -> Observable[Message]:
    """Gen C has no completion endpoint (spec §4.7, §9): a timed release found through
    ``/consumers/me`` completes with the purchase, and the status says so. A server that lists
    timed releases in the experience (gen A/B) takes ``POST /timed-releases/{id}/complete``."""
    distribution = ctx.snapshot().context.distribution
    if distribution is not None and not _listed(ctx.experience, distribution.id):
        return status_follow_up(ctx)
    return _distribution_call(ctx, _complete)


class _RerouteHint:
    """An entry refused with ``action: reroute`` (e.g. 409 ``DISTRIBUTION_ORDER_LIMIT``): the
    refusal is folded (the sequence ends ``denied``), the journey routes again as the server
    asks, and then the call raises the refusal (a failed action raises). The ``catch`` handler
    of an entry: one object, where a closure and its cells were four (see :class:`_Route`)."""

    __slots__ = ("_action", "_ctx")

    def __init__(self, ctx: EffectContext, action: JourneyAction | SequenceAction | str) -> None:
        self._ctx = ctx
        self._action = action

    def __call__(self, error: Exception, _: Observable[Message]) -> Observable[Message]:
        ctx, action = self._ctx, self._action
        failure = failure_message(action, error, ctx.now_ms())
        if failure.hint != "reroute":
            return fail(error)
        return concat(
            defer(lambda: items(failure_message(action, error, ctx.now_ms()))),
            _route(ctx, fresh_experience=False),
            fail(FoldedFailure(error)),
        )


#: An action's argument: the access code or bot-check token of a journey action (text), or
#: the typed value of a shopper's action (``Bid(amount)``, ``Book(slot_id)`` ...).
ActionArg = ShopperAction | str | None
_Effect = Callable[[EffectContext, ActionArg], Observable[Message]]


def _text(arg: ActionArg) -> str | None:
    return arg if isinstance(arg, str) else None


def _entering(action: SequenceAction) -> _Effect:
    """An entry (with a first bid for an auction); refused with the server's ``action:
    reroute`` hint, the refusal is folded, the journey routes again, and the call raises."""

    def effect(ctx: EffectContext, arg: ActionArg) -> Observable[Message]:
        entered = _distribution_call(ctx, _enter).pipe(catch(_RerouteHint(ctx, action)))
        return concat(entered, bid(ctx, arg)) if isinstance(arg, Bid) else entered

    return effect


def _route_fresh(ctx: EffectContext, _: ActionArg) -> Observable[Message]:
    return _route(ctx, fresh_experience=True)


def _route_cached(ctx: EffectContext, _: ActionArg) -> Observable[Message]:
    return _route(ctx, fresh_experience=False)


def _bid(ctx: EffectContext, arg: ActionArg) -> Observable[Message]:
    if not isinstance(arg, Bid):
        return fail(UsageError("place_bid needs Bid(amount)"))
    return bid(ctx, arg)


def _appointment(ctx: EffectContext, arg: ActionArg) -> Observable[Message]:
    if not isinstance(arg, Book | Cancel | Reschedule):
        return fail(UsageError("an appointment action needs Book, Cancel or Reschedule"))
    return appointment(ctx, arg)


#: Each action's effect, given the context and the action's argument.
_EFFECTS: Mapping[JourneyAction | SequenceAction | str, _Effect] = {
    JourneyAction.START: _route_fresh,
    # Reload the experience and the participation's status; the route only tells how the
    # current distribution stands (it never moves the journey: see request_reroute).
    JourneyAction.REFRESH_DISTRIBUTION: lambda ctx, _: _route(ctx, fresh_experience=True,
                                                              follow=False),
    # a retry reloads the experience only when none was loaded yet
    JourneyAction.RETRY: lambda ctx, _: _route(ctx, fresh_experience=ctx.experience is None),
    JourneyAction.AUTHENTICATE: _route_cached,
    JourneyAction.PROVIDE_ACCESS_CODE: _route_cached,
    JourneyAction.SKIP_ACCESS_CODE: _route_cached,
    JourneyAction.REQUEST_REROUTE: _route_cached,
    JourneyAction.COMPLETE_BOT_CHECK: lambda ctx, arg: _bot_check(ctx, _text(arg)),
    SequenceAction.ENTER_QUEUE: _entering(SequenceAction.ENTER_QUEUE),
    SequenceAction.ENTER_DRAW: _entering(SequenceAction.ENTER_DRAW),
    SequenceAction.ENTER_TIMED_RELEASE: _entering(SequenceAction.ENTER_TIMED_RELEASE),
    SequenceAction.ENTER_AUCTION: _entering(SequenceAction.ENTER_AUCTION),
    SequenceAction.LEAVE_PARTICIPATION: lambda ctx, _: _distribution_call(ctx, _leave),
    SequenceAction.COMPLETE_TIMED_RELEASE: lambda ctx, _: defer(
        lambda: _complete_timed_release(ctx)),
    SequenceAction.ENTER_WAITLIST: lambda ctx, _: _waitlist_call(ctx, enter=True),
    SequenceAction.LEAVE_WAITLIST: lambda ctx, _: _waitlist_call(ctx, enter=False),
    PLACE_BID: _bid,
    **dict.fromkeys(APPOINTMENT_ACTIONS, _appointment),
}


#: The effect of a typed value whose G1 name no built-in knows (a registered mechanism
#: plug-in's ``enter_raffle`` ...): the port's generic calls.
_VALUE_EFFECTS: Mapping[type, _Effect] = {
    Enter: lambda ctx, _: _distribution_call(ctx, _enter),
    Leave: lambda ctx, _: _distribution_call(ctx, _leave),
    Complete: lambda ctx, _: _distribution_call(ctx, _complete),
    Bid: _bid,
    Book: _appointment,
    Cancel: _appointment,
    Reschedule: _appointment,
}


def effect_for(
    ctx: EffectContext, action: JourneyAction | SequenceAction | str, arg: ActionArg
) -> Observable[Message]:
    """The result messages of one action (cold; subscribe to run it), given its text argument
    or typed value; an action without an effect gives an empty observable.

    Usage: ``effect_for(ctx, SequenceAction.ENTER_AUCTION, Bid("100")).subscribe(inbox.on_next)``
    """
    effect = _EFFECTS.get(action)
    if effect is None and arg is not None and not isinstance(arg, str):
        effect = _VALUE_EFFECTS.get(type(arg))  # a plug-in mechanism's row: by its value
    return items() if effect is None else effect(ctx, arg)


def poll_effect(ctx: EffectContext) -> Observable[Message]:
    """One poll of what the current stage depends on, built when the poll is due (subscribe
    at once: the snapshot is read now, not on subscription)::

        no_access (routing, no sequence)  : the route, followed (enterable once a sequence opens)
        routed, distribution not known   : the route and /consumers/me (until it is listed)
        upcoming / waitlist_entered      : the route (says when it opened; never moves the journey)
        active_enterable, a draw entry   : the route (opened? closed? settling?) and the status
        participating / admitted         : the participation's status
        anything else                    : nothing (empty)

    Usage: ``poll_effect(ctx).subscribe(on_next=send, scheduler=scheduler)``
    """
    snap = ctx.snapshot()
    if awaits_sequence(snap):
        # no_access: route again (a fresh experience: a sequence may have opened since).
        return _route(ctx, fresh_experience=True)
    if snap.journey_stage.value != "routed":
        return items()
    if snap.context.distribution is None and snap.sequence_stage is _Stage.NONE:
        # Routed to a sequence whose distribution is not known yet (gen C lists timed
        # releases only in /consumers/me): route again, which asks /consumers/me.
        return _route(ctx, fresh_experience=True, follow=False)
    if snap.sequence_stage in (_Stage.UPCOMING, _Stage.WAITLIST_ENTERED):
        return _route(ctx, fresh_experience=False, follow=False)  # status once it opened
    distribution = snap.context.distribution
    # An entry may be settling (closed, results pending) where only the route tells it.
    spec = registry.spec_for(distribution.type) if distribution is not None else None
    settling_kind = spec is not None and spec.route_tells_settling
    if snap.sequence_stage is _Stage.ACTIVE_ENTERABLE or (
        snap.sequence_stage is _Stage.PARTICIPATING and settling_kind
    ):
        # Both at once: the poll takes no longer than the slower of the two.
        return merge(_probe_route(ctx), status_follow_up(ctx))
    if distribution is None or snap.sequence_stage not in _STATUS_POLL_STAGES:
        return items()
    return status_messages(ctx, distribution.id, ctx.port.fetch_status(distribution))


_STATUS_POLL_STAGES = frozenset({_Stage.PARTICIPATING, _Stage.ADMITTED})


def poll_interval_ms(snapshot: JourneySnapshot) -> int:
    """The per-type polling interval for what the journey is waiting on now (see
    :func:`fanfare_rx.journey.cadence.type_interval_ms`)."""
    return type_interval_ms(snapshot)
