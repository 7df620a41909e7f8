"""The journey reducer's cost per message next to a bare fold into a frozen attrs snapshot,
measured in the same run: queue-status polls whose position moves each time.

Run: ``python -m benchmarks fold [--messages 20000] [--repeats 9]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from fanfare_rx.journey.core.machine import initial_snapshot, reduce
from fanfare_rx.journey.core.messages import (
    ActionRequested,
    Message,
    RouteResolved,
    StatusReceived,
)
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceStage

__all__ = ["bare_fold", "main", "reducer_fold"]

T0 = 1_700_000_000_000


def _dt(ms: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


def _routed_snapshot() -> JourneySnapshot:
    """A journey routed to an open queue, queued."""
    queue = wire.Queue(id="q-1", time_zone="UTC", admit_rate=60.0, supports_guest=True,
                       open_at=_dt(T0 - 3_600_000), close_at=_dt(T0 + 36_000_000),
                       admission_expiration_seconds=600)
    experience = wire.Experience(
        id="exp-1", name="Drop", time_zone="UTC", currency_code="USD",
        sequences=(wire.Sequence(id="seq-1", name="General", priority=1, queues=(queue,)),))
    routed = wire.RouteRouted(
        experience_id="exp-1",
        selected=wire.Selected(status="admissible", sequence=wire.SequenceRef(
            id="seq-1", name="General", experience_id="exp-1", priority=1, color=None,
            availability=wire.Availability.OPEN)))
    snap = initial_snapshot("exp-1")
    snap = reduce(snap, ActionRequested(at=T0, action=JourneyAction.START))
    snap = reduce(snap, RouteResolved(at=T0 + 1, result=routed, experience=experience))
    assert snap.sequence_stage is SequenceStage.ACTIVE_ENTERABLE
    return snap


def status_messages(count: int) -> list[Message]:
    """``count`` QUEUED statuses, the position moving down one each time (then wrapping)."""
    return [
        StatusReceived(at=T0 + 10 + i, distribution_id="q-1",
                       state=wire.QueueQueued(position=1 + (count - i) % 5000,
                                              estimated_wait_time_in_seconds=float(count - i)))
        for i in range(count)
    ]


def reducer_fold(snapshot: JourneySnapshot, messages: Sequence[Message]) -> JourneySnapshot:
    """Fold with the journey reducer."""
    for message in messages:
        snapshot = reduce(snapshot, message)
    return snapshot


@attrs.frozen
class _Bare:
    position: int | None
    wait: float | None
    revision: int
    updated_at: int


def bare_fold(state: _Bare, messages: Sequence[Message]) -> _Bare:
    """The baseline: one frozen attrs construction per message, no rules."""
    for message in messages:
        queued: Any = message.state  # type: ignore[union-attr]
        state = _Bare(queued.position, queued.estimated_wait_time_in_seconds,
                      state.revision + 1, message.at)
    return state


def _us_per_message(run: Callable[[], object], count: int) -> float:
    # CPU time of this process: other processes on a shared machine do not count.
    started = time.process_time()
    run()
    return (time.process_time() - started) / count * 1e6


def main(argv: Sequence[str] | None = None) -> None:
    """Print µs per message for the reducer and the bare fold (median of interleaved
    repeats), and the median of the per-repeat ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.repeats = 500, 3
    messages = status_messages(args.messages)
    start = _routed_snapshot()
    final = reducer_fold(start, messages)  # warm-up, and a check that every message counted
    assert final.revision == start.revision + args.messages, "a status message changed nothing"
    bare_start = _Bare(None, None, 0, 0)
    bare_fold(bare_start, messages)
    reducer, bare, ratios = [], [], []
    for _ in range(args.repeats):
        r = _us_per_message(lambda: reducer_fold(start, messages), args.messages)
        b = _us_per_message(lambda: bare_fold(bare_start, messages), args.messages)
        reducer.append(r)
        bare.append(b)
        ratios.append(r / b)
    print(f"messages per run: {args.messages}, repeats: {args.repeats} (medians, CPU time)")
    print(f"reducer   : {statistics.median(reducer):8.2f} µs/message (queue status, position moved)")
    print(f"bare fold : {statistics.median(bare):8.2f} µs/message (one frozen attrs object)")
    print(f"ratio     : {statistics.median(ratios):8.1f}x")


if __name__ == "__main__":
    main()
