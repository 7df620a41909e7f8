"""Sandbox scenarios: organizations, keys, experiences, sequences and distributions as JSON.

Times are seconds relative to the sandbox start. A bad file raises :class:`ScenarioError`
whose message names the offending field, e.g. ``experiences[0].sequences[1].distribution.admitRate``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import attrs

from fanfare_rx.sandbox._scenario_values import (
    Reader,
    ScenarioError,
    read_bool,
    read_int,
    read_list,
    read_money,
    read_number,
    read_positive,
    read_str,
)

__all__ = [
    "DISTRIBUTION_TYPES",
    "TIMED_RELEASE_SHAPES",
    "AppointmentLocation",
    "DistributionSpec",
    "ExperienceSpec",
    "Scenario",
    "ScenarioError",
    "SequenceSpec",
    "WaitlistSpec",
    "default_scenario",
    "load_scenario",
    "parse_scenario",
]

DISTRIBUTION_TYPES = ("queue", "draw", "auction", "timed_release", "appointment")
TIMED_RELEASE_SHAPES = ("compat", "genC")
T = TypeVar("T")
_MISSING: Any = object()


@attrs.frozen
class WaitlistSpec:
    id: str
    capacity: int | None = None
    order_limit: int | None = None


@attrs.frozen
class AppointmentLocation:
    """A place an appointment's slots are offered at (every slot time at every location)."""

    id: str
    name: str


@attrs.frozen
class DistributionSpec:
    """One distribution; fields that do not apply to ``type`` stay None."""

    type: str
    id: str
    open_at: float = 0.0
    close_at: float | None = None
    supports_guest: bool = True
    admission_expiration_seconds: int | None = 600
    order_limit: int | None = None
    capacity: int | None = None
    crowd: int = 0
    admit_rate: float | None = None
    max_admissions: int | None = None
    draw_at: float | None = None
    winner_count: int | None = None
    settle_at: float | None = None
    start_price: Decimal | None = None
    reserve_price: Decimal | None = None
    min_bid_increment: Decimal | None = None
    auto_extend_seconds: int | None = None
    #: Draw and auction: after each draw (settlement) entries reopen at once for the next
    #: round, drawn (settled) this many seconds later; None: one round only.
    round_seconds: float | None = None
    #: Appointment: ``slot_count`` slots from ``first_slot_at``, each ``slot_duration_minutes``
    #: long and ``buffer_minutes`` apart, ``max_capacity_per_slot`` bookings each.
    first_slot_at: float | None = None
    slot_count: int | None = None
    slot_duration_minutes: int | None = None
    buffer_minutes: int | None = None
    max_capacity_per_slot: int | None = None
    locations: tuple[AppointmentLocation, ...] = ()


@attrs.frozen
class SequenceSpec:
    id: str
    name: str
    priority: float
    color: str | None = None
    access_code: str | None = attrs.field(default=None, repr=False)
    requires_sign_in: bool = False
    bot_check: bool = False
    distribution: DistributionSpec | None = None
    waitlist: WaitlistSpec | None = None


@attrs.frozen
class ExperienceSpec:
    id: str
    label: str
    name: str
    time_zone: str = "UTC"
    currency_code: str = "USD"
    archived: bool = False
    sequences: tuple[SequenceSpec, ...] = ()
    #: Seconds after which the experience starts over (None: it runs once).
    cycle_seconds: float | None = None


