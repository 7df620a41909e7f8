"""Hostile bodies give a DecodeError, never a crash or a value that cannot be written back:
deep nesting, NaN/Infinity, date-times with no UTC equivalent; the snapshot loader too."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanfare_rx.errors import DecodeError, ServerError
from fanfare_rx.models import journey as j
from fanfare_rx.models import wire as w
from fanfare_rx.wire.codec import (
    MAX_DEPTH,
    decode,
    encode,
    snapshot_from_json,
    snapshot_to_json,
    structure,
)
from fanfare_rx.wire.http_errors import error_from_response

QUEUE = {"id": "q1", "timeZone": "UTC", "admitRate": 60, "supportsGuest": True}
SNAPSHOT = j.JourneySnapshot(journey_stage=j.JourneyStage.NOT_STARTED,
                             sequence_stage=j.SequenceStage.NONE,
                             context=j.JourneyContext(experience_id="exp-1"))


def _nested(levels: int, leaf: str = "1") -> str:
    return "[" * levels + leaf + "]" * levels


def _nested_objects(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


# --- depth ------------------------------------------------------------------------------------


#: Where a body of nested arrays under ``details`` crosses :data:`MAX_DEPTH` (the body is level
#: 1, so the first node refused is at level MAX_DEPTH + 1).
_CROSSED = "$.details" + "[0]" * (MAX_DEPTH - 1)


@pytest.mark.parametrize("levels", [1_000, 5_000, 100_000])
@pytest.mark.parametrize("cls", [w.WireError, w.Queue, w.QueueConsumerState, j.JourneySnapshot])
def test_nesting_that_may_exhaust_the_parser_is_a_decode_error(levels: int, cls: Any) -> None:
    """Deep enough to exhaust ``json``'s parser on some Python versions (3.11 gives up before
    1,000 levels, 3.13 parses 5,000): either way a DecodeError, at the root when the parser
    gave up, else where the depth limit was crossed."""
    body = '{"details": ' + _nested(levels) + "}"
    with pytest.raises(DecodeError, match="nested deeper") as caught:
        decode(body, cls)
    assert caught.value.path in ("$", _CROSSED)


def test_nesting_the_parser_gives_up_on_is_a_decode_error_at_the_root() -> None:
    """Nesting that exhausts the parser on every supported Python (the recursion limit is far
    below 1,000,000 levels) is refused at the root, never a RecursionError."""
    with pytest.raises(DecodeError, match="nested deeper") as caught:
        decode('{"details": ' + _nested(1_000_000) + "}", w.WireError)
    assert caught.value.path == "$"


def test_nesting_past_the_limit_names_where_it_crossed() -> None:
    body = json.dumps({"error": "x", "details": _nested_objects(MAX_DEPTH)})
    with pytest.raises(DecodeError, match=f"deeper than {MAX_DEPTH}") as caught:
        decode(body, w.WireError)
    # The body is level 1, so level MAX_DEPTH + 1 is the first one refused.
    assert caught.value.path == "$.details" + ".a" * (MAX_DEPTH - 1)
    assert caught.value.model == "WireError"


def test_nesting_up_to_the_limit_decodes() -> None:
    inner = _nested_objects(MAX_DEPTH - 1)
    parsed = decode(json.dumps({"error": "x", "details": inner}), w.WireError)
    assert parsed.details == inner


def test_an_error_answer_with_a_deep_body_is_still_its_typed_error() -> None:
    err = error_from_response(503, ('{"details": ' + _nested(50_000) + "}").encode(), {})
    assert type(err) is ServerError and err.status == 503 and err.details == {}


# --- NaN and Infinity -------------------------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_non_finite_numbers_are_rejected_naming_the_path(literal: str) -> None:
    with pytest.raises(DecodeError, match="finite") as caught:
        decode(json.dumps(QUEUE).replace('"admitRate": 60', f'"admitRate": {literal}'), w.Queue)
    assert caught.value.path == "$.admitRate" and caught.value.model == "Queue"


@pytest.mark.parametrize(("body", "path"), [
    ('{"error": "x", "details": {"rows": [1, 2, NaN]}}', "$.details.rows[2]"),
    ('{"error": "x", "retryAfter": Infinity}', "$.retryAfter"),
    (('{"active": {"journeys": []}, "waitlists": [{"waitlistId": "w", "sequenceId": "s", '
      '"experienceId": "e", "position": NaN}]}'), "$.waitlists[0].position"),
])
def test_non_finite_numbers_anywhere_are_rejected(body: str, path: str) -> None:
    cls = w.ConsumerMe if body.startswith('{"active"') else w.WireError
    with pytest.raises(DecodeError) as caught:
        decode(body, cls)
    assert caught.value.path == path


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_structure_rejects_non_finite_floats_too(value: float) -> None:
    with pytest.raises(DecodeError, match="finite") as caught:
        structure({**QUEUE, "admitRate": value}, w.Queue)
    assert caught.value.path == "$.admitRate"


@given(number=st.floats())
def test_whatever_decodes_encodes_as_strict_json(number: float) -> None:
    try:
        queue = decode(json.dumps({**QUEUE, "admitRate": number}), w.Queue)
    except DecodeError as err:
        assert not math.isfinite(number) and err.path == "$.admitRate"
    else:
        assert json.loads(json.dumps(encode(queue), allow_nan=False))["admitRate"] == number


def test_snapshot_json_loader_rejects_nan_and_depth() -> None:
    data = json.loads(snapshot_to_json(SNAPSHOT))
    data["context"]["estimatedWaitSeconds"] = math.nan
    with pytest.raises(DecodeError) as caught:
        snapshot_from_json(json.dumps(data))
    assert caught.value.path == "$.context.estimatedWaitSeconds"
    with pytest.raises(DecodeError, match="nested deeper"):
        snapshot_from_json(snapshot_to_json(SNAPSHOT)[:-1] + ',"x":' + _nested(10_000) + "}")


def test_snapshot_json_writer_never_writes_nan() -> None:
    import attrs

    bad = attrs.evolve(SNAPSHOT, context=attrs.evolve(SNAPSHOT.context,
                                                      estimated_wait_seconds=math.inf))
    with pytest.raises(ValueError, match="JSON compliant"):
        snapshot_to_json(bad)
    assert snapshot_from_json(snapshot_to_json(SNAPSHOT)) == SNAPSHOT


# --- date-times that cannot be written back ---------------------------------------------------


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "0001-01-01T13:59:59+14:00",
                                  "9999-12-31T23:59:59-00:01", "9999-12-31T12:00:00-14:00"])
def test_date_times_with_no_utc_equivalent_are_rejected(text: str) -> None:
    body = json.dumps({"type": "guest", "consumerId": "c1", "expiresAt": text})
    with pytest.raises(DecodeError, match="out of range") as caught:
        decode(body, w.SessionInfo)
    assert caught.value.path == "$.expiresAt" and text in str(caught.value)


@pytest.mark.parametrize("text", ["0001-01-01T14:00:00+14:00", "0001-01-01T00:00:00Z",
                                  "9999-12-31T23:59:59Z", "9999-12-31T09:59:59-14:00"])
def test_date_times_at_the_edges_round_trip(text: str) -> None:
    body = json.dumps({"type": "guest", "consumerId": "c1", "expiresAt": text})
    session = decode(body, w.SessionInfo)
    assert decode(json.dumps(encode(session)), w.SessionInfo) == session


# --- the safe parser, for other JSON the library reads (stored sessions ...) -------------------


def test_parse_json_is_public_and_raises_only_decode_errors() -> None:
    from fanfare_rx.wire import codec

    assert codec.parse_json('{"a": [1, 2.5]}', "Stored") == {"a": [1, 2.5]}
    for text, match in [("[" * 100_000, "nested deeper"), ('{"a": NaN}', "finite"),
                        ("{", "malformed")]:
        with pytest.raises(DecodeError, match=match) as caught:
            codec.parse_json(text, "Stored")
        assert caught.value.model == "Stored"


@pytest.mark.parametrize("body", [
    {"status": "QUEUED", "position": -1, "estimatedWaitTimeInSeconds": 5},
    {"status": "QUEUED", "position": 2, "estimatedWaitTimeInSeconds": -5},
    {"status": "LEFT", "position": -4},
])
def test_a_negative_queue_position_is_a_decode_error(body: dict[str, Any]) -> None:
    with pytest.raises(DecodeError):
        decode(json.dumps(body).encode(), w.QueueConsumerState)


def test_a_negative_position_in_consumers_me_is_a_decode_error() -> None:
    with pytest.raises(DecodeError):
        structure({"status": "queued", "position": -2}, w.ConsumerProjection)


@pytest.mark.parametrize(("raw", "status"), [
    ("entered", w.TimedReleaseStatus.ENTERED),
    ("not_entered", w.TimedReleaseStatus.NOT_ENTERED),
    ("completed", w.TimedReleaseStatus.COMPLETED),
    ("ADMITTED", w.TimedReleaseStatus.GRANTED),
])
def test_timed_release_statuses_decode_in_any_case(raw: str, status: w.TimedReleaseStatus) -> None:
    """Timed-release statuses are free strings; the gen C projection writes them lower-case."""
    assert decode(json.dumps({"status": raw}).encode(), w.TimedReleaseConsumerState).status is status
