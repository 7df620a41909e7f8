"""Round trips: decode(dumps(x)) == x for every wire and journey model (Hypothesis), camelCase
keys, ISO datetimes ending in Z, money as decimal strings, snapshot JSON in the docs' shape.
"""

from __future__ import annotations

import json
import re
import typing
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_strategies import strategy_for

from fanfare_rx.models import journey as j
from fanfare_rx.models import wire as w
from fanfare_rx.wire.codec import (
    decode,
    dumps,
    encode,
    snapshot_from_json,
    snapshot_to_json,
    structure,
)

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
MONEY = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,8})?$")
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UNIONS: dict[str, Any] = {
    "Gate": w.Gate,
    "RouteResult": w.RouteResult,
    "QueueConsumerState": w.QueueConsumerState,
    "DrawConsumerState": w.DrawConsumerState,
    "JourneyProjection": w.JourneyProjection,
}
MODELS: list[type] = [
    cls
    for module in (w, j)
    for name in module.__all__
    if isinstance(cls := getattr(module, name), type) and attrs.has(cls)
]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.capitalize() for word in rest)


def check_wire_shape(obj: Any, data: Any, where: str = "$") -> None:
    """Walk a model and its encoded form together: camelCase keys, unset optionals omitted,
    ISO-Z datetimes, decimal-string money, tags on union members, arrays for tuples."""
    if attrs.has(type(obj)):
        assert isinstance(data, dict), where
        hints = typing.get_type_hints(type(obj))
        names = {_camel(a.name) for a in attrs.fields(type(obj))}
        tags = {key for key in ("status", "type", "outcome", "journeyStage") if key in data}
        assert set(data) <= names | tags, (where, set(data) - names)
        for tag_attr, key in (("STATUS", "status"), ("TYPE", "type"), ("OUTCOME", "outcome"),
                              ("JOURNEY_STAGE", "journeyStage")):
            if hasattr(type(obj), tag_attr):
                assert data[key] == str(getattr(type(obj), tag_attr)), where
        for a in attrs.fields(type(obj)):
            key = _camel(a.name)
            value = getattr(obj, a.name)
            if value is None and a.default is None:
                assert key not in data, f"{where}.{key} should be omitted"
                continue
            assert key in data, f"{where}.{key} missing"
            if hints[a.name] is Any or "Mapping" in str(hints[a.name]):
                assert data[key] == value
                continue
            check_wire_shape(value, data[key], f"{where}.{key}")
    elif isinstance(obj, datetime):
        assert isinstance(data, str) and ISO_Z.match(data), (where, data)
    elif isinstance(obj, Decimal):
        assert isinstance(data, str) and MONEY.match(data), (where, data)
        assert Decimal(data) == obj
    elif isinstance(obj, tuple):
        assert isinstance(data, list) and len(data) == len(obj), where
        for index, (item, encoded) in enumerate(zip(obj, data, strict=True)):
            check_wire_shape(item, encoded, f"{where}[{index}]")
    elif isinstance(obj, str):  # enums included: StrEnum encodes as its value
        assert data == obj and type(data) is str, where
    else:
        assert data == obj and type(data) is type(obj), where


@pytest.mark.parametrize("cls", MODELS, ids=[c.__name__ for c in MODELS])
@FAST
@given(data=st.data())
def test_every_model_round_trips(cls: type, data: st.DataObject) -> None:
    obj = data.draw(strategy_for(cls))
    text = dumps(obj)
    assert decode(text, cls) == obj
    assert decode(text.encode("utf-8"), cls) == obj
    check_wire_shape(obj, json.loads(text))


@pytest.mark.parametrize("name", list(UNIONS))
@FAST
@given(data=st.data())
def test_tagged_unions_round_trip_to_the_same_member(name: str, data: st.DataObject) -> None:
    union = UNIONS[name]
    obj = data.draw(strategy_for(union))
    result = decode(dumps(obj), union)
    assert type(result) is type(obj)
    assert result == obj


