"""Wire models: the gen C Consumer API bodies a journey reads and the sandbox writes.

Plain frozen attrs classes with snake_case names; the camelCase wire format, ISO datetimes,
decimal-string money, gen A/B aliases and the tagged unions are registered once on the
converter in :mod:`fanfare_rx.wire.codec`. Secrets are redacted in every repr.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeAlias

import attrs

from fanfare_rx._redact import redact

__all__ = [
    "AccessCodeGate",
    "ActiveJourneys",
    "Availability",
    "ArchivedStatusRequest",
    "ArchivedStatusResult",
    "Auction",
    "AuctionConsumerState",
    "AuctionEnterResult",
    "AuctionStatus",
    "AuthenticationGate",
    "BidRequest",
    "BotChallenge",
    "BotCheckGate",
    "BotMitigation",
    "ChallengeVerifyRequest",
    "ChallengeVerifyResult",
    "ConsumerMe",
    "ConsumerProjection",
    "DistributionLifecycle",
    "DistributionProjection",
    "DistributionType",
    "Draw",
    "DrawCompleted",
    "DrawConsumerState",
    "DrawDenied",
    "DrawEntered",
    "DrawNotEntered",
    "DrawStatus",
    "DrawWon",
    "ExperienceEntered",
    "ExperienceLeft",
    "Experience",
    "Gate",
    "GateType",
    "GatedJourneyProjection",
    "GrantProjection",
    "HighestBid",
    "JourneyProjection",
    "OfferGated",
    "OtpRequest",
    "OtpRequestResult",
    "OtpVerify",
    "ExternalExchange",
    "OutcomeProjection",
    "OutcomeType",
    "Queue",
    "QueueCompleted",
    "QueueConsumerState",
    "QueueDenied",
    "QueueGranted",
    "QueueLeft",
    "QueueNotQueued",
    "QueueAdmitRequest",
    "QueueDenyRequest",
    "QueueQueued",
    "QueueStatus",
    "Reason",
    "ReasonCode",
    "RefreshRequest",
    "RefreshResult",
    "RouteNoAccess",
    "RouteOutcome",
    "RouteRequest",
    "RouteResult",
    "RouteGated",
    "RouteRouted",
    "RoutedJourneyProjection",
    "Selected",
    "Sequence",
    "SequencePhase",
    "SequenceProjection",
    "SequenceRef",
    "SelectedRef",
    "SessionEnvelope",
    "SessionInfo",
    "SessionType",
    "SuccessResult",
    "TimedRelease",
    "TimedReleaseConsumerState",
    "TimedReleaseEnterRequest",
    "TimedReleaseStatus",
    "WaitlistEntry",
    "WaitlistLeft",
    "WaitlistProjection",
    "WaitlistRef",
    "WaitlistStatus",
    "WireError",
    "ValidationIssue",
]


def _secret() -> Any:
    """An optional secret field: redacted in repr."""
    return attrs.field(default=None, repr=redact)


# --------------------------------------------------------------------------------------------
# Enums (exact wire values)


class SessionType(enum.StrEnum):
    GUEST = "guest"
    AUTHENTICATED = "authenticated"


class DistributionType(enum.StrEnum):
    QUEUE = "queue"
    DRAW = "draw"
    AUCTION = "auction"
    TIMED_RELEASE = "timed_release"
    APPOINTMENT = "appointment"


class RouteOutcome(enum.StrEnum):
    ROUTED = "routed"
    GATED = "gated"
    NO_ACCESS = "no_access"


class GateType(enum.StrEnum):
    AUTHENTICATION = "authentication"
    ACCESS_CODE = "access_code"
    BOT_CHECK = "bot_check"


class ReasonCode(enum.StrEnum):
    NO_SEQUENCES = "NO_SEQUENCES"
    NO_ACCESS = "NO_ACCESS"
    AUTH_REQUIRED = "AUTH_REQUIRED"
    ACCESS_CODE_REQUIRED = "ACCESS_CODE_REQUIRED"
    ACCESS_CODE_INVALID = "ACCESS_CODE_INVALID"
    AUDIENCE_NOT_MEMBER = "AUDIENCE_NOT_MEMBER"
    BOT_REQUIRED = "BOT_REQUIRED"
    BOT_BLOCKED = "BOT_BLOCKED"


class Availability(enum.StrEnum):
    OPEN = "open"
    UPCOMING = "upcoming"
    WAITLIST = "waitlist"
    CLOSED = "closed"


class QueueStatus(enum.StrEnum):
    """Queue consumer status (gen C); gen A/B ``ADMITTED`` decodes as ``GRANTED``."""

    NOT_QUEUED = "NOT_QUEUED"
    QUEUED = "QUEUED"
    GRANTED = "GRANTED"
    LEFT = "LEFT"
    DENIED = "DENIED"
    COMPLETED = "COMPLETED"


class DrawStatus(enum.StrEnum):
    NOT_ENTERED = "NOT_ENTERED"
    ENTERED = "ENTERED"
    WON = "WON"
    COMPLETED = "COMPLETED"
    DENIED = "DENIED"


class AuctionStatus(enum.StrEnum):
    """Auction bid status; gen A ``ACTIVE`` decodes as ``BIDDING``, ``BID_WON``/``BID_LOST``
    as ``WON``/``LOST``."""

    NOT_BID = "NOT_BID"
    BIDDING = "BIDDING"
    WINNING = "WINNING"
    OUTBID = "OUTBID"
    WON = "WON"
    LOST = "LOST"


class TimedReleaseStatus(enum.StrEnum):
    """Timed-release consumer status (free string in OpenAPI; values of the old SDK types and
    the gen C projection, upper-cased). ``GRANTED`` is the sandbox's and the projection's
    name for an entry that holds an admission grant."""

    NOT_ENTERED = "NOT_ENTERED"
    ENTERED = "ENTERED"
    GRANTED = "GRANTED"
    COMPLETED = "COMPLETED"
    DENIED = "DENIED"
    LEFT = "LEFT"


class SequencePhase(enum.StrEnum):
    UNAVAILABLE = "unavailable"
    SCHEDULED = "scheduled"
    ENTERABLE = "enterable"
    PARTICIPATING = "participating"
    SETTLING = "settling"
    GRANTED = "granted"
    ENDED = "ended"


class DistributionLifecycle(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    SETTLING = "settling"
    CLOSED = "closed"


class OutcomeType(enum.StrEnum):
    WON = "won"
    LOST = "lost"
    COMPLETED = "completed"
    DENIED = "denied"
    LEFT = "left"
    EXPIRED = "expired"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# --------------------------------------------------------------------------------------------
# Auth


@attrs.frozen
class SessionInfo:
    type: SessionType
    consumer_id: str
    expires_at: datetime
    email: str | None = None
    phone: str | None = None
    guest_id: str | None = None


@attrs.frozen
class SessionEnvelope:
    """Returned by ``POST /auth/guest``, ``/auth/otp/verify`` and ``/auth/external/exchange``."""

    session: SessionInfo
    access_token: str = attrs.field(repr=redact)
    refresh_token: str | None = _secret()
    refresh_token_ttl_seconds: int | None = None
    beacon_token: str | None = _secret()


@attrs.frozen
class RefreshRequest:
    refresh_token: str | None = _secret()


@attrs.frozen
class RefreshResult:
    """``POST /auth/refresh``: the refresh token rotates on every call."""

    access_token: str = attrs.field(repr=redact)
    refresh_token: str | None = _secret()
    refresh_token_ttl_seconds: int | None = None
    access_token_expires_at: datetime | None = None
    beacon_token: str | None = _secret()


@attrs.frozen
class OtpRequest:
    email: str | None = None
    phone: str | None = None
    default_country: str | None = None
    name: str | None = None


@attrs.frozen
class OtpRequestResult:
    ok: bool


@attrs.frozen
class OtpVerify:
    code: str = attrs.field(repr=redact)
    email: str | None = None
    phone: str | None = None
    default_country: str | None = None


@attrs.frozen
class ExternalExchange:
    exchange_code: str = attrs.field(repr=redact)


# --------------------------------------------------------------------------------------------
# Experiences and distributions


@attrs.frozen
class Queue:
    """A queue: the sequence item of ``GET /experiences/{id}`` and the body of
    ``GET /queues/{id}`` (the latter also fills the resource fields)."""

    id: str
    time_zone: str
    admit_rate: float
    supports_guest: bool
    admission_expiration_seconds: int | None = None
    capacity: int | None = None
    max_admissions: int | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    loyalty_bias_enabled: bool | None = None
    status_override: str | None = None
    organization_id: str | None = None
    sequence_id: str | None = None
    name: str | None = None
    archived: bool | None = None
    created_at: datetime | None = None
    created_by: str | None = None


@attrs.frozen
class Draw:
    id: str
    time_zone: str
    draw_at: datetime
    supports_guest: bool
    capacity: int | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    continue_selecting_until_completed: bool | None = None
    loyalty_bias_enabled: bool | None = None
    status_override: str | None = None
    winner_count: int | None = None
    admission_expiration_seconds: int | None = None
    sequence_id: str | None = None
    name: str | None = None


@attrs.frozen
class Auction:
    id: str
    time_zone: str
    settle_at: datetime
    currency_code: str
    auction_type: str | None = None
    auto_extend_seconds: int | None = None
    open_at: datetime | None = None
    close_at: datetime | None = None
    start_price: Decimal | None = None
    reserve_price: Decimal | None = None
    min_bid_increment: Decimal | None = None
    quantity: int | None = None
    status_override: str | None = None
    admission_expiration_seconds: int | None = None
    sequence_id: str | None = None
    name: str | None = None


@attrs.frozen
class TimedRelease:
    """A timed release. Gen C experiences carry no ``timedReleases`` array; gen A did, and the
    sandbox serves it there so a journey can find one."""

    id: str
    time_zone: str
    supports_guest: bool
    open_at: datetime | None = None
    close_at: datetime | None = None
    status_override: str | None = None
    admission_expiration_seconds: int | None = None
    sequence_id: str | None = None
    name: str | None = None


@attrs.frozen
class WaitlistRef:
    id: str
    capacity: int | None = None


@attrs.frozen
class Sequence:
    id: str
    name: str
    priority: float
    audience_id: str | None = None
    experience_id: str | None = None
    queues: tuple[Queue, ...] | None = None
    draws: tuple[Draw, ...] | None = None
    auctions: tuple[Auction, ...] | None = None
    timed_releases: tuple[TimedRelease, ...] | None = None
    waitlist: WaitlistRef | None = None


@attrs.frozen
class Experience:
    """``GET /experiences/{id}`` (products, theme and i18n are not modelled and are ignored)."""

    id: str
    name: str
    time_zone: str
    currency_code: str
    open_at: datetime | None = None
    close_at: datetime | None = None
    has_protected_sequences: bool | None = None
    sequences: tuple[Sequence, ...] | None = None


@attrs.frozen
class ExperienceEntered:
    experience_id: str
    entered_at: datetime
    experience: Experience


@attrs.frozen
class ExperienceLeft:
    left: bool


@attrs.frozen
class ArchivedStatusRequest:
    experience_ids: tuple[str, ...]


@attrs.frozen
class ArchivedStatusResult:
    live_experience_ids: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Routing


@attrs.frozen
class RouteRequest:
    access_code: str | None = _secret()


@attrs.frozen
class Reason:
    code: ReasonCode
    detail: str | None = None


@attrs.frozen
class SequenceRef:
    id: str
    name: str
    experience_id: str
    priority: float
    color: str | None
    availability: Availability | None = None


@attrs.frozen
class BotChallenge:
    id: str
    provider: str
    type: str
    iframe_url: str
    expires_at: datetime


@attrs.frozen
class BotMitigation:
    attempts_remaining: int | None = None
    blocked_until: datetime | None = None
    message: str | None = None


@attrs.frozen
class AuthenticationGate:
    TYPE: ClassVar[GateType] = GateType.AUTHENTICATION
    status: str
    reason: Reason


@attrs.frozen
class AccessCodeGate:
    """``status`` is ``missing`` or ``invalid``."""

    TYPE: ClassVar[GateType] = GateType.ACCESS_CODE
    status: str
    reason: Reason


@attrs.frozen
class BotCheckGate:
    """``status`` is ``required`` or ``blocked``."""

    TYPE: ClassVar[GateType] = GateType.BOT_CHECK
    status: str
    reason: Reason
    challenge: BotChallenge | None = None
    mitigation: BotMitigation | None = None


@attrs.frozen
class ChallengeVerifyRequest:
    """``POST /challenges/verify`` (sandbox-defined: Fanfare documents no verification
    endpoint): the bot-check challenge id and the provider's token."""

    challenge_id: str
    token: str = attrs.field(repr=redact)