@attrs.frozen
class Scenario:
    """A whole sandbox world. Build one with :func:`load_scenario` or :func:`parse_scenario`.

    Usage: ``Sandbox(scenario=load_scenario("drop.json"))``
    """

    organization_id: str = "org_sandbox"
    publishable_key: str = "pk_test_sandbox"
    secret_key: str = attrs.field(default="sk_test_sandbox", repr=False)
    otp_code: str = attrs.field(default="424242", repr=False)
    bot_check_token: str = attrs.field(default="sandbox-bot-check-pass", repr=False)
    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_seconds: int = 2_592_000
    #: Seconds a just-rotated refresh token still yields the pair its rotation issued (0: off).
    refresh_reuse_grace_seconds: int = 0
    #: ``compat``: timed releases listed in experiences, granted entries ``GRANTED``, a few
    #: undocumented fields; ``genC`` (spec mode): not listed (found through ``/consumers/me``),
    #: granted entries ``ENTERED`` + grant, every body exactly in the gen C shape.
    timed_release_shape: str = "compat"
    requests_per_minute: int = 6000
    experiences: tuple[ExperienceSpec, ...] = ()
    #: The default cycle of the experiences that do not set their own (None: no cycle).
    cycle_seconds: float | None = None

    @property
    def spec_mode(self) -> bool:
        """Whether every body has exactly the gen C shape (``timedReleaseShape: "genC"``):
        no sandbox extension fields, no ``timedReleases`` list (see ``sandbox/shapes.py``).

        Usage: ``if scenario.spec_mode: ...``
        """
        return self.timed_release_shape == "genC"

    @property
    def access_codes(self) -> dict[str, str]:
        """Experience label -> the access code of its first code-gated sequence.

        Usage: ``scenario.access_codes["vip"]``
        """
        codes: dict[str, str] = {}
        for experience in self.experiences:
            for sequence in experience.sequences:
                if sequence.access_code and experience.label not in codes:
                    codes[experience.label] = sequence.access_code
        return codes


def _distribution(value: Any, path: str) -> DistributionSpec:
    r = Reader(value, path)
    kind = r.get("type", read_str)
    if kind not in DISTRIBUTION_TYPES:
        raise ScenarioError(r.at("type"), f"expected one of {', '.join(DISTRIBUTION_TYPES)}, got {kind!r}")
    fields: dict[str, Any] = {
        "type": kind,
        "id": r.get("id", read_str),
        "open_at": r.get("openAt", read_number, 0.0),
        "close_at": r.get("closeAt", read_number, None),
        # Guests take part by default, except in appointments (spec §5, guest defaults).
        "supports_guest": r.get("supportsGuest", read_bool, kind != "appointment"),
        "admission_expiration_seconds": r.get("admissionExpirationSeconds", read_int, None),
        "order_limit": r.get("orderLimit", read_int, None),
    }
    if kind in ("queue", "draw"):
        fields["capacity"] = r.get("capacity", read_int, None)
        fields["crowd"] = r.get("crowd", read_int, 0)
    if kind == "queue":
        fields["admit_rate"] = r.get("admitRate", read_number)
        if fields["admit_rate"] <= 0:
            raise ScenarioError(r.at("admitRate"), "must be greater than 0")
        fields["max_admissions"] = r.get("maxAdmissions", read_int, None)
    elif kind == "draw":
        fields["draw_at"] = r.get("drawAt", read_number)
        fields["winner_count"] = r.get("winnerCount", read_int)
        fields["round_seconds"] = r.get("roundSeconds", read_positive, None)
        if fields["draw_at"] < fields["open_at"]:
            raise ScenarioError(r.at("drawAt"), "must not be before openAt")
    elif kind == "auction":
        fields["settle_at"] = r.get("settleAt", read_number)
        fields["start_price"] = r.get("startPrice", read_money, None)
        fields["reserve_price"] = r.get("reservePrice", read_money, None)
        fields["min_bid_increment"] = r.get("minBidIncrement", read_money, None)
        fields["auto_extend_seconds"] = r.get("autoExtendSeconds", read_int, None)
        fields["round_seconds"] = r.get("roundSeconds", read_positive, None)
        if fields["settle_at"] < fields["open_at"]:
            raise ScenarioError(r.at("settleAt"), "must not be before openAt")
    elif kind == "appointment":
        fields.update(_appointment(r, fields["open_at"]))
    close_at = fields["close_at"]
    if close_at is not None and close_at < fields["open_at"]:
        raise ScenarioError(r.at("closeAt"), "must not be before openAt")
    r.finish()
    return DistributionSpec(**fields)


