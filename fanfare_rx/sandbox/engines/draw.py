"""The draw engine: entries accumulate until ``drawAt``, then ``winnerCount`` are picked with a
seeded RNG (everyone wins when entries are fewer); winners get grants that expire. With
``roundSeconds`` entries reopen right after each draw for the next round; results are kept.
"""

from __future__ import annotations

import heapq
import random
from typing import Any

import attrs
from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox._scenario_decode import non_negative, positive
from fanfare_rx.sandbox.engines.base import EntriesEngine, Grant, Projection, Timeline, not_open_yet
from fanfare_rx.sandbox.engines.handlers import eligible, participant, serve_model
from fanfare_rx.sandbox.http import ApiError, conflict, json_response
from fanfare_rx.sandbox.scenario import DistributionSpec

__all__ = ["DrawEngine", "DrawSpec", "routes"]

routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class DrawSpec(DistributionSpec):
    """``{"type": "draw", "drawAt": 300, "winnerCount": 5, "capacity"?, "crowd"?,
    "roundSeconds"?}``"""

    draw_at: float = attrs.field(validator=non_negative)
    winner_count: int = attrs.field(validator=non_negative)
    capacity: int | None = attrs.field(default=None, validator=non_negative)
    #: Simulated entrants who take part in the draw.
    crowd: int = attrs.field(default=0, validator=non_negative)
    #: After each draw entries reopen at once for a round drawn this much later (None: once).
    round_seconds: float | None = attrs.field(default=None, validator=positive)

    def times(self) -> dict[str, float]:
        return {"drawAt": self.draw_at}


@attrs.define
class _Entry:
    status: wire.DrawStatus
    entered_at: float
    grant: Grant | None = None
    reason: str | None = None
    decided_at: float | None = None


