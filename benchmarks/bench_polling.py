"""Polling at a fixed 5 s beside the server cadence, on one sandbox queue in the same run:
HTTP requests per admission and detection latency (the server admits → the journey is
``admitted``), medians per group.

Journeys of both groups enter the same queue alternately (so they see the same positions),
on an accelerated sandbox clock; each journey runs on a scheduler that keeps sandbox time, so
"5 s" and the server's wait estimates mean sandbox seconds. Each journey is its own guest.
Run: ``python benchmarks/bench_polling.py [--journeys 40] [--speed 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
from reactivex import Observable, abc, typing
from reactivex.scheduler.eventloop import AsyncIOScheduler

from fanfare_rx import Fanfare
from fanfare_rx.client.api_effects import ApiEffects
from fanfare_rx.journey.core.messages import ConsumerState
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import DistributionSummary
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.clock import SandboxClock
from fanfare_rx.sandbox.engines.queue import QueueEngine, QueueSpec
from fanfare_rx.sandbox.scenario import Scenario, default_scenario

__all__ = ["main"]


class _SandboxTime(AsyncIOScheduler):
    """An asyncio scheduler on sandbox time: ``now`` is the sandbox clock, delays shrink by
    the clock's speed."""

    def __init__(self, loop: asyncio.AbstractEventLoop, clock: SandboxClock, speed: float) -> None:
        super().__init__(loop)
        self._clock = clock
        self._speed = speed

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock.time(), UTC)

    def schedule_relative(
        self, duetime: typing.RelativeTime, action: typing.ScheduledAction[Any], state: Any = None
    ) -> abc.DisposableBase:
        return super().schedule_relative(self.to_seconds(duetime) / self._speed, action, state)


class _CountingEffects(ApiEffects):
    """The HTTP port, counting status requests (what a queue poll costs)."""

    status_requests = 0

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        self.status_requests += 1
        return super().fetch_status(distribution)


@attrs.define
class _Outcome:
    requests: int = 0
    latency_s: float | None = None


def _scenario(admit_rate: float, crowd: int) -> Scenario:
    """The default scenario with its queue slowed down and a crowd ahead of our journeys."""
    scenario = default_scenario()
    experiences = []
    for experience in scenario.experiences:
        if experience.label == "queue":
            sequences = tuple(
                attrs.evolve(s, distribution=attrs.evolve(s.distribution, admit_rate=admit_rate,
                                                          crowd=crowd))
                if isinstance(s.distribution, QueueSpec) else s
                for s in experience.sequences
            )
            experience = attrs.evolve(experience, sequences=sequences)
        experiences.append(experience)
    return attrs.evolve(scenario, experiences=tuple(experiences))


async def _journey(
    sandbox: Sandbox, scheduler: _SandboxTime, start_polling: Callable[[ExperienceJourney], None],
    entered: asyncio.Event, turn: asyncio.Event,
) -> _Outcome:
    experience_id = sandbox.experiences["queue"]
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url, scheduler=scheduler) as fanfare:
        await fanfare.auth.guest()
        session = fanfare.auth.session
        assert session is not None
        port = _CountingEffects(fanfare.api)
        journey = ExperienceJourney(experience_id, port, scheduler=scheduler)
        await journey.start()
        await turn.wait()  # enter in order: the groups alternate in the line
        await journey.enter_queue()
        entered.set()
        outcome = _Outcome()
        requests_at_entry = port.status_requests
        admitted = asyncio.get_running_loop().create_future()

        def on_stage(stage: Any) -> None:
            if stage.value == "admitted" and not admitted.done():
                journey.stop_polling()
                admitted.set_result(sandbox.world.clock.time())

        journey.sequence_stage.listen(on_stage)
        start_polling(journey)
        detected_at = await admitted
        outcome.requests = port.status_requests - requests_at_entry
        engine = next(e for e in sandbox.world.engine_of_sequence.values()
                      if isinstance(e, QueueEngine))
        grant = engine.records[str(session.consumer_id)].grant
        assert grant is not None
        outcome.latency_s = detected_at - grant.issued_at
        journey.destroy()
        return outcome


async def run(journeys: int, speed: float, admit_rate: float, crowd: int) -> dict[str, list[_Outcome]]:
    groups: dict[str, Callable[[ExperienceJourney], None]] = {
        "fixed 5 s": lambda journey: journey.start_polling(5000),
        "server cadence": lambda journey: journey.start_polling(),
    }
    async with Sandbox(_scenario(admit_rate, crowd), clock="real", speed=speed, seed=0,
                       rate_limit=10_000_000) as sandbox:
        scheduler = _SandboxTime(asyncio.get_running_loop(), sandbox.world.clock, speed)
        tasks: dict[str, list[asyncio.Task[_Outcome]]] = {name: [] for name in groups}
        turns = [asyncio.Event() for _ in range(journeys * len(groups))]
        entries = [asyncio.Event() for _ in turns]
        for index in range(journeys):
            for offset, (name, start_polling) in enumerate(groups.items()):
                slot = index * len(groups) + offset
                tasks[name].append(asyncio.create_task(
                    _journey(sandbox, scheduler, start_polling, entries[slot], turns[slot])))
        for turn, entered in zip(turns, entries, strict=True):
            turn.set()
            await entered.wait()
        return {name: list(await asyncio.gather(*group)) for name, group in tasks.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--journeys", type=int, default=40, help="per group")
    parser.add_argument("--speed", type=float, default=10.0, help="sandbox seconds per second")
    parser.add_argument("--admit-rate", type=float, default=30.0, help="admissions per minute")
    parser.add_argument("--crowd", type=int, default=40, help="people ahead of the first journey")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.journeys, args.speed, args.admit_rate, args.crowd = 3, 60.0, 120.0, 2
    results = asyncio.run(run(args.journeys, args.speed, args.admit_rate, args.crowd))
    print(f"queue at {args.admit_rate:g}/min, {args.crowd} ahead, {args.journeys} journeys per "
          f"group entering\nalternately, sandbox clock x{args.speed:g}; medians per admission:")
    summary: dict[str, tuple[float, float]] = {}
    for name, outcomes in results.items():
        requests = statistics.median(o.requests for o in outcomes)
        latency = statistics.median(o.latency_s for o in outcomes if o.latency_s is not None)
        summary[name] = (requests, latency)
        print(f"  {name:<15} status requests {requests:5.1f} (total "
              f"{sum(o.requests for o in outcomes):4d}), detection latency {latency:5.2f} s")
    (fixed_requests, fixed_latency), (server_requests, server_latency) = summary.values()
    print(f"  ratio server/fixed: requests {server_requests / fixed_requests:4.2f} (goal <= 0.50),"
          f" latency {server_latency / fixed_latency:4.2f} (goal <= 1.00)")


if __name__ == "__main__":
    main()
