"""The pure journey reducer: ``reduce(snapshot, message) -> snapshot``.

No I/O, no clock reads (time arrives inside messages), no asyncio, no aiohttp. It owns every
transition of the G1 journey; the rules it reads are the tables of :mod:`.tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from fanfare_rx.journey.core import locate, tables
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ActionRequested,
    AdmissionMarked,
    AllEventsAcked,
    EventAcked,
    ExperienceLoaded,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    RouteResolved,
    SessionLost,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.models import wire
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Offer,
    Participation,
    ParticipationType,
    Requirement,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = ["MAX_EVENTS", "initial_snapshot", "is_available", "reduce"]

#: How many events a snapshot keeps (the oldest are dropped first).
MAX_EVENTS = 100

JS = JourneyStage
SS = SequenceStage
DS = DistributionStatus
M = TypeVar("M")


@attrs.frozen
class _NewEvent:
    kind: EventKind
    severity: EventSeverity
    audience: EventAudience
    message: str
    detail: dict[str, Any] | None = None


def _user(kind: EventKind, severity: EventSeverity, message: str, **detail: Any) -> _NewEvent:
    return _NewEvent(kind, severity, EventAudience.USER, message, detail or None)


def _analytics(name: str, **detail: Any) -> _NewEvent:
    return _NewEvent(EventKind.INFO, EventSeverity.INFO, EventAudience.ANALYTICS, name, detail or None)


_Draft = tuple[JourneySnapshot, list[_NewEvent]]


def initial_snapshot(experience_id: str) -> JourneySnapshot:
    """The ``not_started`` snapshot of a new journey.

    Usage: ``initial_snapshot("exp-1").available_actions.journey`` -> ``(START,)``
    """
    context = JourneyContext(experience_id=experience_id)
    return JourneySnapshot(
        journey_stage=JS.NOT_STARTED,
        sequence_stage=SS.NONE,
        context=context,
        available_actions=tables.available_actions(JS.NOT_STARTED, SS.NONE, (), context),
    )


def is_available(snapshot: JourneySnapshot, action: JourneyAction | SequenceAction) -> bool:
    """Whether ``action`` is in the snapshot's ``available_actions``."""
    if isinstance(action, JourneyAction):
        return action in snapshot.available_actions.journey
    return action in snapshot.available_actions.sequence


# --------------------------------------------------------------------------------------------
# Handlers: (snapshot, message) -> (draft snapshot, new events)


def _requirements_from_gates(gates: Sequence[wire.Gate]) -> tuple[Requirement, ...]:
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


def _stage_for_requirements(requirements: tuple[Requirement, ...]) -> JourneyStage:
    if not requirements:
        return JS.ROUTING
    first = requirements[0].type
    if first is RequirementType.AUTHENTICATION:
        return JS.NEEDS_AUTH
    if first is RequirementType.ACCESS_CODE:
        return JS.NEEDS_ACCESS_CODE
    return JS.ROUTING  # a bot check is completed while routing


def _requirement_events(
    old: tuple[Requirement, ...], new: tuple[Requirement, ...]
) -> list[_NewEvent]:
    events: list[_NewEvent] = []
    old_by_type = {r.type: r for r in old}
    for requirement in new:
        before = old_by_type.get(requirement.type)
        if before is not None and before.reason == requirement.reason:
            continue
        invalid = requirement.reason == wire.ReasonCode.ACCESS_CODE_INVALID
        events.append(
            _user(
                EventKind.REQUIREMENT,
                EventSeverity.WARNING if invalid else EventSeverity.INFO,
                "Invalid access code" if invalid else tables.REQUIREMENT_MESSAGES[requirement.type],
                requirement=requirement.type.value,
                required=requirement.required,
                reason=requirement.reason,
            )
        )
    return events


