"""Secrets (tokens, grants, access and OTP codes) never appear in a model's repr, nor in the
repr of anything that contains the model; the encoded body still carries them in full.
"""

from __future__ import annotations

import json
import typing
from datetime import UTC
from typing import Any

import attrs
import pytest
from wire_helpers import payload_text

from fanfare_rx.models import journey as j
from fanfare_rx.models import wire as w
from fanfare_rx.wire.codec import decode, encode

SECRET = "SeCrEt-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
SHORT_SECRET = "VIP2024"

# (model, secret field): every place a secret lives.
SECRET_FIELDS: list[tuple[type, str]] = [
    (w.SessionEnvelope, "access_token"),
    (w.SessionEnvelope, "refresh_token"),
    (w.SessionEnvelope, "beacon_token"),
    (w.RefreshRequest, "refresh_token"),
    (w.RefreshResult, "access_token"),
    (w.RefreshResult, "refresh_token"),
    (w.RefreshResult, "beacon_token"),
    (w.OtpVerify, "code"),
    (w.ExternalExchange, "exchange_code"),
    (w.RouteRequest, "access_code"),
    (w.ChallengeVerifyRequest, "token"),
    (w.Selected, "sequence_capability_grant"),
    (w.OfferGated, "sequence_capability_grant"),
    (w.QueueGranted, "admission_grant"),
    (w.QueueCompleted, "admission_grant"),
    (w.DrawWon, "admission_grant"),
    (w.DrawCompleted, "admission_grant"),
    (w.AuctionConsumerState, "admission_grant"),
    (w.TimedReleaseConsumerState, "admission_grant"),
    (w.SuccessResult, "admission_grant"),
    (w.ConsumerProjection, "admission_grant"),
    (w.GrantProjection, "token"),
    (j.JourneyContext, "access_code"),
    (j.JourneyContext, "admittance_token"),
]

_FILLERS: dict[Any, Any] = {
    str: "x",
    int: 1,
    float: 1.0,
    bool: True,
}


def _minimal(cls: type, **values: Any) -> Any:
    """An instance of ``cls`` with its required fields filled with harmless values."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for a in attrs.fields(cls):
        if a.name in values or a.default is not attrs.NOTHING:
            continue
        hint = hints[a.name]
        if hint in _FILLERS:
            kwargs[a.name] = _FILLERS[hint]
        elif isinstance(hint, type) and issubclass(hint, str):  # enums
            kwargs[a.name] = next(iter(hint))  # type: ignore[call-overload]
        elif isinstance(hint, type) and attrs.has(hint):
            kwargs[a.name] = _minimal(hint)
        else:
            kwargs[a.name] = _sample(hint)
    return cls(**kwargs, **values)


def _sample(hint: Any) -> Any:
    from datetime import datetime

    if hint is datetime:
        return datetime(2025, 6, 1, tzinfo=UTC)
    if typing.get_origin(hint) is tuple:
        return ()
    if type(None) in typing.get_args(hint):  # required but nullable (SequenceRef.color)
        return None
    raise TypeError(hint)


@pytest.mark.parametrize("secret", [SECRET, SHORT_SECRET])
@pytest.mark.parametrize(("cls", "field"), SECRET_FIELDS,
                         ids=[f"{c.__name__}.{f}" for c, f in SECRET_FIELDS])
def test_repr_never_shows_the_secret(cls: type, field: str, secret: str) -> None:
    obj = _minimal(cls, **{field: secret})
    assert getattr(obj, field) == secret
    assert secret not in repr(obj)
    assert secret not in str(obj)
    assert secret[:8] not in repr(obj)
    assert f"{len(secret)} chars" in repr(obj)


@pytest.mark.parametrize(("cls", "field"), SECRET_FIELDS,
                         ids=[f"{c.__name__}.{f}" for c, f in SECRET_FIELDS])
def test_the_wire_body_still_carries_the_secret(cls: type, field: str) -> None:
    obj = _minimal(cls, **{field: SECRET})
    assert SECRET in json.dumps(encode(obj))


def _secretish(name: str) -> bool:
    return ("token" in name or "grant" in name or name in {"code", "access_code",
                                                           "exchange_code"})


SCANNED = [
    (cls, a.name)
    for module in (w, j)
    for cls_name in module.__all__
    if isinstance(cls := getattr(module, cls_name), type) and attrs.has(cls)
    for a in attrs.fields(cls)
    if _secretish(a.name)
    and typing.get_type_hints(cls)[a.name] in (str, str | None)
    and cls not in (w.Reason, w.ValidationIssue, w.WireError)  # machine codes, not secrets
]


def test_every_secret_looking_field_is_listed() -> None:
    assert set(SCANNED) <= set(SECRET_FIELDS), sorted(
        f"{c.__name__}.{f}" for c, f in set(SCANNED) - set(SECRET_FIELDS)
    )


CONTAINERS: list[tuple[str, Any, str]] = [
    ("route/routed_with_offers", w.RouteResult, "scg_0123456789abcdef0123456789"),
    ("distributions/queue_granted", w.QueueConsumerState, "ag_queue_0123456789abcdef0123"),
    ("distributions/queue_gen_b_admitted", w.QueueConsumerState, "at_genb_0123456789abcdef01234"),
    ("distributions/draw_won", w.DrawConsumerState, "ag_draw_0123456789abcdef012345"),
    ("distributions/auction_won", w.AuctionConsumerState, "ag_auction_0123456789abcdef0123"),
    ("distributions/timed_release_granted", w.TimedReleaseConsumerState,
     "ag_timed_0123456789abcdef01234"),
    ("consumers_me/phase_granted", w.ConsumerMe, "ag_me_0123456789abcdef01234567"),
    ("auth/session_guest", w.SessionEnvelope, "rt_guest_0123456789abcdef0123"),
    ("auth/session_guest", w.SessionEnvelope, "eyJhbGciOiJFZERTQSJ9.guest-access.sig"),
    ("auth/refresh_result", w.RefreshResult, "rt_rotated_0123456789abcdef0123"),
]


@pytest.mark.parametrize(("ref", "model", "secret"), CONTAINERS,
                         ids=[f"{c[0]}:{c[2][:6]}" for c in CONTAINERS])
def test_decoded_bodies_hide_secrets_at_any_depth(ref: str, model: Any, secret: str) -> None:
    result = decode(payload_text(ref), model)
    assert secret in json.dumps(encode(result))
    assert secret not in repr(result)


def test_snapshot_repr_hides_the_admittance_token_and_access_code() -> None:
    snapshot = j.JourneySnapshot(
        journey_stage=j.JourneyStage.ROUTED,
        sequence_stage=j.SequenceStage.ADMITTED,
        context=j.JourneyContext(experience_id="e", access_code=SHORT_SECRET,
                                 admittance_token=SECRET),
    )
    assert SECRET not in repr(snapshot)
    assert SHORT_SECRET not in repr(snapshot)