@attrs.frozen
class ChallengeVerifyResult:
    verified: bool


Gate: TypeAlias = AuthenticationGate | AccessCodeGate | BotCheckGate


@attrs.frozen
class Selected:
    status: str
    sequence: SequenceRef
    gates: tuple[Gate, ...] = ()
    reasons: tuple[Reason, ...] = ()
    sequence_capability_grant: str | None = _secret()
    sequence_capability_grant_expires_at: datetime | None = None


@attrs.frozen
class OfferGated:
    sequence: SequenceRef
    gates: tuple[Gate, ...] = ()
    reasons: tuple[Reason, ...] = ()
    status: str = "gated"
    sequence_capability_grant: str | None = _secret()
    sequence_capability_grant_expires_at: datetime | None = None


@attrs.frozen
class RouteRouted:
    OUTCOME: ClassVar[RouteOutcome] = RouteOutcome.ROUTED
    experience_id: str
    selected: Selected
    offers: tuple[OfferGated, ...] = ()
    outcome_reasons: tuple[Reason, ...] = ()
    schema_version: int = 1


@attrs.frozen
class RouteGated:
    OUTCOME: ClassVar[RouteOutcome] = RouteOutcome.GATED
    experience_id: str
    selected: Selected
    offers: tuple[OfferGated, ...] = ()
    outcome_reasons: tuple[Reason, ...] = ()
    schema_version: int = 1


