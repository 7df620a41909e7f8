"""Messages the pure reducer folds: requested actions, effect results, poll results, timer ticks.

Every message carries ``at`` (epoch ms, read from the journey's scheduler by whoever builds
the message), so the reducer itself never reads a clock.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import (
    DistributionSummary,
    JourneyAction,
    SequenceAction,
)

__all__ = [
    "AccessCodeAdvanced",
    "ActionFailed",
    "ActionRequested",
    "AdmissionMarked",
    "AllEventsAcked",
    "ConsumerState",
    "EventAcked",
    "ExperienceLoaded",
    "GrantClaimed",
    "Message",
    "ResumedFromMe",
    "ResumedFromServer",
    "RouteResolved",
    "RoutingStarted",
    "StatusReceived",
    "Tick",
    "WaitlistChanged",
]

#: A consumer's state in any distribution type, as the status endpoints answer it.
ConsumerState: TypeAlias = (
    wire.QueueConsumerState
    | wire.DrawConsumerState
    | wire.AuctionConsumerState
    | wire.TimedReleaseConsumerState
)


@attrs.frozen
class ActionRequested:
    """A journey or sequence method was called; applied before its effect runs.

    ``reset`` only matters for ``start``; ``arg`` carries the access code or bid amount.
    """

    at: int
    action: JourneyAction | SequenceAction
    arg: str | None = attrs.field(default=None, repr=redact)
    reset: bool = False


@attrs.frozen
class ExperienceLoaded:
    """``GET /experiences/{id}`` answered (start, refresh_distribution)."""

    at: int
    experience: wire.Experience


@attrs.frozen
class RouteResolved:
    """``POST /experiences/{id}/route`` answered; ``experience`` locates the sequence's
    distribution (the route result names only the sequence)."""

    at: int
    result: wire.RouteResult
    experience: wire.Experience


@attrs.frozen
class RoutingStarted:
    """Entering is done and no requirement stopped it: ``entering → routing`` (the docs'
    stage list), folded just before the route answer that routes the journey."""

    at: int


@attrs.frozen
class StatusReceived:
    """A consumer state for the current distribution (enter, leave, status poll, bid)."""

    at: int
    distribution_id: str
    state: ConsumerState


@attrs.frozen
class WaitlistChanged:
    """The consumer joined (``entered``) or left a waitlist."""

    at: int
    waitlist_id: str
    entered: bool
    entered_at: int | None = None


@attrs.frozen
class ActionFailed:
    """An action's effect or a poll failed; folded as an ``error`` event, the stage stays."""

    at: int
    action: JourneyAction | SequenceAction | str
    code: str
    message: str
    status: int | None = None
    retryable: bool = False


@attrs.frozen
class Tick:
    """A timer fired (admission expiry); the reducer compares ``at`` with deadlines."""

    at: int


@attrs.frozen
class AdmissionMarked:
    """``mark_admitted(token, expires_at_ms)``: the app learnt of an admission itself."""

    at: int
    token: str = attrs.field(repr=redact)
    expires_at: int | None = None


@attrs.frozen
class GrantClaimed:
    """``claim()`` of the current SDK: checkout started; the client stops expiring the grant
    (the server reservation owns the deadline)."""

    at: int


@attrs.frozen
class AccessCodeAdvanced:
    """``submit_access_code`` unlocked a sequence: ``result`` (routed with ``code``) is folded
    as a route answer and ``code`` becomes the stored access code."""

    at: int
    code: str = attrs.field(repr=redact)
    result: wire.RouteResult
    experience: wire.Experience


@attrs.frozen
class EventAcked:
    at: int
    event_id: str


@attrs.frozen
class AllEventsAcked:
    at: int


@attrs.frozen
class ResumedFromMe:
    """A ``/consumers/me`` projection for this experience (and the consumer's waitlists)."""

    at: int
    projection: wire.JourneyProjection
    waitlists: tuple[wire.WaitlistProjection, ...] = ()


@attrs.frozen
class ResumedFromServer:
    """Resume into a known sequence (``resume_from_server``); the distribution is located in
    ``experience``, the participation status follows as :class:`StatusReceived`."""

    at: int
    experience: wire.Experience
    sequence_id: str
    waitlist_id: str | None = None
    waitlist_entered_at: int | None = None


Message: TypeAlias = (
    ActionRequested
    | ExperienceLoaded
    | RouteResolved
    | RoutingStarted
    | StatusReceived
    | WaitlistChanged
    | ActionFailed
    | Tick
    | AdmissionMarked
    | GrantClaimed
    | AccessCodeAdvanced
    | EventAcked
    | AllEventsAcked
    | ResumedFromMe
    | ResumedFromServer
)


def distribution_key(summary: DistributionSummary | None) -> str | None:
    """The id a :class:`StatusReceived` must carry to apply to ``summary``."""
    return None if summary is None else summary.id
