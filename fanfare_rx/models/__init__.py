"""Models: journey snapshot types (G1) and gen C Consumer API wire bodies. Imports nothing else
of fanfare_rx."""

from fanfare_rx.models import journey, wire
from fanfare_rx.models.journey import *  # noqa: F403
from fanfare_rx.models.journey import __all__ as _journey_all

__all__ = ["journey", "wire", *_journey_all]