@attrs.frozen
class RouteNoAccess:
    OUTCOME: ClassVar[RouteOutcome] = RouteOutcome.NO_ACCESS
    experience_id: str
    offers: tuple[OfferGated, ...] = ()
    outcome_reasons: tuple[Reason, ...] = ()
    schema_version: int = 1


RouteResult: TypeAlias = RouteRouted | RouteGated | RouteNoAccess


# --------------------------------------------------------------------------------------------
# Consumer states per distribution type


@attrs.frozen
class QueueQueued:
    STATUS: ClassVar[QueueStatus] = QueueStatus.QUEUED
    position: int
    estimated_wait_time_in_seconds: float
    position_display_mode: str | None = None


@attrs.frozen
class QueueNotQueued:
    STATUS: ClassVar[QueueStatus] = QueueStatus.NOT_QUEUED
    dequeued_at: datetime | None = None
    position: int | None = None


@attrs.frozen
class QueueLeft:
    STATUS: ClassVar[QueueStatus] = QueueStatus.LEFT
    dequeued_at: datetime | None = None
    position: int | None = None


@attrs.frozen
class QueueGranted:
    STATUS: ClassVar[QueueStatus] = QueueStatus.GRANTED
    admission_grant: str = attrs.field(repr=redact)
    dequeued_at: datetime | None = None
    expires_at: datetime | None = None
    position: int | None = None


