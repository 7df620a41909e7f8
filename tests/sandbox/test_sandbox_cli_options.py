"""``fanfare-rx sandbox`` options: validation at parse time, the shared default seed, the
banner's how-to-call lines and ``sandbox reset`` against a running sandbox."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import socket
import subprocess
import sys
from typing import Any

import aiohttp
import pytest
from sandbox_helpers import Api

from fanfare_rx.cli import build_parser, demo
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.cli import (
    banner_lines,
    port_number,
    positive_float,
    positive_int,
    reset_remote,
    run,
)
from fanfare_rx.sandbox.server import DEFAULT_SEED


def _parse_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["sandbox", *argv])
    assert caught.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(("argv", "words"), [
    (["--port", "99999"], "between 0 and 65535"),
    (["--port", "http"], "expected a port number"),
    (["--clock", "manual", "--speed", "10"], "cannot be used with --clock manual"),
    (["--speed", "10", "--clock", "manual"], "cannot be used with --clock manual"),
    (["--speed", "0"], "greater than 0"),
    (["--speed", "-1"], "greater than 0"),
    (["--speed", "nan"], "greater than 0"),
    (["--max-connections", "0"], "greater than 0"),
    (["--idle-timeout", "-1"], "greater than 0"),
    (["--clock", "fast"], "invalid choice"),
])
def test_bad_and_conflicting_options_are_refused_at_parse_time(
        capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    err = _parse_error(capsys, *argv)
    assert words in err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("fanfare-rx sandbox: error: ")


def test_good_options_parse() -> None:
    args = build_parser().parse_args(["sandbox", "--port", "0", "--clock", "real", "--speed",
                                      "60", "--max-connections", "100"])
    assert (args.port, args.clock, args.speed, args.max_connections) == (0, "real", 60.0, 100)
    assert args.seed == DEFAULT_SEED and args.sandbox_action is None


def test_port_out_of_range_exits_2_without_traceback() -> None:
    done = subprocess.run([sys.executable, "-m", "fanfare_rx.cli", "sandbox", "--port", "99999"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "--port" in done.stderr


@pytest.mark.parametrize(("parse", "text", "expected"), [
    (positive_int, "3", 3), (positive_float, "0.5", 0.5), (port_number, "0", 0),
    (port_number, "65535", 65535),
])
def test_type_functions_accept(parse: Any, text: str, expected: Any) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(("parse", "text"), [
    (positive_int, "0"), (positive_int, "1.5"), (positive_float, "inf"), (positive_float, "x"),
    (port_number, "-1"), (port_number, "65536"),
])
def test_type_functions_refuse(parse: Any, text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse(text)


async def test_one_default_seed_and_the_first_consumer_wins_the_draw(api: Api) -> None:
    assert DEFAULT_SEED == demo.DEFAULT_SEED
    async with Sandbox(clock="manual") as sandbox:  # no seed given
        assert sandbox.seed == DEFAULT_SEED
        own = Api(api.session, sandbox)
        token = await own.guest()
        draw_id = await own.distribution("draw", "draws")
        assert (await own.call("POST", f"/draws/{draw_id}/enter", token=token)).status == 200
        await sandbox.advance(300)
        status = await own.call("GET", f"/draws/{draw_id}/status", token=token)
        assert status.body["status"] == "WON"
    # the fixture's sandbox runs seed 0, with which the same first consumer loses
    token = await api.guest()
    draw_id = await api.distribution("draw", "draws")
    await api.call("POST", f"/draws/{draw_id}/enter", token=token)
    await api.sandbox.advance(300)
    assert (await api.call("GET", f"/draws/{draw_id}/status", token=token)).body["status"] == (
        "DENIED")


async def test_banner_says_how_to_call_the_api(sandbox: Sandbox,
                                               http: aiohttp.ClientSession) -> None:
    lines = banner_lines(sandbox)
    assert f"base URL: {sandbox.base_url}" in lines
    assert f"header on every API call: X-Publishable-Key: {sandbox.publishable_key}" in lines
    assert any(line.startswith("header on consumer calls: Authorization: Bearer <accessToken")
               for line in lines)
    assert lines[-1] == "ready: Ctrl-C stops"
    assert f"start over: fanfare-rx sandbox reset --url {sandbox.base_url}" in lines
    curl = next(line for line in lines if line.startswith("guest session: "))
    words = shlex.split(curl.removeprefix("guest session: "))
    assert words[:4] == ["curl", "-s", "-X", "POST"]
    url, header = words[4], words[words.index("-H") + 1]
    assert url == sandbox.base_url + "/auth/guest"
    name, _, value = header.partition(": ")
    async with http.post(url, headers={name: value}) as response:  # what the curl line does
        assert response.status == 200
        assert (await response.json())["session"]["type"] == "guest"


async def test_reset_command_resets_a_running_sandbox(api: Api,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    await api.sandbox.advance(500)
    args = build_parser().parse_args(["sandbox", "reset", "--url", api.sandbox.base_url,
                                      "--seed", "9"])
    assert await asyncio.to_thread(run, args) == 0
    assert "sandbox reset" in capsys.readouterr().out
    assert api.sandbox.world.seed == 9
    clock = await api.secret("GET", "/_sandbox/clock")
    assert clock.body["elapsedSeconds"] == 0
    answer = await asyncio.to_thread(reset_remote, api.sandbox.base_url)
    assert answer["seed"] == 9


async def test_reset_command_reports_refusal_and_unreachable(
        api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    wrong = build_parser().parse_args(["sandbox", "reset", "--url", api.sandbox.base_url,
                                       "--secret-key", "sk_test_wrong"])
    assert await asyncio.to_thread(run, wrong) == 1
    assert "answered 401" in capsys.readouterr().err
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    gone = build_parser().parse_args(["sandbox", "reset", "--url", f"http://127.0.0.1:{free}"])
    assert await asyncio.to_thread(run, gone) == 1
    assert "cannot reach" in capsys.readouterr().err
