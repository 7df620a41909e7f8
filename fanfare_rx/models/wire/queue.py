"""Queue consumer states (one class per ``status``, a tagged union) and the secret-key
admit/deny requests.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, TypeAlias

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    QueueStatus,
)

__all__ = [
    "QueueAdmitRequest", "QueueCompleted", "QueueConsumerState", "QueueDenied",
    "QueueDenyRequest", "QueueGranted", "QueueLeft", "QueueNotQueued", "QueueQueued",
]

#: A place in line is never negative (a server saying so is a DecodeError, not a place).
_not_negative = attrs.validators.optional(attrs.validators.ge(0))


@attrs.frozen
class QueueQueued:
    """In the queue: ``position`` 1 is next (never negative), the wait estimate, and whether
    the app may show the exact place (``precise``) or only progress (``qualitative``)."""

    STATUS: ClassVar[QueueStatus] = QueueStatus.QUEUED
    position: int = attrs.field(validator=attrs.validators.ge(0))
    estimated_wait_time_in_seconds: float = attrs.field(validator=attrs.validators.ge(0))
    position_display_mode: str | None = None


@attrs.frozen
class QueueNotQueued:
    STATUS: ClassVar[QueueStatus] = QueueStatus.NOT_QUEUED
    dequeued_at: datetime | None = None
    position: int | None = attrs.field(default=None, validator=_not_negative)


@attrs.frozen
class QueueLeft:
    STATUS: ClassVar[QueueStatus] = QueueStatus.LEFT
    dequeued_at: datetime | None = None
    position: int | None = attrs.field(default=None, validator=_not_negative)


@attrs.frozen
class QueueGranted:
    STATUS: ClassVar[QueueStatus] = QueueStatus.GRANTED
    admission_grant: str = attrs.field(repr=redact)
    dequeued_at: datetime | None = None
    expires_at: datetime | None = None
    position: int | None = attrs.field(default=None, validator=_not_negative)


@attrs.frozen
class QueueCompleted:
    STATUS: ClassVar[QueueStatus] = QueueStatus.COMPLETED
    completed_at: datetime | None = None
    position: int | None = attrs.field(default=None, validator=_not_negative)
    admission_grant: str | None = _secret()


@attrs.frozen
class QueueDenied:
    STATUS: ClassVar[QueueStatus] = QueueStatus.DENIED
    reason: str
    dequeued_at: datetime | None = None
    position: int | None = attrs.field(default=None, validator=_not_negative)


@attrs.frozen
class QueueAdmitRequest:
    """``POST /queues/{id}/admit`` (secret key)."""

    consumer_id: str


@attrs.frozen
class QueueDenyRequest:
    """``POST /queues/{id}/deny`` (secret key); ``reason`` is one of the REST deny reasons."""

    consumer_id: str
    reason: str


QueueConsumerState: TypeAlias = (
    QueueQueued | QueueNotQueued | QueueLeft | QueueGranted | QueueCompleted | QueueDenied
)