@attrs.frozen
class QueueCompleted:
    STATUS: ClassVar[QueueStatus] = QueueStatus.COMPLETED
    completed_at: datetime | None = None
    position: int | None = None
    admission_grant: str | None = _secret()


@attrs.frozen
class QueueDenied:
    STATUS: ClassVar[QueueStatus] = QueueStatus.DENIED
    reason: str
    dequeued_at: datetime | None = None
    position: int | None = None


@attrs.frozen
class QueueAdmitRequest:
    """``POST /queues/{id}/admit`` (secret key)."""

    consumer_id: str


@attrs.frozen
class QueueDenyRequest:
    """``POST /queues/{id}/deny`` (secret key); ``reason`` is one of the REST deny reasons."""

    consumer_id: str
    reason: str


QueueConsumerState: TypeAlias = (
    QueueQueued | QueueNotQueued | QueueLeft | QueueGranted | QueueCompleted | QueueDenied
)


@attrs.frozen
class DrawNotEntered:
    STATUS: ClassVar[DrawStatus] = DrawStatus.NOT_ENTERED


@attrs.frozen
class DrawEntered:
    STATUS: ClassVar[DrawStatus] = DrawStatus.ENTERED
    entered_at: datetime | None = None


@attrs.frozen
class DrawWon:
    STATUS: ClassVar[DrawStatus] = DrawStatus.WON
    admission_grant: str = attrs.field(repr=redact)
    won_at: datetime | None = None
    expires_at: datetime | None = None
    selected_product_id: str | None = None


