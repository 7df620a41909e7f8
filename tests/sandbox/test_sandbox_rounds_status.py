"""A dev sandbox whose drops are open: the default draw and auction reopen right after each
draw or settlement (``roundSeconds``) and keep every earlier round's results and grants; the
banner, ``GET /_sandbox/status`` and ``fanfare-rx sandbox status`` say what each experience is
doing now and when it next changes. Over loopback HTTP on the manual clock."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from sandbox_helpers import Api, scenario_with

from fanfare_rx.cli import build_parser
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox, ScenarioError
from fanfare_rx.sandbox.cli import banner_lines, run, status_lines, status_remote
from fanfare_rx.sandbox.scenario import parse_scenario
from fanfare_rx.sandbox.server import DEFAULT_SEED
from fanfare_rx.wire import codec

#: The old default draw and auction recurred every 20 minutes: two of those, sampled every 13 s.
SPAN, STEP = 2 * 1200, 13


async def _newcomer_enters(api: Api, label: str, kind: str) -> bool:
    """A new guest routes the experience and enters its distribution."""
    token = await api.guest()
    routed = await api.call("POST", f"/experiences/{api.sandbox.experiences[label]}/route",
                            token=token)
    if not isinstance(codec.structure(routed.body, wire.RouteResult), wire.RouteRouted):
        return False
    distribution = await api.distribution(label, kind)
    path = "draws" if kind == "draws" else "auctions"
    entered = await api.call("POST", f"/{path}/{distribution}/enter", token=token)
    return entered.status == 200


async def test_default_draw_and_auction_can_be_entered_at_almost_any_moment(custom: Any) -> None:
    api: Api = await custom(None, clock="manual", seed=DEFAULT_SEED)  # `fanfare-rx sandbox`
    moments = range(0, SPAN, STEP)
    draw = auction = 0
    for _ in moments:
        draw += await _newcomer_enters(api, "draw", "draws")
        auction += await _newcomer_enters(api, "auction", "auctions")
        await api.sandbox.advance(STEP)
    assert draw / len(moments) >= 0.9, f"draw enterable at {draw} of {len(moments)} moments"
    assert auction / len(moments) >= 0.9, f"auction enterable at {auction} of {len(moments)}"


DRAW = {"type": "draw", "id": "d1", "openAt": 0, "drawAt": 300, "roundSeconds": 300,
        "winnerCount": 1, "admissionExpirationSeconds": 600}
AUCTION = {"type": "auction", "id": "a1", "openAt": 0, "settleAt": 300, "roundSeconds": 300,
           "startPrice": "10.00", "minBidIncrement": "1.00", "admissionExpirationSeconds": 600}


async def _me(api: Api, token: str) -> wire.SequenceProjection:
    reply = await api.call("GET", "/consumers/me", token=token)
    me = codec.structure(reply.body, wire.ConsumerMe)
    journey = me.active.journeys[0]
    assert isinstance(journey, wire.RoutedJourneyProjection)
    return journey.sequence


async def test_a_draw_winner_keeps_the_grant_while_the_next_round_runs(custom: Any) -> None:
    api: Api = await custom(scenario_with(DRAW), clock="manual")
    winner, loser = await api.guest(), await api.guest()
    for token in (winner, loser):
        await api.call("POST", "/experiences/exp-x/route", token=token)
    assert (await api.call("POST", "/draws/d1/enter", token=winner)).status == 200
    await api.sandbox.advance(300)  # round 1 drawn (sole entrant wins), round 2 open
    won = await api.call("GET", "/draws/d1/status", token=winner)
    assert won.body["status"] == "WON" and won.body["admissionGrant"]
    again = await api.call("POST", "/draws/d1/enter", token=winner)
    assert again.status == 409  # a live grant is a place held, not lost to a new entry
    assert (await _me(api, winner)).phase is wire.SequencePhase.GRANTED
    draw = (await api.call("GET", "/draws/d1")).body
    assert draw["drawAt"].startswith(api.sandbox.now().isoformat()[:10])  # the round 2 draw
    assert (await api.call("POST", "/draws/d1/enter", token=loser)).status == 200
    assert (await _me(api, loser)).phase is wire.SequencePhase.PARTICIPATING
    await api.sandbox.advance(299)
    still = await api.call("GET", "/draws/d1/status", token=winner)
    assert still.body == won.body  # round 2 ran its course; the round 1 grant is unchanged
    await api.sandbox.advance(1)
    assert (await api.call("GET", "/draws/d1/status", token=loser)).body["status"] == "WON"


async def test_a_draw_loser_may_enter_the_next_round(custom: Any) -> None:
    api: Api = await custom(scenario_with({**DRAW, "crowd": 50}), clock="manual", seed=0)
    token = await api.guest()
    assert (await api.call("POST", "/draws/d1/enter", token=token)).status == 200
    await api.sandbox.advance(300)
    lost = await api.call("GET", "/draws/d1/status", token=token)
    assert lost.body["status"] == "DENIED" and lost.body["reason"] == "NOT_SELECTED"
    entered = await api.call("POST", "/draws/d1/enter", token=token)
    assert entered.status == 200 and entered.body["status"] == "ENTERED"


async def test_skipped_rounds_draw_like_stepped_rounds(custom: Any) -> None:
    """Each round's RNG is seeded by its number: one long jump and many short steps agree."""
    results = []
    for steps in ((2700,), (300,) * 9):
        api: Api = await custom(scenario_with({**DRAW, "crowd": 3}), clock="manual")
        for step in steps:
            await api.sandbox.advance(step)
        tokens = [await api.guest() for _ in range(4)]
        for token in tokens:
            await api.call("POST", "/draws/d1/enter", token=token)
        await api.sandbox.advance(300)
        results.append([(await api.call("GET", "/draws/d1/status", token=t)).body["status"]
                        for t in tokens])
        assert api.sandbox.world.engines["d1"].round == 11  # type: ignore[attr-defined]
    assert results[0] == results[1]


