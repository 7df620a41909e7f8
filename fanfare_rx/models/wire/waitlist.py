"""Waitlist bodies: the entry made by ``POST /waitlists/{id}/enter``, leaving, and the
consumer's waitlist status.
"""

from __future__ import annotations

from datetime import datetime

import attrs

__all__ = ["WaitlistEntry", "WaitlistLeft", "WaitlistStatus"]


@attrs.frozen
class WaitlistEntry:
    """``POST /waitlists/{id}/enter``."""

    id: str
    waitlist_id: str
    sequence_id: str
    consumer_id: str
    entered_at: datetime


@attrs.frozen
class WaitlistLeft:
    left: bool


@attrs.frozen
class WaitlistStatus:
    waitlist_id: str
    is_entered: bool
    entered_at: datetime | None = None
    sequence_id: str | None = None
