"""The waitlist engine: passive interest capture attached to a sequence (enter, leave,
status), with an optional capacity and per-consumer order limit. It never grants access; when
the sequence's distribution opens, members are notified and the waitlist closes.
"""

from __future__ import annotations

from datetime import datetime

from fanfare_rx.models import wire
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.engines.base import order_limit_reached
from fanfare_rx.sandbox.engines.line import Line
from fanfare_rx.sandbox.http import conflict
from fanfare_rx.sandbox.scenario import WaitlistSpec

__all__ = ["WaitlistEngine"]


class WaitlistEngine:
    """``opens_at`` is when the sequence's distribution opens (None: never): from then on the
    waitlist takes no entries, and its members move to ``notified`` (consumer -> when) and
    continue through the normal journey (spec §5.5).

    Usage: ``waitlist.enter("cns_1", now=t).waitlist_id``
    """

    def __init__(self, spec: WaitlistSpec, *, sequence_id: str, experience_id: str,
                 opens_at: float | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.sequence_id = sequence_id
        self.experience_id = experience_id
        self.opens_at = opens_at
        self.members: dict[str, float] = {}
        self._order = Line()  # members in entry order (the clock never runs backwards)
        self.entries_made: dict[str, int] = {}
        self.notified: dict[str, float] = {}
        self.closed = False

    def advance(self, now: float) -> None:
        """At the opening: notify every member and close (once)."""
        if self.closed or self.opens_at is None or now < self.opens_at:
            return
        self.closed = True
        for consumer_id in self.members:
            self.notified[consumer_id] = self.opens_at
        self.members.clear()
        self._order.clear()

    def enter(self, consumer_id: str, *, now: float) -> wire.WaitlistEntry:
        self.advance(now)
        if self.closed:
            raise conflict("Waitlist is closed: the distribution has opened", "WAITLIST_CLOSED")
        if consumer_id in self.members:
            raise conflict("Already in waitlist", "ALREADY_IN_WAITLIST")
        made = self.entries_made.get(consumer_id, 0)
        if self.spec.order_limit is not None and made >= self.spec.order_limit:
            raise order_limit_reached()
        if self.spec.capacity is not None and len(self.members) >= self.spec.capacity:
            raise conflict("Waitlist is full", "WAITLIST_FULL")
        self.entries_made[consumer_id] = made + 1
        self.members[consumer_id] = now
        self._order.append(consumer_id)
        return wire.WaitlistEntry(id=f"wle_{self.id[:8]}_{consumer_id}", waitlist_id=self.id,
                                  sequence_id=self.sequence_id, consumer_id=consumer_id,
                                  entered_at=to_datetime(now))

    def leave(self, consumer_id: str) -> wire.WaitlistLeft:
        left = self.members.pop(consumer_id, None) is not None
        if left:
            self._order.remove(consumer_id)
        return wire.WaitlistLeft(left=left)

    def entered_at(self, consumer_id: str) -> datetime | None:
        at = self.members.get(consumer_id)
        return None if at is None else to_datetime(at)

    def position(self, consumer_id: str) -> int | None:
        return self._order.position(consumer_id) if consumer_id in self.members else None

    def status(self, consumer_id: str) -> wire.WaitlistStatus:
        entered = consumer_id in self.members
        return wire.WaitlistStatus(waitlist_id=self.id, is_entered=entered,
                                   entered_at=self.entered_at(consumer_id),
                                   sequence_id=self.sequence_id if entered else None)
