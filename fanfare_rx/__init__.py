"""fanfare_rx: Fanfare experience journeys as RxPY streams, over the Consumer HTTP API.

Usage::

    async with await Fanfare.init(organization_id=org, publishable_key=pk, base_url=url) as ff:
        journey = ff.experiences.create_journey(experience_id)
        await journey.start()

Importing the package is cheap: each name loads its layer on first use (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fanfare_rx._lazy import lazy_exports

if TYPE_CHECKING:
    from fanfare_rx.client.events import (
        EventBus,
    )
    from fanfare_rx.client.fanfare import (
        DEVELOPMENT_BASE_URL,
        PRODUCTION_BASE_URL,
        Fanfare,
    )
    from fanfare_rx.client.namespaces import (
        Auth,
        Challenges,
        Experiences,
        Journeys,
    )
    from fanfare_rx.client.session import (
        SessionManager,
    )
    from fanfare_rx.client.storage import (
        FileStorage,
        MemoryStorage,
        SessionStorage,
        StoredSession,
    )
    from fanfare_rx.errors import (
        ActionNotAvailableError,
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthError,
        ConfigError,
        ConflictError,
        DecodeError,
        ErrorCode,
        FanfareError,
        JourneyDestroyedError,
        JourneyError,
        NetworkError,
        NotFoundError,
        NotOpenYetError,
        RateLimitedError,
        ServerError,
        StorageError,
        StorageLockTimeout,
        TimeoutError,
        UnknownActionError,
        UsageError,
        ValidationError,
    )
    from fanfare_rx.journey.cadence import (
        ServerCadence,
    )
    from fanfare_rx.journey.journey import (
        ExperienceJourney,
    )
    from fanfare_rx.journey.ports import (
        JourneyEffects,
    )
    from fanfare_rx.journey.store import (
        Store,
    )
    from fanfare_rx.journey.view import (
        LiveJourneyView,
        LiveSequenceView,
    )
    from fanfare_rx.models._redact import redact
    from fanfare_rx.models.actions import (
        Bid,
        Book,
        Cancel,
        Claim,
        Complete,
        Enter,
        JoinWaitlist,
        Leave,
        LeaveWaitlist,
        Reschedule,
        ShopperAction,
    )
    from fanfare_rx.models.journey import (
        AuctionTerms,
        AvailableActions,
        DistributionStatus,
        DistributionSummary,
        EventAudience,
        EventKind,
        EventSeverity,
        ExperienceSession,
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
    from fanfare_rx.models.view import (
        AccessCodeSubmitResult,
        AdmissionGrant,
        JourneyView,
        JourneyViewStage,
        Mechanism,
        SequencePhase,
        SequenceView,
    )
    from fanfare_rx.wire.client import (
        ConsumerApi,
    )
    from fanfare_rx.wire.codec import (
        snapshot_from_json,
        snapshot_to_json,
    )
    from fanfare_rx.wire.config import (
        HttpConfig,
    )
    from fanfare_rx.wire.pool import (
        HttpPool,
    )
    from fanfare_rx.wire.retry import (
        RetryPolicy,
    )

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Bid": "fanfare_rx.models.actions",
    "Book": "fanfare_rx.models.actions",
    "Cancel": "fanfare_rx.models.actions",
    "Claim": "fanfare_rx.models.actions",
    "Complete": "fanfare_rx.models.actions",
    "Enter": "fanfare_rx.models.actions",
    "JoinWaitlist": "fanfare_rx.models.actions",
    "Leave": "fanfare_rx.models.actions",
    "LeaveWaitlist": "fanfare_rx.models.actions",
    "Reschedule": "fanfare_rx.models.actions",
    "ShopperAction": "fanfare_rx.models.actions",
    "AccessCodeSubmitResult": "fanfare_rx.models.view",
    "APIConnectionError": "fanfare_rx.errors",
    "APIStatusError": "fanfare_rx.errors",
    "APITimeoutError": "fanfare_rx.errors",
    "ActionNotAvailableError": "fanfare_rx.errors",
    "AdmissionGrant": "fanfare_rx.models.view",
    "Auth": "fanfare_rx.client.namespaces",
    "AuthError": "fanfare_rx.errors",
    "AuctionTerms": "fanfare_rx.models.journey",
    "AvailableActions": "fanfare_rx.models.journey",
    "Challenges": "fanfare_rx.client.namespaces",
    "ConfigError": "fanfare_rx.errors",
    "ConflictError": "fanfare_rx.errors",
    "ConsumerApi": "fanfare_rx.wire.client",
    "DEVELOPMENT_BASE_URL": "fanfare_rx.client.fanfare",
    "DecodeError": "fanfare_rx.errors",
    "DistributionStatus": "fanfare_rx.models.journey",
    "DistributionSummary": "fanfare_rx.models.journey",
    "ErrorCode": "fanfare_rx.errors",
    "EventAudience": "fanfare_rx.models.journey",
    "EventBus": "fanfare_rx.client.events",
    "EventKind": "fanfare_rx.models.journey",
    "EventSeverity": "fanfare_rx.models.journey",
    "ExperienceJourney": "fanfare_rx.journey.journey",
    "ExperienceSession": "fanfare_rx.models.journey",
    "Experiences": "fanfare_rx.client.namespaces",
    "Fanfare": "fanfare_rx.client.fanfare",
    "FanfareError": "fanfare_rx.errors",
    "FileStorage": "fanfare_rx.client.storage",
    "HttpConfig": "fanfare_rx.wire.config",
    "HttpPool": "fanfare_rx.wire.pool",
    "JourneyAction": "fanfare_rx.models.journey",
    "JourneyContext": "fanfare_rx.models.journey",
    "JourneyDestroyedError": "fanfare_rx.errors",
    "JourneyEffects": "fanfare_rx.journey.ports",
    "JourneyError": "fanfare_rx.errors",
    "JourneyEvent": "fanfare_rx.models.journey",
    "JourneySnapshot": "fanfare_rx.models.journey",
    "JourneyStage": "fanfare_rx.models.journey",
    "JourneyView": "fanfare_rx.models.view",
    "JourneyViewStage": "fanfare_rx.models.view",
    "Journeys": "fanfare_rx.client.namespaces",
    "LiveJourneyView": "fanfare_rx.journey.view",
    "LiveSequenceView": "fanfare_rx.journey.view",
    "Mechanism": "fanfare_rx.models.view",
    "MemoryStorage": "fanfare_rx.client.storage",
    "NetworkError": "fanfare_rx.errors",
    "NotFoundError": "fanfare_rx.errors",
    "NotOpenYetError": "fanfare_rx.errors",
    "Offer": "fanfare_rx.models.journey",
    "PRODUCTION_BASE_URL": "fanfare_rx.client.fanfare",
    "Participation": "fanfare_rx.models.journey",
    "ParticipationType": "fanfare_rx.models.journey",
    "RateLimitedError": "fanfare_rx.errors",
    "Requirement": "fanfare_rx.models.journey",
    "RequirementType": "fanfare_rx.models.journey",
    "RetryPolicy": "fanfare_rx.wire.retry",
    "SequenceAction": "fanfare_rx.models.journey",
    "SequencePhase": "fanfare_rx.models.view",
    "SequenceStage": "fanfare_rx.models.journey",
    "SequenceView": "fanfare_rx.models.view",
    "ServerCadence": "fanfare_rx.journey.cadence",
    "ServerError": "fanfare_rx.errors",
    "StorageError": "fanfare_rx.errors",
    "StorageLockTimeout": "fanfare_rx.errors",
    "SessionManager": "fanfare_rx.client.session",
    "SessionStorage": "fanfare_rx.client.storage",
    "Store": "fanfare_rx.journey.store",
    "StoredSession": "fanfare_rx.client.storage",
    "TimeoutError": "fanfare_rx.errors",
    "UnknownActionError": "fanfare_rx.errors",
    "UsageError": "fanfare_rx.errors",
    "ValidationError": "fanfare_rx.errors",
    "redact": "fanfare_rx.models._redact",
    "snapshot_from_json": "fanfare_rx.wire.codec",
    "snapshot_to_json": "fanfare_rx.wire.codec",
}

__all__ = [
    "DEVELOPMENT_BASE_URL",
    "PRODUCTION_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AccessCodeSubmitResult",
    "ActionNotAvailableError",
    "AdmissionGrant",
    "AuctionTerms",
    "Auth",
    "AuthError",
    "AvailableActions",
    "Bid",
    "Book",
    "Cancel",
    "Challenges",
    "Claim",
    "Complete",
    "ConfigError",
    "ConflictError",
    "ConsumerApi",
    "DecodeError",
    "DistributionStatus",
    "DistributionSummary",
    "Enter",
    "ErrorCode",
    "EventAudience",
    "EventBus",
    "EventKind",
    "EventSeverity",
    "ExperienceJourney",
    "ExperienceSession",
    "Experiences",
    "Fanfare",
    "FanfareError",
    "FileStorage",
    "HttpConfig",
    "HttpPool",
    "JoinWaitlist",
    "JourneyAction",
    "JourneyContext",
    "JourneyDestroyedError",
    "JourneyEffects",
    "JourneyError",
    "JourneyEvent",
    "JourneySnapshot",
    "JourneyStage",
    "JourneyView",
    "JourneyViewStage",
    "Journeys",
    "Leave",
    "LeaveWaitlist",
    "LiveJourneyView",
    "LiveSequenceView",
    "Mechanism",
    "MemoryStorage",
    "NetworkError",
    "NotFoundError",
    "NotOpenYetError",
    "Offer",
    "Participation",
    "ParticipationType",
    "RateLimitedError",
    "Requirement",
    "RequirementType",
    "Reschedule",
    "RetryPolicy",
    "SequenceAction",
    "SequencePhase",
    "SequenceStage",
    "SequenceView",
    "ServerCadence",
    "ServerError",
    "SessionManager",
    "SessionStorage",
    "ShopperAction",
    "StorageError",
    "StorageLockTimeout",
    "Store",
    "StoredSession",
    "TimeoutError",
    "UnknownActionError",
    "UsageError",
    "ValidationError",
    "__version__",
    "redact",
    "snapshot_from_json",
    "snapshot_to_json",
]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
