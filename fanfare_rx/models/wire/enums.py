"""The enums of the gen C Consumer API bodies, with their exact wire values.

Every status, outcome, phase and type a body may carry; decoding an unknown value fails.
"""

from __future__ import annotations

import enum
from typing import TypeVar, cast

from fanfare_rx.errors import UsageError

__all__ = [
    "AuctionStatus", "Availability", "DistributionLifecycle", "DistributionType", "DrawStatus",
    "GateType", "OutcomeType", "QueueStatus", "ReasonCode", "RouteOutcome", "SequencePhase",
    "SessionType", "TimedReleaseStatus", "drop_extension", "extend_enum",
]


_E = TypeVar("_E", bound=enum.StrEnum)
#: Extended members dropped for now, kept so that extending again gives the same object.
_DROPPED: dict[tuple[type, str], enum.StrEnum] = {}


def extend_enum(cls: type[_E], value: str) -> _E:
    """A member for ``value`` beyond the declared ones (idempotent): how a registered
    mechanism plug-in gets its kind (``extend_enum(DistributionType, "raffle")``). Iterating
    the enum still lists the declared members only; decoding the value works once extended.

    Usage: ``RAFFLE = extend_enum(DistributionType, "raffle")``
    """
    existing = cls._value2member_map_.get(value) or _DROPPED.pop((cls, value), None)
    if existing is not None:
        cls._value2member_map_[value] = existing  # the same member again once re-extended
        return existing  # type: ignore[return-value]
    if not value or not isinstance(value, str):
        raise UsageError(f"an enum value is a non-empty string, got {value!r}")
    member = str.__new__(cls, value)
    member._name_ = value.upper()
    member._value_ = value
    cls._value2member_map_[value] = member
    return member


def drop_extension(cls: type[enum.StrEnum], value: str) -> None:
    """Undo :func:`extend_enum` (a declared member stays): the value no longer decodes."""
    member = cls._value2member_map_.get(value)
    if member is not None and member._name_ not in cls._member_names_:
        _DROPPED[(cls, value)] = cast(enum.StrEnum, cls._value2member_map_.pop(value))


class SessionType(enum.StrEnum):
    GUEST = "guest"
    AUTHENTICATED = "authenticated"


class DistributionType(enum.StrEnum):
    """How a sequence distributes access (the current SDK's ``mechanism``; a waitlist is an
    attachment, not a mechanism)."""

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
    """What a gate (a route's) or requirement (the journey's) asks for: one enum for both."""

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
    """The seven sequence phases of the current SDK (spec §1.4), in the ``/consumers/me``
    projection and the view alike."""

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
    """Why a sequence ended (the projection's and the view's ``outcome.type``)."""

    WON = "won"
    LOST = "lost"
    COMPLETED = "completed"
    DENIED = "denied"
    LEFT = "left"
    EXPIRED = "expired"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
