"""Timed-release bodies: the consumer state and the enter request (an optional variant).

The ``{success}`` answer of leave/complete is :class:`~fanfare_rx.models.wire.SuccessResult`.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    TimedReleaseStatus,
)

__all__ = ["TimedReleaseConsumerState", "TimedReleaseEnterRequest"]


@attrs.frozen
class TimedReleaseConsumerState:
    status: TimedReleaseStatus
    admission_grant: str | None = _secret()
    entered_at: datetime | None = None
    completed_at: datetime | None = None
    left_at: datetime | None = None
    selected_variant_id: str | None = None
    expires_at: datetime | None = None
    reason: str | None = None


@attrs.frozen
class TimedReleaseEnterRequest:
    variant_id: str | None = None