def _on_action(snap: JourneySnapshot, msg: ActionRequested) -> _Draft:
    action, ctx = msg.action, snap.context
    if action is JourneyAction.START:
        access_code = msg.arg if msg.arg is not None else (None if msg.reset else ctx.access_code)
        fresh = JourneyContext(experience_id=ctx.experience_id, access_code=access_code)
        draft = attrs.evolve(
            snap, journey_stage=JS.ENTERING, sequence_stage=SS.NONE, requirements=(), context=fresh
        )
        return draft, [_analytics("journey_started", reset=msg.reset)]
    ctx = attrs.evolve(ctx, last_error=None)
    events: list[_NewEvent] = []
    stage = snap.journey_stage
    requirements = snap.requirements
    if action is JourneyAction.AUTHENTICATE:
        stage = JS.ROUTING
        requirements = tuple(r for r in requirements if r.type is not RequirementType.AUTHENTICATION)
        events.append(
            _user(EventKind.REQUIREMENT, EventSeverity.SUCCESS, "Signed in", requirement="authentication")
        )
    elif action is JourneyAction.PROVIDE_ACCESS_CODE:
        stage = JS.ROUTING
        ctx = attrs.evolve(ctx, access_code=msg.arg, access_code_skipped=False)
        requirements = tuple(r for r in requirements if r.type is not RequirementType.ACCESS_CODE)
    elif action is JourneyAction.SKIP_ACCESS_CODE:
        stage = JS.ROUTING
        ctx = attrs.evolve(ctx, access_code=None, access_code_skipped=True)
        requirements = tuple(r for r in requirements if r.type is not RequirementType.ACCESS_CODE)
    elif action is JourneyAction.REQUEST_REROUTE:
        stage = JS.ROUTING
    elif action is JourneyAction.RETRY:
        stage = JS.ROUTING if stage is JS.ROUTING else stage
    return attrs.evolve(snap, journey_stage=stage, requirements=requirements, context=ctx), events


def _offers(offers: Sequence[wire.OfferGated]) -> tuple[Offer, ...]:
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


def _reroute_event(old: JourneyContext, sequence: wire.SequenceRef) -> list[_NewEvent]:
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
        _user(
            EventKind.REROUTE,
            EventSeverity.WARNING if downgrade else EventSeverity.INFO,
            "Sequence downgraded" if downgrade else "Sequence changed",
            direction=direction,
            from_sequence_id=old.sequence_id,
            to_sequence_id=sequence.id,
        )
    ]


def _left_sequence(ctx: JourneyContext) -> JourneyContext:
    """The context once the journey no longer stands in a sequence's distribution (gated or
    no access): the participation, its grant and its live numbers go; the sequence id stays so
    that a later route can say whether it moved the consumer."""
    return attrs.evolve(
        ctx, distribution=None, participation=None, position=None, estimated_wait_seconds=None,
        current_bid=None, highest_bid=None, admittance_token=None, admittance_expires_at=None,
        outcome=None, waitlist_entered_at=None,
    )


def _on_route(snap: JourneySnapshot, msg: RouteResolved) -> _Draft:
    result, ctx = msg.result, attrs.evolve(snap.context, experience_name=msg.experience.name, last_error=None)
    if isinstance(result, wire.RouteNoAccess):
        draft = attrs.evolve(
            snap, journey_stage=JS.ROUTING, sequence_stage=SS.NONE, requirements=(),
            context=attrs.evolve(_left_sequence(ctx), last_error="NO_SEQUENCE_AVAILABLE", offers=()),
        )
        reasons = [r.code.value for r in result.outcome_reasons]
        event = _user(EventKind.ERROR, EventSeverity.ERROR, "No sequence is available",
                      code="NO_SEQUENCE_AVAILABLE", reasons=reasons)
        return draft, [event]
    if isinstance(result, wire.RouteGated):
        requirements = _requirements_from_gates(result.selected.gates)
        invalid_code = any(
            r.type is RequirementType.ACCESS_CODE and r.reason == wire.ReasonCode.ACCESS_CODE_INVALID
            for r in requirements
        )
        if invalid_code:  # a rejected code is never kept
            ctx = attrs.evolve(ctx, access_code=None)
        draft = attrs.evolve(
            snap, journey_stage=_stage_for_requirements(requirements), sequence_stage=SS.NONE,
            requirements=requirements,
            context=attrs.evolve(_left_sequence(ctx), offers=()),
        )
        events = _requirement_events(snap.requirements, requirements)
        return draft, [*events, _analytics("journey_gated", gates=[r.type.value for r in requirements])]
    offers = _offers(result.offers)
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
        return draft, _requirement_events(snap.requirements, (requirement,))
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
    stage = _stage_from_distribution(stage, ctx)
    if stage in (SS.ACTIVE_ENTERABLE, SS.ENDED):
        ctx = attrs.evolve(ctx, waitlist_entered_at=None)
    draft = attrs.evolve(
        snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=ctx
    )
    return draft, events


