"""The server's clock offset the connection monitor keeps: from each answer's ``Date`` (to the
second), written by the server while the request was out. An answer read late by a busy event
loop does not move it; a server whose clock differs is found, and the offset settles."""

from __future__ import annotations

import email.utils
import random

from fanfare_rx.models.connection import Connection
from fanfare_rx.wire.transport import ConnectionMonitor

#: The server's clock minus ours in these tests (an hour and a bit ahead).
TRUE_OFFSET_MS = 3_600_123


def _date(server_ms: float) -> dict[str, str]:
    """An answer's headers with ``Date`` at ``server_ms`` (HTTP dates have whole seconds)."""
    return {"Date": email.utils.formatdate(server_ms // 1000, usegmt=True)}


class _Clock:
    def __init__(self, now_s: float) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def _answer(monitor: ConnectionMonitor, clock: _Clock, *, out_ms: float, late_ms: float,
            sent_at: bool = True) -> None:
    """One request: sent now, written by the server ``out_ms`` later, read ``late_ms`` after."""
    sent = monitor.now()
    clock.now_s += out_ms / 1000
    headers = _date(clock.now_s * 1000 + TRUE_OFFSET_MS)
    clock.now_s += late_ms / 1000
    monitor.saw_answer(200, headers, sent_at=sent if sent_at else None)


def test_answers_read_late_leave_the_offset_and_tell_nothing() -> None:
    clock = _Clock(1_700_000_000.25)
    monitor = ConnectionMonitor(clock=clock)
    told: list[Connection] = []
    monitor.listen(told.append)
    _answer(monitor, clock, out_ms=20, late_ms=5)
    assert len(told) == 1
    first = monitor.current.server_offset_ms
    assert abs(first - TRUE_OFFSET_MS) < 1000
    for late_ms in (800, 1_500, 3_000, 40, 2_200):  # a busy loop reads them late
        clock.now_s += 0.37
        _answer(monitor, clock, out_ms=30, late_ms=late_ms)
    assert len(told) == 1 and monitor.current.server_offset_ms == first


def test_without_the_sending_time_a_late_answer_moves_it() -> None:
    """What the monitor did before it knew when a request went out (and still does for a
    caller that does not say): the answer is taken as read when it was sent."""
    clock = _Clock(1_700_000_000.25)
    monitor = ConnectionMonitor(clock=clock)
    _answer(monitor, clock, out_ms=20, late_ms=5, sent_at=False)
    first = monitor.current.server_offset_ms
    _answer(monitor, clock, out_ms=30, late_ms=3_000, sent_at=False)
    assert monitor.current.server_offset_ms < first - 1_000


def test_the_offset_settles_near_the_servers_clock() -> None:
    """Requests out for a few ms to seconds, answers read on time or seconds late: the offset
    is within a second of the server's after a few moves, then stays."""
    rng = random.Random(7)
    clock = _Clock(1_700_000_000.0)
    monitor = ConnectionMonitor(clock=clock)
    told: list[Connection] = []
    monitor.listen(told.append)
    for index in range(400):
        clock.now_s += rng.uniform(0.01, 3.0)
        _answer(monitor, clock, out_ms=rng.choice([2, 30, 400, 2_500]),
                late_ms=rng.choice([0, 0, 0, 5, 300, 1_200, 4_000]))
        if index == 20:
            settled = len(told)
    assert len(told) <= 3, [c.server_offset_ms for c in told]
    assert len(told) == settled  # nothing moved after the first twenty answers
    assert abs(monitor.current.server_offset_ms - TRUE_OFFSET_MS) <= 1_000
