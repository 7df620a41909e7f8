"""Polling that follows the server: :class:`ServerCadence` delays (wait estimate, position,
open time, Retry-After, bounds, seeded jitter) and the poll times they give on virtual time."""

from __future__ import annotations

import itertools
import random
from typing import Any

import attrs
import pytest

from fanfare_rx import RateLimitedError, UsageError
from fanfare_rx.journey.cadence import ServerCadence
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

STEADY = ServerCadence(jitter=0)  # no jitter: delays are exact


def started(status: object) -> JourneyHarness:
    """A queue journey routed at 1 s and settled by 2 s with ``status`` as its first status."""
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("(s|)", s=status)
    h.act("s", s="start")
    h.advance(2)
    assert h.outcome("start").ok
    return h


def snapshot_with(**context: Any) -> JourneySnapshot:
    h = started(b.queued(50, wait_seconds=60))
    snap = h.journey.state.get()
    return attrs.evolve(snap, context=attrs.evolve(snap.context, **context))


# ----------------------------------------------------------------------------------------------
# The delay, as a pure function of the snapshot


def test_delay_is_a_share_of_the_estimated_wait_within_bounds() -> None:
    def delay(wait: float, position: int = 50) -> float:
        snap = snapshot_with(estimated_wait_seconds=wait, position=position)
        return STEADY.delay_ms(snap, now_ms=0)

    assert delay(120) == 40_000  # a third of two minutes
    assert delay(30) == 10_000
    assert delay(3) == 2_000  # never under min_ms
    assert delay(3600) == 60_000  # never over max_ms
    assert delay(120, position=3) == 2_000  # near the front: min_ms whatever the estimate


def test_an_accelerated_server_s_waits_are_read_at_its_speed() -> None:
    """A sandbox at ``--speed 10`` says 120 s where 12 real seconds will pass."""
    fast = attrs.evolve(STEADY, server_speed=10)
    snap = snapshot_with(estimated_wait_seconds=120, position=50)
    assert fast.delay_ms(snap, now_ms=0) == 4_000
    assert STEADY.delay_ms(snap, now_ms=0) == 40_000
    with pytest.raises(UsageError):
        ServerCadence(server_speed=0)


def test_without_a_hint_the_per_type_interval_is_used() -> None:
    snap = snapshot_with(estimated_wait_seconds=None, position=None)
    assert STEADY.delay_ms(snap, now_ms=0) == 5_000


def test_retry_after_is_a_floor_even_above_max() -> None:
    snap = snapshot_with(estimated_wait_seconds=6, position=40)
    assert STEADY.delay_ms(snap, 0, retry_after_s=30) == 30_000
    assert STEADY.delay_ms(snap, 0, retry_after_s=600) == 600_000
    assert STEADY.delay_ms(snap, 0, retry_after_s=0.5) == 2_000


def test_upcoming_polls_by_the_time_to_opening() -> None:
    h = JourneyHarness(b.experience("queue", open_at=b.at(600)))
    h.server.on_route("(u|)", u=b.routed(availability="upcoming"))
    h.act("s", s="start")
    h.advance(1)
    snap = h.journey.state.get()
    assert snap.sequence_stage.value == "upcoming"
    assert STEADY.delay_ms(snap, now_ms=0) == 60_000  # 600 s away: capped at max_ms
    assert STEADY.delay_ms(snap, now_ms=570_000) == 10_000  # 30 s away: a third
    assert STEADY.delay_ms(snap, now_ms=599_000) == 2_000  # about to open: min_ms


def test_jitter_is_seeded_bounded_and_spreads_journeys() -> None:
    snap = snapshot_with(estimated_wait_seconds=30, position=40)

    def delays(seed: int) -> list[float]:
        cadence = ServerCadence(rng=random.Random(seed))
        return [cadence.delay_ms(snap, 0) for _ in range(200)]

    assert delays(7) == delays(7)  # reproducible in tests
    assert delays(7) != delays(8)
    spread = delays(7)
    assert all(8_000 <= d <= 12_000 for d in spread)  # 10 s ± 20 %
    assert max(spread) - min(spread) > 2_000  # not lock-step


def test_the_first_poll_comes_anywhere_within_the_first_delay() -> None:
    """Journeys started at one moment do not poll together: the first delay is spread over all
    of the jittered delay (±20 % alone keeps every first poll within 8-12 s here); seeded, it
    is reproducible; without jitter it is the delay itself."""
    snap = snapshot_with(estimated_wait_seconds=30, position=40)

    def firsts(seed: int) -> list[float]:
        cadence = ServerCadence(rng=random.Random(seed))
        return [cadence.first_delay_ms(snap, 0) for _ in range(500)]

    assert firsts(7) == firsts(7) and firsts(7) != firsts(8)
    spread = firsts(7)
    assert all(0 <= d <= 12_000 for d in spread)
    assert min(spread) < 1_000 and max(spread) > 10_000  # over the whole delay, not 8-12 s
    assert sum(d < 6_000 for d in spread) > 150  # a good share in its first half
    assert STEADY.first_delay_ms(snap, 0) == STEADY.delay_ms(snap, 0) == 10_000


