"""``fanfare-rx swarm`` end to end: the embedded sandbox in its own process, progress lines and
a final summary; bad arguments are refused with status 2."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest

from fanfare_rx.cli import swarm
from fanfare_rx.cli.commands import build_parser, main
from fanfare_rx.sandbox.process import SandboxProcess, drop_scenario

pytestmark = pytest.mark.integration


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = swarm.run_swarm_command(build_parser().parse_args(["swarm", *argv]), out)
    return status, out.getvalue()


def test_a_small_swarm_admits_everyone_and_prints_progress_and_a_summary() -> None:
    status, text = run("--shoppers", "30", "--poll-ms", "200", "--progress", "0.5",
                       "--speed", "20", "--admit-rate", "60000")
    lines = text.splitlines()
    assert status == 0, text
    assert lines[0].startswith("sandbox at http://127.0.0.1:")
    assert any(line.startswith("[") and "started" in line for line in lines)
    assert "shoppers: 30 (started 30, finished 30)" in lines
    assert "admitted: 30" in lines
    assert "outcomes: admitted 30" in lines
    assert "errors: 0" in lines
    assert lines[-1].startswith("sandbox CPU: ")


def test_a_swarm_on_two_ray_actors(ray_cluster: None) -> None:
    status, text = run("--shoppers", "40", "--actors", "2", "--poll-ms", "200",
                       "--speed", "20", "--admit-rate", "60000")
    assert status == 0, text
    assert "admitted: 40" in text.splitlines()


def _one_round_auction(settle_seconds: float) -> dict[str, Any]:
    """The built-in auction experience alone, as one round that settles at ``settle_seconds``
    (sandbox time). The built-in one opens a new round right after each settlement: a swarm
    whose bids straddled a settlement had two rounds' winners (seen once in CI, where the
    sandbox's clock, started first, reached a round's end just as the shoppers bid)."""
    scenario = drop_scenario()
    [auction] = [e for e in scenario["experiences"] if e["label"] == "auction"]
    [sequence] = auction["sequences"]
    sequence["distribution"].pop("roundSeconds")
    sequence["distribution"]["settleAt"] = settle_seconds
    scenario["experiences"] = [auction]
    return scenario


def test_an_auction_swarm_bids_and_says_who_won_and_who_lost() -> None:
    # One round settling 6 s (real) after the sandbox started: every bid lands in it.
    with SandboxProcess(_one_round_auction(900), speed=150) as sandbox:
        status, text = run("--shoppers", "12", "--poll-ms", "200", "--progress", "1",
                           "--base-url", sandbox.base_url,
                           "--organization-id", sandbox.organization_id,
                           "--publishable-key", sandbox.publishable_key,
                           "--experience-id", sandbox.experiences["auction"])
    lines = text.splitlines()
    assert status == 0, text
    assert "admitted: 1" in lines  # the highest bidder
    assert "outcomes: admitted 1, lost 11" in lines
    assert "errors: 0" in lines


def test_an_appointment_swarm_books_every_free_place_and_says_the_rest_found_none() -> None:
    # The default appointment: 4 slots at 2 locations, 2 places each.
    status, text = run("--experience", "appointment", "--shoppers", "20", "--poll-ms", "200",
                       "--progress", "1", "--speed", "20")
    lines = text.splitlines()
    assert status == 0, text
    assert "outcomes: booked 16, no_slot 4" in lines
    assert "errors: 0" in lines


def test_a_shopper_that_cannot_sign_in_fails_at_once_saying_why() -> None:
    started = time.monotonic()
    status, text = run("--experience", "signin", "--shoppers", "2", "--poll-ms", "200")
    assert status == 3, text
    assert "errors: 2 (JourneyError 2)" in text
    assert "the default shopper cannot pass the authentication requirement" in text
    assert time.monotonic() - started < 30  # not the 900 s shopper timeout


@pytest.mark.parametrize("argv", [["--shoppers", "0"], ["--experience", "nope"],
                                  ["--base-url", "http://127.0.0.1:1"], ["--speed", "0"]])
def test_bad_arguments_exit_2_naming_the_bad_option(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["swarm", "--shoppers", "1", *argv])
    assert stopped.value.code == 2
    [line] = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert argv[0] in line


def test_the_swarm_tunes_the_collector_while_it_runs_and_restores_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from fanfare_rx.tuning import MANY_JOURNEYS_THRESHOLDS

    before = gc.get_threshold()
    during: list[tuple[int, int, int]] = []
    original = swarm._swarm

    async def recorded(*args: Any) -> Any:
        during.append(gc.get_threshold())
        return await original(*args)

    monkeypatch.setattr(swarm, "_swarm", recorded)
    status, text = run("--shoppers", "5", "--poll-ms", "200", "--speed", "20",
                       "--admit-rate", "60000")
    assert status == 0, text
    assert during == [MANY_JOURNEYS_THRESHOLDS]
    assert gc.get_threshold() == before
