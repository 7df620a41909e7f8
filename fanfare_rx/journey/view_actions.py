"""The current SDK's journey-level action flows (start, reroute, retry, submit_access_code and
the sequence actions): each calls the journey's own methods, so there is one fold.

The submit flow runs its own effect through the journey's :class:`EffectRunner`, given by the
view. The returned observables are hot (the flow starts at once), awaitable, and yield once
everything is folded. Used by :mod:`fanfare_rx.journey.view`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

import reactivex
from reactivex import Observable
from reactivex import operators as ops
from reactivex.subject import AsyncSubject

from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.core.messages import AccessCodeAdvanced, Message, RouteResolved
from fanfare_rx.journey.core.view import journey_stage_of
from fanfare_rx.journey.runner import EffectRunner
from fanfare_rx.models import wire
from fanfare_rx.models.actions import ShopperAction
from fanfare_rx.models.journey import (
    JourneyAction,
    JourneySnapshot,
    JourneyStage,
    RequirementType,
)
from fanfare_rx.models.view import AccessCodeOutcome, AccessCodeSubmitResult, JourneyViewStage

if TYPE_CHECKING:
    from fanfare_rx.journey.journey import ExperienceJourney
    from fanfare_rx.journey.view import LiveJourneyView

__all__ = ["UNSET", "Unset", "act", "reroute_step", "submit_access_code", "then_view"]


class Unset:
    """The type of :data:`UNSET` (an argument left out)."""

    def __repr__(self) -> str:
        return "UNSET"


#: ``reroute()`` without ``access_code``: re-send the stored code (``access_code=None`` clears it).
UNSET: Final = Unset()

T = TypeVar("T")


def _hot(source: Observable[T]) -> Observable[T]:
    subject: AsyncSubject[T] = AsyncSubject()
    source.subscribe(subject)
    return subject


def act(journey: ExperienceJourney, action: ShopperAction) -> Observable[LiveJourneyView]:
    """Run a shopper's typed action; yields the view once its results are folded."""
    return then_view(journey, journey.request(action))


def _optional_code_pause(snapshot: JourneySnapshot) -> bool:
    return snapshot.journey_stage is JourneyStage.NEEDS_ACCESS_CODE and any(
        r.type is RequirementType.ACCESS_CODE and not r.required for r in snapshot.requirements
    )


def _settle(journey: ExperienceJourney) -> Observable[Any]:
    """The old model stops for an optional access code; the current one routes on and lists
    the code-gated sequences as offers. So the view's flows continue past that stop."""

    def build(_: Any) -> Observable[Any]:
        if _optional_code_pause(journey.state.get()):
            return journey.request(JourneyAction.SKIP_ACCESS_CODE)
        return reactivex.just(None)

    return reactivex.defer(build)


def then_view(journey: ExperienceJourney, first: Observable[Any]) -> Observable[LiveJourneyView]:
    chained: Observable[LiveJourneyView] = first.pipe(
        ops.flat_map(lambda _: _settle(journey)),
        ops.map(lambda _: journey.view.get()),
    )
    return _hot(chained)


def reroute_step(journey: ExperienceJourney, access_code: str | None | Unset) -> Observable[Any]:
    """The old model's action for a reroute from where the journey is (first step only)."""
    snap = journey.state.get()
    if journey_stage_of(snap) is JourneyViewStage.ROUTED:
        if snap.journey_stage is JourneyStage.ROUTED:
            return journey.request(JourneyAction.REQUEST_REROUTE)
        return journey.request(JourneyAction.RETRY)  # no_access
    stored = snap.context.access_code
    code = stored if isinstance(access_code, Unset) else access_code
    same_code = code == stored
    if snap.journey_stage is JourneyStage.NEEDS_AUTH and same_code:
        return journey.request(JourneyAction.AUTHENTICATE)
    if snap.journey_stage is JourneyStage.ROUTING and same_code:
        return journey.request(JourneyAction.COMPLETE_BOT_CHECK)  # verified elsewhere
    if snap.journey_stage is JourneyStage.NEEDS_ACCESS_CODE and code:
        return journey.request(JourneyAction.PROVIDE_ACCESS_CODE, code)
    # Clear or replace the stored code, then route from the start.
    return journey.request(JourneyAction.START, code, reset=True)


def _rejected(result: wire.RouteRouted) -> bool:
    return any(
        isinstance(gate, wire.AccessCodeGate)
        and gate.reason.code is wire.ReasonCode.ACCESS_CODE_INVALID
        for offer in result.offers
        for gate in offer.gates
    )


def submit_access_code(journey: ExperienceJourney, runner: EffectRunner,
                       code: str) -> Observable[AccessCodeSubmitResult]:
    """Route once with the candidate code without folding it; fold only what the answer
    commits: an unlocked sequence (advanced), or, when the candidate admits nothing, a route
    with the stored code (gated, or unchanged). ``runner`` is the journey's effect runner."""
    ctx = runner.context
    decided: list[AccessCodeSubmitResult] = []

    def with_experience(experience: wire.Experience) -> Observable[Message]:
        experience_id = journey.experience_id

        def decide(result: wire.RouteResult) -> Observable[Message]:
            snap = journey.state.get()  # no_access keeps the old id: it is no current sequence
            current = snap.context.sequence_id if snap.journey_stage is JourneyStage.ROUTED else None
            if isinstance(result, wire.RouteRouted) and not _rejected(result):
                selected = result.selected.sequence.id
                if selected == current:
                    decided.append(AccessCodeSubmitResult(AccessCodeOutcome.UNCHANGED))
                    return reactivex.empty()
                decided.append(AccessCodeSubmitResult(AccessCodeOutcome.ADVANCED, selected))
                advanced = AccessCodeAdvanced(at=ctx.now_ms(), code=code, result=result,
                                              experience=experience)
                return reactivex.concat(reactivex.just(advanced), fx.status_follow_up(ctx))
            if isinstance(result, wire.RouteRouted) and result.selected.sequence.id == current:
                decided.append(AccessCodeSubmitResult(AccessCodeOutcome.UNCHANGED))
                return reactivex.empty()  # a rejected code: nothing is folded
            # The candidate admits nothing new: route with the stored code and fold that.
            stored = journey.state.get().context.access_code

            def to_message(again: wire.RouteResult) -> Message:
                return RouteResolved(at=ctx.now_ms(), result=again, experience=experience)

            return reactivex.concat(
                ctx.port.route(experience_id, stored).pipe(ops.map(to_message)),
                fx.status_follow_up(ctx),
            )

        return ctx.port.route(experience_id, code).pipe(ops.flat_map(decide))

    def outcome(_: Any) -> AccessCodeSubmitResult:
        if decided:
            return decided[0]
        if journey_stage_of(journey.state.get()) is JourneyViewStage.GATED:
            return AccessCodeSubmitResult(AccessCodeOutcome.GATED)
        return AccessCodeSubmitResult(AccessCodeOutcome.UNCHANGED)

    effect = reactivex.defer(
        lambda _: fx.experience_for(ctx, fresh=False).pipe(ops.flat_map(with_experience))
    )
    ran = runner.run("submit_access_code", effect, "submit_access_code")
    return _hot(ran.pipe(
        ops.flat_map(lambda _: _settle(journey)),
        ops.map(outcome),
    ))