# Explicit builds() strategies for the bodies the journey reads most.
QUEUE_STATES = st.one_of(
    st.builds(w.QueueQueued, position=st.integers(0, 10**6),
              estimated_wait_time_in_seconds=st.floats(0, 1e6),
              position_display_mode=st.sampled_from([None, "precise", "qualitative"])),
    st.builds(w.QueueGranted, admission_grant=st.text(min_size=1, max_size=40),
              expires_at=strategy_for(datetime | None)),
    st.builds(w.QueueDenied, reason=st.sampled_from(["QUEUE_CLOSED", "BOT_DETECTED"])),
    st.builds(w.QueueLeft), st.builds(w.QueueNotQueued), st.builds(w.QueueCompleted),
)
DRAW_STATES = st.one_of(
    st.builds(w.DrawNotEntered), st.builds(w.DrawEntered, entered_at=strategy_for(datetime)),
    st.builds(w.DrawWon, admission_grant=st.text(min_size=1), won_at=strategy_for(datetime)),
    st.builds(w.DrawDenied, reason=st.text(), denied_at=strategy_for(datetime)),
    st.builds(w.DrawCompleted, completed_at=strategy_for(datetime | None)),
)
SNAPSHOTS = st.builds(
    j.JourneySnapshot,
    journey_stage=st.sampled_from(list(j.JourneyStage)),
    sequence_stage=st.sampled_from(list(j.SequenceStage)),
    context=strategy_for(j.JourneyContext),
    revision=st.integers(0, 10**6),
    updated_at=st.integers(0, 2**45),
    requirements=st.lists(strategy_for(j.Requirement), max_size=3).map(tuple),
    available_actions=strategy_for(j.AvailableActions),
    events=st.lists(strategy_for(j.JourneyEvent), max_size=4).map(tuple),
    last_seen_event_id=st.none() | st.text(min_size=1, max_size=5),
)


@pytest.mark.parametrize(
    ("strategy", "cls"),
    [(QUEUE_STATES, w.QueueConsumerState), (DRAW_STATES, w.DrawConsumerState),
     (strategy_for(w.RouteResult), w.RouteResult), (SNAPSHOTS, j.JourneySnapshot)],
    ids=["queue", "draw", "route", "snapshot"],
)
@FAST
@given(data=st.data())
def test_builds_round_trip(strategy: Any, cls: Any, data: st.DataObject) -> None:
    obj = data.draw(strategy)
    assert structure(encode(obj), cls) == obj
    assert decode(dumps(obj), cls) == obj


# --- snapshot JSON: the docs' JourneySnapshot names, epoch-millisecond numbers -----------------

SNAPSHOT_KEYS = {"revision", "updatedAt", "journeyStage", "sequenceStage", "requirements",
                 "availableActions", "context", "events", "schemaVersion"}


@FAST
@given(snapshot=SNAPSHOTS)
def test_snapshot_json_has_the_docs_names(snapshot: j.JourneySnapshot) -> None:
    data = json.loads(snapshot_to_json(snapshot))
    optional = {"lastSeenEventId"} if snapshot.last_seen_event_id is not None else set()
    assert set(data) == SNAPSHOT_KEYS | optional
    assert set(data["availableActions"]) == {"journey", "sequence"}
    assert type(data["revision"]) is int and type(data["updatedAt"]) is int
    assert all(type(event["ts"]) is int for event in data["events"])
    assert data["journeyStage"] == snapshot.journey_stage.value
    assert snapshot_from_json(snapshot_to_json(snapshot)) == snapshot


def test_snapshot_context_uses_the_docs_names_and_epoch_ms() -> None:
    context = j.JourneyContext(
        experience_id="exp-1",
        sequence_id="seq-1",
        distribution=j.DistributionSummary(
            type=w.DistributionType.QUEUE, id="q-1", sequence_id="seq-1",
            status=j.DistributionStatus.OPEN, opens_at=1717250400000,
        ),
        participation=j.Participation(id="q-1", type=j.ParticipationType.QUEUE,
                                      status="QUEUED"),
        access_code="VIP2024",
        admittance_token="ag_0123456789abcdef0123456789",
        admittance_expires_at=1717251000000,
    )
    snapshot = j.JourneySnapshot(
        journey_stage=j.JourneyStage.ROUTED, sequence_stage=j.SequenceStage.ADMITTED,
        context=context, revision=7, updated_at=1717250999123,
        requirements=(j.Requirement(type=j.RequirementType.ACCESS_CODE, required=False,
                                    reason="ACCESS_CODE_REQUIRED"),),
        available_actions=j.AvailableActions(
            journey=(j.JourneyAction.REQUEST_REROUTE,),
            sequence=(j.SequenceAction.LEAVE_PARTICIPATION,)),
        events=(j.JourneyEvent(id="ev-1", ts=1717250999000, kind=j.EventKind.SEQUENCE_CHANGE,
                               severity=j.EventSeverity.SUCCESS, audience=j.EventAudience.USER,
                               message="You're in!"),),
        last_seen_event_id="ev-1",
    )
    data = json.loads(snapshot_to_json(snapshot))
    assert data["revision"] == 7 and data["updatedAt"] == 1717250999123
    assert data["journeyStage"] == "routed" and data["sequenceStage"] == "admitted"
    assert data["requirements"] == [
        {"type": "access_code", "required": False, "reason": "ACCESS_CODE_REQUIRED"}
    ]
    assert data["availableActions"] == {"journey": ["request_reroute"],
                                        "sequence": ["leave_participation"]}
    assert data["events"] == [{"id": "ev-1", "ts": 1717250999000, "kind": "sequence_change",
                               "severity": "success", "audience": "user",
                               "message": "You're in!"}]
    assert data["lastSeenEventId"] == "ev-1"
    ctx = data["context"]
    assert ctx["experienceId"] == "exp-1" and ctx["sequenceId"] == "seq-1"
    assert ctx["distribution"] == {"type": "queue", "id": "q-1", "sequenceId": "seq-1",
                                   "status": "open", "opensAt": 1717250400000}
    assert ctx["participation"] == {"id": "q-1", "type": "queue", "status": "QUEUED"}
    assert ctx["accessCode"] == "VIP2024"
    assert ctx["admittanceToken"] == "ag_0123456789abcdef0123456789"
    assert ctx["admittanceExpiresAt"] == 1717251000000
    assert snapshot_from_json(json.dumps(data)) == snapshot


