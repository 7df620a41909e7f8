"""Sandbox scenarios: organizations, keys, experiences, sequences and distributions as JSON.

Times are seconds relative to the sandbox start. The JSON is decoded by the codec's one cattrs
converter; a distribution is a tagged union on ``type`` whose members are the spec classes of
the registered engines (``fanfare_rx.sandbox.engines``). A bad file raises
:class:`ScenarioError` whose message names the offending field, e.g.
``experiences[0].sequences[1].distribution.admitRate``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import attrs

from fanfare_rx.sandbox._scenario_decode import (
    FieldProblem,
    ScenarioError,
    decode_scenario,
    non_negative,
    positive,
    text,
)
from fanfare_rx.wire._unions import camel

__all__ = [
    "TIMED_RELEASE_SHAPES",
    "DistributionSpec",
    "ExperienceSpec",
    "FieldProblem",
    "Scenario",
    "ScenarioError",
    "SequenceSpec",
    "WaitlistSpec",
    "default_scenario",
    "load_scenario",
    "parse_scenario",
]

TIMED_RELEASE_SHAPES = ("compat", "genC")


def _optional_text(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not value:
        raise FieldProblem(camel(attribute.name), "expected a non-empty string")


@attrs.frozen(kw_only=True)
class WaitlistSpec:
    id: str = text()
    capacity: int | None = attrs.field(default=None, validator=non_negative)
    order_limit: int | None = attrs.field(default=None, validator=non_negative)


@attrs.frozen(kw_only=True)
class DistributionSpec:
    """What every distribution of a scenario has; each engine's spec class extends it with
    its own fields (``class DrawSpec(DistributionSpec)``) and names its ``type`` tag through
    the engine's registration (``class DrawEngine(Engine, kind="draw", spec=DrawSpec)``).

    Usage: ``scenario.experiences[0].sequences[0].distribution.open_at``
    """

    #: The ``type`` tag, set on each spec class when its engine registers.
    KIND: ClassVar[str] = ""

    type: str = text()
    id: str = text()
    open_at: float = attrs.field(default=0.0, validator=non_negative)
    close_at: float | None = attrs.field(default=None, validator=non_negative)
    supports_guest: bool = True
    #: Seconds a grant lasts (None: grants never expire).
    admission_expiration_seconds: int | None = attrs.field(default=None, validator=non_negative)
    #: Entries one consumer may make, re-entries included (None: unlimited).
    order_limit: int | None = attrs.field(default=None, validator=non_negative)

    def __attrs_post_init__(self) -> None:
        if self.close_at is not None and self.close_at < self.open_at:
            raise FieldProblem("closeAt", "must not be before openAt")
        for name, at in self.times().items():
            if at < self.open_at:
                raise FieldProblem(name, "must not be before openAt")

    def times(self) -> dict[str, float]:
        """The scenario times after ``openAt`` this distribution acts at (``{"drawAt": 300}``),
        which an experience's cycle must hold."""
        return {}


@attrs.frozen(kw_only=True)
class SequenceSpec:
    id: str = text()
    name: str = text()
    priority: float = attrs.field(validator=non_negative)
    color: str | None = None
    access_code: str | None = attrs.field(default=None, repr=False, validator=_optional_text)
    requires_sign_in: bool = False
    bot_check: bool = False
    distribution: DistributionSpec | None = None
    waitlist: WaitlistSpec | None = None


@attrs.frozen(kw_only=True)
class ExperienceSpec:
    id: str = text()
    label: str = text()
    name: str = text()
    time_zone: str = text("UTC")
    currency_code: str = text("USD")
    archived: bool = False
    sequences: tuple[SequenceSpec, ...] = ()
    #: Seconds after which the experience starts over (None: it runs once).
    cycle_seconds: float | None = attrs.field(default=None, validator=positive)