@pytest.mark.parametrize(
    "kwargs",
    [{"min_ms": 0}, {"min_ms": 5000, "max_ms": 1000}, {"jitter": 1.0}, {"jitter": -0.1}, {"share": 0}],
)
def test_bad_cadence_settings_are_usage_errors(kwargs: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        ServerCadence(**kwargs)


# ----------------------------------------------------------------------------------------------
# Poll times on virtual time


def test_server_cadence_polls_rarely_far_back_and_often_near_the_front() -> None:
    h = started(b.queued(100, wait_seconds=120))
    h.server.on_status(
        "(a|)", "(b|)", "(c|)",
        a=b.queued(40, wait_seconds=30), b=b.queued(12, wait_seconds=9), c=b.queued(3, wait_seconds=3),
    )
    h.journey.start_polling(cadence=STEADY)  # at 2 s
    h.advance(60)
    # 2 + 40 (120 s / 3) = 42 → 30 s wait: +10 = 52 → 9 s: +3 = 55 → 3rd: +2 every time
    assert h.server.call_times("fetch_status")[1:] == [42.0, 52.0, 55.0, 57.0, 59.0, 61.0]


def test_start_polling_without_arguments_uses_the_server_cadence() -> None:
    h = started(b.queued(100, wait_seconds=120))
    h.server.on_status("(a|)", a=b.queued(100, wait_seconds=120))
    h.journey.start_polling()
    h.advance(200)
    gaps = [later - earlier for earlier, later in itertools.pairwise(h.server.call_times("fetch_status")[1:])]
    assert gaps and all(32 <= gap <= 48 for gap in gaps)  # 40 s ± 20 %


def test_seeded_journeys_poll_alike_and_unseeded_ones_apart() -> None:
    def poll_times(seed: int) -> list[float]:
        h = started(b.queued(40, wait_seconds=30))
        h.server.on_status("(a|)", a=b.queued(40, wait_seconds=30))
        h.journey.start_polling(cadence=ServerCadence(rng=random.Random(seed)))
        h.advance(120)
        return h.server.call_times("fetch_status")[1:]

    assert poll_times(1) == poll_times(1)
    assert poll_times(1) != poll_times(2)
    times = poll_times(3)
    assert all(8 <= later - earlier <= 12 for earlier, later in itertools.pairwise(times))


def test_journeys_started_together_spread_their_first_polls() -> None:
    """Twenty journeys start polling at the same moment on the default cadence (the module's
    RNG, seeded here): their first polls spread over most of the first delay (10 s ± 20 %),
    then each follows its own cadence."""
    state = random.getstate()
    random.seed(11)
    firsts = []
    for _ in range(20):
        h = started(b.queued(40, wait_seconds=30))
        h.server.on_status("(a|)", a=b.queued(40, wait_seconds=30))
        h.journey.start_polling()  # at 2 s
        h.advance(40)
        times = h.server.call_times("fetch_status")[1:]
        firsts.append(times[0])
        assert all(8 <= later - earlier <= 12 for earlier, later in itertools.pairwise(times))
    random.setstate(state)
    assert all(2 <= first <= 14 for first in firsts)
    assert max(firsts) - min(firsts) > 6  # ±20 % alone would keep them within 4 s


def test_server_cadence_waits_out_retry_after() -> None:
    h = started(b.queued(40, wait_seconds=30))
    busy = RateLimitedError("slow down", status=429, retry_after=45)
    h.server.on_status("-#", "(q|)", error=busy, q=b.queued(40, wait_seconds=30))
    h.journey.start_polling(cadence=STEADY)  # first poll at 2 + 10 = 12, fails at 13
    h.advance(80)
    assert h.server.call_times("fetch_status")[1:] == [12.0, 58.0, 68.0, 78.0]  # 13 + 45 = 58


def test_fixed_interval_and_cadence_are_exclusive() -> None:
    h = started(b.queued(40, wait_seconds=30))
    with pytest.raises(UsageError):
        h.journey.start_polling(5000, cadence="server")
    with pytest.raises(UsageError):
        h.journey.start_polling(cadence="sometimes")  # type: ignore[arg-type]
    assert not h.journey.is_polling
