"""Effects: from a requested action to the stream of result messages it produces (the "epic"
pattern). Effects call the port and read the current snapshot; they never write it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import reactivex
from reactivex import Observable
from reactivex import operators as ops

from fanfare_rx.errors import DecodeError, FanfareError, ValidationError
from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ConsumerState,
    Message,
    RouteResolved,
    RoutingStarted,
    StatusReceived,
    WaitlistChanged,
)
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    JourneyAction,
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "DEFAULT_POLL_INTERVAL_MS",
    "EffectContext",
    "effect_for",
    "experience_for",
    "failure_message",
    "parse_amount",
    "poll_effect",
    "poll_interval_ms",
    "status_follow_up",
]

#: Polling intervals when ``start_polling()`` is given none (the docs' per-type examples).
DEFAULT_POLL_INTERVAL_MS: Mapping[str, int] = {
    "queue": 5000,
    "draw": 10000,
    "auction": 2000,
    "timed_release": 5000,
    "upcoming": 10000,
}
DEFAULT_INTERVAL_MS = 5000

_Stage = SequenceStage

_CONSUMER_STATES: tuple[type, ...] = (
    wire.QueueQueued, wire.QueueNotQueued, wire.QueueLeft, wire.QueueGranted,
    wire.QueueCompleted, wire.QueueDenied, wire.DrawNotEntered, wire.DrawEntered, wire.DrawWon,
    wire.DrawCompleted, wire.DrawDenied, wire.AuctionConsumerState, wire.TimedReleaseConsumerState,
)
_ROUTE_RESULTS: tuple[type, ...] = (wire.RouteRouted, wire.RouteGated, wire.RouteNoAccess)
#: Journey stages a route answer leaves when nothing stops it (routed, or no_access).
_ROUTES = frozenset({JourneyStage.ROUTED, JourneyStage.ROUTING})


def _checked(value: Any, expected: tuple[type, ...], model: str) -> Any:
    """A port answer of the wrong type fails the action as a :class:`DecodeError` (folded as
    an error event) instead of reaching the reducer."""
    if not isinstance(value, expected):
        raise DecodeError(f"the port answered {type(value).__name__}, not a {model}", model=model)
    return value


class EffectContext:
    """What an effect may read: the port, the current snapshot, the clock, the cached
    experience. Built once per journey."""

    def __init__(
        self,
        port: JourneyEffects,
        snapshot: Callable[[], JourneySnapshot],
        now_ms: Callable[[], int],
    ) -> None:
        self.port = port
        self.snapshot = snapshot
        self.now_ms = now_ms
        self.experience: wire.Experience | None = None


def failure_message(action: JourneyAction | SequenceAction | str, error: Exception, at: int) -> ActionFailed:
    """An :class:`ActionFailed` for any exception (secrets never appear: errors carry none)."""
    if isinstance(error, FanfareError):
        return ActionFailed(
            at=at, action=action, code=error.code, message=error.message,
            status=error.status, retryable=error.retryable,
        )
    return ActionFailed(at=at, action=action, code="UNKNOWN_ERROR", message=f"{type(error).__name__}: {error}")


def experience_for(ctx: EffectContext, *, fresh: bool) -> Observable[wire.Experience]:
    """The journey's experience: the cached one, or ``GET /experiences/{id}`` when ``fresh``."""
    if ctx.experience is not None and not fresh:
        return reactivex.just(ctx.experience)
    experience_id = ctx.snapshot().context.experience_id

    def remember(experience: wire.Experience) -> wire.Experience:
        _checked(experience, (wire.Experience,), "Experience")
        ctx.experience = experience
        return experience

    return ctx.port.load_experience(experience_id).pipe(ops.map(remember))


def status_follow_up(ctx: EffectContext) -> Observable[Message]:
    """After routing: fetch the consumer's status where the sequence stage depends on it."""

    def build() -> Observable[Message]:
        snap = ctx.snapshot()
        distribution = snap.context.distribution
        if distribution is None or snap.sequence_stage in _NO_STATUS_STAGES:
            return reactivex.empty()
        return ctx.port.fetch_status(distribution).pipe(_to_status(ctx, distribution.id))

    return reactivex.defer(lambda _: build())


