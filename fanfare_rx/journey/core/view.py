"""The current SDK's view (G3 ``view$``) derived from the one G1 snapshot: ``view_of(snapshot)``
maps stages to the four journey stages and seven phases; the legal actions are read from the
one table of :mod:`.rules` (the same rows as G1 ``available_actions``).

Pure: imports only models and the core's :func:`~fanfare_rx.journey.core.values.evolve`. No
second state machine: every view is a function of a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fanfare_rx.journey.core import rules
from fanfare_rx.journey.core.routing import NO_SEQUENCE_AVAILABLE, awaits_sequence
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.mechanisms import registry
from fanfare_rx.models.journey import (
    JourneySnapshot,
    JourneyStage,
    Requirement,
    SequenceStage,
)
from fanfare_rx.models.view import (
    AdmissionGrant,
    BotMitigation,
    Gate,
    JourneyView,
    JourneyViewStage,
    Mechanism,
    Outcome,
    OutcomeType,
    ParticipatingDisplay,
    SequencePhase,
    SequenceView,
    WaitlistAttachmentStatus,
    WaitlistAttachmentView,
)

__all__ = [
    "NO_SEQUENCE_AVAILABLE",
    "display_of",
    "journey_stage_of",
    "sequence_view_of",
    "view_of",
]

P = SequencePhase
JS = JourneyStage
SS = SequenceStage
V = JourneyViewStage

#: The ``positionDisplayMode`` under which no exact place is shown.
QUALITATIVE = "qualitative"


_PHASE_OF_STAGE: Mapping[SequenceStage, SequencePhase] = {
    SS.NONE: P.UNAVAILABLE,
    SS.UPCOMING: P.SCHEDULED,
    SS.WAITLIST_ENTERED: P.SCHEDULED,
    SS.ACTIVE_ENTERABLE: P.ENTERABLE,
    SS.PARTICIPATING: P.PARTICIPATING,
    SS.ADMITTED: P.GRANTED,
    SS.ADMISSION_EXPIRED: P.ENDED,  # an unclaimed grant lapses to ended / expired
    SS.ENDED: P.ENDED,
}

_STAGE_OF_JOURNEY: Mapping[JourneyStage, JourneyViewStage] = {
    JS.NOT_STARTED: V.READY,
    JS.ENTERING: V.ROUTING,
    JS.NEEDS_AUTH: V.GATED,
    JS.NEEDS_ACCESS_CODE: V.GATED,
    JS.ROUTING: V.ROUTING,
    JS.ROUTED: V.ROUTED,
}


def journey_stage_of(snapshot: JourneySnapshot) -> JourneyViewStage:
    """The view stage of a snapshot: a bot check gates, ``no_access`` is routed, the old
    model's stop for an optional access code is still routing (the live view skips it).

    Usage: ``journey_stage_of(initial_snapshot("exp-1"))`` -> ``ready``
    """
    stage = snapshot.journey_stage
    if stage is JS.ROUTING and snapshot.requirements:
        return V.GATED  # a bot check is pending
    if awaits_sequence(snapshot):
        return V.ROUTED  # no_access: routed / unavailable
    if stage is JS.NEEDS_ACCESS_CODE and not any(r.required for r in snapshot.requirements):
        return V.ROUTING  # an optional code is no gate: the view routes on, offers list it
    return _STAGE_OF_JOURNEY[stage]


def _gate(requirement: Requirement) -> Gate:
    metadata = requirement.metadata or {}
    status = metadata.get("status")
    if not requirement.required:
        status = "optional"
    challenge_id = metadata.get("challenge_id")
    challenge_url = metadata.get("challenge_url")
    mitigation = metadata.get("mitigation")
    return Gate(
        type=requirement.type,
        status=str(status) if status is not None else "required",
        reason=requirement.reason,
        challenge_id=challenge_id if isinstance(challenge_id, str) else None,
        challenge_url=challenge_url if isinstance(challenge_url, str) else None,
        mitigation=_mitigation(mitigation),
    )


def _mitigation(value: object) -> BotMitigation | None:
    """The requirement's ``mitigation`` metadata (ints and a string, or absent)."""
    if not isinstance(value, Mapping):
        return None
    attempts, until, message = (value.get(k) for k in ("attempts_remaining", "blocked_until", "message"))
    return BotMitigation(
        attempts_remaining=attempts if isinstance(attempts, int) else None,
        blocked_until=until if isinstance(until, int) else None,
        message=message if isinstance(message, str) else None,
    )


