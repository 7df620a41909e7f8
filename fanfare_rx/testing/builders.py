"""Builders of the wire values a journey reads (experiences, route results, consumer states),
with short defaults, so a test scripts a server answer in one line.

Times are virtual seconds on a ``TestScheduler`` (whose clock starts at the epoch)::

    from fanfare_rx.testing import builders as b

    experience = b.experience("queue", waitlist=True)
    route = b.routed(availability="upcoming")
    state = b.queue_granted(expires_at=b.at(60))   # grant valid until virtual second 60
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.messages import AppointmentState
from fanfare_rx.models import wire

__all__ = [
    "EXPERIENCE_ID",
    "SEQUENCE_ID",
    "access_code_gate",
    "appointment_state",
    "at",
    "auction_lost",
    "auction_outbid",
    "auction_state",
    "auction_winning",
    "auction_won",
    "auth_gate",
    "bot_check_gate",
    "distribution_id",
    "draw_completed",
    "draw_entered",
    "draw_lost",
    "draw_not_entered",
    "draw_won",
    "experience",
    "gated",
    "no_access",
    "not_queued",
    "offer",
    "queue_completed",
    "queue_denied",
    "queue_granted",
    "queue_left",
    "queued",
    "routed",
    "sequence_ref",
    "timed_release_granted",
    "timed_release_state",
    "waitlist_status",
]

#: Ids the builders use unless told otherwise.
EXPERIENCE_ID = "exp-1"
SEQUENCE_ID = "seq-1"

_Kind = wire.DistributionType | str


def at(seconds: float) -> datetime:
    """The UTC datetime of a virtual time (a ``TestScheduler``'s clock counts from the epoch).

    Usage: ``b.queue_granted(expires_at=b.at(60))``
    """
    return datetime.fromtimestamp(seconds, tz=UTC)


def distribution_id(kind: _Kind, sequence_id: str = SEQUENCE_ID) -> str:
    """The id :func:`experience` gives the distribution of ``kind`` (``"queue-seq-1"``).

    Usage: ``server.calls_to("enter")[0].args[0].id == b.distribution_id("queue")``
    """
    return f"{wire.DistributionType(kind).value}-{sequence_id}"


def experience(
    kind: _Kind = wire.DistributionType.QUEUE,
    *,
    experience_id: str = EXPERIENCE_ID,
    sequence_id: str = SEQUENCE_ID,
    waitlist: bool = False,
    open_at: datetime | None = None,
    close_at: datetime | None = None,
    admission_expiration_seconds: int | None = 300,
    extra_sequences: tuple[wire.Sequence, ...] = (),
) -> wire.Experience:
    """An experience with one sequence holding one distribution of ``kind``.

    Usage: ``b.experience("auction")``, ``b.experience("queue", waitlist=True)``
    """
    kind = wire.DistributionType(kind)
    dist_id = distribution_id(kind, sequence_id)
    zone = "UTC"
    queues: tuple[wire.Queue, ...] | None = None
    draws: tuple[wire.Draw, ...] | None = None
    auctions: tuple[wire.Auction, ...] | None = None
    releases: tuple[wire.TimedRelease, ...] | None = None
    appointments: tuple[wire.Appointment, ...] | None = None
    if kind is wire.DistributionType.QUEUE:
        queues = (
            wire.Queue(
                id=dist_id, time_zone=zone, admit_rate=60.0, supports_guest=True,
                open_at=open_at, close_at=close_at,
                admission_expiration_seconds=admission_expiration_seconds,
            ),
        )
    elif kind is wire.DistributionType.DRAW:
        draws = (
            wire.Draw(
                id=dist_id, time_zone=zone, draw_at=at(3600), supports_guest=True,
                open_at=open_at, close_at=close_at,
                admission_expiration_seconds=admission_expiration_seconds,
            ),
        )
    elif kind is wire.DistributionType.AUCTION:
        auctions = (
            wire.Auction(
                id=dist_id, time_zone=zone, settle_at=at(3600), currency_code="USD",
                open_at=open_at, close_at=close_at, min_bid_increment=Decimal("1.00"),
                admission_expiration_seconds=admission_expiration_seconds,
            ),
        )
    elif kind is wire.DistributionType.TIMED_RELEASE:
        releases = (
            wire.TimedRelease(
                id=dist_id, time_zone=zone, supports_guest=True, open_at=open_at,
                close_at=close_at, admission_expiration_seconds=admission_expiration_seconds,
            ),
        )
    elif kind is wire.DistributionType.APPOINTMENT:
        appointments = (
            wire.Appointment(
                id=dist_id, time_zone=zone, slot_duration_minutes=30, buffer_minutes=10,
                max_capacity_per_slot=1, open_at=open_at, close_at=close_at,
            ),
        )
    else:
        raise UsageError(f"no builder for distribution type {kind.value!r}")
    sequence = wire.Sequence(
        id=sequence_id, name="General", priority=1, experience_id=experience_id,
        queues=queues, draws=draws, auctions=auctions, timed_releases=releases,
        appointments=appointments,
        waitlist=wire.WaitlistRef(id=f"waitlist-{sequence_id}") if waitlist else None,
    )
    return wire.Experience(
        id=experience_id, name="Drop", time_zone=zone, currency_code="USD",
        sequences=(sequence, *extra_sequences),
    )


def appointment_state(
    status: str, slot_id: str | None = None, *, location_id: str | None = None
) -> AppointmentState:
    """The consumer's booking as the journey sees it (``NOT_BOOKED``, ``BOOKED``, ``CANCELLED``).

    Usage: ``b.appointment_state("BOOKED", "slot-1", location_id="soho")``
    """
    booked = status.upper() != "NOT_BOOKED"
    return AppointmentState(
        status=status.upper(), booking_id="booking-1" if booked else None, slot_id=slot_id,
        location_id=location_id, confirmation_code="CONF1234" if booked else None,
    )


def sequence_ref(
    sequence_id: str = SEQUENCE_ID,
    *,
    availability: wire.Availability | str | None = wire.Availability.OPEN,
    priority: float = 1,
    name: str = "General",
    experience_id: str = EXPERIENCE_ID,
) -> wire.SequenceRef:
    """A route result's reference to a sequence.

    Usage: ``b.sequence_ref("vip", priority=10)``
    """
    return wire.SequenceRef(
        id=sequence_id, name=name, experience_id=experience_id, priority=priority, color=None,
        availability=None if availability is None else wire.Availability(availability),
    )


def offer(sequence_id: str, *gates: wire.Gate, priority: float = 10) -> wire.OfferGated:
    """A gated sequence offered next to the routed one (e.g. a VIP code sequence).

    Usage: ``b.routed(offers=(b.offer("vip", b.access_code_gate()),))``
    """
    return wire.OfferGated(
        sequence=sequence_ref(sequence_id, priority=priority, name=sequence_id, availability=None),
        gates=gates,
    )


def routed(
    sequence_id: str = SEQUENCE_ID,
    *,
    availability: wire.Availability | str | None = wire.Availability.OPEN,
    priority: float = 1,
    offers: tuple[wire.OfferGated, ...] = (),
    experience_id: str = EXPERIENCE_ID,
) -> wire.RouteRouted:
    """A ``routed`` route result selecting ``sequence_id``.

    Usage: ``server.on_route("-r|", r=b.routed(availability="upcoming"))``
    """
    ref = sequence_ref(
        sequence_id, availability=availability, priority=priority, experience_id=experience_id
    )
    return wire.RouteRouted(
        experience_id=experience_id, selected=wire.Selected(status="routed", sequence=ref),
        offers=offers,
    )


def auth_gate() -> wire.AuthenticationGate:
    """An ``authentication`` gate. Usage: ``b.gated(b.auth_gate())``"""
    return wire.AuthenticationGate(status="required", reason=wire.Reason(wire.ReasonCode.AUTH_REQUIRED))


def access_code_gate(*, invalid: bool = False) -> wire.AccessCodeGate:
    """An ``access_code`` gate, ``missing`` or (``invalid=True``) ``invalid``.

    Usage: ``b.gated(b.access_code_gate(invalid=True))``
    """
    if invalid:
        return wire.AccessCodeGate(status="invalid", reason=wire.Reason(wire.ReasonCode.ACCESS_CODE_INVALID))
    return wire.AccessCodeGate(status="missing", reason=wire.Reason(wire.ReasonCode.ACCESS_CODE_REQUIRED))


def bot_check_gate(challenge_id: str = "challenge-1") -> wire.BotCheckGate:
    """A ``bot_check`` gate with a challenge. Usage: ``b.gated(b.bot_check_gate())``"""
    challenge = wire.BotChallenge(
        id=challenge_id, provider="turnstile", type="managed",
        iframe_url=f"https://challenge.example/{challenge_id}", expires_at=at(3600),
    )
    return wire.BotCheckGate(
        status="required", reason=wire.Reason(wire.ReasonCode.BOT_REQUIRED), challenge=challenge
    )


def gated(
    *gates: wire.Gate, sequence_id: str = SEQUENCE_ID, experience_id: str = EXPERIENCE_ID
) -> wire.RouteGated:
    """A ``gated`` route result whose selected sequence waits behind ``gates``.

    Usage: ``server.on_route("-g|", g=b.gated(b.auth_gate()))``
    """
    ref = sequence_ref(sequence_id, availability=None, experience_id=experience_id)
    return wire.RouteGated(
        experience_id=experience_id,
        selected=wire.Selected(status="gated", sequence=ref, gates=gates),
    )


def no_access(experience_id: str = EXPERIENCE_ID) -> wire.RouteNoAccess:
    """A ``no_access`` route result. Usage: ``server.on_route("-x|", x=b.no_access())``"""
    return wire.RouteNoAccess(
        experience_id=experience_id, outcome_reasons=(wire.Reason(wire.ReasonCode.NO_ACCESS),)
    )


# --------------------------------------------------------------------------------------------
# Consumer states


def not_queued() -> wire.QueueNotQueued:
    """Queue status ``NOT_QUEUED``. Usage: ``server.on_status("-s|", s=b.not_queued())``"""
    return wire.QueueNotQueued()


def queued(position: int, wait_seconds: float | None = None) -> wire.QueueQueued:
    """Queue status ``QUEUED`` at ``position`` (wait defaults to 10 s per place ahead).

    Usage: ``server.on_enter("--q|", q=b.queued(5))``
    """
    wait = float(position * 10) if wait_seconds is None else wait_seconds
    return wire.QueueQueued(position=position, estimated_wait_time_in_seconds=wait)


def queue_granted(grant: str = "grant-1", *, expires_at: datetime | None = None) -> wire.QueueGranted:
    """Queue status ``GRANTED`` with an admission grant.

    Usage: ``b.queue_granted(expires_at=b.at(60))``
    """
    return wire.QueueGranted(admission_grant=grant, expires_at=expires_at)


def queue_denied(reason: str = "ADMISSION_EXPIRED") -> wire.QueueDenied:
    """Queue status ``DENIED``. Usage: ``b.queue_denied("BLOCKED")``"""
    return wire.QueueDenied(reason=reason)


def queue_left() -> wire.QueueLeft:
    """Queue status ``LEFT`` (the shopper left the line). Usage: ``b.queue_left()``"""
    return wire.QueueLeft()


def queue_completed() -> wire.QueueCompleted:
    """Queue status ``COMPLETED`` (the admission was used). Usage: ``b.queue_completed()``"""
    return wire.QueueCompleted()


def draw_not_entered() -> wire.DrawNotEntered:
    """Draw status ``NOT_ENTERED``. Usage: ``b.draw_not_entered()``"""
    return wire.DrawNotEntered()


def draw_entered() -> wire.DrawEntered:
    """Draw status ``ENTERED``. Usage: ``b.draw_entered()``"""
    return wire.DrawEntered()


def draw_won(grant: str = "grant-1", *, expires_at: datetime | None = None) -> wire.DrawWon:
    """Draw status ``WON`` with an admission grant. Usage: ``b.draw_won(expires_at=b.at(90))``"""
    return wire.DrawWon(admission_grant=grant, expires_at=expires_at)


def draw_lost(reason: str = "NOT_SELECTED") -> wire.DrawDenied:
    """Draw status ``DENIED`` with reason ``NOT_SELECTED``: the draw was lost (outcome ``lost``).

    Usage: ``server.on_status("-l|", l=b.draw_lost())``
    """
    return wire.DrawDenied(reason=reason)


def draw_completed() -> wire.DrawCompleted:
    """Draw status ``COMPLETED`` (a won admission was used). Usage: ``b.draw_completed()``"""
    return wire.DrawCompleted()


def auction_state(
    status: wire.AuctionStatus | str,
    *,
    last_bid: str | None = None,
    highest_bid: str | None = None,
    grant: str | None = None,
    expires_at: datetime | None = None,
) -> wire.AuctionConsumerState:
    """An auction bid state (``NOT_BID``, ``BIDDING``, ``WINNING``, ``OUTBID``, ``WON``, ``LOST``).

    Usage: ``b.auction_state("WINNING", last_bid="120.00")``
    """
    return wire.AuctionConsumerState(
        status=wire.AuctionStatus(status),
        admission_grant=grant,
        last_bid_amount=None if last_bid is None else Decimal(last_bid),
        highest_bid=None if highest_bid is None else Decimal(highest_bid),
        expires_at=expires_at,
    )


def auction_winning(bid: str, *, highest_bid: str | None = None) -> wire.AuctionConsumerState:
    """Auction status ``WINNING``: ``bid`` is the highest bid so far.

    Usage: ``server.on_bid("-w|", w=b.auction_winning("120.00"))``
    """
    return auction_state("WINNING", last_bid=bid, highest_bid=highest_bid or bid)


def auction_outbid(bid: str, highest_bid: str) -> wire.AuctionConsumerState:
    """Auction status ``OUTBID``: someone bid ``highest_bid`` over ``bid``.

    Usage: ``b.auction_outbid("120.00", highest_bid="130.00")``
    """
    return auction_state("OUTBID", last_bid=bid, highest_bid=highest_bid)


def auction_won(
    bid: str = "100.00", grant: str = "grant-1", *, expires_at: datetime | None = None
) -> wire.AuctionConsumerState:
    """Auction status ``WON`` with an admission grant: ``bid`` won.

    Usage: ``b.auction_won("150.00", expires_at=b.at(90))``
    """
    return wire.AuctionConsumerState(
        status=wire.AuctionStatus.WON, admission_grant=grant, last_bid_amount=Decimal(bid),
        winning_bid_amount=Decimal(bid), highest_bid=Decimal(bid), expires_at=expires_at,
    )


def auction_lost(bid: str | None = None, *, highest_bid: str | None = None) -> wire.AuctionConsumerState:
    """Auction status ``LOST`` (outcome ``lost``). Usage: ``b.auction_lost("120.00", highest_bid="200.00")``"""
    return auction_state("LOST", last_bid=bid, highest_bid=highest_bid)


def timed_release_state(
    status: wire.TimedReleaseStatus | str,
    *,
    grant: str | None = None,
    expires_at: datetime | None = None,
) -> wire.TimedReleaseConsumerState:
    """A timed-release consumer state. Usage: ``b.timed_release_state("GRANTED", grant="g")``"""
    return wire.TimedReleaseConsumerState(
        status=wire.TimedReleaseStatus(status), admission_grant=grant, expires_at=expires_at
    )


def timed_release_granted(
    grant: str = "grant-1", *, expires_at: datetime | None = None
) -> wire.TimedReleaseConsumerState:
    """Timed-release status ``GRANTED`` with an admission grant.

    Usage: ``server.on_enter("-g|", g=b.timed_release_granted())``
    """
    return timed_release_state("GRANTED", grant=grant, expires_at=expires_at)


def waitlist_status(entered: bool, *, waitlist_id: str = f"waitlist-{SEQUENCE_ID}") -> wire.WaitlistStatus:
    """A waitlist status answer. Usage: ``server.on_enter_waitlist("-w|", w=b.waitlist_status(True))``"""
    return wire.WaitlistStatus(waitlist_id=waitlist_id, is_entered=entered)
