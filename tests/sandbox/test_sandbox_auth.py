"""Authentication: keys, bearer tokens, OTP, refresh rotation and logout."""

from __future__ import annotations

from sandbox_helpers import Api

from fanfare_rx.models import wire
from fanfare_rx.wire import codec


async def test_publishable_key_required(api: Api) -> None:
    missing = await api.call("POST", "/auth/guest", pk=None)
    assert missing.status == 401 and missing.body["error"] == "unauthorized"
    wrong = await api.call("GET", f"/experiences/{api.sandbox.experiences['queue']}", pk="pk_test_x")
    assert wrong.status == 401
    assert "X-Request-Id" in wrong.headers and "X-RateLimit-Limit" in wrong.headers


async def test_bearer_required_and_checked(api: Api) -> None:
    queue_id = await api.distribution("queue", "queues")
    none = await api.call("POST", f"/queues/{queue_id}/enter")
    assert none.status == 401 and none.body["error"] == "Authentication required"
    forged = await api.call("GET", "/consumers/me", token="acc.eyJrIjoiYWNjIn0.AAAA")
    assert forged.status == 401 and forged.body["error"] == "invalid_token"
    control = await api.call("GET", "/_sandbox/info")
    assert control.status == 401


async def test_guest_envelope_decodes(api: Api) -> None:
    reply = await api.call("POST", "/auth/guest")
    envelope = codec.structure(reply.body, wire.SessionEnvelope)
    assert envelope.session.type is wire.SessionType.GUEST
    assert envelope.refresh_token_ttl_seconds == 2592000


async def test_otp_flow_and_guest_upgrade_keeps_position(api: Api) -> None:
    assert (await api.call("POST", "/auth/otp/request", json={"email": "f@x.io"})).body == {"ok": True}
    bad = await api.call("POST", "/auth/otp/verify", json={"code": "000000", "email": "f@x.io"})
    assert bad.status == 401 and bad.body["error"] == "otp_invalid"
    guest = await api.guest()
    queue_id = await api.distribution("queue", "queues")
    await api.call("POST", f"/queues/{queue_id}/enter", token=guest)
    verified = await api.call("POST", "/auth/otp/verify", token=guest,
                              json={"code": api.sandbox.otp_code, "email": "f@x.io"})
    session = codec.structure(verified.body, wire.SessionEnvelope)
    assert session.session.type is wire.SessionType.AUTHENTICATED
    status = await api.call("GET", f"/queues/{queue_id}/status", token=session.access_token)
    assert status.body["status"] == "QUEUED"


async def test_refresh_rotates_and_logout_revokes(api: Api) -> None:
    envelope = (await api.call("POST", "/auth/guest")).body
    first = await api.call("POST", "/auth/refresh", json={"refreshToken": envelope["refreshToken"]})
    rotated = codec.structure(first.body, wire.RefreshResult)
    assert rotated.refresh_token != envelope["refreshToken"]
    reused = await api.call("POST", "/auth/refresh", json={"refreshToken": envelope["refreshToken"]})
    assert reused.status == 401 and reused.body["error"] == "invalid refresh token"
    assert (await api.call("GET", "/consumers/me", token=rotated.access_token)).status == 200
    out = await api.call("POST", "/auth/logout", token=rotated.access_token)
    assert out.status == 204
    assert (await api.call("GET", "/consumers/me", token=rotated.access_token)).status == 401
    again = await api.call("POST", "/auth/refresh", json={"refreshToken": rotated.refresh_token})
    assert again.status == 401


async def test_access_token_lifetime_runs_on_the_wall_clock(api: Api) -> None:
    token = await api.guest()
    await api.sandbox.advance(7200)  # sandbox time does not expire sessions
    assert (await api.call("GET", "/consumers/me", token=token)).status == 200
    accounts = api.sandbox.world.accounts
    started = accounts.wall()
    accounts.wall = lambda: started + 3601
    assert (await api.call("GET", "/consumers/me", token=token)).status == 401