def _stage_from_distribution(stage: SequenceStage, ctx: JourneyContext) -> SequenceStage:
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


def _on_experience(snap: JourneySnapshot, msg: ExperienceLoaded) -> _Draft:
    ctx = attrs.evolve(snap.context, experience_name=msg.experience.name)
    current = ctx.distribution
    if current is not None and ctx.sequence_id is not None:
        fresh = locate.distribution_for(msg.experience, ctx.sequence_id, current.status, msg.at)
        if fresh is not None and fresh.id == current.id:
            ctx = attrs.evolve(ctx, distribution=fresh)
    return attrs.evolve(snap, context=ctx), []


def _on_status(snap: JourneySnapshot, msg: StatusReceived) -> _Draft:
    ctx = snap.context
    distribution = ctx.distribution
    if distribution is None or distribution.id != msg.distribution_id:
        return snap, []  # stale: an answer for a distribution the journey left
    state = msg.state
    outcome = tables.sequence_stage_for_status(
        state, distribution.status, on_waitlist=ctx.waitlist_entered_at is not None
    )
    stage = outcome.stage
    if outcome.participating and distribution.status is DS.UPCOMING:
        distribution = attrs.evolve(distribution, status=DS.OPEN)  # the server says it is open
    ptype = ParticipationType(distribution.type.value)
    status_text = str(getattr(state, "status", None) or type(state).STATUS)  # type: ignore[union-attr]
    participation: Participation | None = None
    if outcome.participating or stage is SS.ADMISSION_EXPIRED:
        participation = Participation(id=distribution.id, type=ptype, status=status_text)
    elif stage is SS.WAITLIST_ENTERED:
        participation = ctx.participation  # still on the waitlist: that entry stays
    expires = locate.ms(getattr(state, "expires_at", None))
    token, ended_as = outcome.grant, outcome.outcome
    if stage is SS.ADMITTED and expires is not None and expires <= msg.at:
        stage, token, ended_as = SS.ADMISSION_EXPIRED, None, "expired"  # as a Tick would
    ctx = attrs.evolve(
        ctx,
        distribution=distribution,
        participation=participation,
        position=getattr(state, "position", None) if stage is SS.PARTICIPATING else None,
        estimated_wait_seconds=getattr(state, "estimated_wait_time_in_seconds", None)
        if stage is SS.PARTICIPATING
        else None,
        current_bid=_money(getattr(state, "last_bid_amount", None)),
        highest_bid=_money(getattr(state, "highest_bid", None) or getattr(state, "winning_bid_amount", None)),
        admittance_token=token if stage is SS.ADMITTED else None,
        admittance_expires_at=expires if stage in (SS.ADMITTED, SS.ADMISSION_EXPIRED) else None,
        outcome=ended_as,
        waitlist_entered_at=ctx.waitlist_entered_at if stage is SS.WAITLIST_ENTERED else None,
    )
    return attrs.evolve(snap, sequence_stage=stage, context=ctx), []


def _money(value: object) -> str | None:
    return None if value is None else format(value, "f") if hasattr(value, "as_tuple") else str(value)


def _on_waitlist(snap: JourneySnapshot, msg: WaitlistChanged) -> _Draft:
    ctx = snap.context
    if ctx.distribution is None or ctx.distribution.waitlist_id != msg.waitlist_id:
        return snap, []
    if msg.entered and snap.sequence_stage is SS.UPCOMING:
        ctx = attrs.evolve(
            ctx, waitlist_entered_at=msg.entered_at if msg.entered_at is not None else msg.at,
            participation=Participation(id=msg.waitlist_id, type=ParticipationType.WAITLIST),
        )
        return attrs.evolve(snap, sequence_stage=SS.WAITLIST_ENTERED, context=ctx), []
    if not msg.entered and snap.sequence_stage is SS.WAITLIST_ENTERED:
        ctx = attrs.evolve(ctx, waitlist_entered_at=None, participation=None)
        return attrs.evolve(snap, sequence_stage=SS.UPCOMING, context=ctx), []
    return snap, []


