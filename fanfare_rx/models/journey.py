"""Journey models: the G1 ``ExperienceJourney`` snapshot types of the SDK docs.

Enums carry the docs' exact values (``snapshot.journey_stage == "routed"`` holds); models are
frozen attrs classes whose collections are tuples; times are epoch milliseconds, so a
snapshot's JSON (see :func:`fanfare_rx.wire.codec.snapshot_to_json`) can be exchanged with
JavaScript unchanged.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.wire import DistributionType

# What a requirement asks for is the wire's gate type: one enum for both.
from fanfare_rx.models.wire.enums import GateType as RequirementType

__all__ = [
    "AuctionTerms",
    "AvailableActions",
    "DistributionStatus",
    "DistributionSummary",
    "EventAudience",
    "EventKind",
    "EventSeverity",
    "ExperienceSession",
    "JourneyAction",
    "JourneyContext",
    "JourneyEvent",
    "JourneySnapshot",
    "JourneyStage",
    "Offer",
    "Participation",
    "ParticipationType",
    "Requirement",
    "RequirementType",
    "SequenceAction",
    "SequenceStage",
]


class JourneyStage(enum.StrEnum):
    """Where the journey is on its way to a sequence (spec §3.2)."""

    NOT_STARTED = "not_started"
    ENTERING = "entering"
    NEEDS_AUTH = "needs_auth"
    NEEDS_ACCESS_CODE = "needs_access_code"
    ROUTING = "routing"
    ROUTED = "routed"


class SequenceStage(enum.StrEnum):
    """Where the consumer is inside the routed sequence's distribution (spec §3.2)."""

    NONE = "none"
    UPCOMING = "upcoming"
    WAITLIST_ENTERED = "waitlist_entered"
    ACTIVE_ENTERABLE = "active_enterable"
    PARTICIPATING = "participating"
    ADMITTED = "admitted"
    ADMISSION_EXPIRED = "admission_expired"
    ENDED = "ended"


class JourneyAction(enum.StrEnum):
    START = "start"
    AUTHENTICATE = "authenticate"
    PROVIDE_ACCESS_CODE = "provide_access_code"
    SKIP_ACCESS_CODE = "skip_access_code"
    REQUEST_REROUTE = "request_reroute"
    RETRY = "retry"
    COMPLETE_BOT_CHECK = "complete_bot_check"
    REFRESH_DISTRIBUTION = "refresh_distribution"


class SequenceAction(enum.StrEnum):
    ENTER_WAITLIST = "enter_waitlist"
    LEAVE_WAITLIST = "leave_waitlist"
    ENTER_QUEUE = "enter_queue"
    ENTER_DRAW = "enter_draw"
    ENTER_AUCTION = "enter_auction"
    ENTER_TIMED_RELEASE = "enter_timed_release"
    COMPLETE_TIMED_RELEASE = "complete_timed_release"
    LEAVE_PARTICIPATION = "leave_participation"




class EventKind(enum.StrEnum):
    REROUTE = "reroute"
    SEQUENCE_CHANGE = "sequence_change"
    DISTRIBUTION_CHANGE = "distribution_change"
    REQUIREMENT = "requirement"
    ERROR = "error"
    INFO = "info"


