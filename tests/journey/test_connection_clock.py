"""Marble tests (one character = 1 virtual s) of the connection in the fold and of the
server's clock: the opt-in fail-open notice after the policy's time, restored in time no
notice, and times (events, grant expiry) on the server's clock the transport measured."""

from __future__ import annotations

from reactivex import operators as ops

from fanfare_rx.models.connection import Connection
from fanfare_rx.models.journey import JourneyContext
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

OFFLINE = Connection(status="offline", since=2_000)
ONLINE = Connection(status="online", since=9_000)


def queued() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 90))
    h.server.on_status("-n|", n=b.not_queued())
    return h


def _flags(context: JourneyContext) -> tuple[str, bool] | None:
    connection = context.connection
    return None if connection is None else (connection.status.value, connection.fail_open)


def test_fail_open_after_the_policy_time_keeps_the_place() -> None:
    h = queued()
    h.journey.fail_open_after_ms = 5_000
    h.act("-s--eo", s="start", e="enter_queue", o=lambda j: j.observe_connection(OFFLINE))
    flags = h.record(h.journey.context.pipe(ops.map(_flags), ops.distinct_until_changed()))
    h.advance(12)
    #   connection : n-----o----F    (o offline at 5 s, F the notice 5 s later)
    assert [(t, v) for t, v in ((t, n.value) for t, n in flags.events)] == [
        (0, None), (5, ("offline", False)), (10, ("offline", True))]
    snap = h.journey.state.get()
    event = snap.latest_event
    assert event is not None and event.message == (
        "The waiting room is unreachable since 00:00:02 UTC")
    assert snap.sequence_stage == "participating" and snap.context.position == 3
    assert snap.context.admittance_token is None


def test_restored_before_the_policy_time_tells_nothing() -> None:
    h = queued()
    h.journey.fail_open_after_ms = 5_000
    h.act("-s--eo-r", s="start", e="enter_queue", o=lambda j: j.observe_connection(OFFLINE),
          r=lambda j: j.observe_connection(ONLINE))
    h.advance(20)
    snap = h.journey.state.get()
    assert snap.context.connection == ONLINE
    assert all("unreachable" not in e.message for e in snap.events)


def test_no_policy_no_notice() -> None:
    h = queued()
    h.act("-s--eo", s="start", e="enter_queue", o=lambda j: j.observe_connection(OFFLINE))
    h.advance(60)
    connection = h.journey.context.get().connection
    assert connection == OFFLINE and not connection.fail_open


def test_times_are_on_the_servers_clock() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3))
    # the server is an hour ahead; its grant expires 30 s after it was given (server time)
    ahead = Connection(server_offset_ms=3_600_000)
    h.server.on_status("-n|", "-g|", n=b.not_queued(),
                       g=b.queue_granted("grant-q", expires_at=b.at(3_600 + 12)))
    h.act("o-s--eP", o=lambda j: j.observe_connection(ahead), s="start", e="enter_queue",
          P=lambda j: j.start_polling(3000))
    stages = h.record(h.journey.sequence_stage)
    h.advance(20)
    snap = h.journey.state.get()
    assert snap.events[0].ts >= 3_600_000  # events read the server's clock
    assert snap.updated_at >= 3_600_000
    times = {n.value: t for t, n in stages.events}
    assert times["admitted"] == 10 and times["admission_expired"] == 12  # not an hour late
    h.journey.stop_polling()