async def test_an_auction_winner_keeps_the_grant_while_the_next_round_runs(custom: Any) -> None:
    api: Api = await custom(scenario_with(AUCTION), clock="manual")
    ada, bob = await api.guest(), await api.guest()
    for token in (ada, bob):
        await api.call("POST", "/experiences/exp-x/route", token=token)
    await api.call("POST", "/auctions/a1/bid", token=ada, json={"amount": "12.00"})
    await api.call("POST", "/auctions/a1/bid", token=bob, json={"amount": "11.00"})  # too low
    await api.call("POST", "/auctions/a1/bid", token=bob, json={"amount": "10.50"})
    await api.call("POST", "/auctions/a1/enter", token=bob)
    await api.sandbox.advance(300)  # round 1 settled: ada won; round 2 open
    won = await api.call("GET", "/auctions/a1/status", token=ada)
    assert won.body["status"] == "WON" and won.body["admissionGrant"]
    assert won.body["winningBidAmount"] == "12.00"
    assert (await api.call("GET", "/auctions/a1/status", token=bob)).body["status"] == "LOST"
    assert (await _me(api, ada)).phase is wire.SequencePhase.GRANTED
    assert (await _me(api, bob)).outcome.type is wire.OutcomeType.LOST  # type: ignore[union-attr]
    refused = await api.call("POST", "/auctions/a1/bid", token=ada, json={"amount": "20.00"})
    assert refused.status == 409
    fresh = await api.call("GET", "/auctions/a1/highest-bid", token=bob)
    assert fresh.body.get("amount") is None  # a new lot: the start price applies again
    rebid = await api.call("POST", "/auctions/a1/bid", token=bob, json={"amount": "10.00"})
    assert rebid.status == 200 and rebid.body["status"] == "WINNING"
    assert (await api.call("GET", "/auctions/a1/status", token=ada)).body == won.body
    await api.sandbox.advance(300)
    assert (await api.call("GET", "/auctions/a1/status", token=bob)).body["status"] == "WON"
    await api.sandbox.advance(300)  # ada's grant (600 s) expired: still won, grant gone
    late = await api.call("GET", "/auctions/a1/status", token=ada)
    assert late.body["status"] == "WON" and "admissionGrant" not in late.body
    assert (await _me(api, ada)).outcome.type is wire.OutcomeType.EXPIRED  # type: ignore[union-attr]


