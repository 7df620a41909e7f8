"""Mechanisms as modules: each distribution mechanism (queue, draw, auction, timed release,
appointment) declares in one module its standing record, status rows, rows of the one table of
what a shopper may do, API calls and poll cadence; the waitlist is an attachment.

Pure declarations (imports only models). A new mechanism is its module registered here, its
sandbox engine and one default-scenario entry (see docs/mechanisms.md).

Usage: ``from fanfare_rx.mechanisms import spec_for; spec_for("queue").poll_interval_ms``
"""

from __future__ import annotations

from fanfare_rx.mechanisms.appointment import APPOINTMENT, AppointmentState
from fanfare_rx.mechanisms.auction import AUCTION
from fanfare_rx.mechanisms.base import (
    ApiCalls,
    Facts,
    MechanismSpec,
    Rule,
    Standing,
)
from fanfare_rx.mechanisms.draw import DRAW
from fanfare_rx.mechanisms.queue import QUEUE
from fanfare_rx.mechanisms.registry import (
    register,
    registered,
    rules,
    spec_for,
    spec_of_state,
)
from fanfare_rx.mechanisms.timed_release import TIMED_RELEASE

__all__ = [
    "APPOINTMENT",
    "AUCTION",
    "DRAW",
    "QUEUE",
    "TIMED_RELEASE",
    "ApiCalls",
    "AppointmentState",
    "Facts",
    "MechanismSpec",
    "Rule",
    "Standing",
    "register",
    "registered",
    "rules",
    "spec_for",
    "spec_of_state",
]

for _spec in (QUEUE, DRAW, AUCTION, TIMED_RELEASE, APPOINTMENT):
    register(_spec)