@attrs.frozen
class DrawCompleted:
    STATUS: ClassVar[DrawStatus] = DrawStatus.COMPLETED
    completed_at: datetime | None = None
    admission_grant: str | None = _secret()


@attrs.frozen
class DrawDenied:
    STATUS: ClassVar[DrawStatus] = DrawStatus.DENIED
    reason: str
    denied_at: datetime | None = None


DrawConsumerState: TypeAlias = DrawNotEntered | DrawEntered | DrawWon | DrawCompleted | DrawDenied


@attrs.frozen
class AuctionConsumerState:
    """``BidState``: one shape for every status (the grant is present once ``WON``)."""

    status: AuctionStatus
    admission_grant: str | None = _secret()
    bid_count: int | None = None
    last_bid_amount: Decimal | None = None
    winning_bid_amount: Decimal | None = None
    expires_at: datetime | None = None
    highest_bid: Decimal | None = None


@attrs.frozen
class AuctionEnterResult:
    success: bool


@attrs.frozen
class BidRequest:
    amount: Decimal | None = None


@attrs.frozen
class HighestBid:
    amount: Decimal | None = None


@attrs.frozen
class TimedReleaseConsumerState:
    status: TimedReleaseStatus
    admission_grant: str | None = _secret()
    entered_at: datetime | None = None
    completed_at: datetime | None = None
    left_at: datetime | None = None
    selected_variant_id: str | None = None
    expires_at: datetime | None = None
    reason: str | None = None


@attrs.frozen
class TimedReleaseEnterRequest:
    variant_id: str | None = None


@attrs.frozen
class SuccessResult:
    """``{success}`` answers (auction enter, timed-release leave and complete)."""

    success: bool
    admission_grant: str | None = _secret()


@attrs.frozen
class WaitlistEntry:
    """``POST /waitlists/{id}/enter``."""

    id: str
    waitlist_id: str
    sequence_id: str
    consumer_id: str
    entered_at: datetime


@attrs.frozen
class WaitlistLeft:
    left: bool


@attrs.frozen
class WaitlistStatus:
    waitlist_id: str
    is_entered: bool
    entered_at: datetime | None = None
    sequence_id: str | None = None


# --------------------------------------------------------------------------------------------
# GET /consumers/me (gen C projection)


@attrs.frozen
class DistributionProjection:
    type: DistributionType
    id: str
    sequence_id: str
    lifecycle: DistributionLifecycle
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    settles_at: datetime | None = None
    starts_at: datetime | None = None


@attrs.frozen
class ConsumerProjection:
    """Per-mechanism consumer record; ``status`` is lower-case (``queued``, ``won`` ...)."""

    status: str
    position: int | None = None
    admission_grant: str | None = _secret()
    denied_reason: str | None = None
    distribution_id: str | None = None
    entered_at: datetime | None = None
    granted_at: datetime | None = None
    id: str | None = None
    current_bid: Decimal | None = None
    highest_bid: Decimal | None = None


@attrs.frozen
class GrantProjection:
    token: str = attrs.field(repr=redact)
    distribution_type: DistributionType = attrs.field(default=DistributionType.QUEUE)
    distribution_id: str = ""
    sequence_id: str = ""
    experience_id: str = ""
    expires_at: datetime | None = None
    issued_at: datetime | None = None


@attrs.frozen
class OutcomeProjection:
    type: OutcomeType
    at: datetime | None = None
    distribution_id: str | None = None
    distribution_type: DistributionType | None = None
    reason: str | None = None


