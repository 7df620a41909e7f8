"""``fanfare-rx swarm`` end to end: the embedded sandbox in its own process, progress lines and
a final summary; bad arguments are refused with status 2."""

from __future__ import annotations

import io

import pytest

from fanfare_rx.cli import swarm
from fanfare_rx.cli.commands import build_parser, main

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


@pytest.mark.parametrize("argv", [["--shoppers", "0"], ["--experience", "nope"],
                                  ["--base-url", "http://127.0.0.1:1"]])
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["swarm", "--shoppers", "1", *argv]) == 2
    assert capsys.readouterr().err.startswith("fanfare-rx swarm: ")
