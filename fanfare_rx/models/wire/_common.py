"""Shared pieces of the wire models: the redacted optional-secret field and the plain
``{success}`` answer several endpoints give.
"""

from __future__ import annotations

from typing import Any

import attrs

from fanfare_rx.models._redact import redact

__all__ = ["SuccessResult"]


def _secret() -> Any:
    """An optional secret field: redacted in repr."""
    return attrs.field(default=None, repr=redact)


@attrs.frozen
class SuccessResult:
    """``{success}`` answers (auction enter, timed-release leave and complete)."""

    success: bool
    admission_grant: str | None = _secret()