@attrs.frozen(kw_only=True)
class Scenario:
    """A whole sandbox world. Build one with :func:`load_scenario` or :func:`parse_scenario`.

    Usage: ``Sandbox(scenario=load_scenario("drop.json"))``
    """

    organization_id: str = text("org_sandbox")
    publishable_key: str = text("pk_test_sandbox")
    secret_key: str = text("sk_test_sandbox", secret=True)
    otp_code: str = text("424242", secret=True)
    bot_check_token: str = text("sandbox-bot-check-pass", secret=True)
    access_token_ttl_seconds: int = attrs.field(default=3600, validator=non_negative)
    refresh_token_ttl_seconds: int = attrs.field(default=2_592_000, validator=non_negative)
    #: Seconds a just-rotated refresh token still yields the pair its rotation issued (0: off).
    refresh_reuse_grace_seconds: int = attrs.field(default=0, validator=non_negative)
    #: ``compat``: timed releases listed in experiences, granted entries ``GRANTED``, a few
    #: undocumented fields; ``genC`` (spec mode): not listed (found through ``/consumers/me``),
    #: granted entries ``ENTERED`` + grant, every body exactly in the gen C shape.
    timed_release_shape: str = text("compat")
    requests_per_minute: int = attrs.field(default=6000, validator=non_negative)
    #: The default cycle of the experiences that do not set their own (None: no cycle).
    cycle_seconds: float | None = attrs.field(default=None, validator=positive)
    experiences: tuple[ExperienceSpec, ...]

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


def parse_scenario(data: Any) -> Scenario:
    """Validate parsed JSON into a :class:`Scenario`; raises :class:`ScenarioError`.

    Usage: ``parse_scenario(json.loads(text))``
    """
    inherited: set[int] = set()
    if isinstance(data, Mapping) and isinstance(data.get("experiences"), list):
        # An experience without its own ``cycleSeconds`` takes the scenario's (a bad one is
        # reported once, at the top).
        top = data.get("cycleSeconds")
        valid = isinstance(top, int | float) and not isinstance(top, bool) and top > 0
        experiences = list(data["experiences"])
        for i, experience in enumerate(experiences):
            if valid and isinstance(experience, Mapping) and "cycleSeconds" not in experience:
                experiences[i] = {**experience, "cycleSeconds": top}
                inherited.add(i)
        data = {**data, "experiences": experiences}
    scenario = decode_scenario(data, Scenario, DistributionSpec, _spec_classes())
    if scenario.timed_release_shape not in TIMED_RELEASE_SHAPES:
        raise ScenarioError("timedReleaseShape",
                            f"expected one of {', '.join(TIMED_RELEASE_SHAPES)}, "
                            f"got {scenario.timed_release_shape!r}")
    if not scenario.publishable_key.startswith("pk_test_"):
        raise ScenarioError("publishableKey", "must start with pk_test_")
    if not scenario.secret_key.startswith("sk_test_"):
        raise ScenarioError("secretKey", "must start with sk_test_")
    for i, experience in enumerate(scenario.experiences):
        if experience.cycle_seconds is not None:
            _check_cycle(experience, experience.cycle_seconds,
                         "cycleSeconds" if i in inherited else f"experiences[{i}].cycleSeconds")
    _check_unique_ids(scenario)
    return scenario


def _spec_classes() -> Mapping[str, type[DistributionSpec]]:
    """``type`` tag -> spec class of every registered engine (the built-in ones included)."""
    from fanfare_rx.sandbox import engines  # registers the built-in engines

    return {kind: engine.spec_class for kind, engine in engines.registered_engines().items()}


def _check_cycle(experience: ExperienceSpec, cycle: float, path: str) -> None:
    """Every time of the experience must fall inside one cycle (closing may end it)."""
    for sequence in experience.sequences:
        spec = sequence.distribution
        if spec is None:
            continue
        for name, at in {"openAt": spec.open_at, **spec.times()}.items():
            if at >= cycle:
                raise ScenarioError(path, f"must be greater than {name} {at:g} of "
                                          f"distribution {spec.id!r}, got {cycle:g}")
        if spec.close_at is not None and spec.close_at > cycle:
            raise ScenarioError(path, f"must not be less than closeAt {spec.close_at:g} of "
                                      f"distribution {spec.id!r}, got {cycle:g}")


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
        content = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("$", f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ScenarioError("$", f"malformed JSON: {exc}") from None
    return parse_scenario(data)


def default_scenario() -> Scenario:
    """The built-in scenario: one experience per distribution type plus VIP, sign-in and
    bot-check experiences (see docs/sandbox.md).

    Usage: ``default_scenario().experiences[0].label == "queue"``
    """
    content = resources.files("fanfare_rx.sandbox").joinpath("default_scenario.json").read_text(
        "utf-8")
    return parse_scenario(json.loads(content))
