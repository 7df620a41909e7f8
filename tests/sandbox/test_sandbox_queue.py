"""Queue lifecycle on the manual clock: admission at admitRate, grant expiry, re-entry,
closing, capacity, not-open-yet, duplicate entry, secret-key admit/deny."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox_helpers import Api, scenario_with

from fanfare_rx.models import wire
from fanfare_rx.wire import codec

QUEUE = {"type": "queue", "id": "q1", "openAt": 0, "closeAt": 3600, "admitRate": 30,
         "crowd": 3, "admissionExpirationSeconds": 120}


async def test_default_queue_progresses_and_grants(api: Api) -> None:
    token = await api.guest()
    queue_id = await api.distribution("queue", "queues")
    entered = await api.call("POST", f"/queues/{queue_id}/enter", token=token)
    assert entered.status == 200
    state = codec.structure(entered.body, wire.QueueConsumerState)
    assert isinstance(state, wire.QueueQueued)
    assert state.position == 41  # 40 simulated consumers ahead
    assert state.estimated_wait_time_in_seconds == 41.0  # 60/min
    await api.sandbox.advance(10)
    status = await api.call("GET", f"/queues/{queue_id}/status", token=token)
    assert status.body["position"] == 31
    await api.sandbox.advance(31)
    status = await api.call("GET", f"/queues/{queue_id}/status", token=token)
    granted = codec.structure(status.body, wire.QueueConsumerState)
    assert isinstance(granted, wire.QueueGranted)
    assert granted.expires_at is not None and granted.dequeued_at is not None
    assert (granted.expires_at - granted.dequeued_at).total_seconds() == 600


async def test_grant_expires_and_consumer_may_reenter(custom: Any) -> None:
    api = await custom(scenario_with(QUEUE))
    token = await api.guest()
    assert (await api.call("POST", "/queues/q1/enter", token=token)).body["position"] == 4
    await api.sandbox.advance(7.9)  # 30/min: one admission every 2 s -> 3 admitted
    assert (await api.call("GET", "/queues/q1/status", token=token)).body["position"] == 1
    await api.sandbox.advance(0.2)
    assert (await api.call("GET", "/queues/q1/status", token=token)).body["status"] == "GRANTED"
    await api.sandbox.advance(120)
    expired = await api.call("GET", "/queues/q1/status", token=token)
    assert expired.body == {"status": "DENIED", "reason": "ADMISSION_EXPIRED",
                            "dequeuedAt": expired.body["dequeuedAt"], "position": 1}
    again = await api.call("POST", "/queues/q1/enter", token=token)
    assert again.status == 200 and again.body["status"] == "QUEUED"


async def test_duplicate_entry_is_conflict(custom: Any) -> None:
    api = await custom(scenario_with(QUEUE))
    token = await api.guest()
    await api.call("POST", "/queues/q1/enter", token=token)
    second = await api.call("POST", "/queues/q1/enter", token=token)
    assert second.status == 409
    assert second.body == {"error": "conflict", "message": "Already in queue",
                           "code": "ALREADY_IN_QUEUE"}


async def test_leave_then_status_left(custom: Any) -> None:
    api = await custom(scenario_with(QUEUE))
    token = await api.guest()
    await api.call("POST", "/queues/q1/enter", token=token)
    left = await api.call("POST", "/queues/q1/leave", token=token)
    assert left.body["status"] == "LEFT" and left.body["position"] == 4
    assert (await api.call("POST", "/queues/q1/leave", token=token)).status == 404
    other = await api.guest()
    assert (await api.call("POST", "/queues/q1/enter", token=other)).body["position"] == 4


async def test_not_open_yet_is_423_with_iso_retry_after(custom: Any) -> None:
    api = await custom(scenario_with({**QUEUE, "openAt": 300, "crowd": 0}))
    token = await api.guest()
    early = await api.call("POST", "/queues/q1/enter", token=token)
    assert early.status == 423
    assert early.body == {"error": "Queue is not open yet", "code": "QUEUE_NOT_OPEN"}
    opens = datetime.fromisoformat(early.headers["Retry-After"])
    assert opens - api.sandbox.now() == timedelta(seconds=300)
    await api.sandbox.advance(300)
    assert (await api.call("POST", "/queues/q1/enter", token=token)).status == 200


async def test_full_queue_is_429_with_retry_after(custom: Any) -> None:
    api = await custom(scenario_with({**QUEUE, "capacity": 3}))
    token = await api.guest()
    full = await api.call("POST", "/queues/q1/enter", token=token)
    assert full.status == 429
    assert full.body == {"error": "Queue is full", "code": "QUEUE_FULL"}
    assert full.headers["Retry-After"] == "30"


async def test_queue_closes_and_denies_the_rest(custom: Any) -> None:
    api = await custom(scenario_with({**QUEUE, "closeAt": 60, "crowd": 100}))
    token = await api.guest()
    await api.call("POST", "/queues/q1/enter", token=token)
    await api.sandbox.advance(61)
    closed = await api.call("GET", "/queues/q1/status", token=token)
    assert closed.body["status"] == "DENIED" and closed.body["reason"] == "QUEUE_CLOSED"
    late = await api.call("POST", "/queues/q1/enter", token=await api.guest())
    assert late.status == 400 and late.body["code"] == "QUEUE_CLOSED"


async def test_secret_key_admit_and_deny(custom: Any) -> None:
    api = await custom(scenario_with({**QUEUE, "crowd": 50}))
    token = await api.guest()
    consumer_id = (await api.call("POST", "/auth/otp/verify", token=token,
                                  json={"code": api.sandbox.otp_code, "email": "a@b.c"})).body
    token = consumer_id["accessToken"]
    me = consumer_id["session"]["consumerId"]
    await api.call("POST", "/queues/q1/enter", token=token)
    refused = await api.call("POST", "/queues/q1/admit", token=token, json={"consumerId": me})
    assert refused.status == 401
    admitted = await api.secret("POST", "/queues/q1/admit", {"consumerId": me})
    assert admitted.status == 200 and admitted.body["status"] == "GRANTED"
    denied = await api.secret("POST", "/queues/q1/deny", {"consumerId": me, "reason": "BOT_DETECTED"})
    assert denied.body["status"] == "DENIED" and denied.body["reason"] == "BOT_DETECTED"
    bad = await api.secret("POST", "/queues/q1/deny", {"consumerId": me, "reason": "NOPE"})
    assert bad.status == 400 and bad.body["issues"][0]["path"][0]["key"] == "reason"
    unknown = await api.secret("POST", "/queues/q1/admit", {"consumerId": "nobody"})
    assert unknown.status == 404 and unknown.body["message"] == "Consumer not in queue"


async def test_grant_is_a_signed_token(custom: Any) -> None:
    api = await custom(scenario_with({**QUEUE, "crowd": 0}))
    token = await api.guest()
    await api.call("POST", "/queues/q1/enter", token=token)
    await api.sandbox.advance(2)
    grant = (await api.call("GET", "/queues/q1/status", token=token)).body["admissionGrant"]
    signer = api.sandbox.world.signer
    claims = signer.verify(grant, "grt")
    assert claims is not None and claims["d"] == "q1"
    tampered = grant[:-2] + ("AA" if not grant.endswith("AA") else "BB")
    assert signer.verify(tampered, "grt") is None
