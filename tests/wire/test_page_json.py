"""``view_to_json`` / ``page_to_json`` for a browser (grant redacted unless asked) and the saved
snapshot's ``schemaVersion``: written, an older snapshot without it loads, an unknown future
version is a clear DecodeError."""

from __future__ import annotations

import json

import pytest

from fanfare_rx.errors import DecodeError, UsageError
from fanfare_rx.journey.core.page import page_of
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.models.connection import Connection
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b
from fanfare_rx.wire.codec import (
    SNAPSHOT_SCHEMA_VERSION,
    page_to_json,
    snapshot_from_json,
    snapshot_to_json,
    view_to_json,
)


def granted_journey() -> JourneyHarness:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 90))
    h.server.on_status("-n|", "-g|", n=b.not_queued(),
                       g=b.queue_granted("grant-secret-token", expires_at=b.at(300)))
    h.act("-s--eP", s="start", e="enter_queue", P=lambda j: j.start_polling(2000))
    h.advance(9)
    h.journey.stop_polling()
    return h


def test_page_json_has_what_a_page_draws_and_no_grant() -> None:
    h = granted_journey()
    page = h.journey.page.get()
    data = json.loads(page_to_json(page))
    assert data["view"]["sequence"]["phase"] == "granted"
    assert data["view"]["sequence"]["actions"] == ["claim"]
    assert "grant-secret-token" not in page_to_json(page)
    assert data["countdowns"] == [{"kind": "grant_expires_in", "at": 300_000}]
    assert data["connection"] == {"status": "online", "serverOffsetMs": 0, "failOpen": False}
    assert data["wait"] == {"seconds": None, "known": False, "text": "wait time unknown"}
    assert data["position"] is None and data["revision"] == page.revision
    full = json.loads(page_to_json(page, secrets=True))
    assert full["view"]["sequence"]["grant"]["token"] == "grant-secret-token"


def test_view_json_of_a_value_or_a_live_view() -> None:
    h = granted_journey()
    live = h.journey.view.get()
    assert view_to_json(live) == view_to_json(view_of(h.journey.state.get()))
    assert json.loads(view_to_json(live))["journeyStage"] == "routed"
    with pytest.raises(UsageError):
        view_to_json(object())


def test_participating_page_json_position_and_wait() -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_enter("-q|", q=b.queued(3, 90))
    h.server.on_status("-n|", n=b.not_queued())
    h.act("-s--e", s="start", e="enter_queue")
    h.advance(6)
    data = json.loads(page_to_json(page_of(h.journey.state.get())))
    assert data["position"] == 3
    assert data["wait"] == {"seconds": 90.0, "known": True, "text": "about 2 minutes"}


def test_saved_snapshot_carries_its_schema_version_and_round_trips() -> None:
    h = granted_journey()
    h.journey.observe_connection(Connection(status="offline", since=5))
    h.advance(1)
    snap = h.journey.state.get()
    text = snapshot_to_json(snap)
    assert json.loads(text)["schemaVersion"] == SNAPSHOT_SCHEMA_VERSION == 1
    assert snapshot_from_json(text) == snap


def test_an_older_snapshot_without_a_version_loads() -> None:
    snap = granted_journey().journey.state.get()
    data = json.loads(snapshot_to_json(snap))
    del data["schemaVersion"]
    assert snapshot_from_json(json.dumps(data)) == snap


@pytest.mark.parametrize("version", [2, 99, "1", 0, True, 1.5])
def test_an_unknown_or_bad_version_is_a_decode_error(version: object) -> None:
    data = json.loads(snapshot_to_json(granted_journey().journey.state.get()))
    data["schemaVersion"] = version
    with pytest.raises(DecodeError) as refused:
        snapshot_from_json(json.dumps(data))
    assert refused.value.path == "$.schemaVersion"
    assert "schemaVersion" in str(refused.value)
