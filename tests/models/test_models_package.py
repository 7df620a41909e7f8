"""The models package re-exports the journey snapshot types (G1) exactly as ``models.journey``
lists them: one listing, read by both."""

from __future__ import annotations

from fanfare_rx import models
from fanfare_rx.models import journey


def test_the_models_package_exports_every_journey_type() -> None:
    assert set(journey.__all__) <= set(models.__all__)
    assert {name for name in models.__all__ if not hasattr(models, name)} == set()
    assert len(models.__all__) == len(set(models.__all__))
