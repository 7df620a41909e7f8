"""The path generator of ``fanfare_rx.testing``: it covers every row of the one table, its server
answers are the statuses the mechanisms declare, and every generated path runs through a real
journey (pipeline, effects, scripted port) where no offered action fails, every step ends in
the stage the table's fold predicts, the G1 stores offer each action before it is taken, and
no action but a leave, a cancel or a completion gives up a place."""

from __future__ import annotations

import attrs
import pytest

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.registry import drop_kind, new_kind, register, unregister
from fanfare_rx.models.actions import Cancel, Complete, Leave, LeaveWaitlist
from fanfare_rx.models.journey import SequenceAction, SequenceStage
from fanfare_rx.testing import JourneyPath, PathStep, journey_paths
from fanfare_rx.testing.paths import poll_answers

SS = SequenceStage
#: The stages that hold a place (in line, admitted, on the waitlist).
HOLDING = frozenset({SS.PARTICIPATING, SS.ADMITTED, SS.WAITLIST_ENTERED})
GIVING_UP = (Leave, Cancel, Complete, LeaveWaitlist)
KINDS = [spec.kind for spec in registry.registered()]
PATHS = [path for kind in KINDS for path in journey_paths(kind, depth=3)]


def test_the_generator_covers_every_row_of_the_table() -> None:
    table = {(row.g1, kind) for row in registry.rules() for kind in row.mechanisms}
    covered = frozenset().union(*(path.rows for kind in KINDS
                                  for path in journey_paths(kind, depth=2)))
    assert covered == table


def test_every_answer_is_a_status_its_mechanism_declares() -> None:
    for path in PATHS:
        spec = registry.spec_for(path.mechanism)
        assert spec is not None
        for step in path.steps:
            for method, answer in step.answers:
                if method.endswith("waitlist"):
                    continue
                status = getattr(answer, "STATUS", None) or answer.status
                assert str(getattr(status, "value", status)) in spec.statuses, (path, step)
    for kind in KINDS:
        assert poll_answers(kind), kind


@pytest.mark.parametrize("path", PATHS, ids=str)
def test_every_path_runs_through_a_journey_keeping_its_invariants(path: JourneyPath) -> None:
    before: list[SS] = []

    def observe(step: PathStep | None, journey: ExperienceJourney) -> None:
        snapshot = journey.state.get()
        if step is not None and step.action is not None and before[-1] in HOLDING \
                and not isinstance(step.action, GIVING_UP):
            assert snapshot.sequence_stage in HOLDING, f"{path}: {step} dropped the place"
        before.append(snapshot.sequence_stage)
        offered = {str(a) for a in snapshot.available_actions.sequence}
        upcoming = path.steps[len(before) - 1] if len(before) <= len(path.steps) else None
        if upcoming is not None and upcoming.action is not None \
                and upcoming.label in set(SequenceAction):
            assert upcoming.label in offered, f"{path}: {upcoming} not offered before it"

    snapshots = path.run(observe)
    assert len(snapshots) == len(path.steps) + 1
    assert [s.sequence_stage for s in snapshots[1:]] == [step.stage for step in path.steps]


def test_a_path_whose_prediction_is_wrong_fails_naming_the_path_and_the_step() -> None:
    path = next(p for p in journey_paths("queue", depth=1) if p.steps[0].label == "enter_queue")
    wrong = attrs.evolve(path, steps=(attrs.evolve(path.steps[0], stage=SS.ADMITTED),))
    with pytest.raises(AssertionError, match="queue-open:enter_queue: after enter_queue"):
        wrong.run()


def test_paths_are_named_for_pytest_ids_and_bounded_by_depth() -> None:
    paths = journey_paths("draw", depth=2)
    assert "draw-open:enter_draw>poll-WON" in {str(p) for p in paths}
    assert "draw-upcoming:enter_waitlist>leave_waitlist" in {str(p) for p in paths}
    assert all(1 <= len(p.steps) <= 2 for p in paths)
    assert len({str(p) for p in paths}) == len(paths)
    assert len(journey_paths("draw", depth=1, openings=("open",))) < len(paths)


@pytest.mark.parametrize(("mechanism", "depth", "openings"), [
    ("raffle", 2, ("open",)), ("queue", 0, ("open",)), ("queue", True, ("open",)),
    ("queue", 2, ("closed",)),
])
def test_bad_arguments_are_usage_errors(mechanism: str, depth: int,
                                        openings: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        journey_paths(mechanism, depth=depth, openings=openings)


def test_a_plug_in_mechanism_whose_answers_it_does_not_know_is_a_usage_error() -> None:
    kind = new_kind("toy_lottery")
    queue = registry.spec_for("queue")
    assert queue is not None
    register(attrs.evolve(queue, kind=kind, state_types=(), rules=(), events=None))
    try:
        with pytest.raises(UsageError, match="toy_lottery"):
            journey_paths(kind)
    finally:
        unregister(kind)
        drop_kind(kind.value)
