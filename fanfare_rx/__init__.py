"""fanfare_rx: Fanfare experience journeys as RxPY streams, over the Consumer HTTP API.

Usage::

    async with await Fanfare.init(organization_id=org, publishable_key=pk, base_url=url) as ff:
        journey = ff.experiences.create_journey(experience_id)
        await journey.start()
"""

from fanfare_rx.errors import (
    ActionNotAvailableError,
    AuthError,
    ConfigError,
    ConflictError,
    DecodeError,
    ErrorCode,
    FanfareError,
    JourneyDestroyedError,
    NetworkError,
    NotFoundError,
    NotOpenYetError,
    RateLimitedError,
    ServerError,
    TimeoutError,
    UnknownActionError,
    ValidationError,
)
from fanfare_rx.events import EventBus
from fanfare_rx.fanfare import DEVELOPMENT_BASE_URL, PRODUCTION_BASE_URL, Auth, Experiences, Fanfare
from fanfare_rx.journey import ExperienceJourney, JourneyEffects, Store
from fanfare_rx.models.journey import (
    AvailableActions,
    DistributionStatus,
    DistributionSummary,
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyAction,
    JourneyContext,
    JourneyEvent,
    JourneySnapshot,
    JourneyStage,
    Offer,
    Participation,
    ParticipationType,
    Requirement,
    RequirementType,
    SequenceAction,
    SequenceStage,
)
from fanfare_rx.session import SessionManager
from fanfare_rx.storage import FileStorage, MemoryStorage, SessionStorage, StoredSession
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.codec import snapshot_from_json, snapshot_to_json
from fanfare_rx.wire.retry import RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "DEVELOPMENT_BASE_URL",
    "PRODUCTION_BASE_URL",
    "ActionNotAvailableError",
    "Auth",
    "ConsumerApi",
    "EventBus",
    "Experiences",
    "Fanfare",
    "FileStorage",
    "MemoryStorage",
    "RetryPolicy",
    "SessionManager",
    "SessionStorage",
    "StoredSession",
    "AuthError",
    "AvailableActions",
    "ConfigError",
    "ConflictError",
    "DecodeError",
    "DistributionStatus",
    "DistributionSummary",
    "ErrorCode",
    "EventAudience",
    "EventKind",
    "EventSeverity",
    "ExperienceJourney",
    "FanfareError",
    "JourneyAction",
    "JourneyContext",
    "JourneyDestroyedError",
    "JourneyEffects",
    "JourneyEvent",
    "JourneySnapshot",
    "JourneyStage",
    "NetworkError",
    "NotFoundError",
    "NotOpenYetError",
    "Offer",
    "Participation",
    "ParticipationType",
    "RateLimitedError",
    "Requirement",
    "RequirementType",
    "SequenceAction",
    "SequenceStage",
    "ServerError",
    "Store",
    "TimeoutError",
    "UnknownActionError",
    "ValidationError",
    "__version__",
    "snapshot_from_json",
    "snapshot_to_json",
]