def _appointment(r: Reader, open_at: float) -> dict[str, Any]:
    """The appointment fields of a distribution (slots, capacity, locations)."""
    fields: dict[str, Any] = {
        "first_slot_at": r.get("firstSlotAt", read_number, open_at),
        "slot_count": r.get("slotCount", read_int),
        "slot_duration_minutes": r.get("slotDurationMinutes", read_int, 30),
        "buffer_minutes": r.get("bufferMinutes", read_int, 0),
        "max_capacity_per_slot": r.get("maxCapacityPerSlot", read_int, 1),
    }
    for key, name in (("slot_count", "slotCount"), ("slot_duration_minutes", "slotDurationMinutes"),
                      ("max_capacity_per_slot", "maxCapacityPerSlot")):
        if fields[key] < 1:
            raise ScenarioError(r.at(name), "must be at least 1")
    items = r.get("locations", read_list, [])
    locations = tuple(_location(item, f"{r.at('locations')}[{i}]") for i, item in enumerate(items))
    seen: set[str] = set()
    for i, location in enumerate(locations):
        if location.id in seen:
            raise ScenarioError(f"{r.at('locations')}[{i}].id", f"duplicate id {location.id!r}")
        seen.add(location.id)
    fields["locations"] = locations
    return fields


def _location(value: Any, path: str) -> AppointmentLocation:
    r = Reader(value, path)
    location = AppointmentLocation(id=r.get("id", read_str), name=r.get("name", read_str))
    r.finish()
    return location


def _waitlist(value: Any, path: str) -> WaitlistSpec:
    r = Reader(value, path)
    spec = WaitlistSpec(id=r.get("id", read_str), capacity=r.get("capacity", read_int, None),
                        order_limit=r.get("orderLimit", read_int, None))
    r.finish()
    return spec


def _sequence(value: Any, path: str) -> SequenceSpec:
    r = Reader(value, path)
    spec = SequenceSpec(
        id=r.get("id", read_str), name=r.get("name", read_str), priority=r.get("priority", read_number),
        color=r.get("color", read_str, None), access_code=r.get("accessCode", read_str, None),
        requires_sign_in=r.get("requiresSignIn", read_bool, False),
        bot_check=r.get("botCheck", read_bool, False),
        distribution=r.get("distribution", _distribution, None),
        waitlist=r.get("waitlist", _waitlist, None),
    )
    r.finish()
    return spec


def _experience(value: Any, path: str, default_cycle: float | None) -> ExperienceSpec:
    r = Reader(value, path)
    sequences = r.get("sequences", read_list, [])
    cycle = r.get("cycleSeconds", read_positive, None) if "cycleSeconds" in r.value else default_cycle
    spec = ExperienceSpec(
        id=r.get("id", read_str), label=r.get("label", read_str), name=r.get("name", read_str),
        time_zone=r.get("timeZone", read_str, "UTC"), currency_code=r.get("currencyCode", read_str, "USD"),
        archived=r.get("archived", read_bool, False),
        sequences=tuple(_sequence(item, f"{r.at('sequences')}[{i}]") for i, item in enumerate(sequences)),
        cycle_seconds=cycle,
    )
    r.finish()
    if cycle is not None:
        _check_cycle(spec, cycle, r.at("cycleSeconds") if "cycleSeconds" in r.value else "cycleSeconds")
    return spec


def _check_cycle(experience: ExperienceSpec, cycle: float, path: str) -> None:
    """Every time of the experience must fall inside one cycle (closing may end it)."""
    for sequence in experience.sequences:
        spec = sequence.distribution
        if spec is None:
            continue
        times = {"openAt": spec.open_at, "drawAt": spec.draw_at, "settleAt": spec.settle_at,
                 "firstSlotAt": spec.first_slot_at}
        for name, at in times.items():
            if at is not None and at >= cycle:
                raise ScenarioError(path, f"must be greater than {name} {at:g} of "
                                          f"distribution {spec.id!r}, got {cycle:g}")
        if spec.close_at is not None and spec.close_at > cycle:
            raise ScenarioError(path, f"must not be less than closeAt {spec.close_at:g} of "
                                      f"distribution {spec.id!r}, got {cycle:g}")


