"""``GET /consumers/me``: the gen C projection of the consumer's active journeys (a
sequence in one of seven phases) and waitlists.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, TypeAlias

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    DistributionLifecycle,
    DistributionType,
    OutcomeType,
    SequencePhase,
)
from fanfare_rx.models.wire.routing import Gate, OfferGated

__all__ = [
    "PHASE_REQUIRES", "ActiveJourneys", "ConsumerMe", "ConsumerProjection",
    "DistributionProjection", "GatedJourneyProjection", "GrantProjection", "JourneyProjection",
    "OutcomeProjection", "RoutedJourneyProjection", "SelectedRef", "SequenceProjection",
    "WaitlistProjection",
]


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
    position: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.ge(0)))
    admission_grant: str | None = _secret()
    denied_reason: str | None = None
    distribution_id: str | None = None
    entered_at: datetime | None = None
    granted_at: datetime | None = None
    id: str | None = None
    current_bid: Decimal | None = None
    highest_bid: Decimal | None = None
    #: Appointment only: the booked slot and location, and when the booking changed state.
    slot_id: str | None = None
    location_id: str | None = None
    booked_at: datetime | None = None
    cancelled_at: datetime | None = None
    checked_in_at: datetime | None = None
    completed_at: datetime | None = None
    no_show_at: datetime | None = None


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
        missing = [name for name in PHASE_REQUIRES[self.phase] if getattr(self, name) is None]
        if missing:
            raise ValueError(f"phase {self.phase.value!r} requires {', '.join(missing)}")
        if self.phase is SequencePhase.SETTLING and self.mechanism not in (
            DistributionType.DRAW,
            DistributionType.AUCTION,
        ):
            raise ValueError("phase 'settling' exists only for draw and auction")
        if self.phase is SequencePhase.GRANTED and self.mechanism is DistributionType.APPOINTMENT:
            raise ValueError("phase 'granted' never applies to appointments")


PHASE_REQUIRES: dict[SequencePhase, tuple[str, ...]] = {
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
