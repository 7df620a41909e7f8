"""External identities over loopback: ``POST /auth/external/authorize`` (secret key) and
``POST /auth/external/exchange`` (publishable key) with the spec's resolution rules."""

from __future__ import annotations

from typing import Any

from sandbox_helpers import Api

from fanfare_rx.models import wire
from fanfare_rx.wire import codec

IDENTITY = {"provider": "shopify", "issuer": "https://shop.example", "subject": "user-1"}


async def _authorize(api: Api, **body: Any) -> Any:
    return await api.secret("POST", "/auth/external/authorize", json={**IDENTITY, **body})


async def _exchange(api: Api, code: str, token: str | None = None) -> Any:
    return await api.call("POST", "/auth/external/exchange", token=token,
                          json={"exchangeCode": code})


async def test_authorize_needs_the_secret_key(api: Api) -> None:
    reply = await api.call("POST", "/auth/external/authorize", json=IDENTITY)
    assert reply.status == 401 and reply.body["error"] == "Secret key required"


async def test_exchange_gives_a_session_once(api: Api) -> None:
    authorized = await _authorize(api, claims={"email": "fan@example.com"})
    assert authorized.status == 200
    assert authorized.body["resolution"] == "created"
    assert authorized.body["exchangeCode"].startswith("exc_") and authorized.body["expiresAt"]
    exchanged = await _exchange(api, authorized.body["exchangeCode"])
    assert exchanged.status == 200
    envelope = codec.structure(exchanged.body, wire.SessionEnvelope)
    assert envelope.session.type is wire.SessionType.AUTHENTICATED
    assert envelope.session.email == "fan@example.com"
    assert envelope.refresh_token and envelope.refresh_token_ttl_seconds == 2592000
    me = await api.call("GET", "/consumers/me", token=envelope.access_token)
    assert me.status == 200
    again = await _exchange(api, authorized.body["exchangeCode"])
    assert again.status == 401 and again.body["error"] == "invalid_exchange_code"


async def test_resolutions_existing_linked_created(api: Api) -> None:
    first = await _authorize(api, canonicalSubject="person-9")
    consumer = (await _exchange(api, first.body["exchangeCode"])).body["session"]["consumerId"]
    known = await _authorize(api)
    assert known.body["resolution"] == "existing"
    assert (await _exchange(api, known.body["exchangeCode"])).body["session"]["consumerId"] \
        == consumer
    other_idp = await _authorize(api, provider="auth0", subject="abc", canonicalSubject="person-9")
    assert other_idp.body["resolution"] == "linked"
    assert (await _exchange(api, other_idp.body["exchangeCode"])).body["session"]["consumerId"] \
        == consumer
    stranger = await _authorize(api, subject="user-2")
    assert stranger.body["resolution"] == "created"
    assert (await _exchange(api, stranger.body["exchangeCode"])).body["session"]["consumerId"] \
        != consumer


async def test_claims_fill_only_empty_fields_and_never_link_by_email(api: Api) -> None:
    first = await _authorize(api, claims={"email": "first@example.com"})
    await _exchange(api, first.body["exchangeCode"])
    later = await _authorize(api, claims={"email": "second@example.com"})
    session = (await _exchange(api, later.body["exchangeCode"])).body["session"]
    assert session["email"] == "first@example.com"
    otp = await api.call("POST", "/auth/otp/verify",
                         json={"code": api.sandbox.otp_code, "email": "first@example.com"})
    assert otp.body["session"]["consumerId"] != session["consumerId"]


async def test_code_expires_after_sixty_seconds(api: Api) -> None:
    accounts = api.sandbox.world.accounts
    start = 1_800_000_000.0
    accounts.wall = lambda: start
    code = (await _authorize(api)).body["exchangeCode"]
    accounts.wall = lambda: start + 60.5
    late = await _exchange(api, code)
    assert late.status == 401 and late.body["error"] == "exchange_code_expired"


async def test_guest_keeps_its_queue_place_when_exchanging(api: Api) -> None:
    guest = await api.guest()
    queue_id = await api.distribution("queue", "queues")
    entered = (await api.call("POST", f"/queues/{queue_id}/enter", token=guest)).body
    guest_id = (await api.call("GET", "/consumers/me", token=guest)).body
    code = (await _authorize(api, claims={"email": "upgraded@example.com"})).body["exchangeCode"]
    exchanged = (await _exchange(api, code, token=guest)).body
    assert exchanged["session"]["type"] == "authenticated"
    token = exchanged["accessToken"]
    status = (await api.call("GET", f"/queues/{queue_id}/status", token=token)).body
    assert status["status"] == "QUEUED" and status["position"] == entered["position"]
    assert guest_id["active"]["journeys"][0]["experienceId"] == \
        (await api.call("GET", "/consumers/me", token=token)).body["active"]["journeys"][0][
            "experienceId"]
    # The identity now names the upgraded guest.
    again = await _authorize(api)
    assert again.body["resolution"] == "existing"
    session = (await _exchange(api, again.body["exchangeCode"])).body["session"]
    assert session["consumerId"] == exchanged["session"]["consumerId"]


async def test_authorize_and_exchange_validate_bodies(api: Api) -> None:
    missing = await api.secret("POST", "/auth/external/authorize",
                               json={"provider": "p", "issuer": "i"})
    assert missing.status == 400 and missing.body["error"] == "validation_error"
    assert missing.body["issues"][0]["path"][0]["key"] == "subject"
    huge = await _authorize(api, claims={"name": "x" * 10_000})
    assert huge.status == 400 and huge.body["issues"][0]["path"][0]["key"] == "claims"
    long_canonical = await _authorize(api, canonicalSubject="c" * 256)
    assert long_canonical.status == 400
    no_code = await api.call("POST", "/auth/external/exchange", json={})
    assert no_code.status == 400 and no_code.body["error"] == "validation_error"
