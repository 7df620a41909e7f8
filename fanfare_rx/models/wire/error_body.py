"""Error bodies: one permissive model that accepts every error shape of spec §3.1
(validation issues, structured codes, rate-limit hints).
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["ValidationIssue", "WireError"]


@attrs.frozen
class ValidationIssue:
    message: str
    kind: str | None = None
    type: str | None = None
    expected: str | None = None
    received: str | None = None
    path: tuple[Any, ...] | None = None
    code: str | None = None


@attrs.frozen
class WireError:
    """Any error body: ``{"error", "issues"}``, ``{"error"}``, structured ``{"code", ...}``,
    the troubleshooting ``{"error", "message", "code", "details"}`` and rate-limit bodies;
    ``support`` and ``valid`` come with the structured and device-fingerprint bodies."""

    error: str | None = None
    message: str | None = None
    code: str | None = None
    action: str | None = None
    issues: tuple[ValidationIssue, ...] | None = None
    details: Any = None
    request_id: str | None = None
    correlation_id: str | None = None
    retry_after: float | None = None
    support: Any = None
    valid: bool | None = None
