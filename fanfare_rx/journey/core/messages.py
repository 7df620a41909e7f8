"""Messages the pure reducer folds: requested actions, effect results, poll results, timer ticks.

Every message carries ``at`` (epoch ms, read from the journey's scheduler by whoever builds
the message), so the reducer itself never reads a clock.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs

from fanfare_rx.mechanisms.appointment import AppointmentState
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.models.actions import ShopperAction
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import (
    JourneyAction,
    SequenceAction,
)

__all__ = [
    "AccessCodeAdvanced",
    "ActionFailed",
    "ActionRequested",
    "AdmissionMarked",
    "AllEventsAcked",
    "AppointmentState",
    "ConnectionObserved",
    "ConsumerState",
    "EventAcked",
    "ExperienceLoaded",
    "FailOpenElapsed",
    "GrantClaimed",
    "Message",
    "ResumedFromMe",
    "ResumedFromServer",
    "RouteResolved",
    "RoutingStarted",
    "SessionLost",
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
    | AppointmentState
)


@attrs.frozen
class ActionRequested:
    """A journey or sequence method was called; applied before its effect runs.

    ``action`` is the G1 name (``enter_auction``, ``place_bid``, ``book_appointment`` ...);
    ``value`` the shopper's typed action (``Bid(amount)``, ``Book(slot_id)``) when it has one;
    ``arg`` the access code or bot-check token of a journey action; ``reset`` only matters for
    ``start``.
    """

    at: int
    action: JourneyAction | SequenceAction | str
    arg: str | None = attrs.field(default=None, repr=redact)
    reset: bool = False
    value: ShopperAction | None = None


@attrs.frozen
class ExperienceLoaded:
    """``GET /experiences/{id}`` answered (start, refresh_distribution)."""

    at: int
    experience: wire.Experience


@attrs.frozen
class RouteResolved:
    """``POST /experiences/{id}/route`` answered; ``experience`` locates the sequence's
    distribution (the route result names only the sequence). Only a route the consumer asked
    for (start, a gate resolved, ``request_reroute``) moves the journey to another sequence."""

    at: int
    result: wire.RouteResult
    experience: wire.Experience
    #: ``False`` for a refresh or a poll: the answer only tells how the current sequence's
    #: distribution stands; the journey is never moved to another sequence by it.
    follow: bool = True
    #: The ``/consumers/me`` journey, fetched when the experience lists no distribution for
    #: the routed sequence (gen C timed releases are found only there).
    projection: wire.JourneyProjection | None = None
    #: The consumer was a guest when the route was asked (a sequence whose distribution takes
    #: no guests then asks for sign-in before any entry is offered).
    guest: bool = False


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
    #: The server's hint of what to do next (structured errors' ``action``, e.g. ``reroute``).
    hint: str | None = None
    #: ``BID_TOO_LOW``: the server's minimum acceptable bid (``details.minBid``), if it said.
    min_bid: str | None = None
    #: ``BID_TOO_LOW``: the server's highest bid (``details.currentHighest``), if it said.
    current_highest: str | None = None


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


@attrs.frozen
class SessionLost:
    """The consumer session is gone (access token expired or rejected, refresh rejected): the
    journey asks for authentication again and keeps its participation as it was."""

    at: int
    code: str
    message: str


@attrs.frozen
class ConnectionObserved:
    """What the transport saw changed: status, since when, the server's clock offset (the
    journey's ``observe_connection``)."""

    at: int
    connection: Connection


@attrs.frozen
class FailOpenElapsed:
    """The connection stayed down (since ``since``) for the journey's ``fail_open_after_ms``."""

    at: int
    since: int | None


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
    | SessionLost
    | ConnectionObserved
    | FailOpenElapsed
)