def _mechanism(snapshot: JourneySnapshot) -> Mechanism | None:
    distribution = snapshot.context.distribution
    return None if distribution is None else distribution.type


def _phase(snapshot: JourneySnapshot, mechanism: Mechanism | None) -> SequencePhase:
    if mechanism is None:
        return P.UNAVAILABLE
    phase = _PHASE_OF_STAGE[snapshot.sequence_stage]
    if phase is P.PARTICIPATING and rules.is_settling(snapshot.context):
        return P.SETTLING
    spec = registry.spec_for(mechanism)
    if phase is P.GRANTED and spec is not None and not spec.grants:
        return P.PARTICIPATING  # a mechanism that never grants (appointments) never shows granted
    return phase


def _facts(snapshot: JourneySnapshot) -> rules.Facts:
    return rules.facts_of(snapshot.journey_stage, snapshot.sequence_stage, snapshot.requirements,
                          snapshot.context)


def _names(snapshot: JourneySnapshot, *, waitlist: bool) -> frozenset[str]:
    """The view's names of the allowed rows of the one table."""
    return frozenset(r.g3 for r in rules.allowed(_facts(snapshot)) if r.waitlist is waitlist)


def _waitlist(snapshot: JourneySnapshot) -> WaitlistAttachmentView | None:
    ctx = snapshot.context
    waitlist_id = ctx.distribution.waitlist_id if ctx.distribution is not None else None
    if waitlist_id is None:
        return None
    if snapshot.sequence_stage is SS.WAITLIST_ENTERED:
        return WaitlistAttachmentView(
            waitlist_id=waitlist_id, status=WaitlistAttachmentStatus.WAITLISTED,
            entered_at=ctx.waitlist_entered_at, actions=_names(snapshot, waitlist=True),
        )
    return WaitlistAttachmentView(
        waitlist_id=waitlist_id, status=WaitlistAttachmentStatus.NOT_WAITLISTED,
        actions=_names(snapshot, waitlist=True),
    )


def _grant(snapshot: JourneySnapshot, mechanism: Mechanism) -> AdmissionGrant | None:
    ctx = snapshot.context
    if ctx.admittance_token is None or ctx.distribution is None:
        return None
    return AdmissionGrant(
        token=ctx.admittance_token, distribution_type=mechanism,
        distribution_id=ctx.distribution.id, sequence_id=ctx.sequence_id,
        experience_id=ctx.experience_id, expires_at=ctx.admittance_expires_at,
    )


def _outcome(snapshot: JourneySnapshot) -> Outcome:
    ctx = snapshot.context
    distribution_id = ctx.distribution.id if ctx.distribution is not None else None
    if snapshot.sequence_stage is SS.ADMISSION_EXPIRED:
        return Outcome(type=OutcomeType.EXPIRED, distribution_id=distribution_id)
    try:
        kind = OutcomeType(ctx.outcome) if ctx.outcome is not None else OutcomeType.CLOSED
    except ValueError:
        kind = OutcomeType.CLOSED
    return Outcome(type=kind, distribution_id=distribution_id)


_Fields = Callable[[SequenceView, JourneySnapshot, Mechanism], SequenceView]


def _scheduled(view: SequenceView, snap: JourneySnapshot, _: Mechanism) -> SequenceView:
    distribution = snap.context.distribution
    return evolve(view, starts_at=distribution.opens_at if distribution else None,
                  waitlist=_waitlist(snap))


