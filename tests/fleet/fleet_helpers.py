"""Shared values of the fleet tests (a module of its own: test files never import conftest)."""

from __future__ import annotations

from typing import Any

from fanfare_rx.fleet import FleetTarget
from fanfare_rx.sandbox import Sandbox

QUEUE_ID = "queue-drop"
EXPERIENCE_ID = "exp-drop"


def queue_scenario(admit_rate: int) -> dict[str, Any]:
    return {
        "requestsPerMinute": 1_000_000,
        "experiences": [{
            "id": EXPERIENCE_ID, "label": "drop", "name": "Fleet drop",
            "sequences": [{
                "id": "seq-general", "name": "General", "priority": 1,
                "distribution": {"type": "queue", "id": QUEUE_ID, "admitRate": admit_rate},
            }],
        }],
    }


def target_of(sandbox: Sandbox) -> FleetTarget:
    return FleetTarget(sandbox.base_url, sandbox.organization_id, sandbox.publishable_key,
                       experience_id=EXPERIENCE_ID)