class EventSeverity(enum.StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


class EventAudience(enum.StrEnum):
    USER = "user"
    SYSTEM = "system"
    ANALYTICS = "analytics"


class ParticipationType(enum.StrEnum):
    """What the consumer is in: a distribution's mechanism (same values as
    :class:`DistributionType`, a test pins them) or the waitlist attached to one."""

    QUEUE = "queue"
    DRAW = "draw"
    AUCTION = "auction"
    WAITLIST = "waitlist"
    TIMED_RELEASE = "timed_release"
    APPOINTMENT = "appointment"


class DistributionStatus(enum.StrEnum):
    """The distribution's timing as the journey last saw it (the route's ``availability`` and
    the ``/consumers/me`` ``lifecycle`` folded into one vocabulary)."""

    UPCOMING = "upcoming"
    OPEN = "open"
    SETTLING = "settling"
    CLOSED = "closed"


@attrs.frozen
class Requirement:
    """Something the consumer must do before routing can finish.

    Usage: ``[r.type for r in journey.requirements.get() if r.required]``
    """

    type: RequirementType
    required: bool = True
    reason: str | None = None
    metadata: Mapping[str, Any] | None = attrs.field(default=None, eq=False, hash=False)


@attrs.frozen
class JourneyEvent:
    """A user-, system- or analytics-facing note the journey emitted (``ts`` in epoch ms).

    Usage: ``journey.latest_event.listen(lambda e: e and toast(e.message))``
    """

    id: str
    ts: int
    kind: EventKind
    severity: EventSeverity
    audience: EventAudience
    message: str
    detail: Mapping[str, Any] | None = attrs.field(default=None, hash=False)

    def _repr_html_(self) -> str:
        """Jupyter: the event as a one-row table (secret details redacted)."""
        from fanfare_rx.models._html import event_html

        return event_html(self)


@attrs.frozen
class Participation:
    """The consumer's entry in a distribution or waitlist."""

    id: str
    type: ParticipationType
    status: str | None = None
    #: Appointment only: the booked slot and its location.
    slot_id: str | None = None
    location_id: str | None = None


@attrs.frozen
class DistributionSummary:
    """The routed sequence's current distribution (times in epoch ms)."""

    type: DistributionType
    id: str
    sequence_id: str | None = None
    status: DistributionStatus | None = None
    opens_at: int | None = None
    closes_at: int | None = None
    settles_at: int | None = None
    waitlist_id: str | None = None
    admission_expiration_seconds: int | None = None
    #: Whether a guest may enter (``supportsGuest``); None where the server does not say.
    supports_guest: bool | None = None


@attrs.frozen
class Offer:
    """A gated sequence the consumer could upgrade to (``routed`` with offers)."""

    sequence_id: str
    name: str
    priority: float
    gates: tuple[RequirementType, ...] = ()


@attrs.frozen
class ExperienceSession:
    """The experience the journey is in (``context.experience`` of the docs; the docs leave
    its shape open: id and name)."""

    experience_id: str
    name: str | None = None


@attrs.frozen
class AvailableActions:
    journey: tuple[JourneyAction, ...] = ()
    sequence: tuple[SequenceAction, ...] = ()


@attrs.frozen
class AuctionTerms:
    """The routed auction's terms as the server states them (money as decimal text with the
    currency's decimals, ``ends_at`` in epoch ms); ``None`` where the server says nothing.

    ``minimum_next_bid`` is ``max(start_price, highest_bid + min_bid_increment)``, computed
    only from the server's numbers (the start price before any bid; unknown when the
    increment is not published).

    Usage: ``journey.context.get().auction.minimum_next_bid`` -> ``'110.00'``
    """

    currency: str | None = None
    start_price: str | None = None
    reserve_price: str | None = None
    min_bid_increment: str | None = None
    minimum_next_bid: str | None = None
    ends_at: int | None = None
    auto_extend_seconds: int | None = None


@attrs.frozen
class JourneyContext:
    """What the journey knows about the experience, sequence and participation.

    The docs' fields (``experience_id`` … ``admittance_expires_at``) come first; the rest
    are what the live view needs (queue position, wait estimate, bids, the auction's terms,
    offers, the outcome).
    Secrets are redacted in the repr.
    """

    experience_id: str
    experience_name: str | None = None
    sequence_id: str | None = None
    sequence_name: str | None = None
    sequence_priority: float | None = None
    distribution: DistributionSummary | None = None
    participation: Participation | None = None
    access_code: str | None = attrs.field(default=None, repr=redact)
    admittance_token: str | None = attrs.field(default=None, repr=redact)
    admittance_expires_at: int | None = None
    access_code_skipped: bool = False
    position: int | None = None
    estimated_wait_seconds: float | None = None
    current_bid: str | None = None
    highest_bid: str | None = None
    waitlist_entered_at: int | None = None
    offers: tuple[Offer, ...] = ()
    outcome: str | None = None
    last_error: str | None = None
    checkout_started: bool = False
    auction: AuctionTerms | None = None
    #: The queue's ``positionDisplayMode``: ``qualitative`` when admission order is not
    #: guaranteed (show progress, not the exact place), ``precise`` or None otherwise.
    position_display_mode: str | None = None

    @property
    def experience(self) -> ExperienceSession:
        """The experience session (``context.experience``), from the id and loaded name.

        Usage: ``journey.context.get().experience.name``
        """
        return ExperienceSession(experience_id=self.experience_id, name=self.experience_name)


@attrs.frozen
class JourneySnapshot:
    """One immutable state of a journey; ``revision`` increments on every change.

    Usage: ``snap = journey.state.get(); snap.sequence_stage == "admitted"``
    """

    journey_stage: JourneyStage
    sequence_stage: SequenceStage
    context: JourneyContext
    revision: int = 0
    updated_at: int = 0
    requirements: tuple[Requirement, ...] = ()
    available_actions: AvailableActions = AvailableActions()
    events: tuple[JourneyEvent, ...] = ()
    last_seen_event_id: str | None = None

    @property
    def latest_event(self) -> JourneyEvent | None:
        """The newest unacknowledged user-facing event (what a toast would show)."""
        seen = -1
        if self.last_seen_event_id is not None:
            for index, event in enumerate(self.events):
                if event.id == self.last_seen_event_id:
                    seen = index
                    break
        for event in reversed(self.events[seen + 1 :]):
            if event.audience is EventAudience.USER:
                return event
        return None

    def _repr_html_(self) -> str:
        """Jupyter: stages as badges, the context (secrets redacted), the last events."""
        from fanfare_rx.models._html import snapshot_html

        return snapshot_html(self)
