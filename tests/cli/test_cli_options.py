"""``fanfare-rx demo`` and ``watch`` reject bad options at parse time with one clear line."""

from __future__ import annotations

import pytest

from fanfare_rx.cli.commands import build_parser

WATCH = ["watch", "exp_1", "--base-url", "http://127.0.0.1:1", "--org", "org", "--key", "pk"]


@pytest.mark.parametrize("argv", [
    ["demo", "--poll-ms", "0"],
    ["demo", "--poll-ms", "-5"],
    ["demo", "--timeout", "-1"],
    ["demo", "--timeout", "nan"],
    ["demo", "--speed", "0"],
    [*WATCH, "--poll-ms", "0"],
    [*WATCH, "--timeout", "0"],
])
def test_bad_values_exit_2_with_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 2
    error_lines = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(error_lines) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_good_values_parse() -> None:
    args = build_parser().parse_args(["demo", "--poll-ms", "250", "--timeout", "30"])
    assert (args.poll_ms, args.timeout) == (250, 30.0)