def test_snapshot_written_by_javascript_decodes() -> None:
    text = json.dumps({
        "revision": 2, "updatedAt": 1717250400000, "journeyStage": "needs_access_code",
        "sequenceStage": "none",
        "requirements": [{"type": "access_code", "required": True, "metadata": {"hint": "x"}}],
        "availableActions": {"journey": ["provide_access_code"], "sequence": []},
        "context": {"experienceId": "exp-1", "experience": {"id": "exp-1"}},
        "events": [],
    })
    snapshot = snapshot_from_json(text)
    assert snapshot.journey_stage is j.JourneyStage.NEEDS_ACCESS_CODE
    assert snapshot.requirements[0].metadata == {"hint": "x"}
    assert snapshot.available_actions.journey == (j.JourneyAction.PROVIDE_ACCESS_CODE,)
    assert snapshot.last_seen_event_id is None


def test_snapshot_auction_terms_use_camel_case_names_and_round_trip() -> None:
    terms = j.AuctionTerms(currency="USD", start_price="100.00", reserve_price="150.00",
                           min_bid_increment="5.00", minimum_next_bid="115.00",
                           ends_at=1717250700000, auto_extend_seconds=30)
    snapshot = j.JourneySnapshot(
        journey_stage=j.JourneyStage.ROUTED, sequence_stage=j.SequenceStage.PARTICIPATING,
        context=j.JourneyContext(experience_id="exp-1", current_bid="100.00",
                                 highest_bid="110.00", auction=terms),
    )
    data = json.loads(snapshot_to_json(snapshot))
    assert data["context"]["currentBid"] == "100.00" and data["context"]["highestBid"] == "110.00"
    assert data["context"]["auction"] == {
        "currency": "USD", "startPrice": "100.00", "reservePrice": "150.00",
        "minBidIncrement": "5.00", "minimumNextBid": "115.00", "endsAt": 1717250700000,
        "autoExtendSeconds": 30,
    }
    assert snapshot_from_json(json.dumps(data)) == snapshot
    # A snapshot written before the terms existed (or by the JS SDK) decodes without them.
    del data["context"]["auction"]
    assert snapshot_from_json(json.dumps(data)).context.auction is None
    # Unknown terms are left out rather than written as null.
    partial = attrs.evolve(snapshot, context=attrs.evolve(
        snapshot.context, auction=j.AuctionTerms(currency="USD", ends_at=1717250700000)))
    assert json.loads(snapshot_to_json(partial))["context"]["auction"] == {
        "currency": "USD", "endsAt": 1717250700000}
    assert snapshot_from_json(snapshot_to_json(partial)) == partial


# --- encoding details --------------------------------------------------------------------------

CEST = timezone(timedelta(hours=2))
DATETIMES = [
    (datetime(2025, 6, 1, 14, 0, tzinfo=UTC), "2025-06-01T14:00:00.000Z"),
    (datetime(2025, 6, 1, 16, 0, 5, 250000, tzinfo=CEST), "2025-06-01T14:00:05.250Z"),
    (datetime(2025, 6, 1, 14, 0), "2025-06-01T14:00:00.000Z"),  # naive is read as UTC
    (datetime(2025, 6, 1, 14, 0, 0, 123999, tzinfo=UTC), "2025-06-01T14:00:00.123Z"),
]


@pytest.mark.parametrize(("value", "wire"), DATETIMES)
def test_datetimes_are_iso_utc_with_z(value: datetime, wire: str) -> None:
    assert encode(w.WaitlistStatus(waitlist_id="wl", is_entered=True, entered_at=value)) == {
        "waitlistId": "wl", "isEntered": True, "enteredAt": wire,
    }


