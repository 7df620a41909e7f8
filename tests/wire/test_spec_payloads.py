"""The spec's example bodies (tests/wire/payloads) decode into the expected models and values.

One row per body the journey reads: sessions, experiences, route results, consumer states,
waitlists, the /consumers/me projection and every error-body shape of spec §3.1.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from wire_helpers import at, payload, payload_text, utc

from fanfare_rx.models import wire as w
from fanfare_rx.wire.codec import decode, encode, structure

D = Decimal

# (fixture, decode as, expected class, {attribute path: expected value})
CASES: list[tuple[str, Any, type, dict[str, Any]]] = [
    # §2.5 session envelope and §4.1 auth
    ("auth/session_guest", w.SessionEnvelope, w.SessionEnvelope, {
        "session.type": w.SessionType.GUEST,
        "session.consumer_id": "guest_01HZX8",
        "session.guest_id": "guest_01HZX8",
        "session.expires_at": utc("2025-06-01T12:00:00"),
        "access_token": "eyJhbGciOiJFZERTQSJ9.guest-access.sig",
        "refresh_token": "rt_guest_0123456789abcdef0123",
        "refresh_token_ttl_seconds": 2592000,
        "beacon_token": "bt_guest_0123456789abcdef01234",
    }),
    ("auth/session_authenticated", w.SessionEnvelope, w.SessionEnvelope, {
        "session.type": w.SessionType.AUTHENTICATED,
        "session.email": "shopper@example.com",
        "session.phone": "+12025551234",
        "session.expires_at": utc("2025-06-01T12:15:30.250"),
        "session.guest_id": None,
    }),
    ("auth/session_gen_b", w.SessionEnvelope, w.SessionEnvelope, {
        "refresh_token": None,
        "refresh_token_ttl_seconds": None,
        "beacon_token": "bt_genb_0123456789abcdef012345",
    }),
    ("auth/refresh_result", w.RefreshResult, w.RefreshResult, {
        "access_token": "eyJhbGciOiJFZERTQSJ9.refreshed.sig",
        "refresh_token": "rt_rotated_0123456789abcdef0123",
        "access_token_expires_at": utc("2025-06-01T12:30:00"),
        "refresh_token_ttl_seconds": 2592000,
    }),
    ("auth/otp_request_result", w.OtpRequestResult, w.OtpRequestResult, {"ok": True}),
    # §4.3 experiences
    ("experience/experience", w.Experience, w.Experience, {
        "name": "Summer Drop",
        "currency_code": "USD",
        "open_at": utc("2025-06-01T14:00:00"),
        "close_at": None,
        "has_protected_sequences": True,
        "sequences.0.priority": 10.0,
        "sequences.0.queues.0.admit_rate": 2.5,
        "sequences.0.queues.0.admission_expiration_seconds": 600,
        "sequences.0.queues.0.capacity": None,
        "sequences.0.queues.0.max_admissions": 1000,
        "sequences.0.draws": (),
        "sequences.0.auctions": None,
        "sequences.0.waitlist": w.WaitlistRef(id="wl-1", capacity=None),
        "sequences.1.priority": 5.5,
        "sequences.1.draws.0.draw_at": utc("2025-06-02T00:00:00"),
        "sequences.1.draws.0.capacity": 50,
        "sequences.2.auctions.0.start_price": D("100.00"),
        "sequences.2.auctions.0.reserve_price": D("1500.00"),
        "sequences.2.auctions.0.min_bid_increment": D("5.00"),
        "sequences.2.auctions.0.auction_type": "english",
        "sequences.3.timed_releases.0.id": "tr-1",
        "sequences.3.timed_releases.0.supports_guest": True,
    }),
    ("experience/experience_minimal", w.Experience, w.Experience, {
        "sequences": None, "open_at": None, "has_protected_sequences": None,
    }),
    ("experience/experience_entered", w.ExperienceEntered, w.ExperienceEntered, {
        "experience_id": "e-min",
        "entered_at": utc("2025-06-01T14:00:01"),
        "experience.name": "Minimal",
    }),
    ("experience/experience_left", w.ExperienceLeft, w.ExperienceLeft, {"left": True}),
    ("experience/archived_status", w.ArchivedStatusResult, w.ArchivedStatusResult, {
        "live_experience_ids": ("e1", "e2"),
    }),
    # §4.3 route results
    ("route/routed_with_offers", w.RouteResult, w.RouteRouted, {
        "schema_version": 1,
        "experience_id": "exp-1",
        "selected.status": "admissible",
        "selected.sequence.availability": w.Availability.OPEN,
        "selected.sequence.color": None,
        "selected.gates": (),
        "selected.sequence_capability_grant": "scg_0123456789abcdef0123456789",
        "selected.sequence_capability_grant_expires_at": utc("2025-06-01T14:05:00"),
        "offers.0.status": "gated",
        "offers.0.sequence.priority": 100.0,
        "offers.0.sequence.availability": None,
        "offers.0.gates.0": w.AccessCodeGate(
            status="missing", reason=w.Reason(code=w.ReasonCode.ACCESS_CODE_REQUIRED)
        ),
        "offers.0.reasons.0.detail": "VIP code unlocks early access",
    }),
    ("route/gated_authentication", w.RouteResult, w.RouteGated, {
        "selected.status": "gated",
        "selected.sequence.availability": w.Availability.UPCOMING,
        "selected.gates.0": w.AuthenticationGate(
            status="required", reason=w.Reason(code=w.ReasonCode.AUTH_REQUIRED)
        ),
        "outcome_reasons.0.code": w.ReasonCode.AUTH_REQUIRED,
        "offers": (),
    }),
    ("route/gated_access_code_invalid", w.RouteResult, w.RouteGated, {
        "selected.gates.0.status": "invalid",
        "selected.gates.0.reason.code": w.ReasonCode.ACCESS_CODE_INVALID,
        "selected.gates.0.reason.detail": "unknown code",
    }),
    ("route/gated_bot_check", w.RouteResult, w.RouteGated, {
        "selected.sequence.availability": w.Availability.WAITLIST,
        "selected.gates.0.status": "required",
        "selected.gates.0.reason.code": w.ReasonCode.BOT_REQUIRED,
        "selected.gates.0.challenge": w.BotChallenge(
            id="ch-1",
            provider="turnstile",
            type="turnstile_managed",
            iframe_url="https://challenges.example.test/ch-1",
            expires_at=utc("2025-06-01T14:02:00"),
        ),
        "selected.gates.0.mitigation": w.BotMitigation(
            attempts_remaining=2, message="Please verify you are human"
        ),
    }),
    ("route/gated_bot_blocked", w.RouteResult, w.RouteGated, {
        "selected.sequence.availability": w.Availability.CLOSED,
        "selected.gates.0.status": "blocked",
        "selected.gates.0.challenge": None,
        "selected.gates.0.reason.code": w.ReasonCode.BOT_BLOCKED,
        "selected.gates.0.mitigation.attempts_remaining": 0,
        "selected.gates.0.mitigation.blocked_until": utc("2025-06-01T15:00:00"),
    }),
    ("route/no_access", w.RouteResult, w.RouteNoAccess, {
        "offers": (),
        "outcome_reasons": (
            w.Reason(code=w.ReasonCode.NO_SEQUENCES),
            w.Reason(code=w.ReasonCode.AUDIENCE_NOT_MEMBER, detail="not in audience"),
        ),
    }),
    # §4.4 queue states
    ("distributions/queue_not_queued", w.QueueConsumerState, w.QueueNotQueued, {
        "dequeued_at": None, "position": None,
    }),
    ("distributions/queue_queued", w.QueueConsumerState, w.QueueQueued, {
        "position": 42, "estimated_wait_time_in_seconds": 120.5,
        "position_display_mode": "precise",
    }),
    ("distributions/queue_granted", w.QueueConsumerState, w.QueueGranted, {
        "admission_grant": "ag_queue_0123456789abcdef0123",
        "expires_at": utc("2025-06-01T14:20:00"),
        "dequeued_at": utc("2025-06-01T14:10:00"),
        "position": 0,
    }),
    ("distributions/queue_left", w.QueueConsumerState, w.QueueLeft, {
        "position": 7, "dequeued_at": utc("2025-06-01T14:11:00"),
    }),
    ("distributions/queue_denied", w.QueueConsumerState, w.QueueDenied, {
        "reason": "BOT_DETECTED",
    }),
    ("distributions/queue_completed", w.QueueConsumerState, w.QueueCompleted, {
        "completed_at": utc("2025-06-01T14:15:00"), "admission_grant": None,
    }),
    # §4.5 draw states
    ("distributions/draw_not_entered", w.DrawConsumerState, w.DrawNotEntered, {}),
    ("distributions/draw_entered", w.DrawConsumerState, w.DrawEntered, {
        "entered_at": utc("2025-06-01T14:00:00"),
    }),
    ("distributions/draw_won", w.DrawConsumerState, w.DrawWon, {
        "admission_grant": "ag_draw_0123456789abcdef012345",
        "won_at": utc("2025-06-02T00:00:01"),
        "selected_product_id": "prod-9",
    }),
    ("distributions/draw_completed", w.DrawConsumerState, w.DrawCompleted, {
        "admission_grant": "ag_drawc_0123456789abcdef01234",
    }),
    ("distributions/draw_denied", w.DrawConsumerState, w.DrawDenied, {
        "reason": "NOT_SELECTED", "denied_at": utc("2025-06-02T00:00:01"),
    }),
    # §4.6 BidState
    ("distributions/auction_not_bid", w.AuctionConsumerState, w.AuctionConsumerState, {
        "status": w.AuctionStatus.NOT_BID, "bid_count": None,
    }),
    ("distributions/auction_bidding", w.AuctionConsumerState, w.AuctionConsumerState, {
        "status": w.AuctionStatus.BIDDING, "last_bid_amount": D("150.00"),
    }),
    ("distributions/auction_winning", w.AuctionConsumerState, w.AuctionConsumerState, {
        "status": w.AuctionStatus.WINNING, "winning_bid_amount": D("1500.50"), "bid_count": 3,
    }),
    ("distributions/auction_outbid", w.AuctionConsumerState, w.AuctionConsumerState, {
        "status": w.AuctionStatus.OUTBID, "last_bid_amount": None,
    }),
    ("distributions/auction_won", w.AuctionConsumerState, w.AuctionConsumerState, {
        "status": w.AuctionStatus.WON,
        "admission_grant": "ag_auction_0123456789abcdef0123",
        "winning_bid_amount": D("2000"),
    }),
    ("distributions/auction_lost", w.AuctionConsumerState, w.AuctionConsumerState, {
        "status": w.AuctionStatus.LOST, "last_bid_amount": D("99.99"),
    }),
    ("distributions/auction_enter_result", w.AuctionEnterResult, w.AuctionEnterResult, {
        "success": True,
    }),
    ("distributions/highest_bid", w.HighestBid, w.HighestBid, {"amount": D("1750.25")}),
    # §4.7 timed release
    ("distributions/timed_release_not_entered", w.TimedReleaseConsumerState,
     w.TimedReleaseConsumerState, {"status": w.TimedReleaseStatus.NOT_ENTERED}),
    ("distributions/timed_release_entered", w.TimedReleaseConsumerState,
     w.TimedReleaseConsumerState, {
         "status": w.TimedReleaseStatus.ENTERED, "selected_variant_id": "var-2",
         "entered_at": utc("2025-06-01T15:00:05"),
     }),
    ("distributions/timed_release_granted", w.TimedReleaseConsumerState,
     w.TimedReleaseConsumerState, {
         "status": w.TimedReleaseStatus.GRANTED,
         "admission_grant": "ag_timed_0123456789abcdef01234",
         "expires_at": utc("2025-06-01T15:10:05"),
     }),
    ("distributions/timed_release_completed", w.TimedReleaseConsumerState,
     w.TimedReleaseConsumerState, {
         "status": w.TimedReleaseStatus.COMPLETED, "completed_at": utc("2025-06-01T15:05:00"),
     }),
    ("distributions/timed_release_left", w.TimedReleaseConsumerState,
     w.TimedReleaseConsumerState, {
         "status": w.TimedReleaseStatus.LEFT, "left_at": utc("2025-06-01T15:01:00"),
     }),
    ("distributions/timed_release_leave", w.SuccessResult, w.SuccessResult, {
        "success": True, "admission_grant": None,
    }),
    ("distributions/timed_release_complete", w.SuccessResult, w.SuccessResult, {
        "success": True, "admission_grant": "ag_trc_0123456789abcdef0123456",
    }),
    # §4.8 waitlists
    ("distributions/waitlist_entry", w.WaitlistEntry, w.WaitlistEntry, {
        "id": "wle-1", "waitlist_id": "wl-1", "sequence_id": "seq-queue", "consumer_id": "c-1",
        "entered_at": utc("2025-06-01T13:00:00"),
    }),
    ("distributions/waitlist_status_entered", w.WaitlistStatus, w.WaitlistStatus, {
        "is_entered": True, "sequence_id": "seq-queue", "entered_at": utc("2025-06-01T13:00:00"),
    }),
    ("distributions/waitlist_status_not_entered", w.WaitlistStatus, w.WaitlistStatus, {
        "is_entered": False, "entered_at": None,
    }),
    ("distributions/waitlist_left", w.WaitlistLeft, w.WaitlistLeft, {"left": True}),
    # §4.2 /consumers/me, one row per phase
    ("consumers_me/phase_unavailable", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.sequence.phase": w.SequencePhase.UNAVAILABLE,
        "active.journeys.0.sequence.reason": "no distribution",
        "active.journeys.0.sequence.mechanism": None,
        "waitlists": (),
    }),
    ("consumers_me/phase_scheduled", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.updated_at": utc("2025-06-01T13:00:00"),
        "active.journeys.0.sequence.phase": w.SequencePhase.SCHEDULED,
        "active.journeys.0.sequence.mechanism": w.DistributionType.QUEUE,
        "active.journeys.0.sequence.distribution.lifecycle": w.DistributionLifecycle.SCHEDULED,
        "active.journeys.0.sequence.distribution.opens_at": utc("2025-06-01T14:00:00"),
        "active.journeys.0.sequence.consumer": None,
        "waitlists.0": w.WaitlistProjection(
            waitlist_id="wl-1", sequence_id="seq-1", experience_id="exp-1",
            entered_at=utc("2025-06-01T12:00:00"), position=3,
        ),
    }),
    ("consumers_me/phase_enterable", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.sequence.phase": w.SequencePhase.ENTERABLE,
        "active.journeys.0.sequence.mechanism": w.DistributionType.TIMED_RELEASE,
        "active.journeys.0.sequence.consumer.status": "not_entered",
    }),
    ("consumers_me/phase_participating", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.sequence.phase": w.SequencePhase.PARTICIPATING,
        "active.journeys.0.sequence.consumer.status": "queued",
        "active.journeys.0.sequence.consumer.position": 12,
        "active.journeys.0.sequence.consumer.id": "qc-1",
        "active.journeys.0.sequence.consumer.entered_at": utc("2025-06-01T14:00:02"),
    }),
    ("consumers_me/phase_settling", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.sequence.phase": w.SequencePhase.SETTLING,
        "active.journeys.0.sequence.mechanism": w.DistributionType.DRAW,
        "active.journeys.0.sequence.distribution.settles_at": utc("2025-06-02T00:00:00"),
    }),
    ("consumers_me/phase_granted", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.sequence.phase": w.SequencePhase.GRANTED,
        "active.journeys.0.sequence.grant.token": "ag_me_0123456789abcdef01234567",
        "active.journeys.0.sequence.grant.distribution_type": w.DistributionType.QUEUE,
        "active.journeys.0.sequence.grant.expires_at": utc("2025-06-01T14:20:00"),
        "active.journeys.0.sequence.consumer.admission_grant": "ag_me_0123456789abcdef01234567",
        "active.journeys.0.sequence.consumer.granted_at": utc("2025-06-01T14:10:00"),
    }),
    ("consumers_me/phase_ended", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.sequence.phase": w.SequencePhase.ENDED,
        "active.journeys.0.sequence.outcome.type": w.OutcomeType.LOST,
        "active.journeys.0.sequence.outcome.distribution_type": w.DistributionType.AUCTION,
        "active.journeys.0.sequence.outcome.reason": "outbid",
        "active.journeys.0.sequence.consumer.current_bid": D("150.00"),
        "active.journeys.0.sequence.consumer.highest_bid": D("2000.00"),
    }),
    ("consumers_me/gated_projection", w.ConsumerMe, w.ConsumerMe, {
        "active.journeys.0.experience_id": "exp-2",
        "active.journeys.0.selected": w.SelectedRef(sequence_id="seq-members"),
        "active.journeys.0.gates.0.reason.code": w.ReasonCode.AUTH_REQUIRED,
        "active.journeys.0.updated_at": utc("2025-06-01T13:30:00"),
    }),
    ("consumers_me/empty", w.ConsumerMe, w.ConsumerMe, {"active.journeys": (), "waitlists": ()}),
    # §3.1 error bodies
    ("errors/schema_validation", w.WireError, w.WireError, {
        "error": "validation_error",
        "issues.0.kind": "schema",
        "issues.0.expected": "string",
        "issues.0.received": "number",
        "issues.0.message": "Expected string, received number",
        "issues.0.path": ({"type": "object", "origin": "body", "input": 5, "key": "accessCode"},),
    }),
    ("errors/simple_unauthorized", w.WireError, w.WireError, {
        "error": "Unauthorized", "message": None, "code": None, "issues": None,
    }),
    ("errors/simple_with_details", w.WireError, w.WireError, {
        "error": "Validation failed",
        "details": [{"field": "email", "message": "invalid email"}],
    }),
    ("errors/structured_order_limit", w.WireError, w.WireError, {
        "error": None,
        "code": "DISTRIBUTION_ORDER_LIMIT",
        "action": "reroute",
        "details": {"limit": 1},
        "issues.0.code": "LIMIT",
        "issues.0.path": ("orders", 0),
        "support": {"confirmationCode": "CONF-1", "message": "Contact support",
                    "referenceCode": "REF-1"},
    }),
    ("errors/troubleshooting_not_found", w.WireError, w.WireError, {
        "error": "not_found", "message": "Experience not found",
    }),
    ("errors/troubleshooting_conflict", w.WireError, w.WireError, {
        "error": "conflict", "code": "ALREADY_IN_QUEUE", "details": {},
    }),
    ("errors/troubleshooting_rate_limited", w.WireError, w.WireError, {
        "error": "rate_limited", "retry_after": 30.0,
    }),
    ("errors/troubleshooting_internal", w.WireError, w.WireError, {
        "error": "internal_error", "request_id": "req_abc123",
    }),
    ("errors/troubleshooting_unavailable", w.WireError, w.WireError, {
        "error": "service_unavailable",
    }),
    ("errors/fingerprint_required", w.WireError, w.WireError, {
        "error": "FINGERPRINT_REQUIRED", "code": "FP001",
        "support": {"message": "Enable JavaScript", "referenceCode": "REF-FP1"},
    }),
    ("errors/fingerprint_mismatch", w.WireError, w.WireError, {
        "valid": False, "error": "DEVICE_MISMATCH", "code": "FP002",
    }),
]


@pytest.mark.parametrize(("ref", "model", "expected_cls", "values"), CASES, ids=[c[0] for c in CASES])
def test_spec_payload_decodes(ref: str, model: Any, expected_cls: type, values: dict[str, Any]) -> None:
    result = decode(payload_text(ref), model)
    assert type(result) is expected_cls
    for path, expected in values.items():
        assert at(result, path) == expected, path


@pytest.mark.parametrize(("ref", "model", "expected_cls", "values"), CASES, ids=[c[0] for c in CASES])
def test_spec_payload_bytes_and_structure_agree(
    ref: str, model: Any, expected_cls: type, values: dict[str, Any]
) -> None:
    assert decode(payload_text(ref).encode("utf-8"), model) == structure(payload(ref), model)


@pytest.mark.parametrize(("ref", "model", "expected_cls", "values"), CASES, ids=[c[0] for c in CASES])
def test_spec_payload_reencodes_to_the_same_model(
    ref: str, model: Any, expected_cls: type, values: dict[str, Any]
) -> None:
    first = decode(payload_text(ref), model)
    assert structure(encode(first), model) == first


# Every non-empty key the encoder writes was in the spec body, under the same camelCase name
# (unknown fields such as ``products``, ``theme`` or ``riskAssessment`` are dropped, never
# renamed; only empty-array defaults like ``waitlists: []`` may be added).
def _keys(value: Any, prefix: str = "$") -> set[str]:
    keys: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if item != []:
                keys.add(f"{prefix}.{key}")
            keys |= _keys(item, f"{prefix}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            keys |= _keys(item, f"{prefix}[{index}]")
    return keys


@pytest.mark.parametrize(("ref", "model", "expected_cls", "values"), CASES, ids=[c[0] for c in CASES])
def test_encoded_keys_are_a_subset_of_the_spec_body(
    ref: str, model: Any, expected_cls: type, values: dict[str, Any]
) -> None:
    encoded = _keys(encode(decode(payload_text(ref), model)))
    original = _keys(payload(ref))
    assert encoded <= original, sorted(encoded - original)
