"""The drop lab: how fair and how accurate a drop was, from a fleet's results, not only how many
got in. Arrival order against admission order (Spearman's rank correlation), the server's wait
estimate against the wait each shopper had (error per percentile), grants that expired before
they were claimed, and the win rate per cohort (a fair draw gives every cohort the same).

Usage::

    summary = await fleet.run(partial(lab_shopper, checkout_seconds=2.0))
    report = summary.drop_report()
    print("\\n".join(report.lines()))
"""

from __future__ import annotations

import math
import random
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from fanfare_rx.errors import FanfareTimeoutError, UsageError
from fanfare_rx.fleet.records import ShopperResult
from fanfare_rx.fleet.shoppers import enter_and_wait
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import SequenceStage

__all__ = [
    "OUTCOME_CLAIMED",
    "OUTCOME_EXPIRED",
    "PERCENTILES",
    "DropReport",
    "arrival_quartile",
    "drop_report",
    "lab_shopper",
    "percentile",
    "ranks",
    "spearman",
]

#: The percentiles of the wait-estimate error a report gives.
PERCENTILES = (50, 90, 99)
#: A lab shopper's outcome when it claimed its grant (checkout started) in time...
OUTCOME_CLAIMED = "claimed"
#: ...and when its grant expired before it got to checkout.
OUTCOME_EXPIRED = "expired"

