"""The current SDK's (G3) view values: ``JourneyView`` with its stage, gates, offers and
``SequenceView`` (phase × mechanism), as frozen attrs values derived from a G1 snapshot.

Actions live in the values as a frozenset of names, so views compare with ``==`` (marble tests
of views read like snapshot tests); :mod:`fanfare_rx.journey.view` binds them to a journey.
Enum fields accept their string values (``SequenceView(phase="enterable", ...)``).
"""

from __future__ import annotations

import enum

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import Offer, RequirementType

# One enum per concept: the view's phase and outcome are the wire's (the projection's) enums.
from fanfare_rx.models.wire.enums import DistributionType, OutcomeType, SequencePhase

__all__ = [
    "AccessCodeOutcome",
    "AccessCodeSubmitResult",
    "AdmissionGrant",
    "BotMitigation",
    "Gate",
    "JourneyView",
    "JourneyViewStage",
    "Mechanism",
    "Outcome",
    "OutcomeType",
    "ParticipatingDisplay",
    "SequencePhase",
    "SequenceView",
    "WaitlistAttachmentStatus",
    "WaitlistAttachmentView",
]


class JourneyViewStage(enum.StrEnum):
    """The four journey stages of the current SDK (spec §1.3)."""

    READY = "ready"
    ROUTING = "routing"
    GATED = "gated"
    ROUTED = "routed"


#: How a sequence distributes access (a waitlist is an attachment, not a mechanism): the
#: current SDK's name for the wire's distribution type, one enum for both.
Mechanism = DistributionType


class WaitlistAttachmentStatus(enum.StrEnum):
    NOT_WAITLISTED = "not_waitlisted"
    WAITLISTED = "waitlisted"
    NOTIFIED = "notified"


class AccessCodeOutcome(enum.StrEnum):
    """What ``submit_access_code`` did (spec §1.3)."""

    ADVANCED = "advanced"
    UNCHANGED = "unchanged"
    GATED = "gated"


@attrs.frozen
class Gate:
    """A public requirement of a ``gated`` journey (``status``: ``required``, ``missing``,
    ``invalid`` or ``optional``; ``challenge_*`` for a bot check).

    Usage: ``[g.type for g in view.gates]`` -> ``["access_code"]``
    """

    type: RequirementType = attrs.field(converter=RequirementType)
    status: str
    reason: str | None = None
    challenge_id: str | None = None
    challenge_url: str | None = None
    #: A blocked bot check: attempts left, blocked until (epoch ms), the server's message.
    mitigation: BotMitigation | None = None


@attrs.frozen
class BotMitigation:
    """What the server says of a blocked bot check (``gate.mitigation``): attempts left,
    until when it is blocked (epoch ms) and a message to show.

    Usage: ``if gate.mitigation: show(gate.mitigation.message)``
    """

    attempts_remaining: int | None = None
    blocked_until: int | None = None
    message: str | None = None


@attrs.frozen
class AdmissionGrant:
    """The handoff grant of a ``granted`` sequence (single use: never log it or put it in a
    URL; the repr redacts it). Times in epoch ms.

    Usage: ``checkout(view.sequence.claim().token)``
    """

    token: str = attrs.field(repr=redact)
    distribution_type: Mechanism = attrs.field(converter=DistributionType)
    distribution_id: str
    sequence_id: str | None
    experience_id: str
    expires_at: int | None = None
    issued_at: int | None = None


@attrs.frozen
class Outcome:
    """The terminal outcome of an ``ended`` sequence."""

    type: OutcomeType = attrs.field(converter=OutcomeType)
    distribution_id: str | None = None


@attrs.frozen
class WaitlistAttachmentView:
    """The scheduled distribution's waitlist: ``join`` while ``not_waitlisted``, ``leave``
    once on it. Never grants access; gone once the distribution opens."""

    waitlist_id: str
    status: WaitlistAttachmentStatus = attrs.field(converter=WaitlistAttachmentStatus)
    entered_at: int | None = None
    actions: frozenset[str] = frozenset()


@attrs.frozen
class ParticipatingDisplay:
    """Live participating data (``sequence.display``): changes on every poll, so it is a store
    of its own rather than part of the view.

    Usage: ``view.sequence.display.listen(lambda d: print(d.position))``
    """

    mechanism: Mechanism = attrs.field(converter=DistributionType)
    status: str | None = None
    position: int | None = None
    estimated_wait_seconds: float | None = None
    current_bid: str | None = None
    highest_bid: str | None = None
    slot_id: str | None = None
    location_id: str | None = None
    #: ``qualitative``: the server does not guarantee the order, so ``position`` is None and
    #: an app shows progress (the wait estimate) instead of a place.
    position_display_mode: str | None = None


@attrs.frozen
class SequenceView:
    """The routed sequence: ``phase`` × ``mechanism`` with that phase's fields and exactly its
    legal actions (names in ``actions``; ``"enter" in view.sequence`` asks "may I?").

    Usage: ``if view.sequence.phase == "enterable": await live.sequence.enter()``
    """

    phase: SequencePhase = attrs.field(converter=SequencePhase)
    mechanism: Mechanism | None = attrs.field(
        default=None, converter=attrs.converters.optional(DistributionType)
    )
    sequence_id: str | None = None
    sequence_name: str | None = None
    distribution_id: str | None = None
    starts_at: int | None = None
    waitlist: WaitlistAttachmentView | None = None
    grant: AdmissionGrant | None = None
    checkout_started: bool = False
    outcome: Outcome | None = None
    actions: frozenset[str] = frozenset()

    def __contains__(self, action: object) -> bool:
        return action in self.actions


@attrs.frozen
class JourneyView:
    """What to render, as the current SDK's ``view$`` value: one of four stages with that
    stage's fields and action names (``error`` is the last failure's code, if any).

    Usage: ``view = journey.view.get(); view.journey_stage == "routed"``
    """

    journey_stage: JourneyViewStage = attrs.field(converter=JourneyViewStage)
    experience_id: str
    gates: tuple[Gate, ...] = ()
    sequence: SequenceView | None = None
    offers: tuple[Offer, ...] = ()
    error: str | None = None
    actions: frozenset[str] = frozenset()

    def __contains__(self, action: object) -> bool:
        return action in self.actions


@attrs.frozen
class AccessCodeSubmitResult:
    """``submit_access_code``'s answer: ``sequence_id`` is set only when ``advanced``.

    Usage: ``if (await view.submit_access_code(code)).outcome == "advanced": ...``
    """

    outcome: AccessCodeOutcome = attrs.field(converter=AccessCodeOutcome)
    sequence_id: str | None = None
