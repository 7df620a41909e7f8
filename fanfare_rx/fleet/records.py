"""What crosses from a fleet's workers to its driver: slim shopper states, journey events,
per-shopper results and the batches that carry them (no secret leaves a worker).
"""

from __future__ import annotations

import math

import attrs

from fanfare_rx.errors import ConfigError
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import JourneyEvent, JourneySnapshot, JourneyStage, SequenceStage
from fanfare_rx.wire.config import check_base_url, check_credentials

__all__ = [
    "Batch",
    "FleetTarget",
    "ShopperChange",
    "ShopperEvent",
    "ShopperResult",
    "ShopperState",
    "ShopperTiming",
]


@attrs.frozen
class FleetTarget:
    """Where every shopper of a fleet goes: the Consumer API and the experience.

    Usage: ``FleetTarget(sandbox.base_url, sandbox.organization_id, sandbox.publishable_key,
    experience_id=sandbox.experiences["queue"])``
    """

    base_url: str
    organization_id: str
    publishable_key: str = attrs.field(repr=redact)
    experience_id: str
    timeout: float = 30.0

    def __attrs_post_init__(self) -> None:
        # The checks every shopper's client would make, made once here for the whole fleet.
        check_base_url(self.base_url)
        check_credentials(organization_id=self.organization_id,
                          publishable_key=self.publishable_key)
        if not isinstance(self.experience_id, str) or not self.experience_id:
            raise ConfigError("FleetTarget.experience_id must be a non-empty string")
        timeout = self.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (
                math.isfinite(timeout) and timeout > 0):
            raise ConfigError(f"FleetTarget.timeout must be a positive number of seconds, "
                              f"got {timeout!r}")


@attrs.frozen
class ShopperState:
    """The part of a journey snapshot a fleet reports: stages, revision, place in line.
    The admission token and the access code stay in the worker.

    Usage: ``ShopperState.of(journey.state.get()).sequence_stage``
    """

    journey_stage: JourneyStage
    sequence_stage: SequenceStage
    revision: int
    position: int | None = None
    estimated_wait_seconds: float | None = None
    outcome: str | None = None
    last_error: str | None = None

    @classmethod
    def of(cls, snapshot: JourneySnapshot) -> ShopperState:
        context = snapshot.context
        return cls(snapshot.journey_stage, snapshot.sequence_stage, snapshot.revision,
                   context.position, context.estimated_wait_seconds, context.outcome,
                   context.last_error)


@attrs.frozen
class ShopperChange:
    """A shopper's latest state in one reporting interval (earlier ones in the same interval
    are coalesced away); ``at`` is seconds since the fleet started.

    Usage: ``fleet.changes.subscribe(lambda c: print(c.shopper_id, c.state.position))``
    """

    shopper_id: str
    at: float
    state: ShopperState


@attrs.frozen
class ShopperEvent:
    """A journey event of one shopper (every one, in order), ``at`` seconds since the start.

    Usage: ``fleet.events.subscribe(lambda e: print(e.shopper_id, e.event.message))``
    """

    shopper_id: str
    at: float
    event: JourneyEvent


@attrs.frozen
class ShopperTiming:
    """When one shopper's journey did what the drop lab measures (seconds since the fleet
    started, as its worker saw each snapshot): first seen taking part (``entered_at``), the
    server's first wait estimate then (``predicted_wait``), first admitted (``admitted_at``),
    and whether its grant ended expired before it was claimed (``grant_expired``; also for a
    grant the journey first saw already expired).

    Usage: ``result.timing.admitted_at - result.timing.entered_at``
    """

    entered_at: float | None = None
    predicted_wait: float | None = None
    admitted_at: float | None = None
    grant_expired: bool = False

    @property
    def actual_wait(self) -> float | None:
        """Seconds from taking part to admission (None unless both happened)."""
        if self.entered_at is None or self.admitted_at is None:
            return None
        return round(self.admitted_at - self.entered_at, 3)


@attrs.frozen
class ShopperResult:
    """How one shopper's behaviour ended: its outcome (the string the behaviour returned, or
    its last sequence stage), whether it was ever admitted, the error if it raised, and its
    :class:`ShopperTiming`.

    Usage: ``result.outcome == "admitted"``
    """

    shopper_id: str
    at: float
    outcome: str
    admitted: bool
    error: str | None = None
    timing: ShopperTiming = ShopperTiming()


@attrs.frozen
class Batch:
    """What one worker reports per interval: coalesced changes, events, finished shoppers,
    how many shoppers it started, how many it resumed for a lost worker, its CPU seconds so far, and whether it is done.

    Usage: ``summary_fold.add(worker.drain())``
    """

    worker: int
    changes: tuple[ShopperChange, ...] = ()
    events: tuple[ShopperEvent, ...] = ()
    results: tuple[ShopperResult, ...] = ()
    started: int = 0
    cpu_seconds: float = 0.0
    done: bool = False
    resumed: int = 0