WIRE_DATETIMES = [
    ("2025-06-01T14:00:00Z", datetime(2025, 6, 1, 14, tzinfo=UTC)),
    ("2025-06-01T14:00:00.250Z", datetime(2025, 6, 1, 14, 0, 0, 250000, tzinfo=UTC)),
    ("2025-06-01T16:00:00+02:00", datetime(2025, 6, 1, 14, tzinfo=UTC)),
    ("2025-06-01T14:00:00", datetime(2025, 6, 1, 14, tzinfo=UTC)),
    ("2025-06-01 14:00:00Z", datetime(2025, 6, 1, 14, tzinfo=UTC)),
]


@pytest.mark.parametrize(("wire", "value"), WIRE_DATETIMES)
def test_wire_datetimes_decode_as_aware_instants(wire: str, value: datetime) -> None:
    result = decode(json.dumps({"waitlistId": "wl", "isEntered": True, "enteredAt": wire}),
                    w.WaitlistStatus)
    assert result.entered_at == value
    assert result.entered_at is not None and result.entered_at.tzinfo is not None


MONEY_CASES = [
    (Decimal("1500.00"), "1500.00"),
    (Decimal(0), "0"),
    (Decimal("1E+3"), "1000"),
    (Decimal("0.00000001"), "0.00000001"),
    (Decimal("999999999999.99"), "999999999999.99"),
]


@pytest.mark.parametrize(("amount", "wire"), MONEY_CASES)
def test_money_is_a_decimal_string(amount: Decimal, wire: str) -> None:
    encoded = encode(w.BidRequest(amount=amount))
    assert encoded == {"amount": wire}
    assert decode(json.dumps(encoded), w.BidRequest).amount == amount


@pytest.mark.parametrize(("number", "amount"), [(150, Decimal(150)), (10.5, Decimal("10.5")),
                                               (0, Decimal(0))])
def test_gen_a_money_numbers_decode_exactly(number: float, amount: Decimal) -> None:
    assert decode(json.dumps({"amount": number}), w.HighestBid).amount == amount


REQUESTS = [
    (w.RouteRequest(access_code="VIP2024"), {"accessCode": "VIP2024"}),
    (w.RouteRequest(), {}),
    (w.OtpRequest(email="a@b.c", default_country="US"), {"email": "a@b.c", "defaultCountry": "US"}),
    (w.OtpVerify(code="123456", phone="+12025551234"), {"code": "123456", "phone": "+12025551234"}),
    (w.RefreshRequest(refresh_token="rt"), {"refreshToken": "rt"}),
    (w.ExternalExchange(exchange_code="xc"), {"exchangeCode": "xc"}),
    (w.TimedReleaseEnterRequest(variant_id="v1"), {"variantId": "v1"}),
    (w.ChallengeVerifyRequest(challenge_id="ch", token="tk"), {"challengeId": "ch", "token": "tk"}),
    (w.QueueDenyRequest(consumer_id="c", reason="BOT_DETECTED"),
     {"consumerId": "c", "reason": "BOT_DETECTED"}),
    (w.ArchivedStatusRequest(experience_ids=("e1",)), {"experienceIds": ["e1"]}),
    (w.BidRequest(amount=Decimal("12.50")), {"amount": "12.50"}),
]


@pytest.mark.parametrize(("request_body", "wire"), REQUESTS,
                         ids=[type(r[0]).__name__ for r in REQUESTS])
def test_request_bodies_encode_in_camel_case(request_body: Any, wire: dict[str, Any]) -> None:
    assert encode(request_body) == wire
    assert json.loads(dumps(request_body)) == wire


TAGGED = [
    (w.QueueGranted(admission_grant="g"), {"status": "GRANTED", "admissionGrant": "g"}),
    (w.DrawNotEntered(), {"status": "NOT_ENTERED"}),
    (w.BotCheckGate(status="required", reason=w.Reason(code=w.ReasonCode.BOT_REQUIRED)),
     {"type": "bot_check", "status": "required", "reason": {"code": "BOT_REQUIRED"}}),
    (w.RouteNoAccess(experience_id="e"),
     {"outcome": "no_access", "experienceId": "e", "offers": [], "outcomeReasons": [],
      "schemaVersion": 1}),
    (w.GatedJourneyProjection(experience_id="e"),
     {"journeyStage": "gated", "experienceId": "e", "gates": []}),
]


@pytest.mark.parametrize(("member", "wire"), TAGGED, ids=[type(t[0]).__name__ for t in TAGGED])
def test_union_members_encode_their_tag(member: Any, wire: dict[str, Any]) -> None:
    assert encode(member) == wire
