"""The flight recorder end to end on the sandbox over loopback: for each registered mechanism a
journey recorded from its creation replays offline into exactly the snapshots its ``state``
had, step by step (secrets compared as their redacted stand-ins on both sides), no secret is
written in full, ``fanfare-rx replay`` prints its timeline and ``--as-test`` writes a pytest
test that passes when pytest runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path

import pytest

from fanfare_rx import Fanfare, replay
from fanfare_rx.cli.commands import main
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.journey.recorder import read_recording, redacted
from fanfare_rx.mechanisms import registry
from fanfare_rx.models.actions import Book, Cancel, Claim, Reschedule
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]

Drive = Callable[[Sandbox, Fanfare, ExperienceJourney], Awaitable[None]]


async def _queue(sb: Sandbox, fanfare: Fanfare, journey: ExperienceJourney) -> None:
    await journey.start()
    await journey.enter_queue()
    for _ in range(3):
        await sb.advance(30)
        await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "admitted"
    await journey.act(Claim())


async def _draw(sb: Sandbox, fanfare: Fanfare, journey: ExperienceJourney) -> None:
    await journey.start()
    await journey.enter_draw()
    await sb.advance(301)  # past drawAt
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() in ("admitted", "ended")


async def _auction(sb: Sandbox, fanfare: Fanfare, journey: ExperienceJourney) -> None:
    await journey.start()
    await journey.enter_auction("100.00")
    await journey.place_bid("150.00")
    await sb.advance(301)
    await journey.refresh_distribution()
    assert journey.sequence_stage.get() == "admitted"


async def _timed_release(sb: Sandbox, fanfare: Fanfare, journey: ExperienceJourney) -> None:
    await journey.start()
    await sb.advance(121)
    await journey.refresh_distribution()
    await journey.enter_timed_release()
    await journey.complete_timed_release()
    assert journey.sequence_stage.get() == "ended"


async def _appointment(sb: Sandbox, fanfare: Fanfare, journey: ExperienceJourney) -> None:
    await journey.start()
    distribution = journey.state.get().context.distribution
    assert distribution is not None
    today = sb.now().astimezone(UTC).date()
    slots = await fanfare.api.appointment_slots(distribution.id, today - timedelta(days=1),
                                                today + timedelta(days=2))
    first, second = (s.id for s in slots.slots[:2])
    await journey.act(Book(first))
    await journey.act(Reschedule(second))
    await journey.act(Cancel("plans changed"))
    assert journey.sequence_stage.get() == "ended"


DRIVES: dict[str, Drive] = {
    "queue": _queue, "draw": _draw, "auction": _auction, "timed_release": _timed_release,
    "appointment": _appointment,
}


def test_every_registered_mechanism_has_a_replay_scenario() -> None:
    assert {spec.kind.value for spec in registry.registered()} == set(DRIVES)


@pytest.mark.parametrize("mechanism", sorted(DRIVES))
async def test_a_recorded_journey_replays_into_the_snapshots_it_had(
    sb: Sandbox, fanfare: Fanfare, tmp_path: Path, mechanism: str
) -> None:
    path = tmp_path / f"{mechanism}.jsonl"
    journey = fanfare.experiences.create_journey(sb.experiences[mechanism])
    live: list[JourneySnapshot] = []
    recorder = journey.record(path)
    journey.state.subscribe(live.append)
    await DRIVES[mechanism](sb, fanfare, journey)
    journey.destroy()
    assert recorder.closed

    replayed = list(replay(path))
    assert len(replayed) == len(live) > 4
    for step, (was, again) in enumerate(zip(live, replayed, strict=True)):
        assert redacted(again) == redacted(was), f"step {step} differs"
    assert replayed[-1].sequence_stage == live[-1].sequence_stage

    text = path.read_text()
    secrets = [s.context.admittance_token for s in live if s.context.admittance_token]
    if mechanism in ("queue", "auction", "timed_release"):
        assert secrets, "the scenario reaches a grant"
    for secret in secrets:
        assert secret not in text
    token = fanfare.sessions.current_access_token
    assert token and token not in text
    kinds = {type(m).__name__ for m in read_recording(path).messages}
    assert {"ActionRequested", "RouteResolved", "StatusReceived"} <= kinds


def _run_pytest(test_file: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "--rootdir", str(test_file.parent), str(test_file)],
        cwd=test_file.parent, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("mechanism", sorted(DRIVES))
async def test_replay_prints_the_timeline_and_writes_a_test_that_passes(
    sb: Sandbox, fanfare: Fanfare, tmp_path: Path, mechanism: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "recorded" / f"{mechanism}.jsonl"
    path.parent.mkdir()
    journey = fanfare.experiences.create_journey(sb.experiences[mechanism])
    journey.record(path)
    await DRIVES[mechanism](sb, fanfare, journey)
    final = journey.state.get()
    journey.destroy()

    assert main(["replay", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"journey {sb.experiences[mechanism]}: ")
    assert len(lines) == 1 + len(read_recording(path).messages)
    assert f"{final.journey_stage.value} / {final.sequence_stage.value}" in "\n".join(lines)

    test_file = tmp_path / f"test_{mechanism}_recording.py"
    assert main(["replay", str(path), "--as-test", str(test_file)]) == 0
    ran = _run_pytest(test_file)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


def test_replay_of_a_file_that_is_no_recording_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": "world"}\n')
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a journey recording" in err and "Traceback" not in err
    assert main(["replay", str(tmp_path / "missing.jsonl")]) == 2
