"""When to poll next: :class:`ServerCadence` follows what the server said (Retry-After, the
queue's wait estimate and position, the distribution's open and settle times), with jitter.

Pure: given the snapshot, the clock reading and the RNG, the delay is a plain computation, so
marble tests pin it with a seeded ``random.Random``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping

import attrs

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.routing import awaits_sequence
from fanfare_rx.mechanisms import registry
from fanfare_rx.models.journey import JourneySnapshot, SequenceStage

__all__ = ["DEFAULT_INTERVAL_MS", "DEFAULT_POLL_INTERVAL_MS", "ServerCadence", "type_interval_ms"]

#: Polling intervals per distribution type (the docs' examples): ``start_polling(cadence="type")``
#: and the server cadence when the server gave nothing better to go by.
DEFAULT_POLL_INTERVAL_MS: Mapping[str, int] = {
    **{spec.kind.value: spec.poll_interval_ms for spec in registry.registered()},
    "upcoming": 10000,
}
DEFAULT_INTERVAL_MS = 5000

_WAITING_TO_OPEN = frozenset({SequenceStage.UPCOMING, SequenceStage.WAITLIST_ENTERED})


def type_interval_ms(snapshot: JourneySnapshot) -> int:
    """The per-type polling interval for what the journey is waiting on now.

    Usage: ``type_interval_ms(journey.state.get())`` -> ``5000`` for a queue
    """
    if snapshot.sequence_stage in _WAITING_TO_OPEN or awaits_sequence(snapshot):
        return DEFAULT_POLL_INTERVAL_MS["upcoming"]  # waiting for a sequence to open
    distribution = snapshot.context.distribution
    if distribution is None:
        return DEFAULT_INTERVAL_MS
    spec = registry.spec_for(distribution.type)
    return spec.poll_interval_ms if spec is not None else DEFAULT_INTERVAL_MS


def _check_bounds(instance: ServerCadence, _: attrs.Attribute[int], __: int) -> None:
    if not 0 < instance.min_ms <= instance.max_ms:
        raise UsageError(f"need 0 < min_ms <= max_ms, got {instance.min_ms}, {instance.max_ms}")


def _check_share(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0 < value <= 1:
        raise UsageError(f"share must be in (0, 1], got {value!r}")


def _check_jitter(_: object, __: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value < 1:
        raise UsageError(f"jitter must be in [0, 1), got {value!r}")


def _check_speed(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{attribute.name} must be a positive number, got {value!r}")


@attrs.frozen
class ServerCadence:
    """Poll rarely while far back, often near the front, never in lock-step.

    The next poll is due after ``share`` of the time the server expects the next change in:
    the queue's ``estimatedWaitTimeInSeconds``, or the time until the distribution opens
    (``upcoming``) or settles (draws, auctions); within ``near_front`` of the front of a queue
    it is ``min_ms``; with no hint, the per-type interval. That delay is kept within
    ``[min_ms, max_ms]``, then spread by ±``jitter`` (uniform, from ``rng``). The first poll
    once polling starts comes anywhere within that delay (:meth:`first_delay_ms`), so journeys
    started together do not poll together either. A server ``Retry-After`` is a floor that wins
    over ``max_ms``::

            estimated wait : 120 s ... 40 s ... 12 s ... pos 3
            next poll in   :  40 s ... 13 s ...  4 s ... 2 s    (share=1/3, min 2 s)

    Usage: ``journey.start_polling(cadence=ServerCadence(rng=random.Random(7)))``

    Args:
        min_ms: the shortest delay between polls (before jitter).
        max_ms: the longest delay (before jitter; ``Retry-After`` may be longer).
        share: the fraction of the expected time to the next change to wait.
        near_front: queue positions at or under this poll every ``min_ms``.
        jitter: relative spread, ``0 <= jitter < 1`` (0.2: ±20 %).
        rng: the jitter's random source (seed it in tests); the module's by default.
        server_speed: server seconds per real second in the server's wait estimates: 1 for a
            real server; an accelerated sandbox's ``speed`` (its waits pass that much faster).
    """

    min_ms: int = attrs.field(default=2000, validator=_check_bounds)
    max_ms: int = attrs.field(default=60_000, validator=_check_bounds)
    share: float = attrs.field(default=1 / 3, validator=_check_share)
    near_front: int = 3
    jitter: float = attrs.field(default=0.2, validator=_check_jitter)
    rng: random.Random | None = attrs.field(default=None, eq=False, repr=False)
    server_speed: float = attrs.field(default=1.0, validator=_check_speed)

    def expected_ms(self, snapshot: JourneySnapshot, now_ms: int) -> int | None:
        """How long until the server expects the next change, if it said (ms)."""
        ctx = snapshot.context
        distribution = ctx.distribution
        if snapshot.sequence_stage in _WAITING_TO_OPEN:
            opens_at = distribution.opens_at if distribution else None
            return None if opens_at is None else opens_at - now_ms
        if ctx.position is not None and ctx.position <= self.near_front:
            return 0
        if ctx.estimated_wait_seconds is not None:
            return int(ctx.estimated_wait_seconds * 1000 / self.server_speed)
        settles_at = distribution.settles_at if distribution else None
        if snapshot.sequence_stage is SequenceStage.PARTICIPATING and settles_at is not None:
            return settles_at - now_ms
        return None

    def delay_ms(
        self, snapshot: JourneySnapshot, now_ms: int, retry_after_s: float | None = None
    ) -> float:
        """The delay before the next poll, jitter included (ms).

        Usage: ``ServerCadence(jitter=0).delay_ms(snap, now_ms)`` -> ``40000.0`` at a 120 s wait
        """
        expected = self.expected_ms(snapshot, now_ms)
        base = type_interval_ms(snapshot) if expected is None else expected * self.share
        delay = min(max(base, self.min_ms), self.max_ms)
        if self.jitter:
            rng = self.rng if self.rng is not None else random
            delay *= 1 + self.jitter * (2 * rng.random() - 1)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s * 1000)
        return delay

    def first_delay_ms(self, snapshot: JourneySnapshot, now_ms: int) -> float:
        """The delay before the first poll once polling starts (ms): with jitter, anywhere up to
        :meth:`delay_ms` (uniform, from ``rng``), so that journeys started at one moment (a
        swarm, a bot's shoppers entered together) do not poll together; ±``jitter`` alone
        would leave them all within a fraction of one delay, every one of them a request at
        the same moments. Without jitter, :meth:`delay_ms` itself::

            10,000 journeys started at t=0, delay 2 s
            delay_ms       : all first polls within 1.6-2.4 s
            first_delay_ms : the first polls spread over 0-2.4 s

        Usage: ``ServerCadence(rng=random.Random(7)).first_delay_ms(snap, now_ms)``
        """
        delay = self.delay_ms(snapshot, now_ms)
        if not self.jitter:
            return delay
        rng = self.rng if self.rng is not None else random
        return delay * rng.random()
