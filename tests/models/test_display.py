"""Display formatting shared by the live view and the HTML reprs: money, durations, clock
times, enum values and outcome kinds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fanfare_rx.models._display import amount, clock_time, duration, money, outcome_kind, shown
from fanfare_rx.models.journey import SequenceStage


@pytest.mark.parametrize(("amount", "currency", "text"), [
    ("100", None, "100.00"), (100, None, "100.00"), (Decimal("99.5"), None, "99.50"),
    ("1234567.891", None, "1234567.89"), ("100", "usd", "100.00 USD"), (1500, "JPY", "1500 JPY"),
    (None, None, "-"), ("n/a", None, "n/a"), ("NaN", None, "NaN"),
])
def test_money(amount: object, currency: str | None, text: str) -> None:
    assert money(amount, currency) == text


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0 s"), (41.4, "41 s"), (59.6, "1 min"), (280, "4 min 40 s"), (3600, "1 h 00 min"),
    (3900, "1 h 05 min"), (-5, "0 s"),
])
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_clock_time_and_enum_values() -> None:
    assert clock_time(1_767_268_800 + 300) == "12:05:00 UTC"
    assert shown(SequenceStage.ADMITTED) == "admitted"
    assert shown(3) == "3"


@pytest.mark.parametrize(("stage", "outcome", "kind"), [
    ("admitted", None, "success"), ("ended", "completed", "success"), ("ended", "won", "success"),
    ("ended", "lost", "failure"), ("admission_expired", "expired", "failure"),
    ("ended", "left", "neutral"), ("ended", None, "neutral"), ("participating", None, None),
])
def test_outcome_kind(stage: str, outcome: str | None, kind: str | None) -> None:
    assert outcome_kind(stage, outcome) == kind


@pytest.mark.parametrize(("value", "currency", "text"), [
    ("100", None, "100.00"), (100, "USD", "100.00"), (Decimal("105.5"), "usd", "105.50"),
    ("1500", "JPY", "1500"), ("0.005", "USD", "0.005"), ("n/a", None, "n/a"), ("NaN", None, "NaN"),
])
def test_amount_has_the_currency_decimals_and_never_rounds(value: object, currency: str | None,
                                                           text: str) -> None:
    assert amount(value, currency) == text
