"""Malformed payloads raise the one typed DecodeError naming the wire field and the model;
gen A/B spellings decode as their gen C equivalents; unknown extra fields are ignored.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from wire_helpers import payload

from fanfare_rx.errors import DecodeError, ErrorCode, FanfareError
from fanfare_rx.models import wire as w
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.wire.codec import decode, encode, structure


def _with(ref: str, path: str, value: Any) -> Any:
    """The fixture ``ref`` with ``path`` ("a.b.0.c") set to ``value`` (``DELETE`` removes it)."""
    body = payload(ref)
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return body


DELETE = object()
SNAPSHOT: dict[str, Any] = {
    "revision": 3,
    "updatedAt": 1717250400000,
    "journeyStage": "routed",
    "sequenceStage": "participating",
    "requirements": [{"type": "authentication", "required": True}],
    "availableActions": {"journey": ["request_reroute"], "sequence": ["leave_participation"]},
    "context": {"experienceId": "exp-1", "sequenceId": "seq-1"},
    "events": [{"id": "e1", "ts": 1717250400000, "kind": "info", "severity": "info",
                "audience": "user", "message": "hi"}],
}


def _snapshot(**changes: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(SNAPSHOT))
    body.update(changes)
    return body


ME_GRANTED = "consumers_me/phase_granted"
SEQ = "active.journeys.0.sequence"

# (case id, body, decode as, model name, path)
ERRORS: list[tuple[str, Any, Any, str, str]] = [
    # wrong JSON types
    ("string for number", _with("distributions/queue_queued", "position", "42"),
     w.QueueConsumerState, "QueueConsumerState", "$.position"),
    ("string for float", _with("distributions/queue_queued", "estimatedWaitTimeInSeconds", "1"),
     w.QueueConsumerState, "QueueConsumerState", "$.estimatedWaitTimeInSeconds"),
    ("number for string", _with("auth/session_guest", "accessToken", 123),
     w.SessionEnvelope, "SessionEnvelope", "$.accessToken"),
    ("number for nested string", _with("auth/session_guest", "session.consumerId", 7),
     w.SessionEnvelope, "SessionEnvelope", "$.session.consumerId"),
    ("bool for int", _with("auth/session_guest", "refreshTokenTtlSeconds", True),
     w.SessionEnvelope, "SessionEnvelope", "$.refreshTokenTtlSeconds"),
    ("bool for number", _with("experience/experience", "sequences.0.queues.0.admitRate", False),
     w.Experience, "Experience", "$.sequences[0].queues[0].admitRate"),
    ("fractional int", _with("distributions/queue_queued", "position", 1.5),
     w.QueueConsumerState, "QueueConsumerState", "$.position"),
    ("string for bool", _with("distributions/waitlist_status_entered", "isEntered", "true"),
     w.WaitlistStatus, "WaitlistStatus", "$.isEntered"),
    ("int for bool", _with("auth/otp_request_result", "ok", 1),
     w.OtpRequestResult, "OtpRequestResult", "$.ok"),
    ("object for array", _with("route/no_access", "outcomeReasons", {"code": "NO_ACCESS"}),
     w.RouteResult, "RouteResult", "$.outcomeReasons"),
    ("string for array", _with("experience/archived_status", "liveExperienceIds", "e1"),
     w.ArchivedStatusResult, "ArchivedStatusResult", "$.liveExperienceIds"),
    ("array for object", _with("auth/session_guest", "session", []),
     w.SessionEnvelope, "SessionEnvelope", "$.session"),
    ("array for nested object", _with("route/gated_bot_check", "selected.gates.0.challenge", []),
     w.RouteResult, "RouteResult", "$.selected.gates[0].challenge"),
    ("null for required object", _with("route/routed_with_offers", "selected", None),
     w.RouteResult, "RouteResult", "$.selected"),
    ("array at top level", [], w.ConsumerMe, "ConsumerMe", "$"),
    ("string at top level", "GRANTED", w.QueueConsumerState, "QueueConsumerState", "$"),
    ("array for mapping", _snapshot(requirements=[{"type": "bot_check", "metadata": [1]}]),
     JourneySnapshot, "JourneySnapshot", "$.requirements[0].metadata"),
    ("wrong item type in array", _with("experience/archived_status", "liveExperienceIds.1", 2),
     w.ArchivedStatusResult, "ArchivedStatusResult", "$.liveExperienceIds[1]"),
    # unknown enum values
    ("unknown session type", _with("auth/session_guest", "session.type", "robot"),
     w.SessionEnvelope, "SessionEnvelope", "$.session.type"),
    ("unknown reason code", _with("route/no_access", "outcomeReasons.1.code", "NOPE"),
     w.RouteResult, "RouteResult", "$.outcomeReasons[1].code"),
    ("unknown availability",
     _with("route/routed_with_offers", "selected.sequence.availability", "soon"),
     w.RouteResult, "RouteResult", "$.selected.sequence.availability"),
    ("unknown auction status", _with("distributions/auction_won", "status", "PAID"),
     w.AuctionConsumerState, "AuctionConsumerState", "$.status"),
    ("unknown timed-release status",
     _with("distributions/timed_release_entered", "status", "WAITING"),
     w.TimedReleaseConsumerState, "TimedReleaseConsumerState", "$.status"),
    ("unknown lifecycle", _with(ME_GRANTED, f"{SEQ}.distribution.lifecycle", "paused"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.distribution.lifecycle"),
    ("unknown phase", _with(ME_GRANTED, f"{SEQ}.phase", "open"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.phase"),
    ("unknown outcome type", _with("consumers_me/phase_ended", f"{SEQ}.outcome.type", "meh"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.outcome.type"),
    ("unknown journey stage", _snapshot(journeyStage="done"),
     JourneySnapshot, "JourneySnapshot", "$.journeyStage"),
    ("unknown sequence action",
     _snapshot(availableActions={"journey": [], "sequence": ["fly"]}),
     JourneySnapshot, "JourneySnapshot", "$.availableActions.sequence[0]"),
    ("unknown event severity", _snapshot(events=[{**SNAPSHOT["events"][0], "severity": "x"}]),
     JourneySnapshot, "JourneySnapshot", "$.events[0].severity"),
    ("number for enum", _with("auth/session_guest", "session.type", 1),
     w.SessionEnvelope, "SessionEnvelope", "$.session.type"),
    # unknown or missing union tags
    ("unknown queue status", _with("distributions/queue_queued", "status", "WAITING"),
     w.QueueConsumerState, "QueueConsumerState", "$.status"),
    ("missing queue status", _with("distributions/queue_queued", "status", DELETE),
     w.QueueConsumerState, "QueueConsumerState", "$.status"),
    ("non-string draw status", _with("distributions/draw_won", "status", 3),
     w.DrawConsumerState, "DrawConsumerState", "$.status"),
    ("unknown route outcome", _with("route/no_access", "outcome", "maybe"),
     w.RouteResult, "RouteResult", "$.outcome"),
    ("unknown gate type", _with("route/gated_bot_check", "selected.gates.0.type", "captcha"),
     w.RouteResult, "RouteResult", "$.selected.gates[0].type"),
    ("unknown offer gate type",
     _with("route/routed_with_offers", "offers.0.gates.0.type", "sms"),
     w.RouteResult, "RouteResult", "$.offers[0].gates[0].type"),
    ("unknown journey projection", _with(ME_GRANTED, "active.journeys.0.journeyStage", "ready"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].journeyStage"),
    # missing required fields
    ("missing nested field", _with("auth/session_guest", "session.expiresAt", DELETE),
     w.SessionEnvelope, "SessionEnvelope", "$.session.expiresAt"),
    ("missing access token", _with("auth/refresh_result", "accessToken", DELETE),
     w.RefreshResult, "RefreshResult", "$.accessToken"),
    ("missing granted grant", _with("distributions/queue_granted", "admissionGrant", DELETE),
     w.QueueConsumerState, "QueueConsumerState", "$.admissionGrant"),
    ("missing draw won grant", _with("distributions/draw_won", "admissionGrant", DELETE),
     w.DrawConsumerState, "DrawConsumerState", "$.admissionGrant"),
    ("missing queued position", _with("distributions/queue_queued", "position", DELETE),
     w.QueueConsumerState, "QueueConsumerState", "$.position"),
    ("missing denied reason", _with("distributions/queue_denied", "reason", DELETE),
     w.QueueConsumerState, "QueueConsumerState", "$.reason"),
    ("missing sequence color", _with("route/gated_authentication", "selected.sequence.color",
                                     DELETE),
     w.RouteResult, "RouteResult", "$.selected.sequence.color"),
    ("missing challenge iframe",
     _with("route/gated_bot_check", "selected.gates.0.challenge.iframeUrl", DELETE),
     w.RouteResult, "RouteResult", "$.selected.gates[0].challenge.iframeUrl"),
    ("missing waitlist entry id", _with("distributions/waitlist_entry", "consumerId", DELETE),
     w.WaitlistEntry, "WaitlistEntry", "$.consumerId"),
    ("missing experience currency",
     _with("experience/experience", "currencyCode", DELETE),
     w.Experience, "Experience", "$.currencyCode"),
    ("missing projection waitlist id",
     _with("consumers_me/phase_scheduled", "waitlists.0.waitlistId", DELETE),
     w.ConsumerMe, "ConsumerMe", "$.waitlists[0].waitlistId"),
    ("missing snapshot context", {k: v for k, v in SNAPSHOT.items() if k != "context"},
     JourneySnapshot, "JourneySnapshot", "$.context"),
    ("missing event message",
     _snapshot(events=[{k: v for k, v in SNAPSHOT["events"][0].items() if k != "message"}]),
     JourneySnapshot, "JourneySnapshot", "$.events[0].message"),
    # SequenceProjection phase / field rules
    ("granted without grant", _with(ME_GRANTED, f"{SEQ}.grant", DELETE),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.grant"),
    ("granted with null grant", _with(ME_GRANTED, f"{SEQ}.grant", None),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.grant"),
    ("participating without consumer",
     _with("consumers_me/phase_participating", f"{SEQ}.consumer", DELETE),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.consumer"),
    ("scheduled without distribution",
     _with("consumers_me/phase_scheduled", f"{SEQ}.distribution", DELETE),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.distribution"),
    ("enterable without mechanism",
     _with("consumers_me/phase_enterable", f"{SEQ}.mechanism", DELETE),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.mechanism"),
    ("ended without outcome", _with("consumers_me/phase_ended", f"{SEQ}.outcome", DELETE),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.outcome"),
    ("settling for a queue", _with("consumers_me/phase_settling", f"{SEQ}.mechanism", "queue"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.mechanism"),
    ("settling for a timed release",
     _with("consumers_me/phase_settling", f"{SEQ}.mechanism", "timed_release"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.mechanism"),
    ("granted for an appointment", _with(ME_GRANTED, f"{SEQ}.mechanism", "appointment"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.mechanism"),
    ("unknown mechanism", _with(ME_GRANTED, f"{SEQ}.mechanism", "raffle"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.mechanism"),
    ("projection not an object", _with(ME_GRANTED, SEQ, "granted"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence"),
    # money
    ("money with comma", _with("distributions/auction_won", "winningBidAmount", "1,500.00"),
     w.AuctionConsumerState, "AuctionConsumerState", "$.winningBidAmount"),
    ("money negative", _with("distributions/auction_won", "winningBidAmount", "-5.00"),
     w.AuctionConsumerState, "AuctionConsumerState", "$.winningBidAmount"),
    ("money negative number", _with("distributions/auction_won", "winningBidAmount", -5),
     w.AuctionConsumerState, "AuctionConsumerState", "$.winningBidAmount"),
    ("money exponent", _with("distributions/auction_won", "lastBidAmount", "1e3"),
     w.AuctionConsumerState, "AuctionConsumerState", "$.lastBidAmount"),
    ("money with currency", _with("distributions/highest_bid", "amount", "$10.00"),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money empty", _with("distributions/highest_bid", "amount", ""),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money trailing newline", _with("distributions/highest_bid", "amount", "10.00\n"),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money spaces", _with("distributions/highest_bid", "amount", " 10.00"),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money non-ascii digits", _with("distributions/highest_bid", "amount", "\u0661\u0662"),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money too many decimals", _with("distributions/highest_bid", "amount", "1.123456789"),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money NaN string", _with("distributions/highest_bid", "amount", "NaN"),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money bool", _with("distributions/highest_bid", "amount", True),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money object", _with("distributions/highest_bid", "amount", {"value": "1"}),
     w.HighestBid, "HighestBid", "$.amount"),
    ("money in nested price",
     _with("experience/experience", "sequences.2.auctions.0.reservePrice", "cheap"),
     w.Experience, "Experience", "$.sequences[2].auctions[0].reservePrice"),
    # datetimes
    ("datetime garbage", _with("auth/session_guest", "session.expiresAt", "tomorrow"),
     w.SessionEnvelope, "SessionEnvelope", "$.session.expiresAt"),
    ("datetime epoch number", _with("distributions/queue_granted", "expiresAt", 1717250400),
     w.QueueConsumerState, "QueueConsumerState", "$.expiresAt"),
    ("datetime month 13", _with("distributions/draw_won", "wonAt", "2025-13-01T00:00:00Z"),
     w.DrawConsumerState, "DrawConsumerState", "$.wonAt"),
    ("datetime date only", _with("distributions/waitlist_entry", "enteredAt", "2025-06-01"),
     w.WaitlistEntry, "WaitlistEntry", "$.enteredAt"),
    ("datetime empty", _with("distributions/waitlist_entry", "enteredAt", ""),
     w.WaitlistEntry, "WaitlistEntry", "$.enteredAt"),
    ("datetime bool", _with("auth/refresh_result", "accessTokenExpiresAt", True),
     w.RefreshResult, "RefreshResult", "$.accessTokenExpiresAt"),
    ("datetime in projection",
     _with(ME_GRANTED, f"{SEQ}.grant.expiresAt", "2025-06-01T25:00:00Z"),
     w.ConsumerMe, "ConsumerMe", "$.active.journeys[0].sequence.grant.expiresAt"),
    ("datetime in challenge",
     _with("route/gated_bot_check", "selected.gates.0.challenge.expiresAt", 5),
     w.RouteResult, "RouteResult", "$.selected.gates[0].challenge.expiresAt"),
    # snapshot numbers are epoch milliseconds, not ISO strings
    ("snapshot updatedAt as ISO", _snapshot(updatedAt="2025-06-01T14:00:00Z"),
     JourneySnapshot, "JourneySnapshot", "$.updatedAt"),
    ("snapshot fractional revision", _snapshot(revision=1.5),
     JourneySnapshot, "JourneySnapshot", "$.revision"),
    ("snapshot admittanceExpiresAt as ISO",
     _snapshot(context={"experienceId": "e", "admittanceExpiresAt": "2025-06-01T14:00:00Z"}),
     JourneySnapshot, "JourneySnapshot", "$.context.admittanceExpiresAt"),
    ("error body issues as object", {"error": "x", "issues": {"message": "m"}},
     w.WireError, "WireError", "$.issues"),
    ("error body issue without message", {"error": "x", "issues": [{"code": "C"}]},
     w.WireError, "WireError", "$.issues[0].message"),
]


@pytest.mark.parametrize(("body", "model", "name", "path"), [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_malformed_payload_raises_decode_error_naming_the_field(
    body: Any, model: Any, name: str, path: str
) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body), model)
    error = caught.value
    assert error.model == name
    assert error.path == path
    assert path in str(error)
    assert isinstance(error, FanfareError)
    assert error.code == ErrorCode.DECODE_ERROR


@pytest.mark.parametrize(("body", "model", "name", "path"), [e[1:] for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_structure_raises_the_same_error(body: Any, model: Any, name: str, path: str) -> None:
    with pytest.raises(DecodeError) as caught:
        structure(body, model)
    assert (caught.value.model, caught.value.path) == (name, path)


MALFORMED_JSON: list[tuple[str, str | bytes]] = [
    ("truncated", '{"status": "QUEUED", "position": '),
    ("empty text", ""),
    ("empty bytes", b""),
    ("trailing garbage", '{"status": "NOT_QUEUED"} x'),
    ("single quotes", "{'status': 'QUEUED'}"),
    ("invalid utf-8", b'{"status": "\xff\xfe"}'),
    ("html error page", "<html><body>502 Bad Gateway</body></html>"),
]


@pytest.mark.parametrize("text", [m[1] for m in MALFORMED_JSON], ids=[m[0] for m in MALFORMED_JSON])
def test_malformed_json_raises_decode_error_at_the_root(text: str | bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        decode(text, w.QueueConsumerState)
    assert caught.value.model == "QueueConsumerState"
    assert caught.value.path == "$"


def test_error_message_does_not_echo_secrets_of_other_fields() -> None:
    body = _with("distributions/queue_granted", "position", "zero")
    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body), w.QueueConsumerState)
    assert body["admissionGrant"] not in str(caught.value)


def test_several_errors_are_all_reported_and_the_first_names_the_path() -> None:
    body = _with("auth/session_guest", "accessToken", 1)
    body["session"]["consumerId"] = 2
    with pytest.raises(DecodeError) as caught:
        decode(json.dumps(body), w.SessionEnvelope)
    text = str(caught.value)
    assert "$.accessToken" in text and "$.session.consumerId" in text
    assert caught.value.path in ("$.accessToken", "$.session.consumerId")


# --- gen A/B aliases -------------------------------------------------------------------------

ALIASES: list[tuple[str, Any, Any]] = [
    ("queue ADMITTED + admissionToken", payload("distributions/queue_gen_b_admitted"),
     w.QueueGranted(admission_grant="at_genb_0123456789abcdef01234", position=0)),
    ("queue gen A state", payload("distributions/queue_gen_a_state"),
     w.QueueGranted(admission_grant="at_gena_0123456789abcdef01234", position=None)),
    ("queue ADMITTED + admissionGrant", {"status": "ADMITTED", "admissionGrant": "g1"},
     w.QueueGranted(admission_grant="g1")),
    ("gen C name wins over the old one",
     {"status": "GRANTED", "admissionGrant": "new", "admissionToken": "old"},
     w.QueueGranted(admission_grant="new")),
    ("draw WON admissionToken", {"status": "WON", "admissionToken": "dt"},
     w.DrawWon(admission_grant="dt")),
    ("auction ACTIVE", payload("distributions/auction_gen_a_active"),
     w.AuctionConsumerState(status=w.AuctionStatus.BIDDING, bid_count=1,
                            last_bid_amount=Decimal(150))),
    ("auction BID_WON", payload("distributions/auction_gen_a_bid_won"),
     w.AuctionConsumerState(status=w.AuctionStatus.WON, last_bid_amount=Decimal("10.5"))),
    ("auction BID_LOST", {"status": "BID_LOST"},
     w.AuctionConsumerState(status=w.AuctionStatus.LOST)),
    ("timed release ADMITTED", payload("distributions/timed_release_gen_a_admitted"),
     w.TimedReleaseConsumerState(status=w.TimedReleaseStatus.GRANTED,
                                 admission_grant="at_timed_0123456789abcdef01234")),
]


@pytest.mark.parametrize(("body", "expected"), [a[1:] for a in ALIASES], ids=[a[0] for a in ALIASES])
def test_gen_ab_spellings_decode_as_gen_c(body: Any, expected: Any) -> None:
    union = {
        w.QueueGranted: w.QueueConsumerState,
        w.DrawWon: w.DrawConsumerState,
    }.get(type(expected), type(expected))
    result = decode(json.dumps(body), union)
    assert result == expected
    assert type(result) is type(expected)


def test_gen_c_encode_never_writes_old_spellings() -> None:
    result = decode(json.dumps(payload("distributions/queue_gen_b_admitted")),
                    w.QueueConsumerState)
    text = json.dumps(encode(result))
    assert '"GRANTED"' in text and "admissionGrant" in text
    assert "ADMITTED" not in text and "admissionToken" not in text


def test_admitted_is_not_a_draw_status() -> None:
    with pytest.raises(DecodeError) as caught:
        decode(json.dumps({"status": "ADMITTED"}), w.DrawConsumerState)
    assert caught.value.path == "$.status"


# --- unknown fields are ignored --------------------------------------------------------------

EXTRAS: list[tuple[str, Any]] = [
    ("route/routed_with_offers", w.RouteResult),
    ("distributions/queue_queued", w.QueueConsumerState),
    ("distributions/auction_bidding", w.AuctionConsumerState),
    ("auth/session_guest", w.SessionEnvelope),
    ("consumers_me/phase_granted", w.ConsumerMe),
    ("errors/simple_unauthorized", w.WireError),
]


@pytest.mark.parametrize(("ref", "model"), EXTRAS, ids=[e[0] for e in EXTRAS])
def test_unknown_fields_are_ignored_at_every_level(ref: str, model: Any) -> None:
    plain = decode(json.dumps(payload(ref)), model)

    def add_extras(node: Any) -> Any:
        if isinstance(node, dict):
            return {**{k: add_extras(v) for k, v in node.items()},
                    "futureField": {"nested": [1, "x"]}, "another_one": None}
        if isinstance(node, list):
            return [add_extras(item) for item in node]
        return node

    assert decode(json.dumps(add_extras(payload(ref))), model) == plain
