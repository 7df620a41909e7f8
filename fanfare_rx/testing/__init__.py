"""Testing toolkit for code that reacts to journeys: scripted server answers as marbles on a
``TestScheduler``, stage assertions as marbles, and wire-value builders.

Usage::

    from fanfare_rx.testing import JourneyHarness, SEQUENCE_STAGES, builders as b

    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    h.act("s", s="start")
    h.expect(h.journey.sequence_stage, "ne", **SEQUENCE_STAGES)
    h.run()

Installing fanfare_rx also registers a pytest plugin (:mod:`fanfare_rx.testing.plugin`, not
imported here) with the ``fanfare_sandbox``, ``fanfare`` and ``journey_harness`` fixtures and
the ``@pytest.mark.fanfare_scenario(path_or_dict)`` marker.

Importing this package is cheap (PEP 562): each name loads its module on first use, so the
pytest plugin, which lives here, costs nothing until a fixture is used.
"""

from __future__ import annotations

import typing as _typing

from fanfare_rx._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from fanfare_rx.testing import builders
    from fanfare_rx.testing.harness import (
        ActionOutcome,
        ActionSpec,
        JourneyHarness,
        drive,
        pending_actions,
    )
    from fanfare_rx.testing.marbles import (
        PORT_METHODS,
        PortCall,
        ScriptedEffects,
        UnscriptedCallError,
    )
    from fanfare_rx.testing.paths import JourneyPath, PathStep, journey_paths
    from fanfare_rx.testing.sleep import RecordedSleep
    from fanfare_rx.testing.stages import (
        JOURNEY_STAGES,
        SEQUENCE_STAGES,
        Recording,
        assert_marbles,
        parse_marbles,
        record,
        render_marbles,
    )

_EXPORTS: dict[str, str] = {
    "ActionOutcome": "fanfare_rx.testing.harness",
    "ActionSpec": "fanfare_rx.testing.harness",
    "JOURNEY_STAGES": "fanfare_rx.testing.stages",
    "JourneyHarness": "fanfare_rx.testing.harness",
    "JourneyPath": "fanfare_rx.testing.paths",
    "PORT_METHODS": "fanfare_rx.testing.marbles",
    "PathStep": "fanfare_rx.testing.paths",
    "PortCall": "fanfare_rx.testing.marbles",
    "RecordedSleep": "fanfare_rx.testing.sleep",
    "Recording": "fanfare_rx.testing.stages",
    "SEQUENCE_STAGES": "fanfare_rx.testing.stages",
    "ScriptedEffects": "fanfare_rx.testing.marbles",
    "UnscriptedCallError": "fanfare_rx.testing.marbles",
    "assert_marbles": "fanfare_rx.testing.stages",
    "builders": "fanfare_rx.testing.builders",
    "drive": "fanfare_rx.testing.harness",
    "journey_paths": "fanfare_rx.testing.paths",
    "parse_marbles": "fanfare_rx.testing.stages",
    "pending_actions": "fanfare_rx.testing.harness",
    "record": "fanfare_rx.testing.stages",
    "render_marbles": "fanfare_rx.testing.stages",
}

__all__ = [
    "JOURNEY_STAGES",
    "PORT_METHODS",
    "SEQUENCE_STAGES",
    "ActionOutcome",
    "ActionSpec",
    "JourneyHarness",
    "JourneyPath",
    "PathStep",
    "PortCall",
    "RecordedSleep",
    "Recording",
    "ScriptedEffects",
    "UnscriptedCallError",
    "assert_marbles",
    "builders",
    "drive",
    "journey_paths",
    "parse_marbles",
    "pending_actions",
    "record",
    "render_marbles",
]

__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())
