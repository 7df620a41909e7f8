"""A local Fanfare Consumer API server with real behaviour (queues, draws, auctions, timed
releases, waitlists), for the demo, notebooks and tests; see docs/sandbox.md.
"""

from fanfare_rx.sandbox.connections import ServerLimits
from fanfare_rx.sandbox.process import SandboxProcess, drop_scenario
from fanfare_rx.sandbox.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from fanfare_rx.sandbox.server import DEFAULT_SEED, Sandbox

__all__ = ["DEFAULT_SEED", "Sandbox", "SandboxProcess", "Scenario", "ScenarioError",
           "ServerLimits", "default_scenario", "drop_scenario", "load_scenario"]