#: Cohort of a finished shopper: its id and result -> a label.
Cohort = Callable[[ShopperResult], str]


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing the mean of the ranks they span.

    Usage: ``ranks([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]``
    """
    order = sorted(range(len(values)), key=lambda i: values[i])
    found = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for i in order[start:end + 1]:
            found[i] = (start + end) / 2 + 1
        start = end + 1
    return found


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation of paired values (Pearson's on their ranks, so ties are
    handled): 1 when ``ys`` come in the order of ``xs``, -1 reversed. None for fewer than two
    pairs or when one side is all ties.

    Usage: ``spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == 0.8``
    """
    if len(xs) != len(ys):
        raise UsageError(f"spearman needs pairs: {len(xs)} x values, {len(ys)} y values")
    if len(xs) < 2:
        return None
    rx, ry = ranks(xs), ranks(ys)
    if len(set(rx)) == 1 or len(set(ry)) == 1:
        return None
    return round(statistics.correlation(rx, ry), 6)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between the closest ranks.

    Usage: ``percentile([1, 2, 3, 4], 50) == 2.5``
    """
    if not values:
        raise UsageError("percentile of no values")
    if not 0 <= q <= 100:
        raise UsageError(f"a percentile is between 0 and 100, got {q}")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def arrival_quartile(results: Sequence[ShopperResult]) -> Cohort:
    """The default cohorts: a shopper's quarter of the arrivals (``Q1`` the first to take
    part), ``none`` for one that never took part.

    Usage: ``drop_report(results, cohort=arrival_quartile(results))``
    """
    arrived = sorted((r.timing.entered_at, r.shopper_id) for r in results
                     if r.timing.entered_at is not None)
    quarter = {shopper: f"Q{1 + index * 4 // len(arrived)}"
               for index, (_, shopper) in enumerate(arrived)}
    return lambda result: quarter.get(result.shopper_id, "none")


@attrs.frozen
class DropReport:
    """Fairness and accuracy of one drop.

    Attributes:
        shoppers: results the report is made of.
        admitted: shoppers seen admitted.
        grants: shoppers that got a grant (admitted, or whose grant was first seen expired).
        arrival_admission_spearman: rank correlation of the order shoppers took part in and the
            order they were admitted in (1: first come, first served; None: too few).
        wait_error: percentile -> absolute error of the first wait estimate against the wait
            the shopper had, seconds (admitted shoppers that had an estimate).
        wait_bias: median signed error (estimate minus actual wait): > 0 estimates too long.
        grants_expired_unclaimed: grants that expired before their shopper claimed them.
        win_rate: cohort -> share of its shoppers admitted (a draw's win rate).
        cohort_sizes: cohort -> shoppers in it.

    Usage: ``report.arrival_admission_spearman > 0.9``
    """

    shoppers: int
    admitted: int
    grants: int
    arrival_admission_spearman: float | None
    wait_error: Mapping[int, float]
    wait_bias: float | None
    grants_expired_unclaimed: int
    win_rate: Mapping[str, float]
    cohort_sizes: Mapping[str, int]

    @property
    def expired_share(self) -> float:
        """Share of the grants that expired unclaimed (0 when none was issued)."""
        return self.grants_expired_unclaimed / self.grants if self.grants else 0.0

    def lines(self) -> list[str]:
        """The report in words, one figure per line."""
        rho = self.arrival_admission_spearman
        errors = ", ".join(f"p{q} {e:.2f} s" for q, e in self.wait_error.items()) or "none"
        bias = "n/a" if self.wait_bias is None else f"{self.wait_bias:+.2f} s"
        rates = ", ".join(f"{c} {r:.0%} of {self.cohort_sizes[c]}"
                          for c, r in self.win_rate.items())
        return [
            f"arrival vs admission order (Spearman): {'n/a' if rho is None else f'{rho:.3f}'}",
            f"wait estimate error: {errors} (median bias {bias})",
            (f"grants expired unclaimed: {self.grants_expired_unclaimed} of {self.grants} "
             f"({self.expired_share:.0%})"),
            f"admitted per cohort: {rates or 'none'}",
        ]


def drop_report(results: Iterable[ShopperResult], cohort: Cohort | None = None) -> DropReport:
    """The :class:`DropReport` of a drop's shopper results (``FleetSummary.results``), with
    cohorts from ``cohort`` (default :func:`arrival_quartile`).

    Usage: ``report = drop_report(summary.results, cohort=lambda r: r.shopper_id[-1])``
    """
    done = list(results)
    both = [r.timing for r in done
            if r.timing.entered_at is not None and r.timing.admitted_at is not None]
    rho = spearman([t.entered_at or 0.0 for t in both], [t.admitted_at or 0.0 for t in both])
    errors = [(t.predicted_wait, t.actual_wait) for t in both
              if t.predicted_wait is not None and t.actual_wait is not None]
    signed = [p - a for p, a in errors if p is not None and a is not None]
    wait_error = {q: round(percentile([abs(e) for e in signed], q), 3)
                  for q in PERCENTILES} if signed else {}
    label = cohort if cohort is not None else arrival_quartile(done)
    members: dict[str, list[ShopperResult]] = defaultdict(list)
    for result in done:
        members[label(result)].append(result)
    return DropReport(
        shoppers=len(done), admitted=sum(1 for r in done if r.admitted),
        grants=sum(1 for r in done if r.admitted or r.timing.grant_expired),
        arrival_admission_spearman=rho, wait_error=wait_error,
        wait_bias=round(statistics.median(signed), 3) if signed else None,
        grants_expired_unclaimed=sum(1 for r in done if r.timing.grant_expired),
        win_rate={c: sum(1 for r in rs if r.admitted) / len(rs)
                  for c, rs in sorted(members.items())},
        cohort_sizes={c: len(rs) for c, rs in sorted(members.items())})


_checkout_rng = random.Random()


async def lab_shopper(journey: ExperienceJourney, *, checkout_seconds: float = 2.0,
                      spread: float = 0.5, poll_ms: int = 250, timeout: float = 300.0,
                      seed: int | None = None) -> str:
    """A shopper for the lab: :func:`enter_and_wait`, then, once admitted, a checkout that
    takes ``checkout_seconds`` (uniformly ``± spread`` of it): the grant is claimed
    (``mark_checkout_started``, outcome :data:`OUTCOME_CLAIMED`) unless it expired first
    (:data:`OUTCOME_EXPIRED`, counted as a grant expired unclaimed; also for a grant already
    expired when the shopper saw it). Other outcomes are :func:`enter_and_wait`'s.

    Usage: ``await fleet.run(functools.partial(lab_shopper, checkout_seconds=3.0))``
    """
    if not (checkout_seconds >= 0 and 0 <= spread <= 1):
        raise UsageError("checkout_seconds must be >= 0 and spread between 0 and 1")
    outcome = await enter_and_wait(journey, poll_ms=poll_ms, timeout=timeout)
    stage = journey.state.get().sequence_stage
    if stage is SequenceStage.ADMISSION_EXPIRED:
        return OUTCOME_EXPIRED  # expired before the shopper could even start checkout
    if stage is not SequenceStage.ADMITTED:
        return outcome
    rng = random.Random(seed) if seed is not None else _checkout_rng
    delay = checkout_seconds * rng.uniform(1 - spread, 1 + spread)
    try:
        await journey.sequence_stage.wait_for(lambda s: s is SequenceStage.ADMISSION_EXPIRED,
                                              timeout=delay)
    except FanfareTimeoutError:
        journey.mark_checkout_started()
        return OUTCOME_CLAIMED
    return OUTCOME_EXPIRED
