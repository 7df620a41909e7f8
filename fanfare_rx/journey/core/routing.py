"""Routing: journey actions, gates and requirements, the route result, offers and reroutes,
and the distribution the routed sequence stands in.

Pure: imports only models, tables, locate and the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fanfare_rx.journey.core import locate, tables
from fanfare_rx.journey.core.journal import Draft, NewEvent, analytics, user
from fanfare_rx.journey.core.messages import (
    ActionRequested,
    ExperienceLoaded,
    RouteResolved,
    SessionLost,
)
from fanfare_rx.journey.core.shared import shared
from fanfare_rx.journey.core.stages import ended_outcome
from fanfare_rx.journey.core.values import evolve
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
    "DISTRIBUTION_NOT_LISTED",
    "NO_SEQUENCE_AVAILABLE",
    "awaits_sequence",
    "left_sequence",
    "offers_from_wire",
    "on_action",
    "on_experience",
    "on_route",
    "on_session_lost",
    "passes_through_routing",
    "requirement_events",
    "requirements_from_gates",
    "stage_for_requirements",
    "stage_from_distribution",
]

JS = JourneyStage
SS = SequenceStage
#: The event code of a routed sequence whose distribution neither the experience nor
#: ``/consumers/me`` names (yet).
DISTRIBUTION_NOT_LISTED = "DISTRIBUTION_NOT_LISTED"
#: The ``last_error`` of a journey whose route found no sequence (``no_access``).
NO_SEQUENCE_AVAILABLE = "NO_SEQUENCE_AVAILABLE"
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
        if isinstance(gate, wire.BotCheckGate) and gate.mitigation is not None:
            metadata["mitigation"] = {  # a blocked check: how many tries left, until when
                "attempts_remaining": gate.mitigation.attempts_remaining,
                "blocked_until": locate.ms(gate.mitigation.blocked_until),
                "message": gate.mitigation.message,
            }
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


#: What a routing action does before its route is asked for: the requirement it resolves, how
#: it changes the context (given the action's argument) and what it says to the user.
_ROUTING_ACTIONS: Mapping[
    JourneyAction,
    tuple[RequirementType | None, Callable[[JourneyContext, str | None], JourneyContext], str | None],
] = {
    JourneyAction.AUTHENTICATE: (RequirementType.AUTHENTICATION, lambda ctx, _: ctx, "Signed in"),
    JourneyAction.PROVIDE_ACCESS_CODE: (
        RequirementType.ACCESS_CODE,
        lambda ctx, code: evolve(ctx, access_code=code, access_code_skipped=False),
        None,
    ),
    JourneyAction.SKIP_ACCESS_CODE: (
        RequirementType.ACCESS_CODE,
        lambda ctx, _: evolve(ctx, access_code=None, access_code_skipped=True),
        None,
    ),
    JourneyAction.REQUEST_REROUTE: (None, lambda ctx, _: ctx, None),
}


def on_action(snap: JourneySnapshot, msg: ActionRequested) -> Draft:
    """A journey or sequence action was requested (before its effect runs)."""
    action, ctx = msg.action, snap.context
    if action is JourneyAction.START:
        access_code = msg.arg if msg.arg is not None else (None if msg.reset else ctx.access_code)
        fresh = JourneyContext(experience_id=ctx.experience_id, access_code=access_code)
        draft = evolve(
            snap, journey_stage=JS.ENTERING, sequence_stage=SS.NONE, requirements=(), context=fresh
        )
        return draft, [analytics("journey_started", reset=msg.reset)]
    ctx = evolve(ctx, last_error=None)
    events: list[NewEvent] = []
    stage = snap.journey_stage
    requirements = snap.requirements
    rule = _ROUTING_ACTIONS.get(action) if isinstance(action, JourneyAction) else None
    if rule is not None:
        resolves, update, said = rule
        stage = JS.ROUTING
        ctx = update(ctx, msg.arg)
        if resolves is not None:
            requirements = _without(requirements, resolves)
        if said is not None:
            events.append(user(EventKind.REQUIREMENT, EventSeverity.SUCCESS, said,
                               requirement=str(resolves)))
    return evolve(snap, journey_stage=stage, requirements=requirements, context=ctx), events


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


def _reroute_event(snap: JourneySnapshot, sequence: wire.SequenceRef) -> list[NewEvent]:
    """The reroute event; while the consumer holds an entry its detail also says what happens
    to it (it stays with the server, the journey no longer follows it)."""
    old = snap.context
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
    # The docs' words exactly: downgrade -> warning "Sequence downgraded", any other direction
    # -> info "Sequence changed"; what happens to a held entry is told in the detail.
    text = "Sequence downgraded" if downgrade else "Sequence changed"
    entry: dict[str, Any] = {}
    participation = old.participation
    if snap.sequence_stage in _HOLDING and participation is not None:
        entry = {"entry": "kept_on_server_not_followed", "participation_type": participation.type.value,
                 "participation_id": participation.id, "participation_status": participation.status}
    return [
        user(
            EventKind.REROUTE,
            EventSeverity.WARNING if downgrade else EventSeverity.INFO,
            text,
            direction=direction,
            from_sequence_id=old.sequence_id,
            to_sequence_id=sequence.id,
            **entry,
        )
    ]


def left_sequence(ctx: JourneyContext) -> JourneyContext:
    """The context once the journey no longer stands in a sequence's distribution (gated or
    no access): the participation, its grant and its live numbers go; the sequence id stays so
    that a later route can say whether it moved the consumer."""
    return evolve(
        ctx, distribution=None, participation=None, position=None, estimated_wait_seconds=None,
        current_bid=None, highest_bid=None, admittance_token=None, admittance_expires_at=None,
        outcome=None, waitlist_entered_at=None,
    )


#: Sequence stages in which the consumer holds an entry the server keeps.
_HOLDING = frozenset({SS.PARTICIPATING, SS.ADMITTED, SS.WAITLIST_ENTERED})


def _code_rejected(result: wire.RouteResult) -> bool:
    gates: list[wire.Gate] = []
    if isinstance(result, wire.RouteRouted):
        gates = [gate for offer in result.offers for gate in offer.gates]
    elif isinstance(result, wire.RouteGated):
        gates = list(result.selected.gates)
    return any(
        isinstance(gate, wire.AccessCodeGate) and gate.reason.code is wire.ReasonCode.ACCESS_CODE_INVALID
        for gate in gates
    )


def _rejected_while_routed(snap: JourneySnapshot, ctx: JourneyContext) -> Draft:
    """A code tried from a routed journey matched nothing: everything stays as it was."""
    ctx = evolve(ctx, access_code=None, offers=snap.context.offers)
    draft = evolve(snap, journey_stage=JS.ROUTED, context=ctx)
    event = user(EventKind.REQUIREMENT, EventSeverity.WARNING, "Access code rejected",
                 requirement=RequirementType.ACCESS_CODE.value, required=False,
                 reason=wire.ReasonCode.ACCESS_CODE_INVALID.value,
                 sequence_id=snap.context.sequence_id)
    return draft, [event]


def _no_access(
    snap: JourneySnapshot, ctx: JourneyContext, result: wire.RouteNoAccess, *, probe: bool
) -> Draft:
    """``no_access``: a held entry stays followed; a refresh or poll learns that the
    distribution the journey stood in is gone (ended, closed); a route the consumer asked
    for finds no sequence (routing, ``NO_SEQUENCE_AVAILABLE``)."""
    reasons = [r.code.value for r in result.outcome_reasons]
    details = [r.detail for r in result.outcome_reasons if r.detail]
    if snap.context.distribution is not None and snap.sequence_stage in _HOLDING:
        # The server still holds the entry: it is followed until its status says otherwise.
        # A journey that asks to sign in again (lost session) keeps asking: the answer says
        # nothing of the session, and "routed" never lists a requirement.
        lost = snap.journey_stage is JS.NEEDS_AUTH
        draft = evolve(snap, journey_stage=JS.NEEDS_AUTH if lost else JS.ROUTED,
                       requirements=snap.requirements if lost else (),
                       context=snap.context)
        return draft, [user(EventKind.INFO, EventSeverity.WARNING, "No other sequence is available",
                            code="NO_SEQUENCE_AVAILABLE", reasons=reasons)]
    if probe and snap.context.distribution is not None:
        # The sequence the journey stood in is gone (closed) before any entry: it ended.
        distribution = evolve(snap.context.distribution, status=DS.CLOSED)
        ended = evolve(left_sequence(ctx), distribution=distribution,
                       outcome=ended_outcome(SS.ENDED, None, distribution.status))
        draft = evolve(snap, journey_stage=JS.ROUTED, sequence_stage=SS.ENDED,
                       requirements=(), context=ended)
        return draft, [user(EventKind.DISTRIBUTION_CHANGE, EventSeverity.WARNING,
                            "The distribution has closed", code="DISTRIBUTION_CLOSED",
                            reasons=reasons, details=details)]
    if _still_no_access(snap, reasons, details):
        return snap, []  # a poll finds what the journey already said: nothing new
    draft = evolve(
        snap, journey_stage=JS.ROUTING, sequence_stage=SS.NONE, requirements=(),
        context=evolve(left_sequence(ctx), last_error=NO_SEQUENCE_AVAILABLE, offers=()),
    )
    said = f"No sequence is available: {'; '.join(details)}" if details else "No sequence is available"
    event = user(EventKind.ERROR, EventSeverity.ERROR, said,
                 code=NO_SEQUENCE_AVAILABLE, reasons=reasons, details=details)
    return draft, [event]


def awaits_sequence(snap: JourneySnapshot) -> bool:
    """Whether the journey stopped at ``no_access`` (routing, ``NO_SEQUENCE_AVAILABLE``): it
    waits for a sequence to open, so polling routes it again.

    Usage: ``if awaits_sequence(journey.state.get()): journey.start_polling()``
    """
    return snap.journey_stage is JS.ROUTING and snap.context.last_error == NO_SEQUENCE_AVAILABLE


def _still_no_access(snap: JourneySnapshot, reasons: list[str], details: list[str]) -> bool:
    """Whether the journey already stands at ``no_access`` for the same reasons (a poll's
    route repeats it; an action clears ``last_error`` first, so it is answered afresh)."""
    if not awaits_sequence(snap):
        return False
    said = next((e.detail for e in reversed(snap.events)
                 if e.detail and e.detail.get("code") == NO_SEQUENCE_AVAILABLE), None)
    return said is not None and (said.get("reasons"), said.get("details")) == (reasons, details)


def _probe(snap: JourneySnapshot, msg: RouteResolved, ctx: JourneyContext) -> Draft | None:
    """A refresh's or a poll's route: it may tell how the current distribution stands, never
    move the journey. None when the answer is about the current sequence (applied as usual)."""
    result = msg.result
    if snap.journey_stage is not JS.ROUTED:
        return snap, []
    if isinstance(result, wire.RouteNoAccess):
        # Tells that the distribution the journey stands in (with no entry) closed; a held
        # entry is followed through its status, an ended journey has nothing more to learn.
        quiet = (snap.context.distribution is None or snap.sequence_stage in _HOLDING
                 or snap.sequence_stage is SS.ENDED)
        return (snap, []) if quiet else _no_access(snap, ctx, result, probe=True)
    if isinstance(result, wire.RouteRouted) and result.selected.sequence.id == snap.context.sequence_id:
        return None
    return snap, []  # another sequence or a gate: only request_reroute() acts on that


def same_sequence(snap: JourneySnapshot, sequence_id: str) -> bool:
    """Whether the journey already stands in ``sequence_id`` with a located distribution."""
    return snap.context.sequence_id == sequence_id and snap.context.distribution is not None


def on_route(snap: JourneySnapshot, msg: RouteResolved) -> Draft:
    """``POST /experiences/{id}/route`` answered."""
    result, ctx = msg.result, evolve(snap.context, experience_name=msg.experience.name, last_error=None)
    was_routed = snap.context.distribution is not None
    if not msg.follow:
        probed = _probe(snap, msg, ctx)
        if probed is not None:
            return probed
    elif was_routed and _code_rejected(result):
        return _rejected_while_routed(snap, ctx)
    if isinstance(result, wire.RouteNoAccess):
        return _no_access(snap, ctx, result, probe=False)
    if isinstance(result, wire.RouteGated):
        requirements = requirements_from_gates(result.selected.gates)
        invalid_code = any(
            r.type is RequirementType.ACCESS_CODE and r.reason == wire.ReasonCode.ACCESS_CODE_INVALID
            for r in requirements
        )
        if invalid_code:  # a rejected code is never kept
            ctx = evolve(ctx, access_code=None)
        events = requirement_events(snap.requirements, requirements)
        events.append(analytics("journey_gated", gates=[r.type.value for r in requirements]))
        if snap.context.distribution is not None and snap.sequence_stage in _HOLDING:
            # The server still holds the entry: the gate is for the sequence asked for, and the
            # held place stays followed (stage, participation, position) until the server says
            # otherwise.
            draft = evolve(snap, journey_stage=stage_for_requirements(requirements),
                           requirements=requirements, context=evolve(ctx, offers=()))
            return draft, events
        draft = evolve(
            snap, journey_stage=stage_for_requirements(requirements), sequence_stage=SS.NONE,
            requirements=requirements,
            context=evolve(left_sequence(ctx), offers=()),
        )
        return draft, events
    offers = offers_from_wire(result.offers)
    code_offers = [o for o in offers if _code_only(o)]
    code_rejected = _code_rejected(result)
    if code_rejected:  # the code matched no sequence: never kept, asked again
        ctx = evolve(ctx, access_code=None)
    ask = code_rejected or (ctx.access_code is None and not ctx.access_code_skipped)
    if code_offers and ask and msg.follow:
        # An optional access code: the consumer chooses to provide one or skip.
        reason = (wire.ReasonCode.ACCESS_CODE_INVALID if code_rejected
                  else wire.ReasonCode.ACCESS_CODE_REQUIRED)
        requirement = Requirement(
            type=RequirementType.ACCESS_CODE, required=False,
            reason=reason.value,
            metadata={"offers": [o.sequence_id for o in code_offers]},
        )
        draft = evolve(
            snap, journey_stage=JS.NEEDS_ACCESS_CODE, requirements=(requirement,),
            context=evolve(ctx, offers=offers),
        )
        return draft, requirement_events(snap.requirements, (requirement,))
    sequence = result.selected.sequence
    status = locate.availability_status(sequence.availability)
    distribution = locate.distribution_for(msg.experience, sequence.id, status, msg.at, msg.projection)
    if distribution is None and same_sequence(snap, sequence.id):
        distribution = snap.context.distribution  # located before (e.g. through /consumers/me)
        if distribution is not None and status is not None:
            distribution = shared(evolve(distribution, status=status))
    events = _reroute_event(snap, sequence)
    if distribution is None and not (snap.journey_stage is JS.ROUTED
                                     and snap.context.sequence_id == sequence.id
                                     and snap.context.distribution is None):
        # Neither the experience nor /consumers/me names it yet: say so (polls look again).
        events.append(user(EventKind.DISTRIBUTION_CHANGE, EventSeverity.WARNING,
                           "The sequence's distribution is not known yet",
                           code=DISTRIBUTION_NOT_LISTED, sequence_id=sequence.id))
    same = (
        snap.context.distribution is not None
        and distribution is not None
        and snap.context.distribution.id == distribution.id
    )
    if not same and not msg.follow and snap.sequence_stage in _HOLDING:
        return snap, []  # a refresh never trades a held entry for another distribution
    if same and distribution is not None and snap.context.distribution is not None:
        # Keep what the journey learnt of this distribution (e.g. a waitlist id from resume).
        distribution = evolve(
            distribution, waitlist_id=distribution.waitlist_id or snap.context.distribution.waitlist_id
        )
    ctx = evolve(
        ctx, sequence_id=sequence.id, sequence_name=sequence.name,
        sequence_priority=sequence.priority, offers=offers, distribution=distribution,
    )
    stage = snap.sequence_stage if same else SS.NONE
    if not same:
        ctx = evolve(left_sequence(ctx), distribution=distribution)
    stage = stage_from_distribution(stage, ctx)
    if stage in (SS.ACTIVE_ENTERABLE, SS.ENDED):
        ctx = evolve(ctx, waitlist_entered_at=None)
    if (outcome := ended_outcome(stage, ctx.outcome, status)) != ctx.outcome:
        ctx = evolve(ctx, outcome=outcome)
    if msg.guest and stage is SS.ACTIVE_ENTERABLE and distribution is not None \
            and distribution.supports_guest is False:
        return _sign_in_first(snap, stage, ctx, events)
    draft = evolve(
        snap, journey_stage=JS.ROUTED, sequence_stage=stage, requirements=(), context=ctx
    )
    return draft, events


#: Where a route answer leaves a journey it does not stop for a requirement.
_ROUTES = frozenset({JS.ROUTED, JS.ROUTING})


def passes_through_routing(snap: JourneySnapshot, msg: RouteResolved) -> bool:
    """Whether an entering journey shows ``routing`` before this answer to ``start()`` (the
    docs' stage list: ``entering → routing → routed``, or ``routing`` itself for ``no_access``);
    an answer that stops it for a requirement (a gate, an optional access code, a sign-in)
    goes straight to that stage. Answered by :func:`on_route` itself, the answer's one handler,
    without the fold's bookkeeping (events, revision, available actions), which cannot change
    the stage::

        entering --routed answer-->  routing, routed      (True: RoutingStarted first)
        entering --gated answer-->   needs_access_code    (False)

    Usage: ``if passes_through_routing(snap, answer): send(RoutingStarted(at=answer.at))``
    """
    return snap.journey_stage is JS.ENTERING and on_route(snap, msg)[0].journey_stage in _ROUTES


def _sign_in_first(snap: JourneySnapshot, stage: SequenceStage, ctx: JourneyContext,
                   events: list[NewEvent]) -> Draft:
    """A guest routed to a distribution that takes no guests: sign in before any entry is
    offered (``authenticate()`` routes again), instead of an entry the server would refuse."""
    requirement = Requirement(type=RequirementType.AUTHENTICATION, required=True,
                              reason=wire.ReasonCode.AUTH_REQUIRED.value,
                              metadata={"status": "required", "guests": False})
    draft = evolve(snap, journey_stage=JS.NEEDS_AUTH, sequence_stage=stage,
                   requirements=(requirement,), context=ctx)
    return draft, [*events, *requirement_events(snap.requirements, (requirement,))]


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
    """``GET /experiences/{id}`` answered: the name, the routed sequence's name and priority
    (a resumed journey learns them here, so a later reroute knows its direction) and the
    current distribution's times."""
    ctx = evolve(snap.context, experience_name=msg.experience.name)
    sequence = locate.find_sequence(msg.experience, ctx.sequence_id) if ctx.sequence_id else None
    if sequence is not None:
        ctx = evolve(ctx, sequence_name=sequence.name, sequence_priority=sequence.priority)
    current = ctx.distribution
    if current is not None and ctx.sequence_id is not None:
        fresh = locate.distribution_for(msg.experience, ctx.sequence_id, current.status, msg.at)
        if fresh is not None and fresh.id == current.id:
            ctx = evolve(ctx, distribution=fresh)
    return evolve(snap, context=ctx), []


def on_session_lost(snap: JourneySnapshot, msg: SessionLost) -> Draft:
    """The session is gone: sign in again; the participation stays as the server had it."""
    if snap.journey_stage is JourneyStage.NOT_STARTED:
        return snap, []
    requirement = Requirement(type=RequirementType.AUTHENTICATION, required=True,
                              reason=msg.code, metadata={"status": "session_lost"})
    others = _without(snap.requirements, RequirementType.AUTHENTICATION)
    draft = evolve(snap, journey_stage=JourneyStage.NEEDS_AUTH,
                   requirements=(requirement, *others),
                   context=evolve(snap.context, last_error=msg.code))
    event = user(EventKind.ERROR, EventSeverity.ERROR, msg.message, code=msg.code,
                 action="session", status=401, retryable=False)
    return draft, [event, *requirement_events(snap.requirements, (requirement,))]
