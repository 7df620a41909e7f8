"""Draw consumer states: one class per ``status``, joined in the
``DrawConsumerState`` tagged union.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, TypeAlias

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    DrawStatus,
)

__all__ = [
    "DrawCompleted", "DrawConsumerState", "DrawDenied", "DrawEntered", "DrawNotEntered",
    "DrawWon",
]


@attrs.frozen
class DrawNotEntered:
    STATUS: ClassVar[DrawStatus] = DrawStatus.NOT_ENTERED


@attrs.frozen
class DrawEntered:
    STATUS: ClassVar[DrawStatus] = DrawStatus.ENTERED
    entered_at: datetime | None = None


@attrs.frozen
class DrawWon:
    STATUS: ClassVar[DrawStatus] = DrawStatus.WON
    admission_grant: str = attrs.field(repr=redact)
    won_at: datetime | None = None
    expires_at: datetime | None = None
    selected_product_id: str | None = None


@attrs.frozen
class DrawCompleted:
    STATUS: ClassVar[DrawStatus] = DrawStatus.COMPLETED
    completed_at: datetime | None = None
    admission_grant: str | None = _secret()


@attrs.frozen
class DrawDenied:
    STATUS: ClassVar[DrawStatus] = DrawStatus.DENIED
    reason: str
    denied_at: datetime | None = None


DrawConsumerState: TypeAlias = DrawNotEntered | DrawEntered | DrawWon | DrawCompleted | DrawDenied
