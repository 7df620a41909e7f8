"""Timed-release and waitlist lifecycles on the manual clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sandbox_helpers import Api, scenario_with

from fanfare_rx.models import wire
from fanfare_rx.wire import codec

TIMED = {"type": "timed_release", "id": "t1", "openAt": 120, "closeAt": 600,
         "admissionExpirationSeconds": 60}


async def test_timed_release_lifecycle(custom: Any) -> None:
    api = await custom(scenario_with(TIMED))
    token = await api.guest()
    early = await api.call("POST", "/timed-releases/t1/enter", token=token)
    assert early.status == 423 and early.body["code"] == "TIMED_RELEASE_NOT_OPEN"
    assert datetime.fromisoformat(early.headers["Retry-After"]) - api.sandbox.now() == timedelta(seconds=120)
    await api.sandbox.advance(120)
    entered = await api.call("POST", "/timed-releases/t1/enter", token=token,
                             json={"variantId": "v1"})
    state = codec.structure(entered.body, wire.TimedReleaseConsumerState)
    assert state.status is wire.TimedReleaseStatus.GRANTED and state.admission_grant
    assert state.selected_variant_id == "v1"
    dup = await api.call("POST", "/timed-releases/t1/enter", token=token)
    assert dup.status == 409 and dup.body["code"] == "ALREADY_IN_TIMED_RELEASE"
    done = await api.call("POST", "/timed-releases/t1/complete", token=token)
    assert done.body["success"] is True
    status = await api.call("GET", "/timed-releases/t1/status", token=token)
    assert status.body["status"] == "COMPLETED" and "completedAt" in status.body


async def test_timed_release_grant_expiry_leave_and_close(custom: Any) -> None:
    api = await custom(scenario_with(TIMED))
    await api.sandbox.advance(120)
    token, other = await api.guest(), await api.guest()
    await api.call("POST", "/timed-releases/t1/enter", token=token)
    await api.sandbox.advance(60)
    expired = await api.call("GET", "/timed-releases/t1/status", token=token)
    assert expired.body["status"] == "DENIED" and expired.body["reason"] == "ADMISSION_EXPIRED"
    assert (await api.call("POST", "/timed-releases/t1/enter", token=token)).status == 200
    await api.call("POST", "/timed-releases/t1/enter", token=other)
    assert (await api.call("POST", "/timed-releases/t1/leave", token=other)).body == {"success": True}
    assert (await api.call("GET", "/timed-releases/t1/status", token=other)).body["status"] == "LEFT"
    await api.sandbox.advance(600)
    late = await api.call("POST", "/timed-releases/t1/enter", token=await api.guest())
    assert late.status == 400 and late.body["code"] == "TIMED_RELEASE_CLOSED"


async def test_waitlist_enter_leave_status(api: Api) -> None:
    token = await api.guest()
    experience = await api.experience("waitlist")
    sequence = experience["sequences"][0]
    waitlist_id = sequence["waitlist"]["id"]
    entry = await api.call("POST", f"/waitlists/{waitlist_id}/enter", token=token)
    model = codec.structure(entry.body, wire.WaitlistEntry)
    assert model.waitlist_id == waitlist_id and model.sequence_id == sequence["id"]
    dup = await api.call("POST", f"/waitlists/{waitlist_id}/enter", token=token)
    assert dup.status == 409 and dup.body["code"] == "ALREADY_IN_WAITLIST"
    status = await api.call("GET", f"/waitlists/{waitlist_id}/status", token=token)
    assert status.body["isEntered"] is True and status.body["sequenceId"] == sequence["id"]
    left = await api.call("DELETE", f"/waitlists/{waitlist_id}/leave", token=token)
    assert left.body == {"left": True}
    assert (await api.call("DELETE", f"/waitlists/{waitlist_id}/leave", token=token)).body == {"left": False}
    status = await api.call("GET", f"/waitlists/{waitlist_id}/status", token=token)
    assert status.body == {"waitlistId": waitlist_id, "isEntered": False}
    queue = sequence["queues"][0]["id"]
    early = await api.call("POST", f"/queues/{queue}/enter", token=token)
    assert early.status == 423
    await api.sandbox.advance(600)
    assert (await api.call("POST", f"/queues/{queue}/enter", token=token)).body["status"] == "QUEUED"


async def test_waitlist_order_limit_and_capacity(custom: Any) -> None:
    api = await custom(scenario_with({**TIMED}, waitlist={"id": "w1", "capacity": 2, "orderLimit": 1}))
    token = await api.guest()
    await api.call("POST", "/waitlists/w1/enter", token=token)
    await api.call("DELETE", "/waitlists/w1/leave", token=token)
    limited = await api.call("POST", "/waitlists/w1/enter", token=token)
    assert limited.status == 409
    assert limited.body == {"code": "DISTRIBUTION_ORDER_LIMIT", "message":
                            "Entry denied: per-person order limit reached", "action": "reroute"}
    await api.call("POST", "/waitlists/w1/enter", token=await api.guest())
    await api.call("POST", "/waitlists/w1/enter", token=await api.guest())
    full = await api.call("POST", "/waitlists/w1/enter", token=await api.guest())
    assert full.status == 409 and full.body["code"] == "WAITLIST_FULL"
