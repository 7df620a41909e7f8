"""``fanfare-rx demo``: the command in a subprocess (queue, the VIP and sign-in paths, a lost
draw, Ctrl-C) and every sandbox experience in-process to its terminal stage."""

from __future__ import annotations

import io
import re
import signal
import subprocess
import sys
import time

import pytest

from fanfare_rx.cli.demo import DEMO_EXPERIENCES, DEMO_SPEEDS, run_demo
from fanfare_rx.models._redact import redact
from fanfare_rx.sandbox.process import drop_scenario

pytestmark = pytest.mark.integration

#: A grant as the sandbox signs it: ``grt.<payload>.<mac>``. The redacted form shows 6 chars.
FULL_GRANT = re.compile(r"grt\.[A-Za-z0-9_=-]{8,}")
REDACTED_GRANT = re.compile(r"admitted: admission token 'grt\.ey…\[redacted, (\d+) chars\]'")


def run_cli(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fanfare_rx.cli", "demo", *args],
                          check=False, capture_output=True, text=True, timeout=timeout)


def assert_admitted(out: str) -> None:
    assert "stage: routed / admitted" in out
    match = REDACTED_GRANT.search(out)
    assert match is not None, out
    assert int(match.group(1)) > 100
    assert FULL_GRANT.search(out) is None, "a grant was printed in full"


def test_demo_queue_exits_0_and_shows_admitted() -> None:
    done = run_cli("--speed", "40", "--poll-ms", "200")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert_admitted(out)
    # The complete example, in order.
    steps = ["Fanfare.init(", "restore(): no stored session", "create_journey(", "start()",
             "stage: routed / active_enterable (General queue, queue)", "start_polling(200)",
             "-> enter_queue()", "stage: routed / participating", "  position ",
             "stage: routed / admitted", "admitted: admission token"]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    # Positions count down to the front.
    seen = [int(n) for n in re.findall(r"position (\d+) of", out)]
    assert seen[0] > 20 and seen == sorted(seen, reverse=True) and seen[-1] < seen[0]
    assert "Traceback" not in done.stderr


def test_demo_vip_shows_the_choice_and_never_the_code() -> None:
    done = run_cli("--experience", "vip")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert ("stage: needs_access_code / none needs access_code (optional); "
            "offers: VIP early access") in out
    assert "choice (optional access code): provide a code for VIP early access or skip it" in out
    assert f"-> provide_access_code({redact('VIP2024')})" in out
    assert "VIP2024" not in out
    assert "stage: routed / admitted (VIP early access, queue)" in out
    assert_admitted(out)


def test_demo_signin_signs_in_with_the_sandbox_otp() -> None:
    done = run_cli("--experience", "signin", "--speed", "20")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    order = ["stage: needs_auth / none needs authentication",
             "needs_auth: request_otp(email='demo@example.com')", "then authenticate()",
             "event: Signed in", "stage: routed / admitted (Signed-in queue, queue)"]
    positions = [out.index(step) for step in order]
    assert positions == sorted(positions)
    assert "424242" not in out
    assert_admitted(out)


def test_demo_lost_draw_exits_3_with_a_message() -> None:
    done = run_cli("--experience", "draw", "--seed", "0", "--speed", "300")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "not admitted: the journey ended (lost)" in done.stdout
    assert "admission token" not in done.stdout


def test_demo_times_out_with_exit_4() -> None:
    done = run_cli("--speed", "1", "--timeout", "1.5")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "timed out after 1.5 s in stage routed / participating" in done.stdout


def test_ctrl_c_cleans_up_and_exits_130() -> None:
    process = subprocess.Popen([sys.executable, "-m", "fanfare_rx.cli", "demo", "--speed", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if "position" in line or not line:
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, out + err
    assert "interrupted: journey destroyed, HTTP session closed, sandbox stopped" in out
    assert "Traceback" not in err and "Traceback" not in out


#: Fast clocks for the in-process runs (the defaults are tuned for people to watch).
_FAST = {"queue": 200.0, "vip": 200.0, "signin": 200.0, "botcheck": 200.0, "draw": 600.0,
         "auction": 600.0, "timed_release": 600.0, "waitlist": 1200.0, "appointment": 200.0}


@pytest.mark.parametrize("experience", DEMO_EXPERIENCES)
async def test_every_experience_reaches_admitted(experience: str) -> None:
    out = io.StringIO()
    started = time.monotonic()
    status = await run_demo(experience, speed=_FAST[experience], poll_ms=100, timeout=15,
                            out=out, tty=False)
    text = out.getvalue()
    assert status == 0, text
    if experience == "appointment":  # appointments never admit: a booked slot is the goal
        assert "stage: routed / participating (Fitting bookings, appointment)" in text
        assert re.search(r"^booked: slot slot-\S+$", text, re.MULTILINE), text
    else:
        assert_admitted(text)
    assert time.monotonic() - started < 15


def test_default_speeds_cover_every_experience_of_the_default_scenario() -> None:
    labels = {e["label"] for e in drop_scenario()["experiences"]}
    assert set(DEMO_SPEEDS) == set(_FAST) == set(DEMO_EXPERIENCES) == labels
