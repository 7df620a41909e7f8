"""Recordings of a journey's stage changes (with outcomes and queue positions) on any clock:
wall time, the sandbox's clock or a ``TestScheduler``'s virtual time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import EventKind, JourneySnapshot, JourneyStage, SequenceStage

__all__ = ["Span", "StageChange", "StageRecording", "record_stages", "recording_from_events"]




@attrs.frozen
class StageChange:
    """One change of journey or sequence stage (or of the outcome) at ``at`` (seconds on the
    recorder's clock); ``outcome`` is why the participation ended (``lost``, ``completed``...)."""

    at: float
    journey_stage: JourneyStage
    sequence_stage: SequenceStage
    outcome: str | None = None


@attrs.frozen
class Span:
    """A stretch of one stage: ``start`` to ``end`` seconds, with the outcome it ended in.

    Usage: ``[(s.stage, s.outcome) for s in rec.spans()][-1] == ("ended", "lost")``
    """

    start: float
    end: float
    stage: str
    outcome: str | None = None


class StageRecording:
    """Timestamped stage changes (and queue positions) of one journey.

    Usage: ``rec = record_stages(journey, label="draw"); ...; rec.segments()``
    """

    def __init__(self, label: str, clock: Callable[[], float]) -> None:
        self.label = label
        self.clock = clock
        self.changes: list[StageChange] = []
        self.positions: list[tuple[float, int | None]] = []
        """``(time, position)`` whenever the queue position changed (None: not queued)."""
        self.stopped_at: float | None = None
        self._dispose: Callable[[], None] | None = None

    def add(self, snapshot: JourneySnapshot, at: float | None = None) -> None:
        """Record ``snapshot`` if its stages or position changed. Usage: ``rec.add(snap)``"""
        when = self.clock() if at is None else at
        last = self.changes[-1] if self.changes else None
        now = StageChange(when, snapshot.journey_stage, snapshot.sequence_stage,
                          snapshot.context.outcome)
        if last is None or attrs.evolve(last, at=when) != now:
            self.changes.append(now)
        position = snapshot.context.position
        if not self.positions or self.positions[-1][1] != position:
            self.positions.append((when, position))

    @property
    def started_at(self) -> float | None:
        """The time of the first recorded change."""
        return self.changes[0].at if self.changes else None

    @property
    def end(self) -> float:
        """When the recording stopped, else now on its clock."""
        return self.stopped_at if self.stopped_at is not None else self.clock()

    def first(self, stage: SequenceStage | str) -> float | None:
        """When the sequence stage was first reached. Usage: ``rec.first("admitted")``"""
        for change in self.changes:
            if change.sequence_stage == stage:
                return change.at
        return None

    def spans(self, kind: str = "sequence", until: float | None = None) -> list[Span]:
        """The stretches of the sequence (or ``kind="journey"``) stage, each with the outcome
        reached in it; the last runs until ``until``, else the end of the recording.

        Usage: ``rec.spans()[-1].outcome == "lost"``
        """
        if kind not in ("sequence", "journey"):
            raise UsageError("kind must be 'sequence' or 'journey'")
        stop = self.end if until is None else until
        spans: list[Span] = []
        for change in self.changes:
            stage = (change.sequence_stage if kind == "sequence" else change.journey_stage).value
            if spans and spans[-1].stage == stage:
                spans[-1] = attrs.evolve(spans[-1], outcome=change.outcome)
                continue
            if spans:
                spans[-1] = attrs.evolve(spans[-1], end=change.at)
            spans.append(Span(change.at, max(stop, change.at), stage, change.outcome))
        return spans

    def segments(self, kind: str = "sequence", until: float | None = None) -> list[tuple[float, float, str]]:
        """``(start, end, stage)`` spans of the sequence (or ``kind="journey"``) stage.

        Usage: ``[s for _, _, s in rec.segments()] == ["none", "active_enterable", ...]``
        """
        return [(span.start, span.end, span.stage) for span in self.spans(kind, until)]

    def stop(self) -> None:
        """Stop recording. Usage: ``rec.stop()``"""
        if self._dispose is not None:
            self._dispose()
            self._dispose = None
        if self.stopped_at is None:
            self.stopped_at = self.clock()

    def __repr__(self) -> str:
        stages = " → ".join(stage for _, _, stage in self.segments())
        return f"StageRecording({self.label!r}, {stages})"


def record_stages(
    journey: ExperienceJourney, *, label: str | None = None, clock: Callable[[], float] | None = None
) -> StageRecording:
    """Record ``journey``'s stage changes from now (its current stages first) until
    :meth:`StageRecording.stop` or until the journey is destroyed.

    ``clock`` gives the timestamps in seconds: wall time by default; pass
    ``lambda: sandbox.now().timestamp()`` for sandbox time or ``lambda: scheduler.clock``
    for a ``TestScheduler``'s virtual time.

    Usage: ``rec = record_stages(journey, label="queue")``
    """
    recording = StageRecording(label or journey.experience_id, clock or time.time)
    subscription = journey.state.subscribe(
        on_next=recording.add, on_completed=recording.stop, on_error=lambda _: recording.stop()
    )
    recording._dispose = subscription.dispose
    return recording


def recording_from_events(journey: ExperienceJourney, *, label: str | None = None) -> StageRecording:
    """A recording rebuilt from the journey's ``sequence_change`` events (epoch seconds);
    only the last 100 events are kept by a journey, so record early when it matters.

    Usage: ``timeline([recording_from_events(journey)])``
    """
    snapshot = journey.state.get()
    recording = StageRecording(label or journey.experience_id, time.time)
    journey_stage = snapshot.journey_stage
    for event in snapshot.events:
        detail = event.detail or {}
        if event.kind is EventKind.SEQUENCE_CHANGE and "to_stage" in detail:
            at = event.ts / 1000.0
            if not recording.changes and "from_stage" in detail:
                recording.changes.append(
                    StageChange(at, journey_stage, SequenceStage(detail["from_stage"]))
                )
            recording.changes.append(StageChange(at, journey_stage, SequenceStage(detail["to_stage"])))
    if not recording.changes:
        recording.add(snapshot, at=(snapshot.updated_at or time.time() * 1000) / 1000.0)
    elif snapshot.context.outcome is not None:
        recording.changes[-1] = attrs.evolve(recording.changes[-1], outcome=snapshot.context.outcome)
    recording.stopped_at = max(snapshot.updated_at / 1000.0, recording.changes[-1].at)
    return recording


