"""Routing: journey actions, gates and requirements, the route result, offers and reroutes,
and the distribution the routed sequence stands in.

Pure: imports only models, tables, locate and the journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from fanfare_rx.journey.core import locate, tables
from fanfare_rx.journey.core.journal import Draft, NewEvent, analytics, user
from fanfare_rx.journey.core.messages import ActionRequested, ExperienceLoaded, RouteResolved
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Offer,
    Requirement,
    RequirementType,
    SequenceStage,
)

__all__ = [
    "left_sequence",
    "offers_from_wire",
    "on_action",
    "on_experience",
    "on_route",
    "requirement_events",
    "requirements_from_gates",
    "stage_for_requirements",
    "stage_from_distribution",
]

JS = JourneyStage
SS = SequenceStage
DS = DistributionStatus


def requirements_from_gates(gates: Sequence[wire.Gate]) -> tuple[Requirement, ...]:
    """One requirement per gate type, in the order they are resolved."""
    found: dict[RequirementType, Requirement] = {}
    for gate in gates:
        kind = RequirementType(gate.TYPE.value)
        metadata: dict[str, Any] = {"status": gate.status}
        if isinstance(gate, wire.BotCheckGate) and gate.challenge is not None:
            metadata["challenge_id"] = gate.challenge.id
            metadata["challenge_url"] = gate.challenge.iframe_url
        found.setdefault(
            kind, Requirement(type=kind, required=True, reason=gate.reason.code.value, metadata=metadata)
        )
    return tuple(sorted(found.values(), key=lambda r: tables.REQUIREMENT_ORDER[r.type]))


_STAGE_FOR_REQUIREMENT = {
    RequirementType.AUTHENTICATION: JS.NEEDS_AUTH,
    RequirementType.ACCESS_CODE: JS.NEEDS_ACCESS_CODE,
    RequirementType.BOT_CHECK: JS.ROUTING,  # a bot check is completed while routing
}


def stage_for_requirements(requirements: tuple[Requirement, ...]) -> JourneyStage:
    """The journey stage the first unresolved requirement puts the journey in."""
    return _STAGE_FOR_REQUIREMENT[requirements[0].type] if requirements else JS.ROUTING


def requirement_events(old: tuple[Requirement, ...], new: tuple[Requirement, ...]) -> list[NewEvent]:
    """An event per requirement that is new (or whose reason changed)."""
    events: list[NewEvent] = []
    old_by_type = {r.type: r for r in old}
    for requirement in new:
        before = old_by_type.get(requirement.type)
        if before is not None and before.reason == requirement.reason:
            continue
        invalid = requirement.reason == wire.ReasonCode.ACCESS_CODE_INVALID
        events.append(
            user(
                EventKind.REQUIREMENT,
                EventSeverity.WARNING if invalid else EventSeverity.INFO,
                "Invalid access code" if invalid else tables.REQUIREMENT_MESSAGES[requirement.type],
                requirement=requirement.type.value,
                required=requirement.required,
                reason=requirement.reason,
            )
        )
    return events


def _without(requirements: tuple[Requirement, ...], kind: RequirementType) -> tuple[Requirement, ...]:
    return tuple(r for r in requirements if r.type is not kind)


def on_action(snap: JourneySnapshot, msg: ActionRequested) -> Draft:
    """A journey or sequence action was requested (before its effect runs)."""
    action, ctx = msg.action, snap.context
    if action is JourneyAction.START:
        access_code = msg.arg if msg.arg is not None else (None if msg.reset else ctx.access_code)
        fresh = JourneyContext(experience_id=ctx.experience_id, access_code=access_code)
        draft = attrs.evolve(
            snap, journey_stage=JS.ENTERING, sequence_stage=SS.NONE, requirements=(), context=fresh
        )
        return draft, [analytics("journey_started", reset=msg.reset)]
    ctx = attrs.evolve(ctx, last_error=None)
    events: list[NewEvent] = []
    stage = snap.journey_stage
    requirements = snap.requirements
    if action is JourneyAction.AUTHENTICATE:
        stage = JS.ROUTING
        requirements = _without(requirements, RequirementType.AUTHENTICATION)
        events.append(
            user(EventKind.REQUIREMENT, EventSeverity.SUCCESS, "Signed in", requirement="authentication")
        )
    elif action is JourneyAction.PROVIDE_ACCESS_CODE:
        stage = JS.ROUTING
        ctx = attrs.evolve(ctx, access_code=msg.arg, access_code_skipped=False)
        requirements = _without(requirements, RequirementType.ACCESS_CODE)
    elif action is JourneyAction.SKIP_ACCESS_CODE:
        stage = JS.ROUTING
        ctx = attrs.evolve(ctx, access_code=None, access_code_skipped=True)
        requirements = _without(requirements, RequirementType.ACCESS_CODE)
    elif action is JourneyAction.REQUEST_REROUTE:
        stage = JS.ROUTING
    return attrs.evolve(snap, journey_stage=stage, requirements=requirements, context=ctx), events


def offers_from_wire(offers: Sequence[wire.OfferGated]) -> tuple[Offer, ...]:
    """The route's gated offers in the journey's vocabulary."""
    return tuple(
        Offer(
            sequence_id=offer.sequence.id,
            name=offer.sequence.name,
            priority=offer.sequence.priority,
            gates=tuple(RequirementType(g.TYPE.value) for g in offer.gates),
        )
        for offer in offers
    )


def _code_only(offer: Offer) -> bool:
    return bool(offer.gates) and all(g is RequirementType.ACCESS_CODE for g in offer.gates)


def _reroute_event(old: JourneyContext, sequence: wire.SequenceRef) -> list[NewEvent]:
    if old.sequence_id is None or old.sequence_id == sequence.id:
        return []
    if old.sequence_priority is None:
        direction = "unknown"
    elif sequence.priority > old.sequence_priority:
        direction = "upgrade"
    elif sequence.priority < old.sequence_priority:
        direction = "downgrade"
    else:
        direction = "lateral"
    downgrade = direction == "downgrade"
    return [
        user(
            EventKind.REROUTE,
            EventSeverity.WARNING if downgrade else EventSeverity.INFO,
            "Sequence downgraded" if downgrade else "Sequence changed",
            direction=direction,
            from_sequence_id=old.sequence_id,
            to_sequence_id=sequence.id,
        )
    ]


def left_sequence(ctx: JourneyContext) -> JourneyContext:
    """The context once the journey no longer stands in a sequence's distribution (gated or
    no access): the participation, its grant and its live numbers go; the sequence id stays so
    that a later route can say whether it moved the consumer."""
    return attrs.evolve(
        ctx, distribution=None, participation=None, position=None, estimated_wait_seconds=None,
        current_bid=None, highest_bid=None, admittance_token=None, admittance_expires_at=None,
        outcome=None, waitlist_entered_at=None,
    )


def on_route(snap: JourneySnapshot, msg: RouteResolved) -> Draft:
    """``POST /experiences/{id}/route`` answered."""
    result, ctx = msg.result, attrs.evolve(snap.context, experience_name=msg.experience.name, last_error=None)
    if isinstance(result, wire.RouteNoAccess):
        draft = attrs.evolve(
            snap, journey_stage=JS.ROUTING, sequence_stage=SS.NONE, requirements=(),
            context=attrs.evolve(left_sequence(ctx), last_error="NO_SEQUENCE_AVAILABLE", offers=()),
        )
        reasons = [r.code.value for r in result.outcome_reasons]
        event = user(EventKind.ERROR, EventSeverity.ERROR, "No sequence is available",
                     code="NO_SEQUENCE_AVAILABLE", reasons=reasons)
        return draft, [event]
    if isinstance(result, wire.RouteGated):
        requirements = requirements_from_gates(result.selected.gates)
        invalid_code = any(
            r.type is RequirementType.ACCESS_CODE and r.reason == wire.ReasonCode.ACCESS_CODE_INVALID
            for r in requirements
        )
        if invalid_code:  # a rejected code is never kept
            ctx = attrs.evolve(ctx, access_code=None)
        draft = attrs.evolve(
            snap, journey_stage=stage_for_requirements(requirements), sequence_stage=SS.NONE,
            requirements=requirements,
            context=attrs.evolve(left_sequence(ctx), offers=()),
        )
        events = requirement_events(snap.requirements, requirements)
        return draft, [*events, analytics("journey_gated", gates=[r.type.value for r in requirements])]
    offers = offers_from_wire(result.offers)
    code_offers = [o for o in offers if _code_only(o)]
    code_rejected = any(
        isinstance(gate, wire.AccessCodeGate)
        and gate.reason.code is wire.ReasonCode.ACCESS_CODE_INVALID
        for offer in result.offers
        for gate in offer.gates
    )
    if code_rejected:  # the code matched no sequence: never kept, asked again
        ctx = attrs.evolve(ctx, access_code=None)
    if code_offers and (code_rejected or (ctx.access_code is None and not ctx.access_code_skipped)):
        # An optional access code: the consumer chooses to provide one or skip.
        reason = (wire.ReasonCode.ACCESS_CODE_INVALID if code_rejected
                  else wire.ReasonCode.ACCESS_CODE_REQUIRED)
        requirement = Requirement(
            type=RequirementType.ACCESS_CODE, required=False,
            reason=reason.value,
            metadata={"offers": [o.sequence_id for o in code_offers]},
        )
        draft = attrs.evolve(
            snap, journey_stage=JS.NEEDS_ACCESS_CODE, requirements=(requirement,),
            context=attrs.evolve(ctx, offers=offers),
        )
        return draft, requirement_events(snap.requirements, (requirement,))
    sequence = result.selected.sequence
    status = locate.availability_status(sequence.availability)
    distribution = locate.distribution_for(msg.experience, sequence.id, status, msg.at)
    events = _reroute_event(snap.context, sequence)
    same = (
        snap.context.distribution is not None
        and distribution is not None
        and snap.context.distribution.id == distribution.id
    )
    ctx = attrs.evolve(
        ctx, sequence_id=sequence.id, sequence_name=sequence.name,
        sequence_priority=sequence.priority, offers=offers, distribution=distribution,
    )
    stage = snap.sequence_stage if same else SS.NONE
    if not same:
        ctx = attrs.evolve(
            ctx, participation=None, position=None, estimated_wait_seconds=None,
            current_bid=None, highest_bid=None, admittance_token=None,
            admittance_expires_at=None, outcome=None, waitlist_entered_at=None,
        )
    stage = stage_from_distribution(stage, ctx)
    if stage in (SS.ACTIVE_ENTERABLE, SS.ENDED):
        ctx = attrs.evolve(ctx, waitlist_entered_at=None)
    draft = attrs.evolve(
        snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=ctx
    )
    return draft, events


def stage_from_distribution(stage: SequenceStage, ctx: JourneyContext) -> SequenceStage:
    """Re-derive the stage from the distribution's timing where no participation decides."""
    status = ctx.distribution.status if ctx.distribution else None
    if ctx.distribution is None:
        return SS.NONE
    if stage in (SS.PARTICIPATING, SS.ADMITTED):
        return stage
    if stage is SS.ADMISSION_EXPIRED and status is not DS.CLOSED:
        return stage
    if stage is SS.ENDED and ctx.outcome is not None:
        return stage
    return tables.sequence_stage_for_distribution(
        status, on_waitlist=ctx.waitlist_entered_at is not None
    )


def on_experience(snap: JourneySnapshot, msg: ExperienceLoaded) -> Draft:
    """``GET /experiences/{id}`` answered: the name and the current distribution's times."""
    ctx = attrs.evolve(snap.context, experience_name=msg.experience.name)
    current = ctx.distribution
    if current is not None and ctx.sequence_id is not None:
        fresh = locate.distribution_for(msg.experience, ctx.sequence_id, current.status, msg.at)
        if fresh is not None and fresh.id == current.id:
            ctx = attrs.evolve(ctx, distribution=fresh)
    return attrs.evolve(snap, context=ctx), []
