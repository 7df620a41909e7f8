"""The page of one snapshot (:func:`page_of`): the view, the participating display, the wait
estimate, countdowns and the connection, all read from that one snapshot. Pure.
"""

from __future__ import annotations

from fanfare_rx.journey.core.view import display_of, view_of
from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.models.page import Countdown, CountdownKind, Page, WaitEstimate
from fanfare_rx.models.view import SequencePhase, SequenceView
from fanfare_rx.models.wire import DistributionType

__all__ = ["countdowns_of", "page_of"]

_ONLINE = Connection()
P = SequencePhase
K = CountdownKind


def countdowns_of(snapshot: JourneySnapshot, sequence: SequenceView | None) -> tuple[Countdown, ...]:
    """The deadlines the sequence's phase counts to (server clock, epoch ms): the opening of a
    scheduled sequence, a draw's draw time, an auction's end, an unclaimed grant's expiry.

    Usage: ``countdowns_of(snap, view_of(snap).sequence)`` -> ``(Countdown("opens_in", ...),)``
    """
    if sequence is None:
        return ()
    ctx = snapshot.context
    distribution = ctx.distribution
    found: list[Countdown] = []
    phase = sequence.phase
    if phase is P.SCHEDULED:
        opens = sequence.starts_at or (distribution.opens_at if distribution else None)
        if opens is not None:
            found.append(Countdown(K.OPENS_IN, opens))
    elif phase in (P.ENTERABLE, P.PARTICIPATING) and distribution is not None:
        if distribution.type is DistributionType.DRAW and distribution.settles_at is not None:
            found.append(Countdown(K.DRAW_AT, distribution.settles_at))
        if distribution.type is DistributionType.AUCTION:
            ends = ctx.auction.ends_at if ctx.auction is not None else None
            ends = ends if ends is not None else distribution.settles_at
            if ends is not None:
                found.append(Countdown(K.AUCTION_ENDS_IN, ends))
    elif phase is P.GRANTED and not ctx.checkout_started and ctx.admittance_expires_at:
        found.append(Countdown(K.GRANT_EXPIRES_IN, ctx.admittance_expires_at))
    return tuple(found)


def page_of(snapshot: JourneySnapshot) -> Page:
    """Everything a waiting-room page draws, from one snapshot (no glitch frames: the view,
    the position and the countdowns always belong together).

    Usage: ``page_of(journey.state.get()).wait.known``
    """
    view = view_of(snapshot)
    display = display_of(snapshot)
    wait = WaitEstimate(display.estimated_wait_seconds if display is not None else None)
    ctx = snapshot.context
    return Page(
        view=view, connection=ctx.connection or _ONLINE, updated_at=snapshot.updated_at,
        revision=snapshot.revision, display=display, wait=wait,
        countdowns=countdowns_of(snapshot, view.sequence), latest_event=snapshot.latest_event,
        auction=ctx.auction if ctx.distribution is not None and (
            ctx.distribution.type is DistributionType.AUCTION) else None)
