"""External identities: ``POST /auth/external/authorize`` (secret key) resolves a partner's
``(provider, issuer, subject)`` to a consumer and mints a one-time ``exc_`` code for exchange.

Rules (spec §4.1): an identity is never linked by email or phone; a new ``canonicalSubject``
creates a consumer (``created``), another identity sent later with the same one is attached to
it (``linked``), a known identity gives ``existing`` and keeps its consumer; claims only fill
empty profile fields. Codes live 60 seconds on the wall clock and work once. A guest exchanging
the code of a consumer just ``created`` is upgraded in place instead, so its queue places,
entries and bids are kept (as with OTP).
"""

from __future__ import annotations

import secrets

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.sandbox.auth import Accounts, AlreadyLinked, Consumer
from fanfare_rx.sandbox.http import ApiError

__all__ = ["CODE_TTL_SECONDS", "ExternalAuthorize", "ExternalAuthorized", "ExternalClaims",
           "ExternalIdentities", "external_identities"]

#: Lifetime of an exchange code (not configurable in the spec).
CODE_TTL_SECONDS = 60.0


@attrs.frozen
class ExternalClaims:
    email: str | None = None
    full_name: str | None = None
    name: str | None = None


@attrs.frozen
class ExternalAuthorize:
    """``POST /auth/external/authorize`` body."""

    provider: str
    issuer: str
    subject: str
    canonical_subject: str | None = None
    claims: ExternalClaims | None = None


@attrs.frozen
class ExternalAuthorized:
    """``POST /auth/external/authorize`` answer; ``expires_at`` is an ISO string."""

    exchange_code: str = attrs.field(repr=redact)
    expires_at: str
    resolution: str


@attrs.define
class _Code:
    consumer_id: str
    expires_at: float


class ExternalIdentities:
    """Usage: ``code, expires, how = ids.authorize(body); consumer = ids.exchange(code)``"""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.identities: dict[tuple[str, str, str], str] = {}  # identity -> consumer id
        self.canonical: dict[str, str] = {}  # canonicalSubject -> consumer id
        self._codes: dict[str, _Code] = {}
        self._fresh: set[str] = set()  # consumers created here that never had a session

    def authorize(self, body: ExternalAuthorize) -> tuple[str, float, str]:
        """(exchange code, its expiry epoch, resolution)."""
        key = (body.provider, body.issuer, body.subject)
        known = self.identities.get(key)
        if known is not None:
            consumer, resolution = self.accounts.consumers[known], "existing"
        elif body.canonical_subject and body.canonical_subject in self.canonical:
            consumer = self.accounts.consumers[self.canonical[body.canonical_subject]]
            resolution = "linked"
        else:
            consumer = Consumer(id=f"cns_{secrets.token_hex(8)}", guest=False)
            self.accounts.consumers[consumer.id] = consumer
            self._fresh.add(consumer.id)
            resolution = "created"
            if body.canonical_subject:
                self.canonical[body.canonical_subject] = consumer.id
        self.identities[key] = consumer.id
        if body.claims is not None and body.claims.email and not consumer.email:
            consumer.email = body.claims.email
        now = self.accounts.wall()
        self._forget_expired(now)
        code = f"exc_{secrets.token_urlsafe(24)}"
        expires = now + CODE_TTL_SECONDS
        self._codes[code] = _Code(consumer_id=consumer.id, expires_at=expires)
        return code, expires, resolution

    def exchange(self, code: str, current: Consumer | None = None, *,
                 guest_holds_places: bool = False) -> Consumer:
        """The consumer a code names (the code is used up), or 401; ``current`` is the caller's
        consumer when it holds a session.

        A guest caller holding places cannot be linked to a consumer that already exists (an
        ``existing`` or ``linked`` identity): that raises :class:`AlreadyLinked` (409
        ``already_linked``, as OTP verify), the code stays usable and nothing changes."""
        found = self._codes.get(code)
        if found is None:
            raise ApiError(401, {"error": "invalid_exchange_code",
                                 "message": "Unknown or already used exchange code",
                                 "code": "INVALID_EXCHANGE_CODE"})
        if found.expires_at <= self.accounts.wall():
            del self._codes[code]
            raise ApiError(401, {"error": "exchange_code_expired",
                                 "message": "The exchange code has expired",
                                 "code": "EXCHANGE_CODE_EXPIRED"})
        consumer = self.accounts.consumers[found.consumer_id]
        fresh = consumer.id in self._fresh
        adopts = fresh and current is not None and current.guest
        if (guest_holds_places and not adopts and current is not None and current.guest
                and current.id != consumer.id):
            raise AlreadyLinked(consumer.id)
        del self._codes[code]
        self._fresh.discard(consumer.id)
        if adopts:
            assert current is not None
            return self._adopt(consumer, current)
        return consumer

    def _adopt(self, fresh: Consumer, guest: Consumer) -> Consumer:
        """Bind what points at ``fresh`` to the guest and upgrade it; ``fresh`` goes away."""
        for identity in [k for k, v in self.identities.items() if v == fresh.id]:
            self.identities[identity] = guest.id
        for canonical in [k for k, v in self.canonical.items() if v == fresh.id]:
            self.canonical[canonical] = guest.id
        for code in self._codes.values():
            if code.consumer_id == fresh.id:
                code.consumer_id = guest.id
        del self.accounts.consumers[fresh.id]
        guest.guest, guest.email = False, guest.email or fresh.email
        return guest

    def _forget_expired(self, now: float) -> None:
        if len(self._codes) > 1024:
            self._codes = {c: v for c, v in self._codes.items() if v.expires_at > now}


def external_identities(accounts: Accounts) -> ExternalIdentities:
    """The external identities of ``accounts`` (made on first use).

    Usage: ``external_identities(world.accounts).authorize(body)``
    """
    if accounts.external is None:
        accounts.external = ExternalIdentities(accounts)
    return accounts.external
