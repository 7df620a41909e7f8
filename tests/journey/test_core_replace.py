"""The reducer's generated constructors and copy-with-changes match attrs' own."""

from __future__ import annotations

import attrs
import pytest

from fanfare_rx.journey.core._replace import constructor, replacer
from fanfare_rx.models.journey import (
    DistributionSummary,
    JourneyContext,
    Participation,
    ParticipationType,
)
from fanfare_rx.models.wire import DistributionType


def _context() -> JourneyContext:
    return JourneyContext(
        experience_id="exp-1", sequence_id="seq-1", position=4, access_code="SECRET",
        distribution=DistributionSummary(type=DistributionType.QUEUE, id="q-1"),
        participation=Participation(id="q-1", type=ParticipationType.QUEUE, status="QUEUED"),
    )


def test_replacer_by_name_equals_attrs_evolve() -> None:
    ctx = _context()
    replace = replacer(JourneyContext)
    changed = replace(ctx, position=3, estimated_wait_seconds=12.0)
    assert changed == attrs.evolve(ctx, position=3, estimated_wait_seconds=12.0)
    assert changed is not ctx and ctx.position == 4
    assert replace(ctx) == ctx
    with pytest.raises(TypeError):
        replace(ctx, no_such_field=1)


def test_replacer_with_fixed_fields_takes_values_in_order() -> None:
    ctx = _context()
    replace = replacer(JourneyContext, "position", "outcome")
    assert replace(ctx, 2, "won") == attrs.evolve(ctx, position=2, outcome="won")
    with pytest.raises(ValueError, match="unknown or repeated"):
        replacer(JourneyContext, "position", "position")
    with pytest.raises(ValueError, match="unknown or repeated"):
        replacer(JourneyContext, "nope")


def test_generated_objects_stay_frozen_and_redacted() -> None:
    changed = replacer(JourneyContext, "position")(_context(), 1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        changed.position = 5  # type: ignore[misc]
    assert "SECRET" not in repr(changed)
    assert hash(changed.participation) == hash(_context().participation)


def test_constructor_equals_the_attrs_constructor() -> None:
    make = constructor(Participation)
    assert make("q-1", ParticipationType.QUEUE, "QUEUED", None, None) == Participation(
        id="q-1", type=ParticipationType.QUEUE, status="QUEUED")
    assert make(id="a-1", type=ParticipationType.APPOINTMENT, status=None, slot_id="s1",
                location_id=None) == Participation(
        id="a-1", type=ParticipationType.APPOINTMENT, slot_id="s1")


def test_a_class_with_a_validator_goes_through_its_init() -> None:
    @attrs.frozen
    class Checked:
        value: int = attrs.field(validator=attrs.validators.gt(0))

    with pytest.raises(ValueError, match="must be >"):
        replacer(Checked, "value")(Checked(1), 0)
    with pytest.raises(ValueError, match="must be >"):
        constructor(Checked)(-1)
