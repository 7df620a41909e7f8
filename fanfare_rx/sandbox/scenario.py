"""Sandbox scenarios: organizations, keys, experiences, sequences and distributions as JSON.

Times are seconds relative to the sandbox start. A bad file raises :class:`ScenarioError`
whose message names the offending field, e.g. ``experiences[0].sequences[1].distribution.admitRate``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import attrs

__all__ = [
    "DISTRIBUTION_TYPES",
    "TIMED_RELEASE_SHAPES",
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

DISTRIBUTION_TYPES = ("queue", "draw", "auction", "timed_release")
TIMED_RELEASE_SHAPES = ("compat", "genC")
T = TypeVar("T")
_MISSING: Any = object()


class ScenarioError(ValueError):
    """A scenario file or dict that does not match the schema; ``field`` names the culprit.

    Usage: ``except ScenarioError as exc: print(exc.field)``
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@attrs.frozen
class WaitlistSpec:
    id: str
    capacity: int | None = None
    order_limit: int | None = None


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
    #: ``compat``: timed releases listed in experiences, granted entries ``GRANTED``; ``genC``:
    #: not listed (found through ``/consumers/me``), granted entries ``ENTERED`` + grant.
    timed_release_shape: str = "compat"
    requests_per_minute: int = 6000
    experiences: tuple[ExperienceSpec, ...] = ()
    #: The default cycle of the experiences that do not set their own (None: no cycle).
    cycle_seconds: float | None = None

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


