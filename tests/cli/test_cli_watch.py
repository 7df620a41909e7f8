"""``fanfare-rx watch`` in a subprocess against a sandbox this test serves in-process on a free
port with the real clock sped up."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest

from fanfare_rx.models._redact import redact
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines.queue import QueueEngine

pytestmark = pytest.mark.integration


@pytest.fixture
async def fast_sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="real", speed=60, seed=0, port=0) as running:
        yield running


async def watch(sandbox: Sandbox, experience: str, *args: str,
                timeout: float = 20) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fanfare_rx.cli", "watch",
        "--experience-id", sandbox.experiences[experience], "--base-url", sandbox.base_url,
        "--organization-id", sandbox.organization_id,
        "--publishable-key", sandbox.publishable_key, "--poll-ms", "150", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def granted_tokens(sandbox: Sandbox) -> list[str]:
    tokens = []
    for engine in sandbox.world.engines.values():
        if isinstance(engine, QueueEngine):
            tokens += [r.grant.token for r in engine.records.values() if r.grant is not None]
    return tokens


async def test_watch_runs_a_queue_journey_to_admitted(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "queue")
    assert status == 0, out + err
    assert "stage: routed / participating (General queue, queue)" in out
    assert "  position " in out
    assert "stage: routed / admitted (General queue, queue)" in out
    [token] = granted_tokens(fast_sandbox)
    assert f"admitted: admission token {redact(token)}" in out
    assert token not in out and token[:12] not in out
    assert "Traceback" not in err


async def test_watch_provides_the_access_code_given(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "vip", "--access-code", "VIP2024")
    assert status == 0, out + err
    assert "stage: routed / admitted (VIP early access, queue)" in out
    assert "VIP2024" not in out


async def test_watch_skips_an_optional_code_when_none_is_given(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "vip")
    assert status == 0, out + err
    assert "-> skip_access_code()" in out
    assert "stage: routed / admitted (General queue, queue)" in out


async def test_watch_with_a_wrong_optional_code_goes_on_without_it(
        fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "vip", "--access-code", "WRONG-CODE")
    assert status == 0, out + err
    order = ["-> provide_access_code(", "event: Invalid access code", "-> skip_access_code()",
             "stage: routed / admitted (General queue, queue)"]
    positions = [out.index(step) for step in order]
    assert positions == sorted(positions)
    assert out.count("-> provide_access_code(") == 1
    assert "WRONG-CODE" not in out


async def test_watch_without_credentials_for_sign_in_exits_4(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "signin")
    assert status == 4, out + err
    assert "stage: needs_auth / none needs authentication" in out
    assert "this experience requires sign-in: pass --email and --otp" in out


async def test_watch_signs_in_with_email_and_otp(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "signin", "--email", "ada@example.com",
                                   "--otp", fast_sandbox.otp_code)
    assert status == 0, out + err
    assert "request_otp(email='ada@example.com')" in out
    assert fast_sandbox.otp_code not in out
    assert "stage: routed / admitted (Signed-in queue, queue)" in out


async def test_watch_no_enter_only_watches(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "queue", "--no-enter", "--timeout", "1")
    assert status == 4, out + err
    assert "stage: routed / active_enterable (General queue, queue)" in out
    assert "enter_queue" not in out
    assert "timed out after 1 s in stage routed / active_enterable" in out
    assert granted_tokens(fast_sandbox) == []


async def test_watch_books_an_appointment_slot_and_exits_0(fast_sandbox: Sandbox) -> None:
    status, out, err = await watch(fast_sandbox, "appointment", "--timeout", "15")
    assert status == 0, out + err
    order = ["stage: routed / active_enterable (Fitting bookings, appointment)",
             "-> book a free slot", "stage: routed / participating (Fitting bookings, appointment)",
             "booked: slot slot-"]
    positions = [out.index(step) for step in order]
    assert positions == sorted(positions)


async def test_watch_of_an_unknown_experience_fails_with_exit_1(fast_sandbox: Sandbox) -> None:
    process = await asyncio.create_subprocess_exec(
        # The older spelling (experience as argument, --org, --key) still works.
        sys.executable, "-m", "fanfare_rx.cli", "watch", "no-such-experience",
        "--base-url", fast_sandbox.base_url, "--org", fast_sandbox.organization_id,
        "--key", fast_sandbox.publishable_key, "--timeout", "10",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode in (1, 3), out.decode() + err.decode()
    assert b"Traceback" not in err
