"""What a journey costs: memory per journey (idle, polling) beside the snapshot alone, the
pipeline and the poll path beside the bare reducer, and a full ``gc.collect()`` beside snapshots.

Every figure is printed with its baseline measured in the same run (median of repeats) and the
ratio. Journeys run on a ``TestScheduler`` with an instant in-memory port, so only the library
is measured; times are this process's CPU time (the machine may be shared). Run: ``python benchmarks/bench_journey.py [--journeys 10000] [--memory-journeys 2000] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import reactivex
from reactivex import Observable
from reactivex.testing import TestScheduler

from fanfare_rx.journey.core.machine import reduce
from fanfare_rx.journey.core.messages import ConsumerState, Message, StatusReceived
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionSummary, JourneySnapshot
from fanfare_rx.testing import builders as b

__all__ = ["main"]

KiB = 1024


class _InstantPort:
    """Answers every call at once (on the scheduler): routed to a queue, 40th in line."""

    def __init__(self) -> None:
        self.experience = b.experience("queue")
        self.polls = 0
        # made once, so the port itself costs next to nothing per call
        self.states = [b.queued(position, wait_seconds=position * 0.6) for position in range(40, 1, -1)]

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        return reactivex.just(self.experience)

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        return reactivex.just(b.routed())

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        self.polls += 1
        return reactivex.just(self.states[(self.polls - 1) % len(self.states)])

    def enter(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return reactivex.just(b.queued(40, wait_seconds=24.0))

    def leave(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return reactivex.just(wire.QueueLeft())

    def complete(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return reactivex.throw(ValueError("not a timed release"))

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[ConsumerState]:
        return reactivex.throw(ValueError("not an auction"))

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return reactivex.just(b.waitlist_status(True))

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return reactivex.just(b.waitlist_status(False))

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        return reactivex.just(True)

    def book_appointment(self, appointment_id: str, slot_id: str,
                         location_id: str | None) -> Observable[ConsumerState]:
        return reactivex.throw(ValueError("not an appointment"))

    def cancel_appointment(self, appointment_id: str, slot_id: str,
                           reason: str | None) -> Observable[ConsumerState]:
        return reactivex.throw(ValueError("not an appointment"))

    def reschedule_appointment(self, appointment_id: str, new_slot_id: str,
                               new_location_id: str | None) -> Observable[ConsumerState]:
        return reactivex.throw(ValueError("not an appointment"))


def _queued_journey(index: int, port: _InstantPort, scheduler: TestScheduler) -> ExperienceJourney:
    """A journey routed into a queue and participating (40th), nothing listening."""
    journey = ExperienceJourney(f"exp-{index}", port, scheduler=scheduler)
    journey.request("start")  # route, then the status answers 40th in line
    scheduler.advance_by(0.001)
    assert "participating" in repr(journey)
    return journey


def _queued_snapshot(index: int, port: _InstantPort, scheduler: TestScheduler) -> JourneySnapshot:
    """The same participating snapshot alone: the journey that folded it is dropped."""
    journey = _queued_journey(index, port, scheduler)
    snapshot = journey.state.get()
    journey.destroy()
    return snapshot


def _maker(kind: str) -> Callable[[int], Any]:
    """Make one object of ``kind``: ``snapshot`` (alone), ``idle`` or ``polling`` journey."""
    port, scheduler = _InstantPort(), TestScheduler()

    def make(index: int) -> Any:
        if kind == "snapshot":
            return _queued_snapshot(index, port, scheduler)
        journey = _queued_journey(index, port, scheduler)
        if kind == "polling":
            journey.start_polling()  # the server cadence: a timer pending on the scheduler
        return journey

    return make


def _traced_bytes_per(kind: str, count: int) -> float:
    make = _maker(kind)
    make(-1)  # warm caches (interned strings, method caches) before measuring
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [make(i) for i in range(count)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / count


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def _rss_bytes_per(kind: str, count: int) -> float:
    """RSS growth per object, in a fresh interpreter (freed arenas would hide it here)."""
    script = (
        "import sys; sys.path.insert(0, 'benchmarks'); import bench_journey as bj; "
        f"print(bj._rss_in_process({kind!r}, {count}))"
    )
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def _rss_in_process(kind: str, count: int) -> float:
    make = _maker(kind)
    make(-1)
    gc.collect()
    before = _rss_bytes()
    kept = [make(i) for i in range(count)]
    gc.collect()
    after = _rss_bytes()
    del kept
    return (after - before) / count


def _medians(repeats: int, **measures: Callable[[], float]) -> dict[str, float]:
    """Median of each measure, the measures interleaved (load on the machine hits them alike)."""
    runs: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(repeats):
        for name, measure in measures.items():
            runs[name].append(measure())
    return {name: statistics.median(values) for name, values in runs.items()}


def _line(label: str, value: float, baseline: float, unit: str, goal: str) -> None:
    # a quick run's RSS baseline can stay within the pages already mapped: no ratio then
    ratio = f"{value / baseline:5.2f}×" if baseline else "     -"
    print(f"{label:<34}{value:7.2f} {unit:<3} vs {baseline:6.2f} {unit:<3}{ratio}  ({goal})")


def memory(count: int, repeats: int) -> None:
    traced = _medians(repeats, **{k: (lambda k=k: _traced_bytes_per(k, count))
                                  for k in ("snapshot", "idle", "polling")})
    print(f"memory per journey (tracemalloc), {count} objects, median of {repeats};\n"
          "vs: the same snapshot alone; in brackets: the goal")
    _line("  idle journey (participating)", traced["idle"] / KiB, traced["snapshot"] / KiB, "KiB",
          "<= 8 KiB")
    _line("  polling journey (server cadence)", traced["polling"] / KiB, traced["snapshot"] / KiB,
          "KiB", "<= 16 KiB")
    rss = _medians(repeats, **{k: (lambda k=k: _rss_bytes_per(k, count))
                               for k in ("snapshot", "idle", "polling")})
    print(f"memory per journey (RSS growth, fresh interpreter), {count} objects,\n"
          f"median of {repeats}")
    _line("  idle journey", rss["idle"] / KiB, rss["snapshot"] / KiB, "KiB", "no goal")
    _line("  polling journey", rss["polling"] / KiB, rss["snapshot"] / KiB, "KiB", "no goal")


def _status_messages(distribution_id: str, count: int) -> list[Message]:
    return [
        StatusReceived(at=i, distribution_id=distribution_id, state=b.queued(2 + i % 38, (2 + i % 38) * 0.6))
        for i in range(count)
    ]


def speed(messages: int, repeats: int) -> None:
    port = _InstantPort()
    scheduler = TestScheduler()
    journey = _queued_journey(0, port, scheduler)
    for store in (journey.state, journey.sequence_stage, journey.context):
        store.listen(lambda _: None)
    start = journey.state.get()
    assert start.context.distribution is not None
    batch = _status_messages(start.context.distribution.id, messages)

    def reducer_alone() -> float:
        snap = start
        began = time.process_time()
        for message in batch:
            snap = reduce(snap, message)
        return (time.process_time() - began) / messages * 1e6

    send = journey._pipeline.send

    def pipeline() -> float:
        began = time.process_time()
        for message in batch:
            send(message)  # the path every effect and poll result takes
        return (time.process_time() - began) / messages * 1e6

    polled = _queued_journey(1, port, scheduler)
    polled.start_polling(1000)

    def poll_path() -> float:
        began = time.process_time()
        scheduler.advance_by(messages)  # one poll per virtual second: timer, effect, port, fold
        return (time.process_time() - began) / messages * 1e6

    timed = _medians(repeats, reducer=reducer_alone, pipeline=pipeline, poll=poll_path)
    print(f"per status result, {messages} of them, median of {repeats}; vs: reduce() alone")
    _line("  pipeline (send + 3 listeners)", timed["pipeline"], timed["reducer"], "us",
          "<= 1.5×")
    _line("  poll (timer, effect, port, fold)", timed["poll"], timed["reducer"], "us",
          "<= 1.5×")
    polled.destroy()
    journey.destroy()


def collection(count: int, repeats: int) -> None:
    def timed_collect(kind: str) -> float:
        make = _maker(kind)
        kept = [make(i) for i in range(count)]
        gc.collect()
        began = time.process_time()
        gc.collect()
        elapsed = (time.process_time() - began) * 1000
        del kept
        return elapsed

    timed = _medians(repeats, snapshot=lambda: timed_collect("snapshot"),
                     idle=lambda: timed_collect("idle"))
    print(f"full gc.collect() with {count} live objects, median of {repeats}")
    _line(f"  {count:,} journeys vs snapshots", timed["idle"], timed["snapshot"], "ms",
          "<= 200 ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--memory-journeys", type=int, default=2_000)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.journeys, args.memory_journeys, args.messages, args.repeats = 200, 50, 100, 1
    memory(args.memory_journeys, args.repeats)
    speed(args.messages, args.repeats)
    collection(args.journeys, args.repeats)


if __name__ == "__main__":
    main()