def _on_failure(snap: JourneySnapshot, msg: ActionFailed) -> _Draft:
    action = msg.action.value if isinstance(msg.action, JourneyAction | SequenceAction) else msg.action
    ctx = attrs.evolve(snap.context, last_error=msg.code)
    event = _user(
        EventKind.ERROR, EventSeverity.ERROR, msg.message,
        code=msg.code, action=action, status=msg.status, retryable=msg.retryable,
    )
    stage = snap.sequence_stage
    not_open = msg.status == 423 or msg.code == "NOT_OPEN_YET" or msg.code.endswith("_NOT_OPEN")
    if not_open and ctx.distribution is not None and stage is SS.ACTIVE_ENTERABLE:
        # The server says the distribution is not open after all.
        ctx = attrs.evolve(ctx, distribution=attrs.evolve(ctx.distribution, status=DS.UPCOMING))
        stage = SS.UPCOMING
    return attrs.evolve(snap, sequence_stage=stage, context=ctx), [event]


def _on_tick(snap: JourneySnapshot, msg: Tick) -> _Draft:
    ctx = snap.context
    deadline = ctx.admittance_expires_at
    if snap.sequence_stage is SS.ADMITTED and deadline is not None and msg.at >= deadline:
        ctx = attrs.evolve(ctx, admittance_token=None, outcome="expired")
        return attrs.evolve(snap, sequence_stage=SS.ADMISSION_EXPIRED, context=ctx), []
    return snap, []


def _on_marked(snap: JourneySnapshot, msg: AdmissionMarked) -> _Draft:
    expired = msg.expires_at is not None and msg.expires_at <= msg.at
    ctx = attrs.evolve(
        snap.context,
        admittance_token=None if expired else msg.token,
        admittance_expires_at=msg.expires_at,
    )
    stage = SS.ADMISSION_EXPIRED if expired else SS.ADMITTED
    return attrs.evolve(snap, sequence_stage=stage, context=ctx), []


def _on_ack(snap: JourneySnapshot, msg: EventAcked) -> _Draft:
    ids = [event.id for event in snap.events]
    if msg.event_id not in ids:
        return snap, []
    seen = ids.index(snap.last_seen_event_id) if snap.last_seen_event_id in ids else -1
    if ids.index(msg.event_id) <= seen:
        return snap, []
    return attrs.evolve(snap, last_seen_event_id=msg.event_id), []


def _on_ack_all(snap: JourneySnapshot, msg: AllEventsAcked) -> _Draft:
    if not snap.events:
        return snap, []
    return attrs.evolve(snap, last_seen_event_id=snap.events[-1].id), []


_LIFECYCLE = {
    wire.DistributionLifecycle.SCHEDULED: DS.UPCOMING,
    wire.DistributionLifecycle.OPEN: DS.OPEN,
    wire.DistributionLifecycle.SETTLING: DS.SETTLING,
    wire.DistributionLifecycle.CLOSED: DS.CLOSED,
}

_PHASE_STAGE = {
    wire.SequencePhase.UNAVAILABLE: SS.NONE,
    wire.SequencePhase.SCHEDULED: SS.UPCOMING,
    wire.SequencePhase.ENTERABLE: SS.ACTIVE_ENTERABLE,
    wire.SequencePhase.PARTICIPATING: SS.PARTICIPATING,
    wire.SequencePhase.SETTLING: SS.PARTICIPATING,
    wire.SequencePhase.GRANTED: SS.ADMITTED,
    wire.SequencePhase.ENDED: SS.ENDED,
}