@pytest.mark.parametrize(("distribution", "message"), [
    ({**DRAW, "roundSeconds": 0}, "greater than 0"),
    ({**AUCTION, "roundSeconds": "often"}, "expected a number"),
])
def test_round_seconds_is_checked(distribution: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as caught:
        scenario_with(distribution)
    assert caught.value.field == "experiences[0].sequences[0].distribution.roundSeconds"


def test_round_seconds_is_only_for_draws_and_auctions() -> None:
    queue = {"type": "queue", "id": "q", "admitRate": 1, "roundSeconds": 60}
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({"experiences": [{"id": "e", "label": "x", "name": "X", "sequences": [
            {"id": "s", "name": "S", "priority": 1, "distribution": queue}]}]})
    assert caught.value.field == "experiences[0].sequences[0].distribution.roundSeconds"


# --- what each experience is doing ---------------------------------------------------------------


async def test_status_says_what_each_experience_does_and_when_it_next_changes(api: Api) -> None:
    unauthorized = await api.call("GET", "/_sandbox/status")
    assert unauthorized.status == 401
    await api.sandbox.advance(400)
    reply = await api.secret("GET", "/_sandbox/status")
    assert reply.status == 200
    assert reply.body == api.sandbox.status()
    by_label = {e["label"]: e for e in reply.body["experiences"]}
    assert list(by_label) == list(api.sandbox.experiences)
    draw = by_label["draw"]
    assert draw["doing"] == "open for entries, round 2"
    assert (draw["nextChange"], draw["nextChangeInSeconds"], draw["then"]) == ("draws", 200,
                                                                               "reopens")
    assert by_label["auction"]["doing"] == "open for bids, round 2"
    assert by_label["timed_release"]["doing"] == "open"
    assert by_label["timed_release"]["nextChange"] == "closes"
    assert by_label["waitlist"]["doing"] == "upcoming, waitlist open"
    assert (by_label["waitlist"]["nextChange"], by_label["waitlist"]["nextChangeInSeconds"]) == (
        "opens", 200)
    assert by_label["queue"]["doing"] == "open, 0 in line"  # the crowd is in
    await api.sandbox.advance(7300 - 400)  # the queue closed at 7200; it starts over at 7800
    queue = {e["label"]: e for e in api.sandbox.status()["experiences"]}["queue"]
    assert (queue["doing"], queue["nextChange"], queue["nextChangeInSeconds"]) == (
        "closed", "starts over", 500)


def test_status_lines_fit_80_columns_and_use_wall_clock_time() -> None:
    answer = {"clock": {"now": "2026-12-06T12:00:00Z", "mode": "real", "speed": 60.0},
              "experiences": [
                  {"label": "draw", "doing": "open for entries, round 2", "nextChange": "draws",
                   "nextChangeInSeconds": 250, "then": "reopens"},
                  {"label": "timed_release", "doing": "closed", "nextChange": None,
                   "nextChangeInSeconds": None, "then": None}]}
    assert status_lines(answer) == [
        "sandbox clock 12:00:00 UTC (real x60, times in wall-clock time)",
        "draw           open for entries, round 2; draws in 4 s, then reopens",
        "timed_release  closed",
    ]
    manual = {**answer, "clock": {"now": "2026-12-06T12:00:00Z", "mode": "manual", "speed": 1}}
    assert status_lines(manual)[1].endswith("draws in 4 min 10 s, then reopens")


async def test_banner_says_what_each_experience_is_doing(sandbox: Sandbox) -> None:
    lines = banner_lines(sandbox)
    at = lines.index(f"experience draw: {sandbox.experiences['draw']} (draw)")
    assert lines[at + 1] == "  now: open for entries, round 1; draws in 5 min, then reopens"
    timed = lines.index(f"experience timed_release: {sandbox.experiences['timed_release']} "
                        "(timed release)")
    assert lines[timed + 1] == "  now: upcoming; opens in 2 min"
    assert f"status: fanfare-rx sandbox status --url {sandbox.base_url}" in lines
    for line in lines:  # an 80-column terminal wraps none but the copy-paste curl line
        if not line.startswith("guest session: curl "):
            assert len(line) <= 80, line


async def test_status_command_asks_a_running_sandbox(
        api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    await api.sandbox.advance(100)
    args = build_parser().parse_args(["sandbox", "status", "--url", api.sandbox.base_url])
    assert await asyncio.to_thread(run, args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("sandbox clock ") and "(manual, times in sandbox time)" in out[0]
    assert "draw           open for entries, round 1; draws in 3 min 20 s, then reopens" in out
    answer = await asyncio.to_thread(status_remote, api.sandbox.base_url)
    assert [e["label"] for e in answer["experiences"]] == list(api.sandbox.experiences)
    wrong = build_parser().parse_args(["sandbox", "status", "--url", api.sandbox.base_url,
                                       "--secret-key", "sk_test_wrong"])
    assert await asyncio.to_thread(run, wrong) == 1
    assert "fanfare-rx sandbox status: " in capsys.readouterr().err
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    gone = build_parser().parse_args(["sandbox", "status", "--url", f"http://127.0.0.1:{free}"])
    assert await asyncio.to_thread(run, gone) == 1
    assert "cannot reach" in capsys.readouterr().err