class _Reader:
    """Typed field access on one JSON object with the path kept for error messages."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            raise ScenarioError(path or "$", f"expected an object, got {_kind(value)}")
        self.value = value
        self.path = path
        self.used: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, check: Callable[[Any, str], T], default: Any = _MISSING) -> T:
        self.used.add(key)
        if key not in self.value:
            if default is _MISSING:
                raise ScenarioError(self.at(key), "required field missing")
            return default  # type: ignore[no-any-return]
        raw = self.value[key]
        if raw is None and default is not _MISSING and default is None:
            none: Any = None
            return none  # type: ignore[no-any-return]
        return check(raw, self.at(key))

    def finish(self) -> None:
        extra = sorted(set(self.value) - self.used)
        if extra:
            raise ScenarioError(self.at(extra[0]), "unknown field")


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), "null" if value is None else "number")


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ScenarioError(path, f"expected a non-empty string, got {_kind(value)}")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(path, f"expected a boolean, got {_kind(value)}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(path, f"expected a number, got {_kind(value)}")
    if value < 0:
        raise ScenarioError(path, f"must not be negative, got {value}")
    return float(value)


def _int(value: Any, path: str) -> int:
    number = _number(value, path)
    if not number.is_integer():
        raise ScenarioError(path, f"expected a whole number, got {value}")
    return int(number)


def _money(value: Any, path: str) -> Decimal:
    if not isinstance(value, str):
        raise ScenarioError(path, f"expected a decimal string like \"10.00\", got {_kind(value)}")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ScenarioError(path, f"expected a decimal string, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ScenarioError(path, f"expected a non-negative amount, got {value!r}")
    return amount


def _positive(value: Any, path: str) -> float:
    number = _number(value, path)
    if number <= 0:
        raise ScenarioError(path, "must be greater than 0")
    return number


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise ScenarioError(path, f"expected an array, got {_kind(value)}")
    return value


def _distribution(value: Any, path: str) -> DistributionSpec:
    r = _Reader(value, path)
    kind = r.get("type", _str)
    if kind not in DISTRIBUTION_TYPES:
        raise ScenarioError(r.at("type"), f"expected one of {', '.join(DISTRIBUTION_TYPES)}, got {kind!r}")
    fields: dict[str, Any] = {
        "type": kind,
        "id": r.get("id", _str),
        "open_at": r.get("openAt", _number, 0.0),
        "close_at": r.get("closeAt", _number, None),
        "supports_guest": r.get("supportsGuest", _bool, True),
        "admission_expiration_seconds": r.get("admissionExpirationSeconds", _int, None),
        "order_limit": r.get("orderLimit", _int, None),
    }
    if kind in ("queue", "draw"):
        fields["capacity"] = r.get("capacity", _int, None)
        fields["crowd"] = r.get("crowd", _int, 0)
    if kind == "queue":
        fields["admit_rate"] = r.get("admitRate", _number)
        if fields["admit_rate"] <= 0:
            raise ScenarioError(r.at("admitRate"), "must be greater than 0")
        fields["max_admissions"] = r.get("maxAdmissions", _int, None)
    elif kind == "draw":
        fields["draw_at"] = r.get("drawAt", _number)
        fields["winner_count"] = r.get("winnerCount", _int)
        if fields["draw_at"] < fields["open_at"]:
            raise ScenarioError(r.at("drawAt"), "must not be before openAt")
    elif kind == "auction":
        fields["settle_at"] = r.get("settleAt", _number)
        fields["start_price"] = r.get("startPrice", _money, None)
        fields["reserve_price"] = r.get("reservePrice", _money, None)
        fields["min_bid_increment"] = r.get("minBidIncrement", _money, None)
        fields["auto_extend_seconds"] = r.get("autoExtendSeconds", _int, None)
        if fields["settle_at"] < fields["open_at"]:
            raise ScenarioError(r.at("settleAt"), "must not be before openAt")
    close_at = fields["close_at"]
    if close_at is not None and close_at < fields["open_at"]:
        raise ScenarioError(r.at("closeAt"), "must not be before openAt")
    r.finish()
    return DistributionSpec(**fields)


def _waitlist(value: Any, path: str) -> WaitlistSpec:
    r = _Reader(value, path)
    spec = WaitlistSpec(id=r.get("id", _str), capacity=r.get("capacity", _int, None),
                        order_limit=r.get("orderLimit", _int, None))
    r.finish()
    return spec


def _sequence(value: Any, path: str) -> SequenceSpec:
    r = _Reader(value, path)
    spec = SequenceSpec(
        id=r.get("id", _str), name=r.get("name", _str), priority=r.get("priority", _number),
        color=r.get("color", _str, None), access_code=r.get("accessCode", _str, None),
        requires_sign_in=r.get("requiresSignIn", _bool, False),
        bot_check=r.get("botCheck", _bool, False),
        distribution=r.get("distribution", _distribution, None),
        waitlist=r.get("waitlist", _waitlist, None),
    )
    r.finish()
    return spec


def _experience(value: Any, path: str, default_cycle: float | None) -> ExperienceSpec:
    r = _Reader(value, path)
    sequences = r.get("sequences", _list, [])
    cycle = r.get("cycleSeconds", _positive, None) if "cycleSeconds" in r.value else default_cycle
    spec = ExperienceSpec(
        id=r.get("id", _str), label=r.get("label", _str), name=r.get("name", _str),
        time_zone=r.get("timeZone", _str, "UTC"), currency_code=r.get("currencyCode", _str, "USD"),
        archived=r.get("archived", _bool, False),
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
        times = {"openAt": spec.open_at, "drawAt": spec.draw_at, "settleAt": spec.settle_at}
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
    r = _Reader(data, "")
    experiences = r.get("experiences", _list)
    cycle = r.get("cycleSeconds", _positive, None)
    scenario = Scenario(
        organization_id=r.get("organizationId", _str, "org_sandbox"),
        publishable_key=r.get("publishableKey", _str, "pk_test_sandbox"),
        secret_key=r.get("secretKey", _str, "sk_test_sandbox"),
        otp_code=r.get("otpCode", _str, "424242"),
        bot_check_token=r.get("botCheckToken", _str, "sandbox-bot-check-pass"),
        access_token_ttl_seconds=r.get("accessTokenTtlSeconds", _int, 3600),
        refresh_token_ttl_seconds=r.get("refreshTokenTtlSeconds", _int, 2_592_000),
        refresh_reuse_grace_seconds=r.get("refreshReuseGraceSeconds", _int, 0),
        timed_release_shape=r.get("timedReleaseShape", _str, "compat"),
        requests_per_minute=r.get("requestsPerMinute", _int, 6000),
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
