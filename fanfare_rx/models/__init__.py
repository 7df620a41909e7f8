"""Models: journey snapshot types (G1) and gen C Consumer API wire bodies. Imports nothing else
of fanfare_rx but ``errors``."""

from fanfare_rx.models import journey, view, wire
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import *

# The journey snapshot types (G1) are re-exported as ``models.journey`` lists them.
__all__ = ["journey", "redact", "view", "wire"]
__all__ += journey.__all__
