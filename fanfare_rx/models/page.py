"""What a waiting-room page draws, as one value (:class:`Page`): the current SDK's view, the
place in line, the wait estimate (known or not), countdowns on the server's clock, the
connection and when it last changed; with plain-text helpers for each.
"""

from __future__ import annotations

import enum
import math

import attrs

from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import AuctionTerms, JourneyEvent
from fanfare_rx.models.view import JourneyView, ParticipatingDisplay

__all__ = [
    "Countdown",
    "CountdownKind",
    "CountdownTone",
    "Page",
    "WaitEstimate",
    "countdown_tone",
    "duration_text",
]


class CountdownKind(enum.StrEnum):
    """What a countdown counts to."""

    OPENS_IN = "opens_in"
    DRAW_AT = "draw_at"
    AUCTION_ENDS_IN = "auction_ends_in"
    GRANT_EXPIRES_IN = "grant_expires_in"


class CountdownTone(enum.StrEnum):
    """The current SDK's countdown tone: under a minute ``critical``, under five ``warning``."""

    NORMAL = "normal"
    WARNING = "warning"
    CRITICAL = "critical"


def duration_text(ms: float) -> str:
    """A duration as a countdown shows it (never negative): ``h:mm:ss`` or ``m:ss``.

    Usage: ``duration_text(65_000)`` -> ``'1:05'``; ``duration_text(3_725_000)`` -> ``'1:02:05'``
    """
    seconds = max(0, math.ceil(ms / 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def countdown_tone(remaining_ms: float) -> CountdownTone:
    """The tone of a countdown with ``remaining_ms`` left.

    Usage: ``countdown_tone(30_000)`` -> ``CountdownTone.CRITICAL``
    """
    if remaining_ms < 60_000:
        return CountdownTone.CRITICAL
    return CountdownTone.WARNING if remaining_ms < 300_000 else CountdownTone.NORMAL


@attrs.frozen
class Countdown:
    """A deadline on the server's clock (``at``, epoch ms). The remaining time is read against
    the server's clock too: ``server_now_ms`` is the local time plus the page's
    ``connection.server_offset_ms`` (:meth:`Page.server_now`).

    Usage: ``page.countdowns[0].text(page.server_now(time.time() * 1000))`` -> ``'4:59'``
    """

    kind: CountdownKind = attrs.field(converter=CountdownKind)
    at: int

    def remaining_ms(self, server_now_ms: float) -> int:
        """Milliseconds left (0 once passed)."""
        return max(0, int(self.at - server_now_ms))

    def text(self, server_now_ms: float) -> str:
        """The time left as a countdown shows it (``m:ss`` / ``h:mm:ss``)."""
        return duration_text(self.remaining_ms(server_now_ms))

    def tone(self, server_now_ms: float) -> CountdownTone:
        """``normal`` / ``warning`` (under 5 min) / ``critical`` (under 1 min)."""
        return countdown_tone(self.remaining_ms(server_now_ms))


@attrs.frozen
class WaitEstimate:
    """The queue's wait estimate: ``known`` only when the server gave one (Cloudflare's "wait
    time known / unknown").

    Usage: ``page.wait.text`` -> ``'about 3 minutes'`` or ``'wait time unknown'``
    """

    seconds: float | None = None

    @property
    def known(self) -> bool:
        """Whether the server gave an estimate."""
        return self.seconds is not None

    @property
    def text(self) -> str:
        """Plain text for the page: ``less than a minute``, ``about 1 minute``, ``about 12
        minutes``, ``about 2 hours``, or ``wait time unknown``."""
        if self.seconds is None:
            return "wait time unknown"
        minutes = round(self.seconds / 60)
        if self.seconds < 60:
            return "less than a minute"
        if minutes < 120:
            return f"about {minutes} minute{'s' if minutes != 1 else ''}"
        return f"about {round(self.seconds / 3600)} hours"


@attrs.frozen
class Page:
    """Everything a waiting-room page draws, derived from one journey snapshot (so its parts
    never disagree): the view, the participating display (position, wait, bids, slot), the
    wait estimate, countdowns on the server's clock, the connection, the newest unacknowledged
    event, an auction's terms and when the journey last changed (``updated_at``, server
    clock).

    Usage: ``page = journey.page.get(); page.view.journey_stage, page.position, page.wait.text``
    """

    view: JourneyView
    connection: Connection
    updated_at: int
    revision: int
    display: ParticipatingDisplay | None = None
    wait: WaitEstimate = WaitEstimate()
    countdowns: tuple[Countdown, ...] = ()
    latest_event: JourneyEvent | None = None
    #: The routed auction's terms (minimum next bid, currency), None elsewhere.
    auction: AuctionTerms | None = None

    @property
    def position(self) -> int | None:
        """The place in line, where the server gives an exact one (None otherwise)."""
        display = self.display
        return None if display is None else display.position

    def server_now(self, local_ms: float) -> int:
        """The server's clock at local time ``local_ms`` (epoch ms).

        Usage: ``page.server_now(time.time() * 1000)``
        """
        return int(local_ms + self.connection.server_offset_ms)

    def countdown(self, kind: CountdownKind | str) -> Countdown | None:
        """The countdown of ``kind`` if the page has one.

        Usage: ``page.countdown("grant_expires_in")``
        """
        wanted = CountdownKind(kind)
        return next((c for c in self.countdowns if c.kind is wanted), None)
