"""Routing bodies: ``POST /experiences/{id}/route`` (routed, gated, no access), its gates,
reasons and offers, and the bot-check verification.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, TypeAlias

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.wire._common import _secret
from fanfare_rx.models.wire.enums import (
    Availability,
    GateType,
    ReasonCode,
    RouteOutcome,
)

__all__ = [
    "AccessCodeGate", "AuthenticationGate", "BotChallenge", "BotCheckGate", "BotMitigation",
    "ChallengeVerifyRequest", "ChallengeVerifyResult", "Gate", "OfferGated", "Reason",
    "RouteGated", "RouteNoAccess", "RouteRequest", "RouteResult", "RouteRouted", "Selected",
    "SequenceRef",
]


@attrs.frozen
class RouteRequest:
    access_code: str | None = _secret()


@attrs.frozen
class Reason:
    code: ReasonCode
    detail: str | None = None


@attrs.frozen
class SequenceRef:
    id: str
    name: str
    experience_id: str
    priority: float
    color: str | None
    availability: Availability | None = None


@attrs.frozen
class BotChallenge:
    id: str
    provider: str
    type: str
    iframe_url: str
    expires_at: datetime


@attrs.frozen
class BotMitigation:
    attempts_remaining: int | None = None
    blocked_until: datetime | None = None
    message: str | None = None


@attrs.frozen
class AuthenticationGate:
    TYPE: ClassVar[GateType] = GateType.AUTHENTICATION
    status: str
    reason: Reason


@attrs.frozen
class AccessCodeGate:
    """``status`` is ``missing`` or ``invalid``."""

    TYPE: ClassVar[GateType] = GateType.ACCESS_CODE
    status: str
    reason: Reason


@attrs.frozen
class BotCheckGate:
    """``status`` is ``required`` or ``blocked``."""

    TYPE: ClassVar[GateType] = GateType.BOT_CHECK
    status: str
    reason: Reason
    challenge: BotChallenge | None = None
    mitigation: BotMitigation | None = None


@attrs.frozen
class ChallengeVerifyRequest:
    """``POST /challenges/verify`` (sandbox-defined: Fanfare documents no verification
    endpoint): the bot-check challenge id and the provider's token."""

    challenge_id: str
    token: str = attrs.field(repr=redact)


@attrs.frozen
class ChallengeVerifyResult:
    verified: bool


Gate: TypeAlias = AuthenticationGate | AccessCodeGate | BotCheckGate


@attrs.frozen
class Selected:
    status: str
    sequence: SequenceRef
    gates: tuple[Gate, ...] = ()
    reasons: tuple[Reason, ...] = ()
    sequence_capability_grant: str | None = _secret()
    sequence_capability_grant_expires_at: datetime | None = None


@attrs.frozen
class OfferGated:
    sequence: SequenceRef
    gates: tuple[Gate, ...] = ()
    reasons: tuple[Reason, ...] = ()
    status: str = "gated"
    sequence_capability_grant: str | None = _secret()
    sequence_capability_grant_expires_at: datetime | None = None


@attrs.frozen
class _RouteWithSelection:
    """The body of a route answer that selected a sequence: routed, or gated on the way in."""

    experience_id: str
    selected: Selected
    offers: tuple[OfferGated, ...] = ()
    outcome_reasons: tuple[Reason, ...] = ()
    schema_version: int = 1


@attrs.frozen
class RouteRouted(_RouteWithSelection):
    OUTCOME: ClassVar[RouteOutcome] = RouteOutcome.ROUTED


@attrs.frozen
class RouteGated(_RouteWithSelection):
    OUTCOME: ClassVar[RouteOutcome] = RouteOutcome.GATED


@attrs.frozen
class RouteNoAccess:
    OUTCOME: ClassVar[RouteOutcome] = RouteOutcome.NO_ACCESS
    experience_id: str
    offers: tuple[OfferGated, ...] = ()
    outcome_reasons: tuple[Reason, ...] = ()
    schema_version: int = 1


RouteResult: TypeAlias = RouteRouted | RouteGated | RouteNoAccess