def _to_status(
    ctx: EffectContext, distribution_id: str
) -> Callable[[Observable[ConsumerState]], Observable[Message]]:
    def to_message(state: ConsumerState) -> Message:
        _checked(state, _CONSUMER_STATES, "ConsumerState")
        return StatusReceived(at=ctx.now_ms(), distribution_id=distribution_id, state=state)

    return ops.map(to_message)


#: Stages where the consumer has no participation status worth fetching.
_NO_STATUS_STAGES = frozenset({_Stage.NONE, _Stage.UPCOMING, _Stage.WAITLIST_ENTERED, _Stage.ENDED})


def _route(ctx: EffectContext, *, fresh_experience: bool) -> Observable[Message]:
    def build() -> Observable[Message]:
        snap = ctx.snapshot()
        experience_id = snap.context.experience_id
        code = snap.context.access_code

        def route_with(experience: wire.Experience) -> Observable[Message]:
            def to_messages(result: wire.RouteResult) -> Observable[Message]:
                _checked(result, _ROUTE_RESULTS, "RouteResult")
                resolved = RouteResolved(at=ctx.now_ms(), result=result, experience=experience)
                # An answer that routes an entering journey passes through routing (the
                # docs' stage list); one that stops it for a requirement does not.
                snapshot = ctx.snapshot()
                after = reduce(snapshot, resolved).journey_stage
                if snapshot.journey_stage is JourneyStage.ENTERING and after in _ROUTES:
                    return reactivex.of(RoutingStarted(at=resolved.at), resolved)
                return reactivex.just(resolved)

            return ctx.port.route(experience_id, code).pipe(ops.flat_map(to_messages))

        routed: Observable[Message] = experience_for(ctx, fresh=fresh_experience).pipe(
            ops.flat_map(route_with)
        )
        return reactivex.concat(routed, status_follow_up(ctx))

    return reactivex.defer(lambda _: build())


def _distribution_call(
    ctx: EffectContext, call: Callable[[JourneyEffects], Callable[..., Observable[Any]]]
) -> Observable[Message]:
    def build() -> Observable[Message]:
        distribution = ctx.snapshot().context.distribution
        if distribution is None:
            return reactivex.throw(ValidationError("the journey has no distribution"))
        method = call(ctx.port)
        states: Observable[ConsumerState] = method(distribution)
        return states.pipe(_to_status(ctx, distribution.id))

    return reactivex.defer(lambda _: build())


def _waitlist_call(ctx: EffectContext, *, enter: bool) -> Observable[Message]:
    def build() -> Observable[Message]:
        distribution = ctx.snapshot().context.distribution
        waitlist_id = distribution.waitlist_id if distribution else None
        if waitlist_id is None:
            return reactivex.throw(ValidationError("the sequence has no waitlist"))
        call = ctx.port.enter_waitlist if enter else ctx.port.leave_waitlist

        def to_message(status: wire.WaitlistStatus) -> Message:
            _checked(status, (wire.WaitlistStatus,), "WaitlistStatus")
            entered_at = status.entered_at
            return WaitlistChanged(
                at=ctx.now_ms(), waitlist_id=waitlist_id, entered=status.is_entered,
                entered_at=None if entered_at is None else int(entered_at.timestamp() * 1000),
            )

        return call(waitlist_id).pipe(ops.map(to_message))

    return reactivex.defer(lambda _: build())


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
            return reactivex.throw(ValidationError("no bot-check challenge to complete"))
        verified: Observable[Message] = ctx.port.verify_bot_check(challenge_id, token).pipe(
            ops.ignore_elements()  # type: ignore[arg-type]
        )
        return reactivex.concat(verified, reroute)

    return reactivex.defer(lambda _: build())


