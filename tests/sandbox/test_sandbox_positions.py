"""Queue positions without walking the queue: the Fenwick ``Line`` and the queue engine checked
against plain-list reference models under enter/leave/admit/deny/expiry/re-entry mixes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sandbox_helpers import Api, scenario_with

from fanfare_rx.models import wire
from fanfare_rx.sandbox.auth import TokenSigner
from fanfare_rx.sandbox.engines import QueueEngine, TimedReleaseEngine
from fanfare_rx.sandbox.engines.line import Line
from fanfare_rx.sandbox.http import ApiError

# --- Line against a list ----------------------------------------------------------------------

_LINE_OPS = st.lists(st.tuples(st.sampled_from(["append", "remove", "popleft"]),
                               st.integers(0, 11)), max_size=80)


@given(_LINE_OPS)
def test_line_matches_a_list(ops: list[tuple[str, int]]) -> None:
    line, model = Line(), []
    for op, n in ops:
        key = f"k{n}"
        if op == "append" and key not in model:
            line.append(key)
            model.append(key)
        elif op == "remove" and key in model:
            line.remove(key)
            model.remove(key)
        elif op == "popleft" and model:
            assert line.popleft() == model.pop(0)
        assert list(line) == model and len(line) == len(model)
        for i, who in enumerate(model):
            assert line.position(who) == i + 1 and line.index(who) == i
            assert line[i] == who and line[-len(model) + i] == who
        assert (key in line) == (key in model) and line.count(key) == model.count(key)


def test_line_rejects_misuse() -> None:
    line = Line(["a"])
    with pytest.raises(ValueError, match="already in line"):
        line.append("a")
    with pytest.raises(KeyError):
        line.remove("b")
    with pytest.raises(ValueError, match="not in line"):
        line.index("b")
    with pytest.raises(IndexError):
        _ = line[1]
    line.clear()
    with pytest.raises(IndexError, match="empty"):
        line.popleft()


# --- the queue engine against a reference model -----------------------------------------------

RATE, EXPIRY, CROWD = 30.0, 5, 2  # one admission every 2 s; grants last 5 s
_QUEUE_OPS = st.lists(st.one_of(
    st.tuples(st.sampled_from(["enter", "leave", "admit", "deny"]), st.integers(0, 5)),
    st.tuples(st.just("advance"), st.sampled_from([0.5, 1.0, 2.0, 3.0, 7.0]))), max_size=60)


def _queue() -> QueueEngine:
    spec = scenario_with({"type": "queue", "id": "q1", "openAt": 0, "admitRate": RATE,
                          "crowd": CROWD, "admissionExpirationSeconds": EXPIRY})
    distribution = spec.experiences[0].sequences[0].distribution
    assert distribution is not None
    return QueueEngine(distribution, start=0.0, sequence_id="seq-x", experience_id="exp-x",
                       signer=TokenSigner(), time_zone="UTC", now=0.0)


class _Model:
    """What positions should be: a plain list, with grants that expire after ``EXPIRY``."""

    def __init__(self) -> None:
        self.line = [f"crowd-{i + 1:04d}" for i in range(CROWD)]
        self.granted: dict[str, float] = {}  # consumer -> expiry
        self.ended: dict[str, str] = {}  # consumer -> LEFT / DENIED

    def active(self, who: str) -> bool:
        return who in self.line or who in self.granted

    def grant(self, who: str, at: float) -> None:
        self.line.remove(who)
        if not who.startswith("crowd-"):
            self.granted[who] = at + EXPIRY

    def expire(self, now: float) -> None:
        for who, expiry in list(self.granted.items()):
            if expiry <= now:
                del self.granted[who]
                self.ended[who] = "ADMISSION_EXPIRED"


def _apply(engine: QueueEngine, model: _Model, op: str, arg: Any, now: float) -> float:
    who = f"c{arg}"
    if op == "advance":
        now += arg
        before = engine.admitted
        engine.advance(now)
        for _ in range(engine.admitted - before):  # the front is admitted, in order
            front = model.line[0]
            at = engine.records[front].dequeued_at if front in engine.records else now
            model.grant(front, at or now)
        model.expire(now)
    elif op == "enter":
        if model.active(who):
            with pytest.raises(ApiError):
                engine.enter(who, guest=True, now=now)
        else:
            engine.enter(who, guest=True, now=now)
            model.line.append(who)
            model.ended.pop(who, None)
    elif op in ("leave", "deny"):
        if not model.active(who):
            with pytest.raises(ApiError):
                getattr(engine, op)(who, *(("BOT_DETECTED",) if op == "deny" else ()), now=now)
        else:
            state = (engine.leave(who, now) if op == "leave"
                     else engine.deny(who, "BOT_DETECTED", now))
            if who in model.line:
                assert state.position == model.line.index(who) + 1
                model.line.remove(who)
            model.granted.pop(who, None)
            model.ended[who] = op
    elif op == "admit":
        if who not in model.line:
            with pytest.raises(ApiError):
                engine.admit(who, now)
        else:
            engine.admit(who, now)
            model.grant(who, now)
    return now


def _check(engine: QueueEngine, model: _Model) -> None:
    assert list(engine.line) == model.line
    for n in range(6):
        who = f"c{n}"
        state = engine.state(who)
        if who in model.line:
            position = model.line.index(who) + 1
            assert isinstance(state, wire.QueueQueued)
            assert state.position == position
            assert state.estimated_wait_time_in_seconds == round(position / RATE * 60, 1)
        elif who in model.granted:
            assert isinstance(state, wire.QueueGranted)
        elif model.ended.get(who) == "leave":
            assert isinstance(state, wire.QueueLeft)
        elif who in model.ended:
            assert isinstance(state, wire.QueueDenied)
            assert state.reason == ("BOT_DETECTED" if model.ended[who] == "deny"
                                    else "ADMISSION_EXPIRED")
        else:
            assert isinstance(state, wire.QueueNotQueued)


@settings(max_examples=150, deadline=None)
@given(_QUEUE_OPS)
def test_queue_positions_match_reference_under_any_mix(ops: list[tuple[str, Any]]) -> None:
    engine, model, now = _queue(), _Model(), 0.0
    engine.advance(now)
    for op, arg in ops:
        now = _apply(engine, model, op, arg, now)
        _check(engine, model)


def test_timed_release_new_grant_outlives_the_old_one() -> None:
    spec = scenario_with({"type": "timed_release", "id": "tr1", "openAt": 0,
                          "admissionExpirationSeconds": 10})
    distribution = spec.experiences[0].sequences[0].distribution
    assert distribution is not None
    engine = TimedReleaseEngine(distribution, start=0.0, sequence_id="seq-x",
                                experience_id="exp-x", signer=TokenSigner(), time_zone="UTC",
                                now=0.0)
    engine.enter("c1", None, guest=True, now=0.0)
    engine.leave("c1", 1.0)
    engine.enter("c1", None, guest=True, now=5.0)
    engine.advance(12.0)  # the first grant's expiry has passed, the second's not
    assert engine.state("c1").admission_grant is not None
    engine.advance(15.0)
    assert engine.state("c1").reason == "ADMISSION_EXPIRED"


# --- over loopback ----------------------------------------------------------------------------


async def test_positions_over_http_after_leave_expiry_and_reentry(custom: Any) -> None:
    """admitRate 30/min: admissions at 2, 4, 6, 8, 10 s; grants last 5 s."""
    api: Api = await custom(scenario_with({"type": "queue", "id": "q1", "openAt": 0,
                                           "admitRate": 30, "crowd": 1,
                                           "admissionExpirationSeconds": 5}))
    tokens = {str(i): await api.guest() for i in range(5)}
    model = ["crowd"]
    for who, token in tokens.items():
        entered = await api.call("POST", "/queues/q1/enter", token=token)
        model.append(who)
        assert entered.body["position"] == len(model)

    async def check() -> None:
        for who, token in tokens.items():
            status = (await api.call("GET", "/queues/q1/status", token=token)).body
            if who in model:
                assert status["status"] == "QUEUED", (who, status)
                assert status["position"] == model.index(who) + 1

    async def status(who: str) -> dict[str, Any]:
        return dict((await api.call("GET", "/queues/q1/status", token=tokens[who])).body)

    left = await api.call("POST", "/queues/q1/leave", token=tokens["2"])
    assert left.body == {"status": "LEFT", "position": 4, "dequeuedAt": left.body["dequeuedAt"]}
    model.remove("2")
    await check()
    await api.sandbox.advance(4.0)  # crowd at 2 s, consumer 0 at 4 s
    del model[:2]
    await check()
    assert (await status("0"))["status"] == "GRANTED"
    await api.sandbox.advance(2.0)  # consumer 1 at 6 s
    model.remove("1")
    await check()
    await api.sandbox.advance(2.5)  # consumer 3 at 8 s; consumer 0's grant lasts until 9 s
    model.remove("3")
    await check()
    assert (await status("0"))["status"] == "GRANTED"
    await api.sandbox.advance(1.0)  # 9.5 s
    expired = await status("0")
    assert expired["status"] == "DENIED" and expired["reason"] == "ADMISSION_EXPIRED"
    assert (await api.call("POST", "/queues/q1/enter", token=tokens["0"])).body["position"] == 2
    assert (await api.call("POST", "/queues/q1/enter", token=tokens["2"])).body["position"] == 3
    model += ["0", "2"]
    await check()


async def test_waitlist_positions_follow_leave_and_reentry(custom: Any) -> None:
    api: Api = await custom(scenario_with({"type": "timed_release", "id": "t1", "openAt": 600},
                                          waitlist={"id": "w1"}))
    tokens = [await api.guest() for _ in range(4)]
    model = list(range(4))
    for token in tokens:
        assert (await api.call("POST", "/waitlists/w1/enter", token=token)).status == 200

    async def check() -> None:
        for i, token in enumerate(tokens):
            waitlists = (await api.call("GET", "/consumers/me", token=token)).body.get("waitlists")
            if i in model:
                assert waitlists[0]["position"] == model.index(i) + 1
            else:
                assert not waitlists

    await check()
    await api.call("DELETE", "/waitlists/w1/leave", token=tokens[1])
    model.remove(1)
    await check()
    await api.sandbox.advance(5)
    await api.call("POST", "/waitlists/w1/enter", token=tokens[1])
    model.append(1)
    await api.call("DELETE", "/waitlists/w1/leave", token=tokens[0])
    model.remove(0)
    await check()


async def test_bot_check_challenges_expire_oldest_first(api: Api) -> None:
    token = await api.guest()
    experience = api.sandbox.experiences["botcheck"]

    async def challenge() -> str:
        routed = await api.call("POST", f"/experiences/{experience}/route", token=token, json={})
        return str(routed.body["selected"]["gates"][0]["challenge"]["id"])

    old = await challenge()
    await api.sandbox.advance(200)
    new = await challenge()
    await api.sandbox.advance(101)  # the first lived 300 s, the second has 99 s left

    async def verify(challenge_id: str) -> int:
        reply = await api.call("POST", "/challenges/verify", token=token,
                               json={"challengeId": challenge_id,
                                     "token": api.sandbox.bot_check_token})
        return reply.status

    assert await verify(old) == 403
    assert await verify(new) == 200
