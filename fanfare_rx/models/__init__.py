"""Models: journey snapshot types (G1) and gen C Consumer API wire bodies. Imports nothing else
of fanfare_rx but ``errors``."""

from fanfare_rx.models import journey, view, wire
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import *

__all__ = [
    "AvailableActions",
    "DistributionStatus",
    "DistributionSummary",
    "EventAudience",
    "EventKind",
    "EventSeverity",
    "ExperienceSession",
    "JourneyAction",
    "JourneyContext",
    "JourneyEvent",
    "JourneySnapshot",
    "JourneyStage",
    "Offer",
    "Participation",
    "ParticipationType",
    "Requirement",
    "RequirementType",
    "SequenceAction",
    "SequenceStage",
    "journey",
    "redact",
    "view",
    "wire",
]
