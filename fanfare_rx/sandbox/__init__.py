"""A local Fanfare Consumer API server with real behaviour (queues, draws, auctions, timed
releases, waitlists), for the demo, notebooks and tests; see docs/sandbox.md.
"""

from fanfare_rx.sandbox.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from fanfare_rx.sandbox.server import Sandbox

__all__ = ["Sandbox", "Scenario", "ScenarioError", "default_scenario", "load_scenario"]
