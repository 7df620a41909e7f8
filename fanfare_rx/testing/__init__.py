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
"""

from fanfare_rx.testing import builders
from fanfare_rx.testing.harness import (
    ActionOutcome,
    ActionSpec,
    JourneyHarness,
    drive,
    pending_actions,
)
from fanfare_rx.testing.marbles import PORT_METHODS, PortCall, ScriptedEffects, UnscriptedCallError
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

__all__ = [
    "JOURNEY_STAGES",
    "PORT_METHODS",
    "SEQUENCE_STAGES",
    "ActionOutcome",
    "ActionSpec",
    "JourneyHarness",
    "PortCall",
    "RecordedSleep",
    "Recording",
    "ScriptedEffects",
    "UnscriptedCallError",
    "assert_marbles",
    "builders",
    "drive",
    "parse_marbles",
    "pending_actions",
    "record",
    "render_marbles",
]
