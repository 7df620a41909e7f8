"""The flight recorder on virtual time: every folded message is written with its time (polls and
the grant's expiry tick included), secrets only as stand-ins, and the replay yields the
snapshots the journey's ``state`` had; the codec round-trips every kind of message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args
from unittest.mock import patch

import attrs
import pytest

from fanfare_rx import replay
from fanfare_rx.errors import JourneyDestroyedError, UsageError
from fanfare_rx.journey.core import messages as m
from fanfare_rx.journey.recorder import (
    message_from_json,
    message_to_json,
    read_recording,
    redacted,
)
from fanfare_rx.mechanisms import registry
from fanfare_rx.models._redact import redact
from fanfare_rx.models.actions import Bid, Book, Cancel, Enter
from fanfare_rx.models.connection import Connection, ConnectionStatus
from fanfare_rx.models.journey import JourneySnapshot
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b

GRANT = "grant-0123456789abcdef-0123456789abcdef"
REGISTERED = registry.registered()


def _granted_then_lapsed(tmp_path: Path) -> tuple[JourneyHarness, Path, list[JourneySnapshot]]:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    h.server.on_enter("-q|", q=b.queued(2))
    h.server.on_status("-o|", "-g|", o=b.queued(1), g=b.queue_granted(GRANT, expires_at=b.at(20)))
    path = tmp_path / "journey.jsonl"
    h.journey.record(path)
    live: list[JourneySnapshot] = []
    h.journey.state.subscribe(live.append)
    h.act("s---e", s="start", e="enter_queue")
    h.advance(6)
    h.journey.start_polling(2000)
    h.advance(30)  # polled to a grant that lapses at 20 s: the expiry tick
    return h, path, live


def test_the_replay_yields_every_snapshot_the_journey_had(tmp_path: Path) -> None:
    h, path, live = _granted_then_lapsed(tmp_path)
    assert live[-1].sequence_stage == "admission_expired"
    replayed = list(replay(path))
    assert [redacted(s) for s in replayed] == [redacted(s) for s in live]
    assert any(s.context.admittance_token == GRANT for s in live)
    assert GRANT not in path.read_text()
    h.destroy()


def test_every_folded_message_is_written_with_its_time(tmp_path: Path) -> None:
    h, path, _ = _granted_then_lapsed(tmp_path)
    recording = read_recording(path)
    kinds = [type(msg).__name__ for msg in recording.messages]
    assert kinds.count("Tick") == 1  # the grant's expiry
    assert kinds.count("StatusReceived") >= 3  # status after routing, enter, polls
    times = [msg.at for msg in recording.messages]
    assert times == sorted(times) and times[-1] == 20_000
    header = json.loads(path.read_text().splitlines()[0])
    assert header["recording"] == 1 and header["experienceId"] == recording.experience_id
    h.destroy()


def test_destroy_ends_the_recording_and_a_second_record_replaces_the_first(tmp_path: Path) -> None:
    h = JourneyHarness(b.experience("queue"))
    first = h.journey.record(tmp_path / "a.jsonl")
    second = h.journey.record(tmp_path / "b.jsonl")
    assert first.closed and not second.closed
    h.destroy()
    assert second.closed
    with pytest.raises(JourneyDestroyedError):
        h.journey.record(tmp_path / "c.jsonl")
    assert list(replay(tmp_path / "b.jsonl")) == [h.journey.state.get()]


def test_a_marked_admission_is_written_only_as_a_stand_in(tmp_path: Path) -> None:
    h = JourneyHarness(b.experience("queue"))
    path = tmp_path / "journey.jsonl"
    h.journey.record(path)
    h.journey.mark_admitted(GRANT, expires_at_ms=60_000)
    text = path.read_text()
    assert GRANT not in text and f"redacted, {len(GRANT)} chars" in text
    live = h.journey.state.get()
    replayed = list(replay(path))[-1]
    assert replayed.context.admittance_token != GRANT
    assert redacted(replayed) == redacted(live)
    h.destroy()


MESSAGES: list[m.Message] = [
    m.ActionRequested(at=1, action="start"),
    m.ActionRequested(at=1, action="provide_access_code", arg="VIP-2024-SECRET"),
    m.ActionRequested(at=1, action="place_bid", value=Bid("10.50")),
    m.ActionRequested(at=1, action="book_appointment", value=Book("slot-1", "loc-1")),
    m.ActionRequested(at=1, action="cancel_appointment", value=Cancel()),
    m.ActionRequested(at=1, action="enter_queue", value=Enter()),
    m.ExperienceLoaded(at=2, experience=b.experience("draw")),
    m.RouteResolved(at=3, result=b.routed(), experience=b.experience("queue"), follow=False),
    m.RoutingStarted(at=3),
    m.StatusReceived(at=4, distribution_id="d", state=b.queued(3)),
    m.StatusReceived(at=4, distribution_id="d", state=b.draw_won()),
    m.StatusReceived(at=4, distribution_id="d", state=b.auction_winning("120.00")),
    m.StatusReceived(at=4, distribution_id="d", state=b.timed_release_granted()),
    m.StatusReceived(at=4, distribution_id="d", state=b.appointment_state("BOOKED", "s1")),
    m.WaitlistChanged(at=5, waitlist_id="w", entered=True, entered_at=4),
    m.ActionFailed(at=6, action="enter_queue", code="RATE_LIMITED", message="busy", status=429,
                   retryable=True),
    m.Tick(at=7),
    m.AdmissionMarked(at=8, token=GRANT, expires_at=9),
    m.GrantClaimed(at=9),
    m.EventAcked(at=10, event_id="e-1"),
    m.AllEventsAcked(at=11),
    m.SessionLost(at=12, code="SESSION_LOST", message="gone"),
    m.ConnectionObserved(at=13, connection=Connection(status=ConnectionStatus.OFFLINE, since=13,
                                                      server_offset_ms=-250)),
    m.FailOpenElapsed(at=14, since=13),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda msg: type(msg).__name__)
def test_each_message_round_trips_through_json_with_secrets_redacted(message: m.Message) -> None:
    line = message_to_json(message)
    assert "\n" not in line and json.loads(line)["$type"] == type(message).__name__
    assert message_from_json(line) == redacted(message)
    assert GRANT not in line and "VIP-2024-SECRET" not in line


def test_a_line_that_is_no_message_is_a_usage_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    h = JourneyHarness(b.experience("queue"))
    h.journey.record(path)
    h.destroy()
    with path.open("a") as file:
        file.write('{"$type": "Teleported", "at": 1}\n')
    with pytest.raises(UsageError, match="bad.jsonl:2"):
        list(replay(path))
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(UsageError, match="empty"):
        read_recording(tmp_path / "empty.jsonl")


def test_every_kind_of_message_is_in_the_round_trip_list() -> None:
    listed = {type(message) for message in MESSAGES}
    missing = set(get_args(m.Message)) - listed - {m.AccessCodeAdvanced, m.ResumedFromMe,
                                                   m.ResumedFromServer}
    assert not missing
    # The three left out carry wire values checked here through a real fold of each:
    for message in (
        m.AccessCodeAdvanced(at=1, code="VIP-2024-SECRET", result=b.routed(),
                             experience=b.experience("queue")),
        m.ResumedFromServer(at=2, experience=b.experience("draw", waitlist=True),
                            sequence_id=b.SEQUENCE_ID, waitlist_id="w-1", waitlist_entered_at=1),
    ):
        line = message_to_json(message)
        assert message_from_json(line) == redacted(message)
        assert "VIP-2024-SECRET" not in line


def test_a_message_the_recorder_cannot_write_stops_the_recording_not_the_journey(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    h.server.on_enter("-q|", q=b.queued(2))
    recorder = h.journey.record(tmp_path / "journey.jsonl")
    h.act("s", s="start")
    h.advance(3)
    recorder._file.close()  # type: ignore[union-attr]  # the disk went away under it
    h.act("e", e="enter_queue")
    h.advance(2)
    assert h.journey.sequence_stage.get() == "participating"  # the journey went on
    assert recorder.closed and isinstance(recorder.error, ValueError)
    assert "flight recorder" in caplog.text
    assert len(read_recording(tmp_path / "journey.jsonl").messages) == 4
    h.destroy()


def test_a_plug_in_mechanisms_states_round_trip_once_registered() -> None:
    @attrs.frozen
    class RaffleTicket:
        status: str
        ticket: str = attrs.field(repr=redact)

    message = m.StatusReceived(at=1, distribution_id="r-1",
                               state=RaffleTicket("HELD", "t" * 30))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        message_to_json(message)
    spec = attrs.evolve(registry.registered()[0], state_types=(RaffleTicket,))
    with patch.object(registry, "registered", lambda: (*REGISTERED, spec)):
        line = message_to_json(message)
        assert "t" * 30 not in line
        assert message_from_json(line) == redacted(message)


def test_a_path_that_cannot_be_written_is_refused_where_given(tmp_path: Path) -> None:
    h = JourneyHarness(b.experience("queue"))
    recorder = h.journey.record(tmp_path / "journey.jsonl")
    with pytest.raises(UsageError, match="cannot record the journey"):
        h.journey.record(tmp_path / "missing-directory" / "journey.jsonl")
    assert not recorder.closed  # the recording under way goes on
    h.destroy()
    assert recorder.closed
