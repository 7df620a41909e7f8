"""Locating a sequence's distribution in an experience, and its timing status.

Pure helpers of the reducer: imports only models.
"""

from __future__ import annotations

from datetime import datetime

from fanfare_rx.journey.core.shared import shared
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.mechanisms import registry
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionStatus, DistributionSummary

__all__ = [
    "LIFECYCLE_STATUS",
    "availability_status",
    "distribution_for",
    "find_sequence",
    "from_projection",
    "lists_distributions",
    "ms",
    "summaries",
    "timing_status",
]

DS = DistributionStatus

_AVAILABILITY: dict[wire.Availability, DistributionStatus] = {
    wire.Availability.OPEN: DS.OPEN,
    wire.Availability.UPCOMING: DS.UPCOMING,
    wire.Availability.WAITLIST: DS.UPCOMING,
    wire.Availability.CLOSED: DS.CLOSED,
}


#: The ``/consumers/me`` distribution ``lifecycle`` in the journey's vocabulary.
LIFECYCLE_STATUS: dict[wire.DistributionLifecycle, DistributionStatus] = {
    wire.DistributionLifecycle.SCHEDULED: DS.UPCOMING,
    wire.DistributionLifecycle.OPEN: DS.OPEN,
    wire.DistributionLifecycle.SETTLING: DS.SETTLING,
    wire.DistributionLifecycle.CLOSED: DS.CLOSED,
}


def ms(value: datetime | None) -> int | None:
    """Epoch milliseconds of an aware datetime (None stays None)."""
    return None if value is None else int(value.timestamp() * 1000)


def availability_status(availability: wire.Availability | None) -> DistributionStatus | None:
    """The route's ``availability`` in the journey's vocabulary (``waitlist`` is upcoming)."""
    return None if availability is None else _AVAILABILITY[availability]


def timing_status(opens_at: int | None, closes_at: int | None, at: int) -> DistributionStatus:
    """Open/upcoming/closed from the distribution's window, when the server said nothing."""
    if opens_at is not None and at < opens_at:
        return DS.UPCOMING
    if closes_at is not None and at >= closes_at:
        return DS.CLOSED
    return DS.OPEN


def find_sequence(experience: wire.Experience, sequence_id: str) -> wire.Sequence | None:
    """The sequence ``sequence_id`` of ``experience``, if it has one."""
    return next((s for s in experience.sequences or () if s.id == sequence_id), None)


def summaries(sequence: wire.Sequence) -> list[DistributionSummary]:
    """Every distribution of a sequence, in the order the mechanisms are registered (queues,
    draws, auctions, timed releases, appointments)."""
    waitlist_id = sequence.waitlist.id if sequence.waitlist else None
    found: list[DistributionSummary] = []
    for spec in registry.registered():
        for item in spec.listed(sequence):
            terms = spec.terms(item)
            found.append(DistributionSummary(
                type=spec.kind, id=item.id, sequence_id=sequence.id,
                opens_at=ms(item.open_at), closes_at=ms(item.close_at),
                settles_at=ms(terms.settles_at), waitlist_id=waitlist_id,
                admission_expiration_seconds=terms.admission_expiration_seconds,
                supports_guest=terms.supports_guest,
            ))
    return found


def lists_distributions(sequence: wire.Sequence) -> bool:
    """Whether the experience lists any distribution of ``sequence`` (what :func:`summaries`
    would find something in, without making the summaries).

    Usage: ``if not lists_distributions(sequence): ...  # ask /consumers/me``
    """
    return any(spec.listed(sequence) for spec in registry.registered())


def from_projection(d: wire.DistributionProjection) -> DistributionSummary:
    """A ``/consumers/me`` distribution as the journey's summary.

    Usage: ``from_projection(me.journey_for("exp-1").sequence.distribution)``
    """
    return DistributionSummary(
        type=d.type, id=d.id, sequence_id=d.sequence_id, status=LIFECYCLE_STATUS[d.lifecycle],
        opens_at=ms(d.opens_at), closes_at=ms(d.closes_at), settles_at=ms(d.settles_at),
    )


def _from_me(
    projection: wire.JourneyProjection | None, experience: wire.Experience, sequence_id: str,
    status: DistributionStatus | None,
) -> DistributionSummary | None:
    if not isinstance(projection, wire.RoutedJourneyProjection) or projection.sequence_id != sequence_id:
        return None
    found = projection.sequence.distribution
    if found is None:
        return None
    summary = from_projection(found)
    sequence = find_sequence(experience, sequence_id)
    waitlist_id = sequence.waitlist.id if sequence is not None and sequence.waitlist else None
    return shared(evolve(summary, status=status or summary.status, waitlist_id=waitlist_id))


def distribution_for(
    experience: wire.Experience, sequence_id: str, status: DistributionStatus | None, at: int,
    projection: wire.JourneyProjection | None = None,
) -> DistributionSummary | None:
    """The sequence's current distribution: its first one (a sequence normally has one),
    shared with the journeys that located an equal one.

    ``status`` comes from the server (route availability); the client clock is consulted
    only when the server gave none. A gen C experience lists no timed releases: then the
    ``/consumers/me`` ``projection`` of the journey, if given, names the distribution.

    Usage: ``distribution_for(experience, "seq-1", DistributionStatus.OPEN, now_ms)``
    """
    sequence = find_sequence(experience, sequence_id)
    found = summaries(sequence) if sequence is not None else []
    if not found:
        return _from_me(projection, experience, sequence_id, status)
    summary = found[0]
    return shared(evolve(
        summary, status=status or timing_status(summary.opens_at, summary.closes_at, at)
    ))