def _on_resume_me(snap: JourneySnapshot, msg: ResumedFromMe) -> _Draft:
    projection = msg.projection
    base = JourneyContext(experience_id=snap.context.experience_id,
                          experience_name=snap.context.experience_name,
                          access_code=snap.context.access_code)
    if isinstance(projection, wire.GatedJourneyProjection):
        requirements = _requirements_from_gates(projection.gates)
        draft = attrs.evolve(
            snap, journey_stage=_stage_for_requirements(requirements), sequence_stage=SS.NONE,
            requirements=requirements, context=base,
        )
        return draft, _requirement_events(snap.requirements, requirements)
    seq = projection.sequence
    stage = _PHASE_STAGE[seq.phase]
    distribution: DistributionSummary | None = None
    if seq.distribution is not None:
        d = seq.distribution
        distribution = DistributionSummary(
            type=d.type, id=d.id, sequence_id=d.sequence_id, status=_LIFECYCLE[d.lifecycle],
            opens_at=locate.ms(d.opens_at), closes_at=locate.ms(d.closes_at),
            settles_at=locate.ms(d.settles_at),
        )
    waitlist = next((w for w in msg.waitlists if w.sequence_id == projection.sequence_id), None)
    if waitlist is not None and distribution is not None:
        distribution = attrs.evolve(distribution, waitlist_id=waitlist.waitlist_id)
    consumer = seq.consumer
    participation: Participation | None = None
    if consumer is not None and distribution is not None and stage in (SS.PARTICIPATING, SS.ADMITTED):
        participation = Participation(
            id=consumer.id or distribution.id,
            type=ParticipationType(distribution.type.value),
            status=consumer.status.upper(),
        )
    waitlist_at: int | None = None
    if stage is SS.UPCOMING and waitlist is not None:
        stage = SS.WAITLIST_ENTERED
        waitlist_at = locate.ms(waitlist.entered_at) or msg.at
        participation = Participation(id=waitlist.waitlist_id, type=ParticipationType.WAITLIST)
    grant = seq.grant if stage is SS.ADMITTED else None  # a grant counts only while granted
    grant_expires = locate.ms(grant.expires_at) if grant is not None else None
    token = grant.token if grant is not None else None
    outcome = seq.outcome.type.value if seq.outcome is not None else None
    if grant_expires is not None and grant_expires <= msg.at:
        stage, token, outcome = SS.ADMISSION_EXPIRED, None, "expired"  # as a Tick would
    ctx = attrs.evolve(
        base,
        sequence_id=projection.sequence_id,
        distribution=distribution,
        participation=participation,
        position=consumer.position if consumer is not None and stage is SS.PARTICIPATING else None,
        current_bid=_money(consumer.current_bid) if consumer is not None else None,
        highest_bid=_money(consumer.highest_bid) if consumer is not None else None,
        admittance_token=token,
        admittance_expires_at=grant_expires,
        outcome=outcome,
        waitlist_entered_at=waitlist_at,
        offers=_offers(projection.offers),
    )
    draft = attrs.evolve(snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=ctx)
    return draft, []


def _on_resume_server(snap: JourneySnapshot, msg: ResumedFromServer) -> _Draft:
    sequence = locate.find_sequence(msg.experience, msg.sequence_id)
    distribution = locate.distribution_for(msg.experience, msg.sequence_id, None, msg.at)
    base = JourneyContext(
        experience_id=snap.context.experience_id, experience_name=msg.experience.name,
        access_code=snap.context.access_code,
        sequence_id=msg.sequence_id,
        sequence_name=sequence.name if sequence else None,
        sequence_priority=sequence.priority if sequence else None,
        distribution=distribution,
    )
    on_waitlist = (
        msg.waitlist_id is not None
        and distribution is not None
        and distribution.waitlist_id == msg.waitlist_id
        and distribution.status is DS.UPCOMING
    )
    if on_waitlist:
        assert msg.waitlist_id is not None
        base = attrs.evolve(
            base, waitlist_entered_at=msg.waitlist_entered_at or msg.at,
            participation=Participation(id=msg.waitlist_id, type=ParticipationType.WAITLIST),
        )
    stage = _stage_from_distribution(SS.NONE, base)
    draft = attrs.evolve(snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=base)
    return draft, []


def _on_session_lost(snap: JourneySnapshot, msg: SessionLost) -> _Draft:
    """The session is gone: sign in again; the participation stays as the server had it."""
    if snap.journey_stage is JS.NOT_STARTED:
        return snap, []
    requirement = Requirement(type=RequirementType.AUTHENTICATION, required=True,
                              reason=msg.code, metadata={"status": "session_lost"})
    others = tuple(r for r in snap.requirements if r.type is not RequirementType.AUTHENTICATION)
    draft = attrs.evolve(snap, journey_stage=JS.NEEDS_AUTH, requirements=(requirement, *others),
                         context=attrs.evolve(snap.context, last_error=msg.code))
    event = _user(EventKind.ERROR, EventSeverity.ERROR, msg.message, code=msg.code,
                  action="session", status=401, retryable=False)
    return draft, [event, *_requirement_events(snap.requirements, (requirement,))]