def parse_scenario(data: Any) -> Scenario:
    """Validate parsed JSON into a :class:`Scenario`; raises :class:`ScenarioError`.

    Usage: ``parse_scenario(json.loads(text))``
    """
    r = Reader(data, "")
    experiences = r.get("experiences", read_list)
    cycle = r.get("cycleSeconds", read_positive, None)
    scenario = Scenario(
        organization_id=r.get("organizationId", read_str, "org_sandbox"),
        publishable_key=r.get("publishableKey", read_str, "pk_test_sandbox"),
        secret_key=r.get("secretKey", read_str, "sk_test_sandbox"),
        otp_code=r.get("otpCode", read_str, "424242"),
        bot_check_token=r.get("botCheckToken", read_str, "sandbox-bot-check-pass"),
        access_token_ttl_seconds=r.get("accessTokenTtlSeconds", read_int, 3600),
        refresh_token_ttl_seconds=r.get("refreshTokenTtlSeconds", read_int, 2_592_000),
        refresh_reuse_grace_seconds=r.get("refreshReuseGraceSeconds", read_int, 0),
        timed_release_shape=r.get("timedReleaseShape", read_str, "compat"),
        requests_per_minute=r.get("requestsPerMinute", read_int, 6000),
        experiences=tuple(_experience(item, f"experiences[{i}]", cycle)
                          for i, item in enumerate(experiences)),
        cycle_seconds=cycle,
    )
    r.finish()
    if scenario.timed_release_shape not in TIMED_RELEASE_SHAPES:
        raise ScenarioError("timedReleaseShape",
                            f"expected one of {', '.join(TIMED_RELEASE_SHAPES)}, "
                            f"got {scenario.timed_release_shape!r}")
    if not scenario.publishable_key.startswith("pk_test_"):
        raise ScenarioError("publishableKey", "must start with pk_test_")
    if not scenario.secret_key.startswith("sk_test_"):
        raise ScenarioError("secretKey", "must start with sk_test_")
    _check_unique_ids(scenario)
    return scenario


def _check_unique_ids(scenario: Scenario) -> None:
    seen: set[str] = set()
    labels: set[str] = set()

    def claim(ident: str, path: str) -> None:
        if ident in seen:
            raise ScenarioError(path, f"duplicate id {ident!r}")
        seen.add(ident)

    for i, experience in enumerate(scenario.experiences):
        claim(experience.id, f"experiences[{i}].id")
        if experience.label in labels:
            raise ScenarioError(f"experiences[{i}].label", f"duplicate label {experience.label!r}")
        labels.add(experience.label)
        for j, sequence in enumerate(experience.sequences):
            base = f"experiences[{i}].sequences[{j}]"
            claim(sequence.id, f"{base}.id")
            if sequence.distribution is not None:
                claim(sequence.distribution.id, f"{base}.distribution.id")
            if sequence.waitlist is not None:
                claim(sequence.waitlist.id, f"{base}.waitlist.id")


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario JSON file.

    Usage: ``scenario = load_scenario("scenarios/drop.json")``
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("$", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ScenarioError("$", f"malformed JSON: {exc}") from None
    return parse_scenario(data)


def default_scenario() -> Scenario:
    """The built-in scenario: one experience per distribution type plus VIP, sign-in and
    bot-check experiences (see docs/sandbox.md).

    Usage: ``default_scenario().experiences[0].label == "queue"``
    """
    text = resources.files("fanfare_rx.sandbox").joinpath("default_scenario.json").read_text("utf-8")
    return parse_scenario(json.loads(text))
