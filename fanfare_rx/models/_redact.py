"""Redaction of secrets (access/refresh tokens, admission grants, access codes) for reprs and logs.

Only a short prefix survives, enough to tell two tokens apart in a log, never enough to use one.
"""

from __future__ import annotations

__all__ = ["redact"]

_VISIBLE = 6


def redact(value: object) -> str:
    """Return a safe stand-in for a secret.

    Usage: ``redact("eyJhbGciOiJFZERTQSJ9.payload.sig")`` -> ``'eyJhbG…[redacted, 32 chars]'``
    """
    if value is None:
        return "None"
    text = str(value)
    if not text:
        return "''"
    # Short secrets (access codes, OTPs) show nothing at all.
    visible = text[:_VISIBLE] if len(text) >= 4 * _VISIBLE else ""
    return f"'{visible}…[redacted, {len(text)} chars]'"