@attrs.frozen
class SequenceProjection:
    """A routed journey's sequence in one of seven ``phase`` values; the schema's required
    fields per phase are checked on decode."""

    phase: SequencePhase
    mechanism: DistributionType | None = None
    distribution: DistributionProjection | None = None
    consumer: ConsumerProjection | None = None
    grant: GrantProjection | None = None
    outcome: OutcomeProjection | None = None
    reason: str | None = None

    def __attrs_post_init__(self) -> None:
        missing = [name for name in _PHASE_REQUIRES[self.phase] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"phase {self.phase.value!r} requires {', '.join(missing)}")
        if self.phase is SequencePhase.SETTLING and self.mechanism not in (
            DistributionType.DRAW,
            DistributionType.AUCTION,
        ):
            raise ValueError("phase 'settling' exists only for draw and auction")
        if self.phase is SequencePhase.GRANTED and self.mechanism is DistributionType.APPOINTMENT:
            raise ValueError("phase 'granted' never applies to appointments")


_PHASE_REQUIRES: dict[SequencePhase, tuple[str, ...]] = {
    SequencePhase.UNAVAILABLE: (),
    SequencePhase.SCHEDULED: ("mechanism", "distribution"),
    SequencePhase.ENTERABLE: ("mechanism", "distribution", "consumer"),
    SequencePhase.PARTICIPATING: ("mechanism", "distribution", "consumer"),
    SequencePhase.SETTLING: ("mechanism", "distribution", "consumer"),
    SequencePhase.GRANTED: ("mechanism", "distribution", "consumer", "grant"),
    SequencePhase.ENDED: ("mechanism", "distribution", "consumer", "outcome"),
}


@attrs.frozen
class SelectedRef:
    sequence_id: str


@attrs.frozen
class GatedJourneyProjection:
    JOURNEY_STAGE: ClassVar[str] = "gated"
    experience_id: str
    gates: tuple[Gate, ...] = ()
    selected: SelectedRef | None = None
    updated_at: datetime | None = None


@attrs.frozen
class RoutedJourneyProjection:
    JOURNEY_STAGE: ClassVar[str] = "routed"
    experience_id: str
    sequence_id: str
    sequence: SequenceProjection
    offers: tuple[OfferGated, ...] = ()
    updated_at: datetime | None = None


JourneyProjection: TypeAlias = GatedJourneyProjection | RoutedJourneyProjection


@attrs.frozen
class ActiveJourneys:
    journeys: tuple[JourneyProjection, ...] = ()


@attrs.frozen
class WaitlistProjection:
    waitlist_id: str
    sequence_id: str
    experience_id: str
    entered_at: datetime | None = None
    position: int | None = None


@attrs.frozen
class ConsumerMe:
    """``GET /consumers/me`` (gen C): the active journeys and waitlists, no profile fields."""

    active: ActiveJourneys
    waitlists: tuple[WaitlistProjection, ...] = ()

    def journey_for(self, experience_id: str) -> JourneyProjection | None:
        """The projection for one experience, if the consumer has one.

        Usage: ``me.journey_for("exp-1")``
        """
        for journey in self.active.journeys:
            if journey.experience_id == experience_id:
                return journey
        return None


# --------------------------------------------------------------------------------------------
# Error bodies (a client must accept every shape of spec §3.1)


@attrs.frozen
class ValidationIssue:
    message: str
    kind: str | None = None
    type: str | None = None
    expected: str | None = None
    received: str | None = None
    path: tuple[Any, ...] | None = None
    code: str | None = None


@attrs.frozen
class WireError:
    """Any error body: ``{"error", "issues"}``, ``{"error"}``, structured ``{"code", ...}``,
    the troubleshooting ``{"error", "message", "code", "details"}`` and rate-limit bodies;
    ``support`` and ``valid`` come with the structured and device-fingerprint bodies."""

    error: str | None = None
    message: str | None = None
    code: str | None = None
    action: str | None = None
    issues: tuple[ValidationIssue, ...] | None = None
    details: Any = None
    request_id: str | None = None
    retry_after: float | None = None
    support: Any = None
    valid: bool | None = None
