"""Sandbox identities: HMAC-signed access, refresh and grant tokens, sessions and consumers.

The signing secret is drawn fresh at every start, so tokens of an earlier run never validate.
Refresh tokens rotate (only the newest one of a session works, unless a reuse grace is set:
then the token just rotated away still yields the pair its rotation issued for a few seconds);
logout revokes the session.
Token lifetimes run on the wall clock (what a client compares ``expiresAt`` with), not on the
sandbox clock, so advancing a manual clock by hours never logs a test's consumer out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from fanfare_rx.sandbox.external import ExternalIdentities

__all__ = ["Accounts", "AlreadyLinked", "Consumer", "Identity", "Rotation", "Session", "TokenSigner"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    """Signs small JSON claims as ``<prefix>.<payload>.<hmac>``.

    Usage: ``signer.verify(signer.sign("acc", {"sid": "s1"}), "acc")["sid"] == "s1"``
    """

    #: How many verified tokens are remembered (a token is checked once, then looked up).
    CACHE_SIZE = 65536

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self._verified: dict[str, dict[str, Any]] = {}

    def sign(self, kind: str, claims: dict[str, Any]) -> str:
        body = _b64(json.dumps({"k": kind, **claims}, separators=(",", ":")).encode())
        mac = hmac.new(self._secret, f"{kind}.{body}".encode(), hashlib.sha256).digest()
        return f"{kind}.{body}.{_b64(mac)}"

    def verify(self, token: str, kind: str) -> dict[str, Any] | None:
        """The claims of a token of ``kind`` with a valid signature, else None (a copy: the
        claims of tokens already verified are remembered)."""
        known = self._verified.get(token)
        if known is not None:
            return dict(known) if known["k"] == kind else None
        claims = self._check(token, kind)
        if claims is not None:
            if len(self._verified) >= self.CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
            return dict(claims)
        return None

    def _check(self, token: str, kind: str) -> dict[str, Any] | None:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != kind:
            return None
        expected = hmac.new(self._secret, f"{kind}.{parts[1]}".encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _unb64(parts[2])):
                return None
            claims = json.loads(_unb64(parts[1]))
        except (ValueError, UnicodeDecodeError):
            return None
        return claims if isinstance(claims, dict) and claims.get("k") == kind else None


class AlreadyLinked(Exception):
    """A guest holding places signed in with a contact of another consumer: the guest cannot
    be linked to it (answered 409 ``already_linked``; the guest keeps its places)."""

    def __init__(self, contact: str) -> None:
        super().__init__("this contact already belongs to another consumer")
        self.contact = contact


@attrs.define
class Consumer:
    id: str
    guest: bool = True
    email: str | None = None
    phone: str | None = None


@attrs.frozen
class Rotation:
    """The last rotation of a session: the refresh token id it retired, when (wall clock), and
    the pair it issued (access, refresh, access expiry)."""

    retired_jti: str = attrs.field(repr=False)
    at: float
    issued: tuple[str, str, float] = attrs.field(repr=False)


@attrs.define
class Session:
    id: str
    consumer_id: str
    refresh_jti: str = attrs.field(repr=False)
    revoked: bool = False
    last_rotation: Rotation | None = None


@attrs.frozen
class Identity:
    """The caller behind a valid access token."""

    consumer: Consumer
    session: Session


class Accounts:
    """Consumers, sessions and the tokens that name them.

    Usage: ``access, refresh, _ = accounts.open_session(accounts.new_guest())``
    """

    def __init__(self, signer: TokenSigner, *, access_ttl: int, refresh_ttl: int) -> None:
        self.signer = signer
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.consumers: dict[str, Consumer] = {}
        self.sessions: dict[str, Session] = {}
        self._by_contact: dict[str, str] = {}
        #: The clock token lifetimes are measured on (replaceable in tests).
        self.wall: Callable[[], float] = time.time
        #: Partner identities (``/auth/external/*``), see :mod:`fanfare_rx.sandbox.external`.
        self.external: ExternalIdentities | None = None

    def new_guest(self) -> Consumer:
        consumer = Consumer(id=f"guest_{secrets.token_hex(8)}")
        self.consumers[consumer.id] = consumer
        return consumer

    def authenticate(self, email: str | None, phone: str | None, current: Consumer | None,
                     *, guest_holds_places: bool = False) -> Consumer:
        """The consumer for a verified contact; a guest caller is upgraded in place so its
        participations are kept (spec §4.1).

        A contact that already belongs to another consumer cannot take a guest that holds
        places along: that is the conflict the spec names, :class:`AlreadyLinked` (409
        ``already_linked``), and nothing changes. A guest that holds nothing is simply left.

        Usage: ``accounts.authenticate("ada@example.com", None, guest, guest_holds_places=True)``
        """
        contact = (email or "").lower() or (phone or "")
        known = self._by_contact.get(contact) if contact else None
        if known is not None:
            if (guest_holds_places and current is not None and current.guest
                    and current.id != known):
                raise AlreadyLinked(contact)
            return self.consumers[known]
        if current is not None and current.guest:
            consumer = current
        else:
            consumer = Consumer(id=f"cns_{secrets.token_hex(8)}")
            self.consumers[consumer.id] = consumer
        consumer.guest = False
        consumer.email, consumer.phone = email, phone
        if contact:
            self._by_contact[contact] = consumer.id
        return consumer

    def open_session(self, consumer: Consumer) -> tuple[str, str, float]:
        """A new session: (access token, refresh token, access expiry epoch)."""
        session = Session(id=secrets.token_hex(8), consumer_id=consumer.id,
                          refresh_jti=secrets.token_hex(8))
        self.sessions[session.id] = session
        return self._tokens(session, self.wall())

    def _tokens(self, session: Session, now: float) -> tuple[str, str, float]:
        expires = now + self.access_ttl
        access = self.signer.sign("acc", {"sid": session.id, "cid": session.consumer_id,
                                          "exp": expires})
        refresh = self.signer.sign("ref", {"sid": session.id, "jti": session.refresh_jti,
                                           "exp": now + self.refresh_ttl})
        return access, refresh, expires

    def _live_session(self, token: str, kind: str) -> tuple[dict[str, Any], Session, float] | None:
        """The claims of a valid, unexpired ``kind`` token ("acc" or "ref"), its unrevoked
        session and the time of the check; None for any other token."""
        claims = self.signer.verify(token, kind)
        now = self.wall()
        if claims is None or not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now:
            return None
        session = self.sessions.get(str(claims.get("sid")))
        if session is None or session.revoked:
            return None
        return claims, session, now

    def identify(self, token: str) -> Identity | None:
        """The identity behind a valid, unexpired, unrevoked access token."""
        live = self._live_session(token, "acc")
        if live is None:
            return None
        _, session, _ = live
        consumer = self.consumers.get(session.consumer_id)
        return None if consumer is None else Identity(consumer=consumer, session=session)

    def refresh(self, token: str, *, reuse_grace: float = 0.0) -> tuple[str, str, float] | None:
        """Rotate: the presented refresh token must be the session's newest one; or, within
        ``reuse_grace`` seconds of its rotation, the one just rotated away, which yields again
        the pair that rotation issued (two tabs refreshing at once keep one session).

        Usage: ``accounts.refresh(refresh_token, reuse_grace=30)``
        """
        live = self._live_session(token, "ref")
        if live is None:
            return None
        claims, session, now = live
        jti = claims.get("jti")
        if jti != session.refresh_jti:
            last = session.last_rotation
            if (reuse_grace > 0 and last is not None and jti == last.retired_jti
                    and now - last.at <= reuse_grace):
                return last.issued
            return None
        session.refresh_jti = secrets.token_hex(8)
        issued = self._tokens(session, now)
        session.last_rotation = Rotation(retired_jti=str(jti), at=now, issued=issued)
        return issued

    def logout(self, session: Session) -> None:
        session.revoked = True
