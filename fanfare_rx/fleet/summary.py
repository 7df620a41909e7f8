"""The driver's view of a whole drop: a fold of the workers' batches into counts (admitted,
finished by outcome, errors, stages now) and a timeline of positions and admissions.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

import attrs

from fanfare_rx.fleet.lab import DropReport, drop_report
from fanfare_rx.fleet.records import Batch, ShopperResult, ShopperState
from fanfare_rx.models.journey import SequenceStage

__all__ = ["FleetSummary", "SummaryFold", "TimelinePoint"]

_ERROR_SAMPLES = 5


@attrs.frozen
class TimelinePoint:
    """The drop at one moment (``at`` seconds since the start): shoppers started, in line,
    admitted so far, finished, errors, and the median and largest place in line.

    Usage: ``[(p.at, p.admitted) for p in summary.timeline]``
    """

    at: float
    started: int
    in_line: int
    admitted: int
    finished: int
    errors: int
    median_position: float | None = None
    max_position: int | None = None


@attrs.frozen
class FleetSummary:
    """Counts of a drop so far (or at its end), with the timeline for plots.

    ``outcomes`` counts finished shoppers by outcome (``"error"`` for a behaviour that
    raised), ``errors`` counts those errors by exception type, ``stages`` counts the
    sequence stages of shoppers still running. ``actors_lost`` counts workers that died
    during the drop and ``restarts`` the unfinished shoppers they handed over to the
    surviving ones (``resumed``: those of them restored from their stored session, the
    others had not entered yet and started afresh).

    Usage: ``summary = await fleet.run(shopper); summary.admitted == summary.shoppers``
    """

    shoppers: int
    started: int
    finished: int
    admitted: int
    outcomes: Mapping[str, int]
    errors: Mapping[str, int]
    stages: Mapping[str, int]
    elapsed: float
    cpu_seconds: float
    timeline: tuple[TimelinePoint, ...] = ()
    error_samples: tuple[str, ...] = ()
    actors_lost: int = 0
    restarts: int = 0
    resumed: int = 0
    #: Every finished shopper's result (with its timing), in the order they finished.
    results: tuple[ShopperResult, ...] = attrs.field(default=(), repr=False)

    def drop_report(self, cohort: Callable[[ShopperResult], str] | None = None) -> DropReport:
        """Fairness and accuracy of the drop so far (:func:`fanfare_rx.fleet.lab.drop_report`
        of :attr:`results`; cohorts default to the arrival quartiles).

        Usage: ``print(summary.drop_report().lines())``
        """
        return drop_report(self.results, cohort)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def timeline_columns(self) -> dict[str, list[float | int | None]]:
        """The timeline as columns, ready for ``plt.plot(cols["at"], cols["admitted"])``."""
        names = [field.name for field in attrs.fields(TimelinePoint)]
        return {name: [getattr(point, name) for point in self.timeline] for name in names}

    def lines(self) -> list[str]:
        """The summary in words, one fact per line (what ``fanfare-rx swarm`` prints)."""
        rate = self.finished / self.cpu_seconds if self.cpu_seconds else 0.0
        lines = [
            f"shoppers: {self.shoppers} (started {self.started}, finished {self.finished})",
            f"admitted: {self.admitted}",
            "outcomes: " + (_counts(self.outcomes) or "none yet"),
            f"errors: {self.error_count}" + (f" ({_counts(self.errors)})" if self.errors else ""),
            (f"elapsed: {self.elapsed:.1f} s; worker CPU: {self.cpu_seconds:.1f} s "
             f"({rate:.0f} journeys per CPU second)"),
        ]
        if self.actors_lost:
            lines.append(f"actors lost: {self.actors_lost}; shoppers restarted on the others: "
                         f"{self.restarts} ({self.resumed} resumed from their stored session)")
        lines += [f"  e.g. {sample}" for sample in self.error_samples]
        return lines


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))


class SummaryFold:
    """Folds worker batches into a :class:`FleetSummary` (pure: time comes with the call).

    Usage::

        fold = SummaryFold(shoppers=100, workers=2)
        fold.add(batch)
        summary = fold.summary(at=3.5)
    """

    def __init__(self, shoppers: int, workers: int) -> None:
        self.shoppers = shoppers
        self._live: dict[str, ShopperState] = {}
        self._admitted: set[str] = set()
        self._finished: set[str] = set()
        self._results: list[ShopperResult] = []
        self._outcomes: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._samples: list[str] = []
        self._started = [0] * workers
        self._cpu = [0.0] * workers
        self._done = [False] * workers
        self._resumed = [0] * workers
        self._timeline: list[TimelinePoint] = []
        self._lost: set[int] = set()
        self._restarts = 0

    @property
    def finished_ids(self) -> frozenset[str]:
        """The shoppers whose result has been reported."""
        return frozenset(self._finished)

    def lose(self, worker: int, assigned: Iterable[str], own: int) -> list[str]:
        """Worker ``worker`` is gone: it counts as done and as having started its ``own``
        shoppers (those it was given at the start; the ones it took over were counted by the
        worker that had them first, and whoever takes over now does not count them again),
        and its unfinished shoppers among ``assigned`` (all it was given) are returned, to be
        handed over.

        Usage: ``for_others = fold.lose(0, assigned[0], own=len(groups[0]))``
        """
        unfinished = [shopper for shopper in assigned if shopper not in self._finished]
        self._started[worker] = own
        self._done[worker] = True
        self._lost.add(worker)
        self._restarts += len(unfinished)
        return unfinished

    def adopting(self, worker: int) -> None:
        """Worker ``worker`` took over shoppers: it is not done until it says so again."""
        self._done[worker] = False

    @property
    def done(self) -> bool:
        """Every worker reported its last batch."""
        return all(self._done)

    def add(self, batch: Batch) -> None:
        if batch.worker in self._lost:
            return
        for change in batch.changes:
            if change.shopper_id in self._finished:
                continue
            self._live[change.shopper_id] = change.state
            if change.state.sequence_stage is SequenceStage.ADMITTED:
                self._admitted.add(change.shopper_id)
        self._finish(batch.results)
        self._started[batch.worker] = batch.started
        self._cpu[batch.worker] = batch.cpu_seconds
        self._done[batch.worker] = batch.done
        self._resumed[batch.worker] = batch.resumed

    def _finish(self, results: Iterable[ShopperResult]) -> None:
        for result in results:
            self._finished.add(result.shopper_id)
            self._results.append(result)
            self._live.pop(result.shopper_id, None)
            if result.admitted:
                self._admitted.add(result.shopper_id)
            self._outcomes[result.outcome] += 1
            if result.error is not None:
                self._errors[result.error.split(":", 1)[0]] += 1
                if len(self._samples) < _ERROR_SAMPLES:
                    self._samples.append(f"{result.shopper_id}: {result.error}")

    def mark(self, at: float) -> TimelinePoint:
        """Add a timeline point for now and return it."""
        positions = sorted(state.position for state in self._live.values()
                           if state.position is not None
                           and state.sequence_stage is SequenceStage.PARTICIPATING)
        point = TimelinePoint(
            at=round(at, 3), started=sum(self._started), in_line=len(positions),
            admitted=len(self._admitted), finished=len(self._finished),
            errors=sum(self._errors.values()),
            median_position=statistics.median(positions) if positions else None,
            max_position=positions[-1] if positions else None,
        )
        self._timeline.append(point)
        return point

    def summary(self, at: float) -> FleetSummary:
        stages = Counter(str(state.sequence_stage) for state in self._live.values())
        return FleetSummary(
            shoppers=self.shoppers, started=sum(self._started), finished=len(self._finished),
            admitted=len(self._admitted), outcomes=dict(self._outcomes),
            errors=dict(self._errors), stages=dict(stages), elapsed=round(at, 3),
            cpu_seconds=round(sum(self._cpu), 3), timeline=tuple(self._timeline),
            error_samples=tuple(self._samples), actors_lost=len(self._lost),
            restarts=self._restarts, resumed=sum(self._resumed), results=tuple(self._results),
        )
