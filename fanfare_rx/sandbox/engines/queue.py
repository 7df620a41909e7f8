"""The queue engine: first in, first admitted at ``admitRate`` per minute on the sandbox clock,
with capacity, admission limits, grant expiry (spot lost, re-entry allowed) and closing time;
its scenario spec and its routes (with the secret-key admit/deny).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from typing import Any

import attrs
from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox._scenario_decode import FieldProblem, non_negative
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.engines.base import Engine, Grant, Projection, Timeline, not_open_yet
from fanfare_rx.sandbox.engines.handlers import CREATED_BY, eligible, engine_of, participant
from fanfare_rx.sandbox.engines.line import Line
from fanfare_rx.sandbox.http import ApiError, conflict, json_response, read_body, validation_error
from fanfare_rx.sandbox.scenario import DistributionSpec

__all__ = ["QueueEngine", "QueueSpec", "routes"]

routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class QueueSpec(DistributionSpec):
    """``{"type": "queue", "admitRate": 60, "capacity"?, "maxAdmissions"?, "crowd"?}``"""

    #: Admissions per minute.
    admit_rate: float
    #: Most consumers waiting at once (full: 429).
    capacity: int | None = attrs.field(default=None, validator=non_negative)
    max_admissions: int | None = attrs.field(default=None, validator=non_negative)
    #: Simulated consumers already in line at the start.
    crowd: int = attrs.field(default=0, validator=non_negative)

    def __attrs_post_init__(self) -> None:
        if not self.admit_rate > 0:
            raise FieldProblem("admitRate", "must be greater than 0")
        super().__attrs_post_init__()

_LIVE = {wire.QueueStatus.QUEUED, wire.QueueStatus.GRANTED, wire.QueueStatus.COMPLETED}


@attrs.define
class _Record:
    status: wire.QueueStatus
    entered_at: float
    grant: Grant | None = None
    dequeued_at: float | None = None
    position: int | None = None
    reason: str | None = None
    completed_at: float | None = None


class QueueEngine(Engine, kind="queue", spec=QueueSpec, routes=routes, noun="Queue",
                  listed_as="queues", idle_status="not_queued",
                  listed_extensions=("sequence_id",)):
    """Positions come from :class:`Line` (O(log n)) and grant expiries from a heap, so a
    status request never walks the queue.

    Usage: ``engine.enter("cns_1", guest=False, now=clock.time())``
    """

    spec: QueueSpec

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rate = float(self.spec.admit_rate)
        self.line = Line([f"crowd-{i + 1:04d}" for i in range(self.spec.crowd)])
        self.records: dict[str, _Record] = {}
        #: (expires_at, consumer, grant token) of grants issued; stale items are skipped.
        self._expiries: list[tuple[float, str, str]] = []
        self.admitted = 0
        self.closed = False
        self.acc = 0.0
        self.t = self.clock_at

    def timeline(self, now: float) -> Timeline:
        found = super().timeline(now)
        if found.doing != "open":
            return found
        return attrs.evolve(found, doing=f"open, {len(self.line)} in line")

    # --- time ---------------------------------------------------------------------------------

    def _admitting(self) -> bool:
        limit = self.spec.max_admissions
        return (bool(self.line) and not self.closed and self.t >= self.open_at
                and (limit is None or self.admitted < limit))

    def _next_event(self) -> tuple[float, str] | None:
        events: list[tuple[float, str]] = []
        if self.t < self.open_at:
            events.append((self.open_at, "open"))
        if self._admitting():
            events.append((self.t + max(0.0, 1.0 - self.acc) * 60.0 / self.rate, "admit"))
        expiry = self._next_expiry()
        if expiry is not None:
            events.append((expiry, "expire"))
        if self.close_at is not None and not self.closed:
            events.append((self.close_at, "close"))
        return min(events) if events else None

    def advance(self, now: float) -> None:
        while (event := self._next_event()) is not None and event[0] <= now:
            at, kind = event
            if self._admitting():
                self.acc += (at - self.t) * self.rate / 60.0
            self.t = max(self.t, at)
            if kind == "admit":
                self.acc = max(0.0, self.acc - 1.0)
                self._admit_front(at)
            elif kind == "expire":
                self._expire(at)
            elif kind == "close":
                self._close(at)
        if self._admitting():
            self.acc = min(self.acc + (now - self.t) * self.rate / 60.0, 0.999999)
        else:
            self.acc = 0.0
        self.t = max(self.t, now)
        super().advance(now)

    def _grant(self, who: str, record: _Record, at: float) -> None:
        record.status, record.grant = wire.QueueStatus.GRANTED, self.issue_grant(who, at)
        record.dequeued_at = at
        if record.grant.expires_at is not None:
            heapq.heappush(self._expiries, (record.grant.expires_at, who, record.grant.token))

    def _live_grant(self, who: str, token: str) -> _Record | None:
        record = self.records.get(who)
        if (record is None or record.status is not wire.QueueStatus.GRANTED
                or record.grant is None or record.grant.token != token):
            return None
        return record

    def _next_expiry(self) -> float | None:
        """Earliest expiry of a grant still held (stale heap items dropped on the way)."""
        heap = self._expiries
        while heap and self._live_grant(heap[0][1], heap[0][2]) is None:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def _admit_front(self, at: float) -> None:
        who = self.line.popleft()
        self.admitted += 1
        record = self.records.get(who)
        if record is not None:
            self._grant(who, record, at)
            record.position = 1

    def _expire(self, at: float) -> None:
        heap = self._expiries
        while heap and heap[0][0] <= at:
            _, who, token = heapq.heappop(heap)
            record = self._live_grant(who, token)
            if record is not None:
                record.status, record.reason = wire.QueueStatus.DENIED, "ADMISSION_EXPIRED"

    def _close(self, at: float) -> None:
        self.closed = True
        for who in self.line:
            record = self.records.get(who)
            if record is not None:
                record.status, record.reason = wire.QueueStatus.DENIED, "QUEUE_CLOSED"
                record.dequeued_at = at
        self.line.clear()

    # --- consumer actions ---------------------------------------------------------------------

    def enter(self, consumer_id: str, *, guest: bool, now: float) -> wire.QueueConsumerState:
        record = self.records.get(consumer_id)
        if record is not None and record.status in _LIVE:
            raise conflict("Already in queue", "ALREADY_IN_QUEUE")
        if now < self.open_at:
            raise not_open_yet("Queue", "QUEUE_NOT_OPEN", self.open_at)
        if self.closed or not self.accepts_entries(now):
            raise ApiError(400, {"error": "Queue is closed", "code": "QUEUE_CLOSED"})
        self.check_guest(guest)
        if self.spec.capacity is not None and len(self.line) >= self.spec.capacity:
            raise ApiError(429, {"error": "Queue is full", "code": "QUEUE_FULL"},
                           headers={"Retry-After": "30"})
        self.count_entry(consumer_id)
        self.line.append(consumer_id)
        self.records[consumer_id] = _Record(status=wire.QueueStatus.QUEUED, entered_at=now)
        return self.state(consumer_id)

    def leave(self, consumer_id: str, now: float) -> wire.QueueConsumerState:
        record = self.records.get(consumer_id)
        if record is None or record.status not in (wire.QueueStatus.QUEUED,
                                                    wire.QueueStatus.GRANTED):
            raise _not_in_queue()
        if record.status is wire.QueueStatus.QUEUED:
            record.position = self.line.position(consumer_id)
            self.line.remove(consumer_id)
        record.status, record.dequeued_at, record.grant = wire.QueueStatus.LEFT, now, None
        return self.state(consumer_id)

    def admit(self, consumer_id: str, now: float) -> wire.QueueConsumerState:
        record = self._queued(consumer_id)
        record.position = self.line.position(consumer_id)
        self.line.remove(consumer_id)
        self.admitted += 1
        self._grant(consumer_id, record, now)
        return self.state(consumer_id)

    def deny(self, consumer_id: str, reason: str, now: float) -> wire.QueueConsumerState:
        record = self.records.get(consumer_id)
        if record is None or record.status not in (wire.QueueStatus.QUEUED,
                                                    wire.QueueStatus.GRANTED):
            raise _not_in_queue()
        if consumer_id in self.line:
            record.position = self.line.position(consumer_id)
            self.line.remove(consumer_id)
        record.status, record.reason, record.dequeued_at = wire.QueueStatus.DENIED, reason, now
        record.grant = None
        return self.state(consumer_id)

    def _queued(self, consumer_id: str) -> _Record:
        record = self.records.get(consumer_id)
        if record is None or record.status is not wire.QueueStatus.QUEUED:
            raise _not_in_queue()
        return record

    # --- views --------------------------------------------------------------------------------

    def wait_seconds(self, position: int) -> float:
        return round(position / self.rate * 60.0, 1)

    def state(self, consumer_id: str) -> wire.QueueConsumerState:
        record = self.records.get(consumer_id)
        if record is None:
            return wire.QueueNotQueued()
        status = record.status
        if status is wire.QueueStatus.QUEUED:
            position = self.line.position(consumer_id)
            return wire.QueueQueued(position=position,
                                    estimated_wait_time_in_seconds=self.wait_seconds(position),
                                    position_display_mode="precise")
        if status is wire.QueueStatus.GRANTED and record.grant is not None:
            return wire.QueueGranted(admission_grant=record.grant.token,
                                     dequeued_at=self.dt(record.dequeued_at),
                                     expires_at=self.dt(record.grant.expires_at),
                                     position=record.position)
        if status is wire.QueueStatus.LEFT:
            return wire.QueueLeft(dequeued_at=self.dt(record.dequeued_at), position=record.position)
        if status is wire.QueueStatus.COMPLETED:
            return wire.QueueCompleted(completed_at=self.dt(record.completed_at))
        return wire.QueueDenied(reason=record.reason or "DENIED",
                                dequeued_at=self.dt(record.dequeued_at), position=record.position)

    def model(self) -> wire.Queue:
        return wire.Queue(
            id=self.id, time_zone=self.time_zone, admit_rate=self.rate,
            supports_guest=self.spec.supports_guest,
            admission_expiration_seconds=self.spec.admission_expiration_seconds,
            capacity=self.spec.capacity, max_admissions=self.spec.max_admissions,
            open_at=self.dt(self.open_at), close_at=self.dt(self.close_at),
            loyalty_bias_enabled=False, sequence_id=self.sequence_id)

    def participants(self) -> Collection[str]:
        return self.records.keys()

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        record = self.records.get(consumer_id)
        if record is None:
            return None
        state = self.state(consumer_id)
        consumer = wire.ConsumerProjection(
            status=record.status.value.lower(), distribution_id=self.id,
            position=getattr(state, "position", None), entered_at=self.dt(record.entered_at),
            admission_grant=record.grant.token if record.grant else None,
            granted_at=self.dt(record.grant.issued_at) if record.grant else None,
            denied_reason=record.reason if record.status is wire.QueueStatus.DENIED else None)
        if record.status is wire.QueueStatus.QUEUED:
            return Projection(wire.SequencePhase.PARTICIPATING, consumer)
        if record.status is wire.QueueStatus.GRANTED:
            return Projection(wire.SequencePhase.GRANTED, consumer, grant=record.grant)
        outcome = {wire.QueueStatus.LEFT: wire.OutcomeType.LEFT,
                   wire.QueueStatus.COMPLETED: wire.OutcomeType.COMPLETED}.get(record.status)
        if outcome is None:
            outcome = (wire.OutcomeType.EXPIRED if record.reason == "ADMISSION_EXPIRED"
                       else wire.OutcomeType.DENIED)
        return Projection(wire.SequencePhase.ENDED, consumer, outcome=outcome,
                          outcome_at=record.dequeued_at, reason=record.reason)


def _not_in_queue() -> ApiError:
    return ApiError(404, {"error": "not_found", "message": "Consumer not in queue",
                          "code": "NOT_IN_QUEUE"})


# --- routes -------------------------------------------------------------------------------------


@routes.get("/queues/{id}")
async def get_queue(request: web.Request) -> web.Response:
    engine = engine_of(request, QueueEngine)
    world = context.world(request)
    _, sequence = world.sequences[engine.sequence_id]
    return json_response(attrs.evolve(engine.model(), organization_id=world.scenario.organization_id,
                                      name=sequence.name, archived=False,
                                      created_at=to_datetime(world.clock.start),
                                      created_by=CREATED_BY))


@routes.post("/queues/{id}/enter")
async def enter_queue(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, QueueEngine)
    eligible(request, identity, engine)
    return json_response(engine.enter(identity.consumer.id, guest=identity.consumer.guest, now=now))


@routes.post("/queues/{id}/leave")
async def leave_queue(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, QueueEngine)
    return json_response(engine.leave(identity.consumer.id, now))


@routes.get("/queues/{id}/status")
async def queue_status(request: web.Request) -> web.Response:
    identity, engine, _ = participant(request, QueueEngine)
    return json_response(engine.state(identity.consumer.id))


@routes.post("/queues/{id}/admit")
async def admit(request: web.Request) -> web.Response:
    context.require_secret(request)
    engine = engine_of(request, QueueEngine)
    body = await read_body(request, wire.QueueAdmitRequest)
    return json_response(engine.admit(body.consumer_id, context.now(request)))


_DENY_REASONS = ("QUEUE_CLOSED", "BOT_DETECTED", "VALIDATION_LIMIT_REACHED",
                 "ORDER_LIMIT_EXCEEDED", "ADMISSION_EXPIRED")


@routes.post("/queues/{id}/deny")
async def deny(request: web.Request) -> web.Response:
    context.require_secret(request)
    engine = engine_of(request, QueueEngine)
    body = await read_body(request, wire.QueueDenyRequest)
    if body.reason not in _DENY_REASONS:
        raise validation_error(f"reason must be one of {', '.join(_DENY_REASONS)}", ["reason"],
                               body={"reason": body.reason}, expected="|".join(_DENY_REASONS),
                               type_="invalid_enum_value")
    return json_response(engine.deny(body.consumer_id, body.reason, context.now(request)))
