"""The timed-release engine: inside the window every entry is granted at once; before it the
entry is refused with 423 and ``Retry-After``; ``complete`` marks the purchase done.
"""

from __future__ import annotations

import heapq
from typing import Any

import attrs
from aiohttp import web

from fanfare_rx.models import wire
from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.engines.base import EntriesEngine, Grant, Projection, not_open_yet
from fanfare_rx.sandbox.engines.handlers import eligible, participant, serve_model
from fanfare_rx.sandbox.http import ApiError, conflict, json_response, read_body
from fanfare_rx.sandbox.scenario import DistributionSpec

__all__ = ["TimedReleaseEngine", "TimedReleaseSpec", "routes"]

routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class TimedReleaseSpec(DistributionSpec):
    """``{"type": "timed_release", "openAt": 120, "closeAt": 1920}``: the window only."""

S = wire.TimedReleaseStatus
_LIVE = {S.GRANTED, S.ENTERED, S.COMPLETED}


@attrs.define
class _Entry:
    status: wire.TimedReleaseStatus
    entered_at: float
    grant: Grant | None = None
    variant_id: str | None = None
    completed_at: float | None = None
    left_at: float | None = None
    reason: str | None = None


class TimedReleaseEngine(EntriesEngine[_Entry], kind="timed_release", spec=TimedReleaseSpec, routes=routes,
                         noun="Timed release", listed_as="timed_releases",
                         idle_status="not_entered",
                         # gen A listed timed releases; gen B/C list none
                         extensions={wire.Sequence: ("timed_releases",),
                                     wire.TimedRelease: ("sequence_id",
                                                         "admission_expiration_seconds"),
                                     wire.TimedReleaseConsumerState: ("reason",)}):
    """Usage: ``engine.enter("cns_1", None, guest=True, now=t)``"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: (expires_at, consumer, grant token) of grants issued; stale items are skipped.
        self._expiries: list[tuple[float, str, str]] = []

    def advance(self, now: float) -> None:
        heap = self._expiries
        while heap and heap[0][0] <= now:
            _, who, token = heapq.heappop(heap)
            entry = self.entries.get(who)
            if (entry is not None and entry.status is S.GRANTED and entry.grant is not None
                    and entry.grant.token == token):
                entry.status, entry.reason = S.DENIED, "ADMISSION_EXPIRED"
        super().advance(now)

    def enter(self, consumer_id: str, variant_id: str | None, *, guest: bool,
              now: float) -> wire.TimedReleaseConsumerState:
        entry = self.entries.get(consumer_id)
        if entry is not None and entry.status in _LIVE:
            raise conflict("Already in timed release", "ALREADY_IN_TIMED_RELEASE")
        if now < self.open_at:
            raise not_open_yet("Timed release", "TIMED_RELEASE_NOT_OPEN", self.open_at)
        if not self.accepts_entries(now):
            raise ApiError(400, {"error": "Timed release is closed", "code": "TIMED_RELEASE_CLOSED"})
        self.check_guest(guest)
        self.count_entry(consumer_id)
        grant = self.issue_grant(consumer_id, now)
        self.entries[consumer_id] = _Entry(status=S.GRANTED, entered_at=now, grant=grant,
                                           variant_id=variant_id)
        if grant.expires_at is not None:
            heapq.heappush(self._expiries, (grant.expires_at, consumer_id, grant.token))
        return self.state(consumer_id)

    def _entry(self, consumer_id: str) -> _Entry:
        entry = self.entries.get(consumer_id)
        if entry is None:
            raise ApiError(404, {"error": "not_found", "message": "Consumer not in timed release",
                                 "code": "NOT_IN_TIMED_RELEASE"})
        return entry

    def leave(self, consumer_id: str, now: float) -> wire.SuccessResult:
        entry = self._entry(consumer_id)
        if entry.status not in (S.GRANTED, S.ENTERED):
            return wire.SuccessResult(success=False)
        entry.status, entry.left_at, entry.grant = S.LEFT, now, None
        return wire.SuccessResult(success=True)

    def complete(self, consumer_id: str, now: float) -> wire.SuccessResult:
        entry = self._entry(consumer_id)
        if entry.status is S.COMPLETED:
            return wire.SuccessResult(success=True)
        if entry.status is not S.GRANTED or entry.grant is None:
            raise conflict("Only a granted entry can be completed", "NOT_GRANTED")
        entry.status, entry.completed_at = S.COMPLETED, now
        return wire.SuccessResult(success=True, admission_grant=entry.grant.token)

    def state(self, consumer_id: str) -> wire.TimedReleaseConsumerState:
        entry = self.entries.get(consumer_id)
        if entry is None:
            return wire.TimedReleaseConsumerState(status=S.NOT_ENTERED)
        granted = entry.status is S.GRANTED and entry.grant is not None
        return wire.TimedReleaseConsumerState(
            status=entry.status,
            admission_grant=entry.grant.token if granted and entry.grant else None,
            entered_at=self.dt(entry.entered_at), completed_at=self.dt(entry.completed_at),
            left_at=self.dt(entry.left_at), selected_variant_id=entry.variant_id,
            expires_at=self.dt(entry.grant.expires_at) if granted and entry.grant else None,
            reason=entry.reason)

    def model(self) -> wire.TimedRelease:
        return wire.TimedRelease(
            id=self.id, time_zone=self.time_zone, supports_guest=self.spec.supports_guest,
            open_at=self.dt(self.open_at), close_at=self.dt(self.close_at),
            admission_expiration_seconds=self.spec.admission_expiration_seconds,
            sequence_id=self.sequence_id)

    def entry_projection(self, entry: _Entry, now: float) -> Projection:
        status = "entered" if entry.status is S.GRANTED else entry.status.value.lower()
        consumer = wire.ConsumerProjection(
            status=status, distribution_id=self.id, entered_at=self.dt(entry.entered_at),
            admission_grant=entry.grant.token if entry.grant and entry.status is S.GRANTED else None,
            granted_at=self.dt(entry.grant.issued_at) if entry.grant else None,
            denied_reason=entry.reason)
        if entry.status is S.GRANTED:
            return Projection(wire.SequencePhase.GRANTED, consumer, grant=entry.grant)
        outcome = {S.COMPLETED: wire.OutcomeType.COMPLETED, S.LEFT: wire.OutcomeType.LEFT}.get(
            entry.status, wire.OutcomeType.EXPIRED if entry.reason == "ADMISSION_EXPIRED"
            else wire.OutcomeType.DENIED)
        at = entry.completed_at or entry.left_at
        return Projection(wire.SequencePhase.ENDED, consumer, outcome=outcome, outcome_at=at,
                          reason=entry.reason)


# --- routes -------------------------------------------------------------------------------------


serve_model(routes, "/timed-releases/{id}", TimedReleaseEngine)


@routes.post("/timed-releases/{id}/enter")
async def enter_timed_release(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, TimedReleaseEngine)
    body = await read_body(request, wire.TimedReleaseEnterRequest, optional=True)
    eligible(request, identity, engine)
    return json_response(_shaped(request, engine.enter(identity.consumer.id, body.variant_id,
                                                       guest=identity.consumer.guest, now=now)))


@routes.post("/timed-releases/{id}/leave")
async def leave_timed_release(request: web.Request) -> web.Response:
    identity, engine, now = participant(request, TimedReleaseEngine)
    return json_response(engine.leave(identity.consumer.id, now))


@routes.post("/timed-releases/{id}/complete")
async def complete_timed_release(request: web.Request) -> web.Response:
    """Gen B only (spec §4.7 ᴮ): in the gen C shape the path does not exist (404)."""
    if context.world(request).scenario.timed_release_shape == "genC":
        raise web.HTTPNotFound()
    identity, engine, now = participant(request, TimedReleaseEngine)
    return json_response(engine.complete(identity.consumer.id, now))


@routes.get("/timed-releases/{id}/status")
async def timed_release_status(request: web.Request) -> web.Response:
    identity, engine, _ = participant(request, TimedReleaseEngine)
    return json_response(_shaped(request, engine.state(identity.consumer.id)))


def _shaped(request: web.Request,
            state: wire.TimedReleaseConsumerState) -> wire.TimedReleaseConsumerState:
    """Gen C (scenario ``timedReleaseShape: "genC"``) has no ``GRANTED`` timed-release status:
    a granted entry is ``ENTERED`` with its ``admissionGrant``."""
    if (state.status is wire.TimedReleaseStatus.GRANTED
            and context.world(request).scenario.timed_release_shape == "genC"):
        return attrs.evolve(state, status=wire.TimedReleaseStatus.ENTERED)
    return state