class DrawEngine(EntriesEngine[_Entry], kind="draw", spec=DrawSpec, routes=routes, noun="Draw",
                 listed_as="draws", idle_status="not_entered",
                 extensions={wire.Draw: ("sequence_id", "winner_count",
                                         "admission_expiration_seconds"),
                             wire.DrawEntered: ("entered_at",)}):
    """Usage: ``engine.enter("cns_1", guest=True, now=t)``; results appear at ``drawAt``."""

    spec: DrawSpec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draw_at = self.start + self.spec.draw_at
        self.round = 1
        self.rng = random.Random(f"{self.seed}:{self.id}")
        self.crowd = [f"crowd-{i + 1:04d}" for i in range(self.spec.crowd)]
        self.entered = 0  # entries of the current round
        self.drawn = False
        #: (expires_at, winner) of every winner's grant, earliest first.
        self._expiries: list[tuple[float, str]] = []

    def accepts_entries(self, now: float) -> bool:
        return super().accepts_entries(now) and now < self.draw_at and not self.drawn

    def lifecycle(self, now: float) -> wire.DistributionLifecycle:
        if now < self.open_at:
            return wire.DistributionLifecycle.SCHEDULED
        if self.accepts_entries(now):
            return wire.DistributionLifecycle.OPEN
        return wire.DistributionLifecycle.CLOSED if self.drawn else wire.DistributionLifecycle.SETTLING

    def settles_at(self) -> float | None:
        return self.draw_at

    def closed_detail(self) -> str:
        return "draw already drawn" if self.drawn else "draw closed"

    def recurs(self) -> bool:
        """Whether another round follows the current one's draw."""
        return self.spec.round_seconds is not None and (
            self.close_at is None or self.draw_at < self.close_at)

    def timeline(self, now: float) -> Timeline:
        if now < self.open_at:
            return Timeline("upcoming", "opens", self.open_at)
        then = "reopens" if self.recurs() else None
        if self.accepts_entries(now):
            doing = f"open for entries, round {self.round}" if self.spec.round_seconds else (
                "open for entries")
            return Timeline(doing, "draws", self.draw_at, then)
        if not self.drawn:
            return Timeline("entries closed, not drawn yet", "draws", self.draw_at, then)
        return Timeline("drawn")

    def advance(self, now: float) -> None:
        if not self.drawn and now >= self.draw_at:
            self._draw(self.draw_at)
            if self.recurs():
                self._reopen(now)
        heap = self._expiries
        while heap and heap[0][0] <= now:
            expires_at, who = heapq.heappop(heap)
            entry = self.entries.get(who)
            if entry is not None and entry.status is wire.DrawStatus.WON:
                entry.status, entry.reason = wire.DrawStatus.DENIED, "ADMISSION_EXPIRED"
                entry.decided_at = expires_at
        super().advance(now)

    def _draw(self, at: float) -> None:
        """Shuffle the pool (crowd first, then consumers in entry order) and take the first
        ``winnerCount``: the same seed and entries give the same result."""
        self.drawn = True
        self.entered = 0
        pool = self.crowd + [who for who, e in self.entries.items()
                             if e.status is wire.DrawStatus.ENTERED]
        self.rng.shuffle(pool)
        winners = set(pool[: self.spec.winner_count])
        for who, entry in self.entries.items():
            if entry.status is not wire.DrawStatus.ENTERED:
                continue
            entry.decided_at = at
            if who in winners:
                entry.status, entry.grant = wire.DrawStatus.WON, self.issue_grant(who, at)
                if entry.grant.expires_at is not None:
                    heapq.heappush(self._expiries, (entry.grant.expires_at, who))
            else:
                entry.status, entry.reason = wire.DrawStatus.DENIED, "NOT_SELECTED"

    def _reopen(self, now: float) -> None:
        """Open the round after the one just drawn; rounds that ended before ``now`` had no
        entrants and are skipped (each round's RNG is seeded by its number, so skipping or
        stepping through them gives the same winners)."""
        step = float(self.spec.round_seconds or 0.0)
        skipped = max(0, int((now - self.draw_at) // step))
        self.open_at = self.draw_at + skipped * step
        self.draw_at = self.open_at + step
        self.round += 1 + skipped
        self.rng = random.Random(f"{self.seed}:{self.id}:{self.round}")
        self.drawn = False

    def enter(self, consumer_id: str, *, guest: bool, now: float) -> wire.DrawConsumerState:
        previous = self.entries.get(consumer_id)
        # A result of an earlier round does not hold a place: its loser may enter the next one.
        retry = (previous is not None and self.spec.round_seconds is not None
                 and previous.status is wire.DrawStatus.DENIED)
        if previous is not None and not retry:
            raise conflict("Already in draw", "ALREADY_IN_DRAW")
        if now < self.open_at:
            raise not_open_yet("Draw", "DRAW_NOT_OPEN", self.open_at)
        if not self.accepts_entries(now):
            raise ApiError(400, {"error": "Draw is closed", "code": "DRAW_CLOSED"})
        self.check_guest(guest)
        if self.spec.capacity is not None and len(self.crowd) + self.entered >= self.spec.capacity:
            raise ApiError(409, {"error": "conflict", "message": "Draw is full", "code": "DRAW_FULL"})
        self.count_entry(consumer_id)
        self.entries.pop(consumer_id, None)  # re-entered: now last in entry order
        self.entries[consumer_id] = _Entry(status=wire.DrawStatus.ENTERED, entered_at=now)
        self.entered += 1
        return self.state(consumer_id)

    def leave(self, consumer_id: str, now: float) -> wire.DrawConsumerState:
        entry = self.entries.get(consumer_id)
        if entry is None:
            raise ApiError(404, {"error": "not_found", "message": "Consumer not in draw",
                                 "code": "NOT_IN_DRAW"})
        if entry.status is not wire.DrawStatus.ENTERED:
            raise conflict("Leaving is allowed only before the draw", "DRAW_ALREADY_DRAWN")
        del self.entries[consumer_id]
        self.entered -= 1
        return self.state(consumer_id)

    def state(self, consumer_id: str) -> wire.DrawConsumerState:
        entry = self.entries.get(consumer_id)
        if entry is None:
            return wire.DrawNotEntered()
        if entry.status is wire.DrawStatus.ENTERED:
            return wire.DrawEntered(entered_at=self.dt(entry.entered_at))
        if entry.status is wire.DrawStatus.WON and entry.grant is not None:
            return wire.DrawWon(admission_grant=entry.grant.token, won_at=self.dt(entry.decided_at),
                                expires_at=self.dt(entry.grant.expires_at))
        return wire.DrawDenied(reason=entry.reason or "DENIED", denied_at=self.dt(entry.decided_at))

    def model(self) -> wire.Draw:
        return wire.Draw(
            id=self.id, time_zone=self.time_zone, draw_at=self.dt(self.draw_at),  # type: ignore[arg-type]
            supports_guest=self.spec.supports_guest, capacity=self.spec.capacity,
            open_at=self.dt(self.open_at), close_at=self.dt(self.close_at),
            continue_selecting_until_completed=False, loyalty_bias_enabled=False,
            winner_count=self.spec.winner_count,
            admission_expiration_seconds=self.spec.admission_expiration_seconds,
            sequence_id=self.sequence_id)

    def entry_projection(self, entry: _Entry, now: float) -> Projection:
        consumer = wire.ConsumerProjection(
            status=entry.status.value.lower(), distribution_id=self.id,
            entered_at=self.dt(entry.entered_at),
            admission_grant=entry.grant.token if entry.grant else None,
            granted_at=self.dt(entry.grant.issued_at) if entry.grant else None,
            denied_reason=entry.reason)
        if entry.status is wire.DrawStatus.ENTERED:
            phase = (wire.SequencePhase.SETTLING if self.lifecycle(now) is wire.DistributionLifecycle.SETTLING
                     else wire.SequencePhase.PARTICIPATING)
            return Projection(phase, consumer)
        if entry.status is wire.DrawStatus.WON:
            return Projection(wire.SequencePhase.GRANTED, consumer, grant=entry.grant)
        if entry.reason == "ADMISSION_EXPIRED":
            outcome = wire.OutcomeType.EXPIRED
        elif entry.reason == "NOT_SELECTED":
            outcome = wire.OutcomeType.LOST
        else:
            outcome = wire.OutcomeType.DENIED
        return Projection(wire.SequencePhase.ENDED, consumer, outcome=outcome,
                          outcome_at=entry.decided_at, reason=entry.reason)


# --- routes -------------------------------------------------------------------------------------


serve_model(routes, "/draws/{id}", DrawEngine)


@routes.post("/draws/{id}/enter")
async def enter_draw(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, DrawEngine)
    eligible(request, identity, engine)
    return json_response(engine.enter(identity.consumer.id, guest=identity.consumer.guest, now=now))


@routes.post("/draws/{id}/leave")
async def leave_draw(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, DrawEngine)
    return json_response(engine.leave(identity.consumer.id, now))


@routes.get("/draws/{id}/status")
async def draw_status(request: web.Request) -> web.Response:
    identity, engine, _ = participant(request, DrawEngine)
    return json_response(engine.state(identity.consumer.id))
