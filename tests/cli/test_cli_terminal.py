"""``fanfare-rx demo`` in a pseudo-terminal of 80 columns: no line is wider than the terminal,
and the redrawn progress line leaves no stale row (the screen is replayed the way a terminal
draws it: auto-wrap at the last column, ``\\r``, ``\\n``, erase to end of line)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

pytestmark = pytest.mark.integration

COLUMNS = 80
_CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])")


class Screen:
    """The rows a terminal of ``width`` columns shows after ``text``; counts auto-wraps."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: list[list[str]] = [[]]
        self.row = self.col = 0
        self.wraps = 0

    def feed(self, text: str) -> None:
        index = 0
        while index < len(text):
            csi = _CSI.match(text, index)
            if csi is not None:
                if csi.group(2) == "K" and csi.group(1) in ("", "0"):
                    del self.rows[self.row][self.col:]
                index = csi.end()
                continue
            char = text[index]
            index += 1
            if char == "\r":
                self.col = 0
            elif char == "\n":
                self._down()
            elif char.isprintable():
                if self.col >= self.width:  # the terminal wraps: the row above keeps its text
                    self.wraps += 1
                    self._down()
                    self.col = 0
                line = self.rows[self.row]
                line.extend(" " * (self.col - len(line) + 1))
                line[self.col] = char
                self.col += 1

    def _down(self) -> None:
        self.row += 1
        if self.row == len(self.rows):
            self.rows.append([])

    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.rows]


def run_in_pty(*args: str, columns: int = COLUMNS, timeout: float = 60) -> tuple[int, str]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen([sys.executable, "-m", "fanfare_rx.cli", "demo", *args],
                               stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        status = process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return status, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(("experience", "speed", "progress"), [
    ("queue", "20", "through the line [####"),
    ("auction", "60", "bid 150.00"),
])
def test_the_demo_fits_an_80_column_terminal_without_stale_rows(
        experience: str, speed: str, progress: str) -> None:
    status, output = run_in_pty("--experience", experience, "--speed", speed)
    screen = Screen(COLUMNS)
    screen.feed(output)
    lines = screen.lines()
    shown = "\n".join(lines)
    assert status == 0, shown
    assert "\r\x1b[K" in output, "the progress line was not redrawn in place"
    assert screen.wraps == 0, shown
    assert max(len(line) for line in lines) <= COLUMNS - 1, shown
    # Every redraw of the progress line landed on one row: the row shows the last state and
    # nothing of an earlier one is left (no half "position ..." or "sandbox time" row).
    progress_rows = [line for line in lines if line.startswith("  ")]
    assert len(progress_rows) == len(set(progress_rows)), shown
    assert any(progress in line for line in progress_rows), shown
    assert not [line for line in lines if line.startswith("position ") or "real, clock" in line
                and not line.startswith("  ")], shown
