"""Helpers of the end-to-end tests: a recording stand-in for the client's retry sleep, a
collector of SDK bus events, and views of the sandbox's own records."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from fanfare_rx import Fanfare
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import parse_scenario
from fanfare_rx.testing import RecordedSleep
from fanfare_rx.wire.retry import RetryPolicy


class BusEvents:
    """Collects every bus event of a Fanfare instance as (name, payload)."""

    def __init__(self, fanfare: Fanfare) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        self.off = fanfare.on("*", self._record)

    def _record(self, payload: Mapping[str, Any]) -> None:
        data = dict(payload)
        self.items.append((str(data.pop("name")), data))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.items]

    def of(self, name: str) -> list[dict[str, Any]]:
        return [payload for item, payload in self.items if item == name]


def consumer_id(fanfare: Fanfare) -> str:
    """The sandbox consumer behind a Fanfare instance's session."""
    session = fanfare.auth.session
    assert session is not None, "no session yet"
    return str(session.consumer_id)


def engine_of(sb: Sandbox, label: str) -> Any:
    """The sandbox engine of the first distribution of experience ``label``."""
    experience = sb.world.experiences[sb.experiences[label]]
    for sequence in experience.sequences:
        engine = sb.world.engine_of_sequence.get(sequence.id)
        if engine is not None:
            return engine
    raise AssertionError(f"no distribution in {label}")


def distribution_id(journey: ExperienceJourney) -> str:
    distribution = journey.state.get().context.distribution
    assert distribution is not None, "the journey has no distribution"
    return distribution.id


async def settle(journey: ExperienceJourney) -> None:
    """Fetch what the journey's stage depends on now (one poll's worth, awaited)."""
    await journey.refresh_distribution()

#: The ``make_fanfare`` fixture: ``await make_fanfare(storage=...)`` -> a Fanfare on the sandbox.
MakeFanfare = Callable[..., Awaitable[Fanfare]]


#: Start a sandbox (manual clock) on one experience "x" with these sequences, and a Fanfare on it.
StartOne = Callable[..., Awaitable[tuple[Sandbox, Fanfare]]]


@contextlib.asynccontextmanager
async def one_experience_sandboxes() -> AsyncIterator[StartOne]:
    """Sandboxes of one experience "x", each with a Fanfare; all stopped on exit.

    Usage: ``async with one_experience_sandboxes() as start: sb, fanfare = await start([...])``
    """
    running: list[tuple[Sandbox, Fanfare]] = []

    async def start(sequences: list[dict[str, Any]], *,
                    shape: str = "compat") -> tuple[Sandbox, Fanfare]:
        """``shape="genC"``: the sandbox in spec mode (bodies without its extensions)."""
        scenario = parse_scenario({"timedReleaseShape": shape, "experiences": [
            {"id": "exp-x", "label": "x", "name": "X", "sequences": sequences}]})
        sandbox = await Sandbox(scenario, clock="manual", seed=0).start()
        fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                                     publishable_key=sandbox.publishable_key,
                                     base_url=sandbox.base_url, retry=RetryPolicy(seed=0),
                                     sleep=RecordedSleep())
        running.append((sandbox, fanfare))
        return sandbox, fanfare

    try:
        yield start
    finally:
        for sandbox, fanfare in running:
            await fanfare.destroy()
            await sandbox.stop()
