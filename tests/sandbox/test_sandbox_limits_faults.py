"""Rate limits (429 + headers) and every fault kind of the seeded fault plan."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from sandbox_helpers import Api

from fanfare_rx.sandbox import Sandbox


async def test_rate_limit_headers_and_429(custom: Any) -> None:
    api = await custom(Sandbox().scenario, rate_limit=3)
    token = await api.guest()
    first = await api.call("GET", "/consumers/me", token=token)
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    assert int(first.headers["X-RateLimit-Reset"]) > 0
    await api.call("GET", "/consumers/me", token=token)
    await api.call("GET", "/consumers/me", token=token)
    limited = await api.call("GET", "/consumers/me", token=token)
    assert limited.status == 429
    assert limited.body == {"error": "Rate limit exceeded", "retryAfter": 60}
    assert limited.headers["Retry-After"] == "60"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    await api.sandbox.advance(60)
    assert (await api.call("GET", "/consumers/me", token=token)).status == 200


async def test_status_faults_fire_a_bounded_number_of_times(api: Api) -> None:
    queue_id = await api.distribution("queue", "queues")
    token = await api.guest()
    api.sandbox.faults.set({"seed": 7, "rules": [
        {"match": "POST /queues/*/enter", "kind": "status", "status": 503, "times": 2},
        {"match": "GET /consumers/me", "kind": "status", "status": 429, "retryAfter": 1, "times": 1},
        {"match": "GET /queues/*", "kind": "status", "status": 500, "times": 1}]})
    for _ in range(2):
        down = await api.call("POST", f"/queues/{queue_id}/enter", token=token)
        assert down.status == 503 and down.body == {"error": "service_unavailable"}
        assert "Retry-After" in down.headers
    assert (await api.call("POST", f"/queues/{queue_id}/enter", token=token)).status == 200
    limited = await api.call("GET", "/consumers/me", token=token)
    assert limited.status == 429 and limited.headers["Retry-After"] == "1"
    broken = await api.call("GET", f"/queues/{queue_id}")
    assert broken.status == 500 and broken.body["error"] == "internal_error"
    assert api.sandbox.faults.fired == [2, 1, 1]


async def test_malformed_fault_breaks_the_json(api: Api) -> None:
    api.sandbox.faults.set({"rules": [{"match": "POST /auth/guest", "kind": "malformed", "times": 1}]})
    broken = await api.call("POST", "/auth/guest")
    assert broken.status == 200 and isinstance(broken.body, bytes)
    assert isinstance((await api.call("POST", "/auth/guest")).body, dict)


@pytest.mark.parametrize("when", ["before", "after"])
async def test_drop_fault(api: Api, when: str) -> None:
    queue_id = await api.distribution("queue", "queues")
    token = await api.guest()
    api.sandbox.faults.set({"rules": [{"match": "POST /queues/*/enter", "kind": "drop",
                                       "when": when, "times": 1}]})
    with pytest.raises(aiohttp.ClientError):
        await api.call("POST", f"/queues/{queue_id}/enter", token=token)
    retried = await api.call("POST", f"/queues/{queue_id}/enter", token=token)
    if when == "after":  # the first attempt was applied
        assert retried.status == 409 and retried.body["code"] == "ALREADY_IN_QUEUE"
    else:
        assert retried.status == 200


async def test_delay_fault_with_probability_is_seeded(api: Api) -> None:
    api.sandbox.faults.set({"seed": 3, "rules": [{"match": "*", "kind": "delay", "seconds": 0,
                                                  "probability": 0.5}]})
    for _ in range(10):
        assert (await api.call("POST", "/auth/guest")).status == 200
    fired = api.sandbox.faults.fired[0]
    assert 0 < fired < 10
    api.sandbox.faults.set({"seed": 3, "rules": [{"match": "*", "kind": "delay", "seconds": 0,
                                                  "probability": 0.5}]})
    for _ in range(10):
        await api.call("POST", "/auth/guest")
    assert api.sandbox.faults.fired[0] == fired


async def test_fault_plan_over_http_and_validation(api: Api) -> None:
    bad = await api.secret("POST", "/_sandbox/faults", {"rules": [{"kind": "explode"}]})
    assert bad.status == 400 and "rules[0].kind" in bad.body["issues"][0]["message"]
    ok = await api.secret("POST", "/_sandbox/faults",
                          {"seed": 1, "rules": [{"match": "*", "kind": "status", "status": 503}]})
    assert ok.status == 200
    assert (await api.call("POST", "/auth/guest")).status == 503
    assert (await api.secret("DELETE", "/_sandbox/faults")).status == 200
    assert (await api.call("POST", "/auth/guest")).status == 200


async def test_clock_control_endpoints(api: Api) -> None:
    before = await api.secret("GET", "/_sandbox/clock")
    assert before.body["mode"] == "manual" and before.body["elapsedSeconds"] == 0
    moved = await api.secret("POST", "/_sandbox/clock/advance", {"seconds": 90})
    assert moved.body["elapsedSeconds"] == 90
    wrong = await api.secret("POST", "/_sandbox/clock/advance", {"seconds": "soon"})
    assert wrong.status == 400 and wrong.body["issues"][0]["path"][0]["key"] == "seconds"
    negative = await api.secret("POST", "/_sandbox/clock/advance", {"seconds": -5})
    assert negative.status == 400
    info = await api.secret("GET", "/_sandbox/info")
    assert info.body["publishableKey"] == api.sandbox.publishable_key
    assert {e["label"] for e in info.body["experiences"]} == set(api.sandbox.experiences)