def _granted(view: SequenceView, snap: JourneySnapshot, mechanism: Mechanism) -> SequenceView:
    return evolve(view, grant=_grant(snap, mechanism),
                  checkout_started=snap.context.checkout_started)


def _ended(view: SequenceView, snap: JourneySnapshot, _: Mechanism) -> SequenceView:
    return evolve(view, outcome=_outcome(snap))


def _as_is(view: SequenceView, snap: JourneySnapshot, _: Mechanism) -> SequenceView:
    return view


#: The fields each phase carries beyond phase and mechanism (spec §1.4), as data.
_PHASE_FIELDS: Mapping[SequencePhase, _Fields] = {
    P.SCHEDULED: _scheduled,
    P.GRANTED: _granted,
    P.ENDED: _ended,
}


def sequence_view_of(snapshot: JourneySnapshot) -> SequenceView:
    """The routed sequence of a snapshot as a :class:`SequenceView` value.

    Usage: ``sequence_view_of(snap).phase`` -> ``"participating"``
    """
    ctx = snapshot.context
    mechanism = _mechanism(snapshot)
    phase = _phase(snapshot, mechanism)
    if mechanism is None or phase is P.UNAVAILABLE:
        return SequenceView(phase=P.UNAVAILABLE, sequence_id=ctx.sequence_id,
                            sequence_name=ctx.sequence_name)
    base = SequenceView(
        phase=phase, mechanism=mechanism, sequence_id=ctx.sequence_id,
        sequence_name=ctx.sequence_name,
        distribution_id=ctx.distribution.id if ctx.distribution else None,
        actions=_names(snapshot, waitlist=False),
    )
    return _PHASE_FIELDS.get(phase, _as_is)(base, snapshot, mechanism)


def view_of(snapshot: JourneySnapshot) -> JourneyView:
    """The current SDK's ``JourneyView`` of one snapshot (a pure function: same snapshot, same
    view; a poll that only moves the queue position leaves the view equal).

    Usage: ``view_of(journey.state.get()).journey_stage`` -> ``"routed"``
    """
    ctx = snapshot.context
    stage = journey_stage_of(snapshot)
    actions = rules.view_stage_actions(stage.value, _facts(snapshot))
    error = ctx.last_error
    if stage is V.GATED:
        gates = tuple(_gate(r) for r in snapshot.requirements)
        return JourneyView(journey_stage=stage, experience_id=ctx.experience_id, gates=gates,
                           error=error, actions=actions)
    if stage is V.ROUTED:
        no_access = snapshot.journey_stage is JS.ROUTING
        sequence = (SequenceView(phase=P.UNAVAILABLE) if no_access
                    else sequence_view_of(snapshot))
        return JourneyView(journey_stage=stage, experience_id=ctx.experience_id,
                           sequence=sequence, offers=ctx.offers, error=error, actions=actions)
    return JourneyView(journey_stage=stage, experience_id=ctx.experience_id, error=error,
                       actions=actions)


def display_of(snapshot: JourneySnapshot) -> ParticipatingDisplay | None:
    """The live participating data (``sequence.display``), None outside ``participating``.

    Usage: ``display_of(snap).position`` -> ``3``
    """
    view = sequence_view_of(snapshot) if journey_stage_of(snapshot) is V.ROUTED else None
    if view is None or view.phase is not P.PARTICIPATING or view.mechanism is None:
        return None
    ctx = snapshot.context
    participation = ctx.participation
    return ParticipatingDisplay(
        mechanism=view.mechanism,
        status=participation.status if participation is not None else None,
        position=None if ctx.position_display_mode == QUALITATIVE else ctx.position,
        estimated_wait_seconds=ctx.estimated_wait_seconds,
        current_bid=ctx.current_bid, highest_bid=ctx.highest_bid,
        slot_id=participation.slot_id if participation is not None else None,
        location_id=participation.location_id if participation is not None else None,
        position_display_mode=ctx.position_display_mode,
    )
