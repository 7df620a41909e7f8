"""Experience bodies: the experience with its sequences and distributions, enter/leave,
and the archived-status check.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from fanfare_rx.models.wire.appointment import Appointment

__all__ = [
    "ArchivedStatusRequest", "ArchivedStatusResult", "Auction", "Draw", "Experience",
    "ExperienceEntered", "ExperienceLeft", "Queue", "Sequence", "TimedRelease", "WaitlistRef",
]


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
    #: Not in the gen C auction item; read when a server states it (the docs' default for
    #: auctions is no guests).
    supports_guest: bool | None = None


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
    appointments: tuple[Appointment, ...] | None = None


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