_HANDLERS: dict[type, Callable[[JourneySnapshot, Any], _Draft]] = {
    ActionRequested: _on_action,
    RouteResolved: _on_route,
    ExperienceLoaded: _on_experience,
    StatusReceived: _on_status,
    WaitlistChanged: _on_waitlist,
    ActionFailed: _on_failure,
    Tick: _on_tick,
    AdmissionMarked: _on_marked,
    EventAcked: _on_ack,
    AllEventsAcked: _on_ack_all,
    ResumedFromMe: _on_resume_me,
    ResumedFromServer: _on_resume_server,
    SessionLost: _on_session_lost,
}


# --------------------------------------------------------------------------------------------
# Finishing a step: derived fields, automatic events, revision


def _stage_events(old: JourneySnapshot, new: JourneySnapshot) -> list[_NewEvent]:
    events: list[_NewEvent] = []
    if new.sequence_stage is not old.sequence_stage and new.sequence_stage is not SS.NONE:
        severity, text = tables.SEQUENCE_STAGE_MESSAGES[new.sequence_stage]
        outcome = new.context.outcome
        if new.sequence_stage is SS.ENDED and outcome is not None:
            text = f"Ended: {outcome}"
            severity = EventSeverity.SUCCESS if outcome in ("won", "completed") else EventSeverity.WARNING
        events.append(
            _user(EventKind.SEQUENCE_CHANGE, severity, text,
                  from_stage=old.sequence_stage.value, to_stage=new.sequence_stage.value)
        )
        if new.sequence_stage is SS.ADMITTED:
            events.append(_analytics("journey_granted"))
        elif new.sequence_stage is SS.ENDED:
            events.append(_analytics("journey_ended", outcome=outcome))
    old_d, new_d = old.context.distribution, new.context.distribution
    if old_d is not None and new_d is not None and old_d.id == new_d.id and old_d.status != new_d.status:
        events.append(
            _NewEvent(EventKind.DISTRIBUTION_CHANGE, EventSeverity.INFO, EventAudience.SYSTEM,
                      f"Distribution {new_d.status.value if new_d.status else 'unknown'}",
                      {"distribution_id": new_d.id,
                       "from_status": old_d.status.value if old_d.status else None,
                       "to_status": new_d.status.value if new_d.status else None})
        )
    return events


def _without_bookkeeping(snap: JourneySnapshot) -> JourneySnapshot:
    return attrs.evolve(snap, revision=0, updated_at=0)


def reduce(snapshot: JourneySnapshot, message: Message) -> JourneySnapshot:
    """Fold one message into the snapshot. Pure: the same inputs give the same output.

    An action that is not available, or a message that changes nothing, returns the very
    same snapshot object (``revision`` unchanged); any change increments ``revision`` by one.

    Usage: ``snap = reduce(snap, ActionRequested(at=now_ms, action=JourneyAction.START))``
    """
    if isinstance(message, ActionRequested):
        start_over = message.action is JourneyAction.START and message.reset
        if not start_over and not is_available(snapshot, message.action):
            return snapshot
    handler = _HANDLERS.get(type(message))
    if handler is None:
        return snapshot
    draft, new_events = handler(snapshot, message)
    if draft is snapshot and not new_events:
        return snapshot
    draft = attrs.evolve(
        draft,
        available_actions=tables.available_actions(
            draft.journey_stage, draft.sequence_stage, draft.requirements, draft.context
        ),
    )
    new_events = [*new_events, *_stage_events(snapshot, draft)]
    if not new_events and _without_bookkeeping(draft) == _without_bookkeeping(snapshot):
        return snapshot
    revision = snapshot.revision + 1
    at: int = message.at
    added = tuple(
        JourneyEvent(
            id=f"evt-{revision}-{index}", ts=at, kind=e.kind, severity=e.severity,
            audience=e.audience, message=e.message, detail=e.detail,
        )
        for index, e in enumerate(new_events)
    )
    # Bounded history; an acknowledged event that ages out leaves its id as the marker, and
    # every event still kept is newer than it (so unacknowledged), as `latest_event` assumes.
    events = (*draft.events, *added)[-MAX_EVENTS:]
    return attrs.evolve(
        draft, revision=revision, updated_at=max(at, snapshot.updated_at), events=events
    )
