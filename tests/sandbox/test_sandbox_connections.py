"""Hostile clients over loopback with raw sockets: idle, slow-header and slow-body connections
are closed, parser errors answer JSON with ``X-Request-Id``, a client leaving mid-body logs no
traceback, and the server stays reachable with more idle connections than its cap."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.connections import ServerLimits

#: Generous bound for "closed after the timeout" (the timeouts below are 0.5 s).
WITHIN = 10.0


@pytest.fixture
async def strict() -> AsyncIterator[Sandbox]:
    limits = ServerLimits(idle_timeout=0.5, body_timeout=0.5, max_connections=20)
    async with Sandbox(clock="manual", limits=limits) as running:
        yield running


async def _connect(sandbox: Sandbox) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(sandbox.host, sandbox.port)


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return status, headers, body


async def _answer(sandbox: Sandbox, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await _connect(sandbox)
    try:
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), WITHIN)
    finally:
        writer.close()
    return _parse(data)


def _get(sandbox: Sandbox, path: str = "/_sandbox/clock") -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {sandbox.secret_key}\r\n"
            "Connection: close\r\n\r\n").encode()


async def test_silent_connection_is_closed_after_the_idle_timeout(strict: Sandbox) -> None:
    reader, writer = await _connect(strict)
    try:
        assert await asyncio.wait_for(reader.read(), WITHIN) == b""  # EOF: the server closed
    finally:
        writer.close()


async def test_slow_header_connection_is_closed(strict: Sandbox) -> None:
    reader, writer = await _connect(strict)
    closed = asyncio.ensure_future(reader.read())
    try:
        writer.write(b"GET /_sandbox/clock HTTP/1.1\r\nHost: x\r\n")
        for index in range(60):
            chunk = b"X-Slow-%d: 1\r\n" % index
            if closed.done():
                break
            writer.write(chunk)
            await asyncio.sleep(0.1)  # one header line every 0.1 s never completes in time
        assert await asyncio.wait_for(closed, WITHIN) == b""
    finally:
        writer.close()


async def test_slow_body_gets_408_and_the_connection_closes(strict: Sandbox) -> None:
    reader, writer = await _connect(strict)
    try:
        writer.write(b"POST /auth/guest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"a\":")
        await writer.drain()
        status, headers, body = _parse(await asyncio.wait_for(reader.read(), WITHIN))
    finally:
        writer.close()
    assert status == 408
    assert json.loads(body)["error"] == "request_timeout"
    assert headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(("raw", "status", "error"), [
    (b"GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 400, "line_too_long"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400, "line_too_long"),
    (b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", 501, "method_not_implemented"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "bad_request"),
])
async def test_parser_errors_answer_json_with_a_request_id(
        strict: Sandbox, raw: bytes, status: int, error: str,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    got, headers, body = await _answer(strict, raw)
    assert got == status
    assert headers["content-type"].startswith("application/json")
    assert headers["x-request-id"].startswith("req_")
    parsed = json.loads(body)
    assert parsed["error"] == error and parsed["requestId"] == headers["x-request-id"]
    assert b"aaaa" not in body and b"bbbb" not in body and b"FOO" not in body  # no echo
    assert not [r for r in caplog.records if r.exc_info], "a parser error logged a traceback"


async def test_client_leaving_mid_body_logs_no_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with Sandbox(clock="manual") as sandbox:
        for _ in range(3):
            _, writer = await _connect(sandbox)
            writer.write(b"POST /auth/otp/request HTTP/1.1\r\nHost: x\r\n"
                         b"X-Publishable-Key: " + sandbox.publishable_key.encode() +
                         b"\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                         b"{\"email\": \"a@")
            await writer.drain()
            await asyncio.sleep(0.05)
            writer.transport.abort()  # gone before the body is complete
        for _ in range(200):
            if sandbox.connections == 0:
                break
            await asyncio.sleep(0.02)
        assert sandbox.connections == 0
        await asyncio.sleep(0.1)
        status, _, _ = await _answer(sandbox, _get(sandbox))
        assert status == 200
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if "unhandled" in r.getMessage()]
    assert [r for r in caplog.records if "client disconnected" in r.getMessage()]


async def test_server_stays_reachable_past_the_connection_cap(strict: Sandbox) -> None:
    idle = [await _connect(strict) for _ in range(60)]  # three times the cap of 20
    try:
        await asyncio.sleep(0.05)
        assert strict.connections <= 20
        status, _, body = await _answer(strict, _get(strict))
        assert status == 200 and "now" in json.loads(body)
        # the least recently active (the first idle ones) were closed to make room
        assert await asyncio.wait_for(idle[0][0].read(), WITHIN) == b""
    finally:
        for _, writer in idle:
            writer.close()


def test_limits_are_validated() -> None:
    with pytest.raises(UsageError, match="idle_timeout"):
        ServerLimits(idle_timeout=0)
    with pytest.raises(UsageError, match="max_connections"):
        ServerLimits(max_connections=-1)
