"""A marble mismatch reads like the diagrams: stage values by name, not enum reprs."""

from __future__ import annotations

import pytest

from fanfare_rx.testing import SEQUENCE_STAGES, JourneyHarness, assert_marbles
from fanfare_rx.testing import builders as b


def test_mismatch_lists_stage_values_not_enum_reprs() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    stages = h.record(h.journey.sequence_stage)
    h.act("-s", s="start")
    h.advance(4)
    with pytest.raises(AssertionError) as failure:
        assert_marbles(stages, "n--e", **SEQUENCE_STAGES)
    message = str(failure.value)
    assert "actual events: 0s:'none', 2s:'active_enterable'" in message
    assert "SequenceStage" not in message
    h.destroy()
