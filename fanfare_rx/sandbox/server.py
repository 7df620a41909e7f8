"""The :class:`Sandbox`: start and stop the sandbox server in-process on a loopback port, with
its facts (base URL, keys, OTP, experience ids) and control (clock, faults) at hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from fanfare_rx.sandbox.app import create_app
from fanfare_rx.sandbox.clock import SandboxClock
from fanfare_rx.sandbox.connections import SandboxSite, ServerLimits
from fanfare_rx.sandbox.control import info, status
from fanfare_rx.sandbox.faults import Faults
from fanfare_rx.sandbox.ratelimit import RateLimiter
from fanfare_rx.sandbox.scenario import Scenario, default_scenario, load_scenario
from fanfare_rx.sandbox.world import World

__all__ = ["DEFAULT_SEED", "Sandbox"]

#: The draw seed of ``Sandbox()``, ``fanfare-rx sandbox`` and ``fanfare-rx demo``: with it the
#: first consumer to enter the default draw (20 simulated entrants, 5 winners) wins.
DEFAULT_SEED = 3


class Sandbox:
    """A running sandbox of the Consumer API.

    Args:
        scenario: a :class:`Scenario`, a path to a scenario JSON file, or None (built-in).
        clock: ``"manual"`` (tests advance it) or ``"real"``; ``speed`` accelerates ``"real"``.
        seed: seeds the draws (same seed and entries give the same winners).
        port: TCP port on ``host``; 0 picks a free one.
        faults: an initial fault plan (off by default).
        rate_limit: requests per minute per caller (default: the scenario's).
        limits: timeouts and the connection cap (:class:`ServerLimits`).

    Usage: ``async with Sandbox() as sandbox: print(sandbox.base_url)``
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, *, clock: str = "manual",
                 speed: float | None = None, seed: int = DEFAULT_SEED, port: int = 0,
                 host: str = "127.0.0.1", faults: Mapping[str, Any] | None = None,
                 rate_limit: int | None = None, limits: ServerLimits | None = None) -> None:
        if isinstance(scenario, str | Path):
            scenario = load_scenario(scenario)
        self.scenario: Scenario = scenario or default_scenario()
        self._clock_args = (clock, speed)
        SandboxClock(clock, speed=speed)  # validate now, not at start
        self._seed = seed
        self.host = host
        self.port = port
        self.faults = Faults(faults)
        self._rate_limit = rate_limit or self.scenario.requests_per_minute
        self.limits = limits or ServerLimits()
        self._site: SandboxSite | None = None
        self._world: World | None = None
        self._runner: web.AppRunner | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> Self:
        """Bind and serve; a fresh world (state, signing secret, clock) on every start."""
        if self._runner is not None:
            return self
        mode, speed = self._clock_args
        world = World(self.scenario, SandboxClock(mode, speed=speed), seed=self._seed)
        app = create_app(world, faults=self.faults, limiter=RateLimiter(self._rate_limit),
                         body_timeout=self.limits.body_timeout)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = SandboxSite(runner, self.host, self.port, self.limits)
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self.port = site.bound_port
        self._world, self._runner, self._site = world, runner, site
        return self

    async def stop(self) -> None:
        """Stop serving and release the port."""
        runner, self._runner, self._site = self._runner, None, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    @property
    def connections(self) -> int:
        """Open connections right now (0 when stopped).

        Usage: ``assert sandbox.connections <= sandbox.limits.max_connections``
        """
        return len(self._site.gate.open) if self._site is not None else 0

    # --- facts ----------------------------------------------------------------------------------

    @property
    def world(self) -> World:
        if self._world is None:
            raise RuntimeError("the sandbox is not started")
        return self._world

    @property
    def seed(self) -> int:
        """The draw seed (a reset may have changed it since the start)."""
        return self._world.seed if self._world is not None else self._seed

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def organization_id(self) -> str:
        return self.scenario.organization_id

    @property
    def publishable_key(self) -> str:
        return self.scenario.publishable_key

    @property
    def secret_key(self) -> str:
        return self.scenario.secret_key

    @property
    def otp_code(self) -> str:
        return self.scenario.otp_code

    @property
    def bot_check_token(self) -> str:
        return self.scenario.bot_check_token

    @property
    def experiences(self) -> dict[str, str]:
        """Experience label -> id."""
        return {e.label: e.id for e in self.scenario.experiences}

    @property
    def access_codes(self) -> dict[str, str]:
        """Experience label -> access code of its code-gated sequence."""
        return self.scenario.access_codes

    def info(self) -> dict[str, Any]:
        """The banner's facts as a dict (same as ``GET /_sandbox/info``)."""
        return info(self.world, self.base_url)

    def status(self) -> dict[str, Any]:
        """What each experience is doing now and its next change (same as
        ``GET /_sandbox/status``).

        Usage: ``sandbox.status()["experiences"][0]["doing"]``
        """
        return status(self.world)

    # --- clock ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        """Current sandbox time."""
        return self.world.clock.now()

    async def reset(self, seed: int | None = None) -> None:
        """Start the scenario over at the current time (same as ``POST /_sandbox/reset``):
        distributions and waitlists afresh, consumers and tokens kept.

        Usage: ``await sandbox.reset(seed=7)``
        """
        self.world.reset(seed=seed)

    async def advance(self, seconds: float) -> None:
        """Move the clock forward and run the work that came due (admissions, draws, ...).

        Usage: ``await sandbox.advance(60)``
        """
        world = self.world
        world.clock.advance(seconds)
        world.tick()