def parse_amount(value: str | Decimal) -> Decimal:
    """A bid amount as a Decimal; raises :class:`ValidationError` when it is not one."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(f"invalid bid amount {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(f"invalid bid amount {value!r}")
    return amount


def _bid(ctx: EffectContext, amount: str) -> Observable[Message]:
    def build() -> Observable[Message]:
        distribution = ctx.snapshot().context.distribution
        if distribution is None or distribution.type is not wire.DistributionType.AUCTION:
            return reactivex.throw(ValidationError("the journey is not in an auction"))
        return ctx.port.place_bid(distribution.id, parse_amount(amount)).pipe(
            _to_status(ctx, distribution.id)
        )

    return reactivex.defer(lambda _: build())


PLACE_BID = "place_bid"


def effect_for(
    ctx: EffectContext, action: JourneyAction | SequenceAction | str, arg: str | None
) -> Observable[Message]:
    """The result messages of one action (cold; subscribe to run it).

    Usage: ``effect_for(ctx, SequenceAction.ENTER_QUEUE, None).subscribe(inbox.on_next)``
    """
    A, S = JourneyAction, SequenceAction
    if action in (A.START, A.RETRY, A.REFRESH_DISTRIBUTION):
        fresh = action is not A.RETRY or ctx.experience is None
        return _route(ctx, fresh_experience=fresh)
    if action in (A.AUTHENTICATE, A.PROVIDE_ACCESS_CODE, A.SKIP_ACCESS_CODE, A.REQUEST_REROUTE):
        return _route(ctx, fresh_experience=False)
    if action is A.COMPLETE_BOT_CHECK:
        return _bot_check(ctx, arg)
    if action in (S.ENTER_QUEUE, S.ENTER_DRAW, S.ENTER_TIMED_RELEASE, S.ENTER_AUCTION):
        entered = _distribution_call(ctx, lambda port: port.enter)
        if action is S.ENTER_AUCTION and arg is not None:
            return reactivex.concat(entered, _bid(ctx, arg))
        return entered
    if action is S.LEAVE_PARTICIPATION:
        return _distribution_call(ctx, lambda port: port.leave)
    if action is S.COMPLETE_TIMED_RELEASE:
        return _distribution_call(ctx, lambda port: port.complete)
    if action is S.ENTER_WAITLIST:
        return _waitlist_call(ctx, enter=True)
    if action is S.LEAVE_WAITLIST:
        return _waitlist_call(ctx, enter=False)
    if action == PLACE_BID and arg is not None:
        return _bid(ctx, arg)
    return reactivex.empty()


def poll_effect(ctx: EffectContext) -> Observable[Message]:
    """One poll: what the current stage depends on.

    ``upcoming``/``waitlist_entered`` → route again (the server says when it opens);
    ``active_enterable``/``participating``/``admitted`` → the participation's status;
    anything else → nothing.
    """

    def build() -> Observable[Message]:
        snap = ctx.snapshot()
        if snap.journey_stage.value != "routed":
            return reactivex.empty()
        if snap.sequence_stage in (_Stage.UPCOMING, _Stage.WAITLIST_ENTERED):
            return _route(ctx, fresh_experience=False)
        if snap.sequence_stage in (_Stage.ACTIVE_ENTERABLE, _Stage.PARTICIPATING, _Stage.ADMITTED):
            return status_follow_up(ctx)
        return reactivex.empty()

    return reactivex.defer(lambda _: build())


def poll_interval_ms(snapshot: JourneySnapshot) -> int:
    """The default polling interval for what the journey is waiting on now."""
    if snapshot.sequence_stage in (_Stage.UPCOMING, _Stage.WAITLIST_ENTERED):
        return DEFAULT_POLL_INTERVAL_MS["upcoming"]
    distribution = snapshot.context.distribution
    if distribution is None:
        return DEFAULT_INTERVAL_MS
    return DEFAULT_POLL_INTERVAL_MS.get(distribution.type.value, DEFAULT_INTERVAL_MS)

