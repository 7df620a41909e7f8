"""``fanfare-rx replay``: the timeline of a journey recorded on virtual time (polls and the grant's
expiry tick), and ``--as-test`` to standard output or a file, the written test passing under
pytest (the sandbox recordings of every mechanism: tests/integration/test_flight_recorder.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fanfare_rx.cli.commands import main
from fanfare_rx.cli.replay import as_test_source
from fanfare_rx.errors import RateLimitedError
from fanfare_rx.journey.recorder import read_recording
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

ROOT = Path(__file__).resolve().parents[2]
GRANT = "grant-0123456789abcdef-0123456789abcdef"


def _recorded(tmp_path: Path) -> Path:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    h.server.on_enter("-q|", q=b.queued(2))
    h.server.on_status("-o|", "-g|", o=b.queued(1), g=b.queue_granted(GRANT, expires_at=b.at(20)))
    path = tmp_path / "journey.jsonl"
    h.journey.record(path)
    h.act("s---e", s="start", e="enter_queue")
    h.advance(6)
    h.journey.start_polling(2000)
    h.advance(30)
    h.destroy()
    return path


def test_the_timeline_shows_each_message_its_time_and_the_stages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recorded(tmp_path)
    assert main(["replay", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("journey exp-1: 10 messages from 1970-01-01T00:00:00.000+00:00, "
                        "starting at not_started / none")
    assert lines[1].split() == ["+0.000s", "ActionRequested", "start", "entering", "/", "none"]
    assert lines[6].split() == ["+5.000s", "StatusReceived", "QueueQueued", "QUEUED", "position",
                                "2", "routed", "/", "participating"]
    assert lines[-1].split() == ["+20.000s", "Tick", "routed", "/", "admission_expired"]
    assert lines[4].endswith("·")  # the status after routing changed no stage
    assert GRANT not in "\n".join(lines)


def test_as_test_alone_writes_the_test_to_standard_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recorded(tmp_path)
    assert main(["replay", str(path), "--as-test"]) == 0
    out = capsys.readouterr().out
    assert out == as_test_source(read_recording(path), name="journey.jsonl")
    compile(out, "test_journey.py", "exec")
    assert GRANT not in out and "def test_the_recorded_journey_goes_through_its_stages" in out


def test_the_written_test_passes_under_pytest_polls_and_expiry_included(tmp_path: Path) -> None:
    path = _recorded(tmp_path)
    test_file = tmp_path / "test_recorded_journey.py"
    assert main(["replay", str(path), "--as-test", str(test_file)]) == 0
    assert "'refresh_distribution'" in test_file.read_text()  # the polls, asked for again
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path), str(test_file)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


def _run_pytest(test_file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "--rootdir", str(test_file.parent), str(test_file)],
        cwd=test_file.parent, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_a_refused_entry_and_a_waitlist_are_reproduced_too(tmp_path: Path) -> None:
    h = JourneyHarness(b.experience("queue", waitlist=True, open_at=b.at(3600)))
    h.server.on_route("-u|", u=b.routed(availability="upcoming"))
    h.server.on_enter_waitlist("-w|", w=b.waitlist_status(True))
    h.server.on_leave_waitlist("-l|", l=b.waitlist_status(False))
    path = tmp_path / "waitlist.jsonl"
    h.journey.record(path)
    h.act("s--j--l", s="start", j="enter_waitlist", l="leave_waitlist")
    h.advance(10)
    h.destroy()

    refused = JourneyHarness(b.experience("queue"))
    refused.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    refused.server.on_enter("-#", "-q|", q=b.queued(4),
                            error=RateLimitedError("busy", retry_after=30))
    failed = tmp_path / "refused.jsonl"
    refused.journey.record(failed)
    refused.act("s---e--e", s="start", e="enter_queue")
    refused.advance(12)
    assert refused.journey.sequence_stage.get() == "participating"
    refused.destroy()

    for recording in (path, failed):
        kinds = {type(msg).__name__ for msg in read_recording(recording).messages}
        assert kinds & {"WaitlistChanged", "ActionFailed"}
        test_file = tmp_path / f"test_{recording.stem}.py"
        assert main(["replay", str(recording), "--as-test", str(test_file)]) == 0
        ran = _run_pytest(test_file)
        assert ran.returncode == 0, ran.stdout + ran.stderr
