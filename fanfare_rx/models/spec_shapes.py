"""The gen C Consumer API response shapes (the spec's §2.5, §3.1 and §4), written once as data,
and a small validator: what ``fanfare-rx conformance`` checks any server's bodies against, and
what the sandbox's spec mode is tested against (a sandbox extension is listed here too, so the
compat shape is checked as well).

A shape is ``Obj(required, optional, closed)``; field types are the strings ``str``, ``num``,
``int``, ``bool``, ``time`` (ISO date-time string), ``money`` (``^\\d{1,12}(\\.\\d{1,8})?$``),
``any``, or ``Enum``, ``Const``, ``Arr``, ``Null`` (nullable), ``OneOf`` (by a discriminator
field) and nested ``Obj``. Open objects (the spec does not say ``additionalProperties: false``)
may carry only the extra fields listed in ``extensions``: documented sandbox additions.

Usage: ``check("GET", "/queues/q1/status", 200, body, strict=True)`` -> ``[]``
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

__all__ = [
    "AUCTION_ITEM",
    "BID_RECORD",
    "BID_STATE",
    "CURRENT_PRICE",
    "DRAW_ITEM",
    "DRAW_STATE",
    "QUEUE_ITEM",
    "SEQUENCE",
    "SESSION",
    "SHAPES",
    "TIMED_RELEASE_ITEM",
    "TIMED_RELEASE_STATE",
    "Arr",
    "Const",
    "Enum",
    "Issue",
    "Null",
    "Obj",
    "OneOf",
    "check",
    "check_issues",
    "template_of",
    "validate",
    "validate_error",
]

MONEY = re.compile(r"^\d{1,12}(\.\d{1,8})?$")
CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")


@attrs.frozen
class Issue:
    """One way a body departs from its shape: where (``$.a.b``), what kind (``missing``: a
    required field is absent; ``undocumented``: a field the spec does not have; ``type``: a
    value of the wrong type; ``value``: a value outside the enum or constant; ``shape``: no
    shape fits, e.g. an unknown variant or endpoint) and the detail.

    Usage: ``str(Issue("$.position", "missing", "required field missing"))``
    """

    path: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"


@attrs.frozen
class Enum:
    values: frozenset[Any]

    @classmethod
    def of(cls, *values: Any) -> Enum:
        return cls(frozenset(values))


@attrs.frozen
class Const:
    value: Any


@attrs.frozen
class Arr:
    item: Any


@attrs.frozen
class Null:
    inner: Any


@attrs.frozen
class Obj:
    required: dict[str, Any] = attrs.field(factory=dict)
    optional: dict[str, Any] = attrs.field(factory=dict)
    closed: bool = False
    extensions: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class OneOf:
    """Variants chosen by the value of ``field``."""

    field: str
    variants: dict[Any, Obj]


def validate(value: Any, shape: Any, path: str = "$", strict: bool = False) -> list[Issue]:
    """Every way ``value`` departs from ``shape`` (empty when it conforms); ``strict`` refuses
    the sandbox extensions too (what the sandbox's spec mode and any other server must meet).

    Usage: ``validate({"ok": True}, Obj({"ok": "bool"}))`` -> ``[]``
    """
    if isinstance(shape, Null):
        return [] if value is None else validate(value, shape.inner, path, strict)
    if isinstance(shape, str):
        return _scalar(value, shape, path)
    if isinstance(shape, Enum):
        return [] if value in shape.values else [
            Issue(path, "value", f"{value!r} not in {sorted(shape.values)}")]
    if isinstance(shape, Const):
        return [] if value == shape.value else [Issue(path, "value", f"{value!r} != {shape.value!r}")]
    if isinstance(shape, Arr):
        if not isinstance(value, list):
            return [Issue(path, "type", f"expected an array, got {type(value).__name__}")]
        return [e for i, item in enumerate(value)
                for e in validate(item, shape.item, f"{path}[{i}]", strict)]
    if isinstance(shape, OneOf):
        if not isinstance(value, dict):
            return [Issue(path, "type", "expected an object")]
        variant = shape.variants.get(value.get(shape.field))
        if variant is None:
            return [Issue(f"{path}.{shape.field}", "value",
                          f"{value.get(shape.field)!r} not in {sorted(map(str, shape.variants))}")]
        return validate(value, variant, path, strict)
    if isinstance(shape, Obj):
        return _object(value, shape, path, strict)
    raise TypeError(f"unknown shape {shape!r}")


_SCALARS: Mapping[str, Callable[[Any], bool]] = {
    "any": lambda v: True,
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "num": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "money": lambda v: isinstance(v, str) and MONEY.match(v) is not None,
    "time": lambda v: _is_time(v),
    "code": lambda v: isinstance(v, str) and CODE.match(v) is not None,
}


def _scalar(value: Any, kind: str, path: str) -> list[Issue]:
    return [] if _SCALARS[kind](value) else [Issue(path, "type", f"{value!r} is not {kind}")]


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _object(value: Any, shape: Obj, path: str, strict: bool) -> list[Issue]:
    if not isinstance(value, dict):
        return [Issue(path, "type", f"expected an object, got {type(value).__name__}")]
    errors: list[Issue] = []
    for name, kind in shape.required.items():
        if name not in value:
            errors.append(Issue(f"{path}.{name}", "missing", "required field missing"))
        else:
            errors += validate(value[name], kind, f"{path}.{name}", strict)
    known = {**shape.optional, **({} if shape.closed or strict else shape.extensions)}
    for name, item in value.items():
        if name in shape.required:
            continue
        if name in known:
            errors += validate(item, known[name], f"{path}.{name}", strict)
        else:
            errors.append(Issue(f"{path}.{name}", "undocumented", "field not in the spec" + (
                "" if shape.closed or strict else " nor a listed sandbox extension")))
    return errors


# --- shared pieces ----------------------------------------------------------------------------

TYPES5 = Enum.of("queue", "draw", "auction", "timed_release", "appointment")
TYPES4 = Enum.of("queue", "draw", "auction", "timed_release")
REASON_CODES = Enum.of("NO_SEQUENCES", "NO_ACCESS", "AUTH_REQUIRED", "ACCESS_CODE_REQUIRED",
                       "ACCESS_CODE_INVALID", "AUDIENCE_NOT_MEMBER", "BOT_REQUIRED",
                       "BOT_BLOCKED")


def _reason(*codes: str) -> Obj:
    return Obj({"code": Enum.of(*codes)}, {"detail": "str"})


REASON = Obj({"code": REASON_CODES}, {"detail": "str"})
CHALLENGE = Obj({"id": "str", "provider": Const("turnstile"),
                 "type": Enum.of("turnstile_invisible", "turnstile_managed",
                                 "turnstile_interactive"),
                 "iframeUrl": "str", "expiresAt": "str"})
MITIGATION = Obj({}, {"attemptsRemaining": "num", "blockedUntil": "str", "message": "str"})
GATE = OneOf("type", {
    "authentication": Obj({"type": "str", "status": Const("required"),
                           "reason": _reason("AUTH_REQUIRED")}),
    "access_code": Obj({"type": "str", "status": Enum.of("missing", "invalid"),
                        "reason": _reason("ACCESS_CODE_REQUIRED", "ACCESS_CODE_INVALID")}),
    "bot_check": Obj({"type": "str", "status": Enum.of("required", "blocked"),
                      "reason": _reason("BOT_REQUIRED", "BOT_BLOCKED")},
                     {"challenge": CHALLENGE, "mitigation": MITIGATION}),
})

SESSION = Obj({"session": Obj({"type": Enum.of("guest", "authenticated"), "consumerId": "str",
                               "expiresAt": "time"},
                              {"email": "str", "phone": "str"},
                              extensions={"guestId": "str"}),  # gen B / prose: = consumerId
               "accessToken": "str", "refreshToken": "str", "refreshTokenTtlSeconds": "num",
               "beaconToken": "str"})

# --- experiences ------------------------------------------------------------------------------

_WINDOW = {"openAt": Null("time"), "closeAt": Null("time"), "statusOverride": Null(Const("ended")),
           "statusOverrideAt": Null("str"), "statusOverrideBy": Null("str"),
           "teardownStatus": Null(Enum.of("pending", "completed"))}
_SEQUENCE_ID = {"sequenceId": "str"}  # sandbox: which sequence an item belongs to
QUEUE_ITEM = Obj({"id": "str", "timeZone": "str", "admitRate": "num", "supportsGuest": "bool"},
                 {"admissionExpirationSeconds": Null("num"), "capacity": Null("num"),
                  "maxAdmissions": Null("num"), "loyaltyBiasEnabled": "bool", **_WINDOW},
                 extensions=_SEQUENCE_ID)
DRAW_ITEM = Obj({"id": "str", "timeZone": "str", "drawAt": "time", "supportsGuest": "bool"},
                {"capacity": Null("num"), "continueSelectingUntilCompleted": Null("bool"),
                 "loyaltyBiasEnabled": "bool", **_WINDOW},
                # gen A listed winnerCount; the grant lifetime is the spec's distribution field
                extensions={**_SEQUENCE_ID, "winnerCount": "num",
                            "admissionExpirationSeconds": Null("num")})
AUCTION_ITEM = Obj({"id": "str", "timeZone": "str", "settleAt": "time", "currencyCode": "str"},
                   {"auctionType": Enum.of("english", "dutch"), "autoExtendSeconds": Null("num"),
                    "startPrice": Null("money"), "reservePrice": Null("money"),
                    "minBidIncrement": Null("money"), "floorPrice": Null("money"),
                    "priceDropAmount": Null("money"), "priceDropIntervalSeconds": Null("num"),
                    "quantity": "num", **_WINDOW},
                   # the gen C auction item has no supportsGuest (§5: auctions take no
                   # guests by default); the sandbox states its own
                   extensions={**_SEQUENCE_ID, "admissionExpirationSeconds": Null("num"),
                               "supportsGuest": "bool"})
TIMED_RELEASE_ITEM = Obj({"id": "str", "timeZone": "str", "supportsGuest": "bool"}, _WINDOW,
                         extensions={**_SEQUENCE_ID, "admissionExpirationSeconds": Null("num")})
APPOINTMENT_ITEM = Obj({"id": "str", "timeZone": "str"},
                       {"bufferMinutes": Null("num"), "slotDurationMinutes": Null("num"),
                        "maxCapacityPerSlot": Null("num"), "locationId": Null("str"), **_WINDOW})
SEQUENCE = Obj({"id": "str", "name": "str", "priority": "num"},
               {"audienceId": Null("str"), "experienceId": Null("str"),
                "productSelectionMode": Null(Enum.of("USER_SELECTED", "SYSTEM_ASSIGNED")),
                "queues": Null(Arr(QUEUE_ITEM)), "draws": Null(Arr(DRAW_ITEM)),
                "auctions": Null(Arr(AUCTION_ITEM)), "appointments": Null(Arr(APPOINTMENT_ITEM)),
                "waitlist": Null(Obj({"id": "str"}, {"capacity": Null("num")}))},
               # gen A listed timedReleases; the sandbox's compat shape keeps it
               extensions={"timedReleases": Arr(TIMED_RELEASE_ITEM)})
EXPERIENCE = Obj({"id": "str", "name": "str", "timeZone": "str", "currencyCode": "str"},
                 {"openAt": Null("time"), "closeAt": Null("time"),
                  "hasProtectedSequences": "bool", "i18n": Null("any"), "products": Null("any"),
                  "sequences": Null(Arr(SEQUENCE)), "theme": Null("any")})

SEQUENCE_REF = Obj({"id": "str", "name": "str", "experienceId": "str", "priority": "num",
                    "color": Null("str")},
                   {"availability": Enum.of("open", "upcoming", "waitlist", "closed")})
_GRANT_FIELDS = {"sequenceCapabilityGrant": "str", "sequenceCapabilityGrantExpiresAt": "str"}
OFFER = Obj({"status": Const("gated"), "sequence": SEQUENCE_REF, "gates": Arr(GATE),
             "reasons": Arr(REASON)}, _GRANT_FIELDS)


def _selected(status: str) -> Obj:
    return Obj({"status": Const(status), "sequence": SEQUENCE_REF, "gates": Arr(GATE),
                "reasons": Arr(REASON)}, _GRANT_FIELDS)


_ROUTE = {"schemaVersion": Const(1), "experienceId": "str", "outcomeReasons": Arr(REASON)}
ROUTE = OneOf("outcome", {
    "routed": Obj({**_ROUTE, "outcome": "str", "selected": _selected("admissible"),
                   "offers": Arr(OFFER)}),
    "gated": Obj({**_ROUTE, "outcome": "str", "selected": _selected("gated"),
                  "offers": Const([])}),
    "no_access": Obj({**_ROUTE, "outcome": "str", "offers": Const([])}),
})

# --- /consumers/me ----------------------------------------------------------------------------

DISTRIBUTION_PROJECTION = Obj(
    {"type": TYPES5, "id": "str", "sequenceId": "str",
     "lifecycle": Enum.of("scheduled", "open", "settling", "closed")},
    {"opensAt": "str", "closesAt": "str", "settlesAt": "str", "startsAt": "str", "details": "any"},
    closed=True)
_COMMON = {"admissionGrant": "str", "deniedReason": "str", "distributionId": "str",
           "enteredAt": "str", "grantedAt": "str", "id": "str"}
CONSUMER_PROJECTION = {
    "queue": Obj({"status": Enum.of("not_queued", "queued", "granted", "completed", "denied",
                                    "left")}, {"position": "num", **_COMMON}, closed=True),
    "draw": Obj({"status": Enum.of("not_entered", "entered", "won", "completed", "denied")},
                _COMMON, closed=True),
    "auction": Obj({"status": Enum.of("not_bid", "bidding", "winning", "outbid", "won", "lost")},
                   {"currentBid": "str", "highestBid": "str", **_COMMON}, closed=True),
    "timed_release": Obj({"status": Enum.of("not_entered", "entered", "completed", "denied",
                                            "left")}, _COMMON, closed=True),
    "appointment": Obj({"status": Enum.of("not_booked", "booked", "checked_in", "completed",
                                          "cancelled", "no_show")},
                       {"bookedAt": "str", "cancelledAt": "str", "checkedInAt": "str",
                        "completedAt": "str", "noShowAt": "str", "slotId": "str",
                        "locationId": "str", "distributionId": "str", "id": "str"}, closed=True),
}
GRANT_PROJECTION = Obj({"token": "str", "distributionType": TYPES4, "distributionId": "str",
                        "sequenceId": "str", "experienceId": "str"},
                       {"expiresAt": "str", "issuedAt": "str"}, closed=True)
OUTCOME_PROJECTION = Obj({"type": Enum.of("won", "lost", "completed", "denied", "left",
                                          "expired", "closed", "cancelled", "no_show")},
                         {"at": "str", "distributionId": "str", "distributionType": TYPES5,
                          "reason": "str"}, closed=True)
#: phase -> (mechanisms allowed, fields required besides phase/mechanism)
PHASES: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "scheduled": (frozenset(TYPES5.values), ("distribution",)),
    "enterable": (frozenset(TYPES5.values), ("distribution", "consumer")),
    "participating": (frozenset(TYPES5.values), ("distribution", "consumer")),
    "settling": (frozenset({"draw", "auction"}), ("distribution", "consumer")),
    "granted": (frozenset(TYPES4.values), ("distribution", "consumer", "grant")),
    "ended": (frozenset(TYPES5.values), ("distribution", "consumer", "outcome")),
}


def validate_sequence_projection(value: Any, path: str, strict: bool = False) -> list[Issue]:
    """A ``SequenceProjection`` (closed objects, phase/mechanism combinations of §4.2)."""
    if not isinstance(value, dict):
        return [Issue(path, "type", "expected an object")]
    phase = value.get("phase")
    if phase == "unavailable":
        return validate(value, Obj({"phase": "str"}, {"reason": "str"}, closed=True), path, strict)
    if phase not in PHASES:
        return [Issue(f"{path}.phase", "value", f"{phase!r} is not a phase")]
    mechanisms, needed = PHASES[phase]
    mechanism = value.get("mechanism")
    if mechanism not in mechanisms:
        return [Issue(f"{path}.mechanism", "value", f"{mechanism!r} not allowed in phase {phase}")]
    parts = {"distribution": DISTRIBUTION_PROJECTION, "grant": GRANT_PROJECTION,
             "outcome": OUTCOME_PROJECTION,
             "consumer": CONSUMER_PROJECTION.get(mechanism, Obj({"status": "str"}))}
    shape = Obj({"phase": "str", "mechanism": "str", **{n: parts[n] for n in needed}},
                closed=True)
    return validate(value, shape, path, strict)


def validate_consumer_me(value: Any, strict: bool = False) -> list[Issue]:
    """``GET /consumers/me`` (gen C)."""
    top = Obj({"active": Obj({"journeys": Arr("any")}, closed=True)},
              {"waitlists": Arr(Obj({"waitlistId": "str", "sequenceId": "str",
                                     "experienceId": "str"},
                                    {"enteredAt": "time", "position": "num"}))}, closed=True)
    errors = validate(value, top, "$", strict)
    journeys = value.get("active", {}).get("journeys", []) if isinstance(value, dict) else []
    for i, journey in enumerate(journeys if isinstance(journeys, list) else []):
        path = f"$.active.journeys[{i}]"
        errors += validate(journey, OneOf("journeyStage", {
            "gated": Obj({"experienceId": "str", "journeyStage": "str", "gates": Arr(GATE)},
                         {"selected": Obj({"sequenceId": "str"}), "updatedAt": "str"}),
            "routed": Obj({"experienceId": "str", "journeyStage": "str", "sequenceId": "str",
                           "sequence": "any"}, {"offers": Arr("any"), "updatedAt": "str"}),
        }), path, strict)
        if isinstance(journey, dict) and journey.get("journeyStage") == "routed":
            errors += validate_sequence_projection(journey.get("sequence"), f"{path}.sequence",
                                                   strict)
    return errors


# --- distributions ----------------------------------------------------------------------------

QUEUE_RESOURCE = Obj({"id": "str", "organizationId": "str", "createdAt": "time",
                      "createdBy": "str", "archived": "bool", "sequenceId": "str",
                      "name": "str", "timeZone": "str", "admitRate": "num",
                      "supportsGuest": "bool"},
                     {**QUEUE_ITEM.optional, "updatedAt": "str", "updatedBy": "str"})
_POSITION = {"position": Null("num"), "dequeuedAt": Null("time")}
QUEUE_STATE = OneOf("status", {
    "QUEUED": Obj({"status": "str", "position": "num", "estimatedWaitTimeInSeconds": "num"},
                  {"positionDisplayMode": Enum.of("precise", "qualitative")}),
    "NOT_QUEUED": Obj({"status": "str"}, _POSITION),
    "LEFT": Obj({"status": "str"}, _POSITION),
    "GRANTED": Obj({"status": "str", "admissionGrant": "str"},
                   {**_POSITION, "expiresAt": "time"}),
    "COMPLETED": Obj({"status": "str"}, {"completedAt": Null("time"), "position": Null("num")}),
    "DENIED": Obj({"status": "str", "reason": "str"}, _POSITION),
})
DRAW_STATE = OneOf("status", {
    "NOT_ENTERED": Obj({"status": "str"}),
    # the sandbox also says when the entry was made (gen A had enteredAt)
    "ENTERED": Obj({"status": "str"}, extensions={"enteredAt": "time"}),
    "WON": Obj({"status": "str", "admissionGrant": "str"},
               {"wonAt": "time", "expiresAt": "time", "selectedProductId": "str"}),
    "COMPLETED": Obj({"status": "str"}, {"completedAt": "time"}),
    "DENIED": Obj({"status": "str", "reason": "str", "deniedAt": "time"}),
})
BID_STATE = Obj({"status": Enum.of("NOT_BID", "BIDDING", "WINNING", "OUTBID", "WON", "LOST")},
                {"admissionGrant": "str", "bidCount": "num", "lastBidAmount": Null("money"),
                 "winningBidAmount": "money"},
                # the grant's expiry (as for every other grant) and the highest bid so far
                extensions={"expiresAt": "time", "highestBid": "money"})
#: One bid of ``GET /auctions/{id}/bids`` (everyone's) and ``…/bids/history`` (own).
BID_RECORD = Obj({"amount": "money", "isHighest": "bool", "timestamp": "time"},
                 {"bidderHandle": "str", "consumerId": "str"})
#: ``GET /auctions/{id}/current-price`` (documented for Dutch auctions).
CURRENT_PRICE = Obj({"currentPrice": "money", "remainingQuantity": "num", "auctionEnded": "bool"})
TIMED_RELEASE_STATE = Obj({"status": "str"},
                          {"admissionGrant": "str", "enteredAt": "time", "completedAt": "time",
                           "leftAt": "time", "selectedVariantId": "str", "expiresAt": "time"},
                          # why a DENIED entry ended (ADMISSION_EXPIRED), as in QueueDenied
                          extensions={"reason": "str"})
_NULLABLE_STR = Null("str")
APPOINTMENT_SLOTS = Obj({"slots": Arr(Obj(
    {"id": "str", "startTime": "time", "endTime": "time", "capacity": "num", "available": "num"},
    {"locationId": "str", "locationName": "str", "timezone": "str"}))})
APPOINTMENT_BOOKING = Obj({"bookingId": "str", "appointmentId": "str", "consumerId": "str",
                           "slotId": "str", "startTime": "time", "endTime": "time",
                           "confirmationCode": "str", "status": "str", "createdAt": "time"},
                          {"locationId": _NULLABLE_STR, "locationName": _NULLABLE_STR})
APPOINTMENT_ME = Obj({}, {"booking": Null(Obj(
    {"bookingId": "str", "appointmentId": "str", "consumerId": "str", "status": "str",
     "confirmationCode": "str"},
    {"slotId": _NULLABLE_STR, "startTime": Null("time"), "endTime": Null("time"),
     "locationId": _NULLABLE_STR, "locationName": _NULLABLE_STR}))})
SUCCESS = Obj({"success": "bool"})
SUCCESS_WITH_GRANT = Obj({"success": "bool"}, {"admissionGrant": "str"})  # gen B

#: (method, path template) -> shape of the 200/201 body.
SHAPES: Mapping[tuple[str, str], Any] = {
    ("POST", "/auth/guest"): SESSION,
    ("POST", "/auth/otp/request"): Obj({"ok": "bool"}),
    ("POST", "/auth/otp/verify"): SESSION,
    ("POST", "/auth/external/authorize"): Obj({"exchangeCode": "str", "expiresAt": "time",
                                               "resolution": Enum.of("created", "existing",
                                                                     "linked")}),
    ("POST", "/auth/external/exchange"): SESSION,
    ("POST", "/auth/refresh"): Obj({"accessToken": "str", "refreshToken": "str",
                                    "refreshTokenTtlSeconds": "num",
                                    "accessTokenExpiresAt": "str", "beaconToken": "str"}),
    ("POST", "/auth/logout"): None,  # 204, no body
    ("GET", "/consumers/me"): validate_consumer_me,
    ("GET", "/experiences/{id}"): EXPERIENCE,
    ("POST", "/experiences/{id}/enter"): Obj({"experienceId": "str", "enteredAt": "time",
                                              "experience": EXPERIENCE}),
    ("DELETE", "/experiences/{id}/leave"): Obj({"left": "bool"}),
    ("POST", "/experiences/{id}/route"): ROUTE,
    ("POST", "/experiences/archived-status"): Obj({"liveExperienceIds": Arr("str")}),
    ("GET", "/queues/{id}"): QUEUE_RESOURCE,
    ("POST", "/queues/{id}/enter"): QUEUE_STATE,
    ("POST", "/queues/{id}/leave"): QUEUE_STATE,
    ("GET", "/queues/{id}/status"): QUEUE_STATE,
    ("POST", "/queues/{id}/admit"): QUEUE_STATE,
    ("POST", "/queues/{id}/deny"): QUEUE_STATE,
    ("GET", "/draws/{id}"): DRAW_ITEM,
    ("POST", "/draws/{id}/enter"): DRAW_STATE,
    ("POST", "/draws/{id}/leave"): DRAW_STATE,
    ("GET", "/draws/{id}/status"): DRAW_STATE,
    ("GET", "/auctions/{id}"): AUCTION_ITEM,
    ("POST", "/auctions/{id}/enter"): SUCCESS,
    ("POST", "/auctions/{id}/bid"): BID_STATE,
    ("GET", "/auctions/{id}/status"): BID_STATE,
    ("GET", "/auctions/{id}/highest-bid"): Obj({}, {"amount": Null("money")}),
    ("GET", "/auctions/{id}/bids"): Arr(BID_RECORD),
    ("GET", "/auctions/{id}/bids/history"): Arr(BID_RECORD),
    ("GET", "/auctions/{id}/current-price"): CURRENT_PRICE,
    ("GET", "/timed-releases/{id}"): TIMED_RELEASE_ITEM,
    ("POST", "/timed-releases/{id}/enter"): TIMED_RELEASE_STATE,
    ("POST", "/timed-releases/{id}/leave"): SUCCESS_WITH_GRANT,
    ("GET", "/timed-releases/{id}/status"): TIMED_RELEASE_STATE,
    ("POST", "/timed-releases/{id}/complete"): SUCCESS_WITH_GRANT,  # gen B only
    ("POST", "/waitlists/{id}/enter"): Obj({"id": "str", "waitlistId": "str", "sequenceId": "str",
                                            "consumerId": "str", "enteredAt": "time"}),
    ("DELETE", "/waitlists/{id}/leave"): Obj({"left": "bool"}),
    ("GET", "/waitlists/{id}/status"): Obj({"waitlistId": "str", "isEntered": "bool"},
                                           {"enteredAt": "time", "sequenceId": "str"}),
    ("GET", "/appointments/{id}"): APPOINTMENT_ITEM,
    ("GET", "/appointments/{id}/slots"): APPOINTMENT_SLOTS,
    ("POST", "/appointments/{id}/book"): APPOINTMENT_BOOKING,
    ("GET", "/appointments/{id}/me"): APPOINTMENT_ME,
    ("POST", "/appointments/{id}/reschedule"): Obj({"bookingId": "str", "previousSlotId": "str",
                                                    "newSlotId": "str", "confirmationCode": "str",
                                                    "status": "str"}),
    ("POST", "/appointments/{id}/cancel"): Obj({"message": "str", "bookingId": "str"}),
}

# --- errors (§3.1) ----------------------------------------------------------------------------

ISSUE = Obj({"kind": "str", "type": "str", "expected": "str", "received": "str", "message": "str",
             "path": Arr(Obj({"type": "str", "origin": "str", "input": "any",
                              "key": "any"}))})
VALIDATION_ERROR = Obj({"error": Const("validation_error"), "issues": Arr(ISSUE)})
STRUCTURED_ERROR = Obj({"code": "code"},
                       {"message": "str", "action": "str", "details": "any",
                        "issues": Arr(Obj({"message": "str"}, {"code": "str", "path": Arr("any")})),
                        "support": Obj({}, {"confirmationCode": "str", "message": "str",
                                            "referenceCode": "str"})})
SIMPLE_ERROR = Obj({"error": "str"},
                   {"message": "str", "code": "code", "details": "any", "requestId": "str",
                    "retryAfter": "num"})


def validate_error(value: Any, strict: bool = False) -> list[Issue]:
    """An error body: validation error, structured error or simple error (§3.1).

    Usage: ``validate_error({"error": "Queue not found"})`` -> ``[]``
    """
    if isinstance(value, dict) and value.get("error") == "validation_error":
        return validate(value, VALIDATION_ERROR, "$", strict)
    if isinstance(value, dict) and "error" not in value:
        return validate(value, STRUCTURED_ERROR, "$", strict)
    return validate(value, SIMPLE_ERROR, "$", strict)


def template_of(method: str, path: str) -> tuple[str, str] | None:
    """The ``SHAPES`` key a concrete request path belongs to.

    Usage: ``template_of("GET", "/queues/q1")`` -> ``("GET", "/queues/{id}")``
    """
    for key_method, template in SHAPES:
        if key_method != method:
            continue
        pattern = "^" + re.sub(r"\\\{id\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and not (template == "/experiences/{id}"
                                            and path == "/experiences/archived-status"):
            return key_method, template
    return None


def check_issues(method: str, path: str, status: int, body: Any,
                 strict: bool = False) -> list[Issue]:
    """The issues of one response against the spec (an unknown endpoint is one too); an error
    status is checked as an error body; ``strict``: no sandbox extension either.

    Usage: ``check_issues("POST", "/auth/guest", 200, body, strict=True)``
    """
    key = template_of(method, path.split("?")[0])
    if key is None:
        return [Issue("$", "shape", "no spec shape for this endpoint")]
    if status >= 400:
        return validate_error(body, strict)
    shape = SHAPES[key]
    if shape is None:
        return [] if status == 204 and body is None else [Issue("$", "shape", "expected 204")]
    if callable(shape):
        found: list[Issue] = shape(body, strict)
        return found
    return validate(body, shape, "$", strict)


def check(method: str, path: str, status: int, body: Any, strict: bool = False) -> list[str]:
    """:func:`check_issues` in words, one line per issue naming the call.

    Usage: ``check("GET", "/queues/q1/status", 200, body)`` -> ``[]``
    """
    key = template_of(method, path.split("?")[0])
    if key is None:
        return [f"{method} {path}: no spec shape for this endpoint"]
    issues = check_issues(method, path, status, body, strict)
    if SHAPES[key] is None and status < 400:
        return [f"{method} {path}: {issue.detail}" for issue in issues]
    return [f"{method} {path} {status}: {issue}" for issue in issues]
