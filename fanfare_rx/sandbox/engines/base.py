"""What every distribution engine shares: its window on the sandbox clock, signed admission
grants, the per-consumer order limit and the availability/lifecycle vocabulary.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import attrs

from fanfare_rx.models import wire
from fanfare_rx.sandbox.auth import TokenSigner
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.http import ApiError
from fanfare_rx.sandbox.scenario import DistributionSpec

__all__ = ["Engine", "Grant", "Projection", "Timeline", "not_open_yet", "order_limit_reached"]

#: Display names used in error texts ("Queue is not open yet", "Timed release not found").
NOUNS = {"queue": "Queue", "draw": "Draw", "auction": "Auction", "timed_release": "Timed release",
         "appointment": "Appointment"}


@attrs.frozen
class Grant:
    token: str = attrs.field(repr=False)
    issued_at: float
    expires_at: float | None


@attrs.frozen
class Projection:
    """One consumer's standing in a distribution, in the ``/consumers/me`` vocabulary."""

    phase: wire.SequencePhase
    consumer: wire.ConsumerProjection | None = None
    grant: Grant | None = None
    outcome: wire.OutcomeType | None = None
    outcome_at: float | None = None
    reason: str | None = None


@attrs.frozen
class Timeline:
    """What a distribution is doing now and what changes next, at which sandbox time, and
    what follows that change (``Timeline("open for entries", "draws", at, "reopens")``);
    ``next_change`` None: nothing scheduled."""

    doing: str
    next_change: str | None = None
    at: float | None = None
    then: str | None = None


def not_open_yet(noun: str, code: str, opens_at: float) -> ApiError:
    """423 with ``Retry-After: <ISO timestamp>`` of the opening."""
    when = wire_time(opens_at)
    return ApiError(423, {"error": f"{noun} is not open yet", "code": code},
                    headers={"Retry-After": when})


def order_limit_reached() -> ApiError:
    """409 structured ``DISTRIBUTION_ORDER_LIMIT`` (reroute)."""
    return ApiError(409, {"code": "DISTRIBUTION_ORDER_LIMIT",
                          "message": "Entry denied: per-person order limit reached",
                          "action": "reroute"})


def wire_time(epoch: float) -> str:
    text = to_datetime(epoch).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class Engine:
    """Base of the distribution engines; times in ``spec`` are offsets from ``start``."""

    kind = "queue"

    def __init__(self, spec: DistributionSpec, *, start: float, sequence_id: str,
                 experience_id: str, signer: TokenSigner, time_zone: str, now: float) -> None:
        self.spec = spec
        self.id = spec.id
        self.start = start
        self.sequence_id = sequence_id
        self.experience_id = experience_id
        self.signer = signer
        self.time_zone = time_zone
        self.open_at = start + spec.open_at
        self.close_at = None if spec.close_at is None else start + spec.close_at
        self.clock_at = now
        self.entries_made: dict[str, int] = {}

    # --- window -----------------------------------------------------------------------------

    def accepts_entries(self, now: float) -> bool:
        return self.open_at <= now and (self.close_at is None or now < self.close_at)

    def ended(self, now: float) -> bool:
        return self.close_at is not None and now >= self.close_at

    def availability(self, now: float, has_waitlist: bool) -> wire.Availability:
        if self.accepts_entries(now):
            return wire.Availability.OPEN
        if now < self.open_at:
            return wire.Availability.WAITLIST if has_waitlist else wire.Availability.UPCOMING
        return wire.Availability.CLOSED

    def lifecycle(self, now: float) -> wire.DistributionLifecycle:
        if now < self.open_at:
            return wire.DistributionLifecycle.SCHEDULED
        if self.accepts_entries(now):
            return wire.DistributionLifecycle.OPEN
        return wire.DistributionLifecycle.CLOSED

    def dt(self, epoch: float | None) -> datetime | None:
        return None if epoch is None else to_datetime(epoch)

    def distribution_projection(self, now: float) -> wire.DistributionProjection:
        return wire.DistributionProjection(
            type=wire.DistributionType(self.kind), id=self.id, sequence_id=self.sequence_id,
            lifecycle=self.lifecycle(now), opens_at=self.dt(self.open_at),
            closes_at=self.dt(self.close_at), settles_at=self.dt(self.settles_at()))

    def settles_at(self) -> float | None:
        return None

    def timeline(self, now: float) -> Timeline:
        """What the distribution is doing at ``now`` and its next scheduled change."""
        if now < self.open_at:
            return Timeline("upcoming", "opens", self.open_at)
        if self.accepts_entries(now):
            if self.close_at is None:
                return Timeline("open")
            return Timeline("open", "closes", self.close_at)
        return Timeline("closed")

    def closed_detail(self) -> str:
        """Why the distribution takes no one any more (``detail`` of a ``NO_ACCESS`` reason)."""
        return f"{NOUNS[self.kind].lower()} closed"

    # --- participation helpers --------------------------------------------------------------

    def count_entry(self, consumer_id: str) -> None:
        """Enforce ``orderLimit`` (entries per consumer, re-entries included)."""
        made = self.entries_made.get(consumer_id, 0)
        if self.spec.order_limit is not None and made >= self.spec.order_limit:
            raise order_limit_reached()
        self.entries_made[consumer_id] = made + 1

    def issue_grant(self, consumer_id: str, now: float) -> Grant:
        seconds = self.spec.admission_expiration_seconds
        expires = None if seconds is None else now + seconds
        token = self.signer.sign("grt", {"d": self.id, "t": self.kind, "c": consumer_id,
                                         "exp": expires, "n": secrets.token_hex(4)})
        return Grant(token=token, issued_at=now, expires_at=expires)

    def check_guest(self, guest: bool) -> None:
        if guest and not self.spec.supports_guest:
            raise ApiError(403, {"error": "Forbidden – User must be authenticated",
                                 "code": "AUTHENTICATION_REQUIRED"})

    # --- hooks for subclasses ---------------------------------------------------------------

    def advance(self, now: float) -> None:
        self.clock_at = max(self.clock_at, now)

    def model(self) -> Any:
        raise NotImplementedError

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        """None when the consumer never took part."""
        raise NotImplementedError

    def participants(self) -> set[str]:
        raise NotImplementedError

    def has_participant(self, consumer_id: str) -> bool:
        """Whether the consumer took part (O(1) in every engine)."""
        return consumer_id in self.participants()
