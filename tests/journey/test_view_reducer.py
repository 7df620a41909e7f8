"""The view through the one fold: ``/consumers/me`` projections (appointments, settling, the
nine outcomes) resume into views; claim (GrantClaimed) and access-code advance (AccessCodeAdvanced)
in the reducer; the docs' resume_from_server object parsed."""

from __future__ import annotations

from typing import Any

import pytest
from factories import EXPERIENCE_ID, T0, act, fold, me_projection, route, snapshot_at, status

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.machine import initial_snapshot
from fanfare_rx.journey.core.messages import AccessCodeAdvanced, GrantClaimed, ResumedFromMe, Tick
from fanfare_rx.journey.core.view import display_of, view_of
from fanfare_rx.journey.resume_args import resume_target
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot
from fanfare_rx.models.view import SequenceView
from fanfare_rx.testing import builders as b


def resumed(projection: wire.RoutedJourneyProjection, *, at: int = T0) -> JourneySnapshot:
    return fold(initial_snapshot(EXPERIENCE_ID), ResumedFromMe(at=at, projection=projection))


def sequence(snapshot: JourneySnapshot) -> SequenceView:
    view = view_of(snapshot)
    assert view.sequence is not None, view
    return view.sequence


@pytest.mark.parametrize(("phase", "consumer_status", "actions"), [
    ("enterable", "not_booked", {"book"}),
    ("participating", "booked", {"cancel", "reschedule"}),
    ("participating", "checked_in", {"cancel", "reschedule"}),
])
def test_appointment_from_me(phase: str, consumer_status: str, actions: set[str]) -> None:
    snap = resumed(me_projection(phase, "appointment", consumer_status=consumer_status, position=None))
    seq = sequence(snap)
    assert (seq.phase, seq.mechanism, seq.actions) == (phase, "appointment", actions)
    assert "leave" not in seq
    display = display_of(snap)
    if phase == "participating":
        assert display is not None and display.status == consumer_status.upper()
    else:
        assert display is None


@pytest.mark.parametrize("kind", ["draw", "auction"])
def test_settling_from_me(kind: str) -> None:
    seq = sequence(resumed(me_projection("settling", kind, consumer_status="entered", lifecycle="settling")))
    assert (seq.phase, seq.mechanism, seq.actions) == ("settling", kind, frozenset())


@pytest.mark.parametrize("outcome", [o.value for o in wire.OutcomeType])
def test_each_outcome_from_me(outcome: str) -> None:
    seq = sequence(resumed(me_projection("ended", "queue", outcome=outcome, lifecycle="closed")))
    assert seq.phase == "ended" and seq.outcome is not None and seq.outcome.type == outcome


def test_granted_from_me_then_claimed_is_never_expired_by_the_client() -> None:
    snap = resumed(me_projection("granted", grant="tok", grant_expires_at=T0 + 60_000, consumer_status="granted"))
    assert sequence(snap).phase == "granted" and "claim" in sequence(snap)
    claimed = fold(snap, GrantClaimed(at=T0 + 1_000))
    assert claimed.revision == snap.revision + 1 and claimed.context.checkout_started
    assert claimed.sequence_stage == "admitted" and sequence(claimed).checkout_started
    assert fold(claimed, GrantClaimed(at=T0 + 2_000)) is claimed  # once
    later = fold(claimed, Tick(at=T0 + 120_000))
    assert later is claimed  # the expiry tick is ignored after claim
    unclaimed = fold(snap, Tick(at=T0 + 120_000))
    assert unclaimed.sequence_stage == "admission_expired"
    assert sequence(unclaimed).phase == "ended"


def test_claim_outside_granted_changes_nothing() -> None:
    snap = snapshot_at("queue", availability="open")
    assert fold(snap, GrantClaimed(at=T0)) is snap


def test_claim_mark_clears_once_the_grant_is_gone() -> None:
    snap = snapshot_at("queue", availability="open", state="GRANTED")
    claimed = fold(snap, GrantClaimed(at=T0 + 1))
    assert claimed.context.checkout_started
    done = fold(claimed, status(wire.QueueCompleted(), at=T0 + 2))
    assert done.sequence_stage == "ended" and not done.context.checkout_started


def test_status_with_a_past_expiry_does_not_lapse_a_claimed_grant() -> None:
    snap = snapshot_at("queue", availability="open", state="GRANTED")
    claimed = fold(snap, GrantClaimed(at=T0 + 1))
    again = fold(claimed, status(b.queue_granted("grant-1", expires_at=b.at(T0 / 1000)), at=T0 + 5_000))
    assert again.sequence_stage == "admitted"


def test_access_code_advanced_commits_the_code_and_moves_the_sequence() -> None:
    vip = b.experience(extra_sequences=b.experience(sequence_id="vip").sequences or ())
    snap = fold(initial_snapshot(EXPERIENCE_ID), act(JourneyAction.START, at=T0),
                route(b.routed(offers=(b.offer("vip", b.access_code_gate()),)), vip),
                act(JourneyAction.SKIP_ACCESS_CODE, at=T0),
                route(b.routed(offers=(b.offer("vip", b.access_code_gate()),)), vip))
    assert snap.journey_stage == "routed" and snap.context.sequence_id == "seq-1"
    advanced = fold(snap, AccessCodeAdvanced(at=T0 + 1, code="VIP2024",
                                             result=b.routed("vip", priority=10), experience=vip))
    assert advanced.context.sequence_id == "vip" and advanced.context.access_code == "VIP2024"
    assert sequence(advanced).phase == "enterable" and "VIP2024" not in repr(advanced)


DOCS_SHAPE: list[tuple[Any, Any, tuple[str, str | None, int | None]]] = [
    ({"sequenceId": "s1"}, None, ("s1", None, None)),
    ({"sequenceId": "s1", "waitlist": {"waitlistId": "w1", "enteredAt": 1_000}}, None, ("s1", "w1", 1_000)),
    ({"sequenceId": "s1", "waitlist": {"waitlistId": "w1", "enteredAt": "1970-01-01T00:00:01Z"}}, None,
     ("s1", "w1", 1_000)),
    ("s1", ("w1", 5), ("s1", "w1", 5)),
    ("s1", {"waitlistId": "w1"}, ("s1", "w1", None)),
]


@pytest.mark.parametrize(("sequence_arg", "waitlist", "expected"), DOCS_SHAPE)
def test_resume_target_shapes(sequence_arg: Any, waitlist: Any, expected: Any) -> None:
    assert resume_target(sequence_arg, waitlist) == expected


@pytest.mark.parametrize(("sequence_arg", "waitlist"), [
    ({}, None), ({"sequenceId": ""}, None), (None, None),
    ({"sequenceId": "s1", "waitlist": {"enteredAt": 1}}, None),
    ({"sequenceId": "s1", "waitlist": {"waitlistId": "w", "enteredAt": "yesterday"}}, None),
    ({"sequenceId": "s1", "waitlist": {"waitlistId": "w", "enteredAt": "2026-01-01T00:00:00"}}, None),
    ({"sequenceId": "s1", "waitlist": {"waitlistId": "w"}}, ("w", 1)),
    ("s1", "w1"),
])
def test_resume_target_rejects_bad_input(sequence_arg: Any, waitlist: Any) -> None:
    with pytest.raises(UsageError):
        resume_target(sequence_arg, waitlist)
