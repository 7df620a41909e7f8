"""fanfare_rx: Fanfare experience journeys as RxPY streams, over the Consumer HTTP API.

Usage::

    async with await Fanfare.init(organization_id=org, publishable_key=pk, base_url=url) as ff:
        journey = ff.experiences.create_journey(experience_id)
        await journey.start()

Importing the package is cheap: each name loads its layer on first use (PEP 562).

What an application needs is exported here; internals (the event bus, the session manager, the
journey's effects port, ``redact``) stay importable from their layer's package
(``fanfare_rx.client``, ``fanfare_rx.journey``, ``fanfare_rx.models``).

One listing: ``_EXPORTS`` (public name -> module) is what the package exports. The
``TYPE_CHECKING`` imports (for type checkers) and ``__all__`` (for ``import *``) repeat it, and
``tests/docs/test_public_api.py`` pins the three equal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fanfare_rx._lazy import lazy_exports

if TYPE_CHECKING:
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
        ClientClosedError,
        ConfigError,
        ConflictError,
        DecodeError,
        ErrorCode,
        FanfareError,
        FanfareTimeoutError,
        FleetError,
        JourneyDestroyedError,
        JourneyError,
        NetworkError,
        NotFoundError,
        NotOpenYetError,
        RateLimitedError,
        ServerError,
        StorageError,
        StorageLockTimeout,
        UnknownActionError,
        UsageError,
        ValidationError,
    )
    from fanfare_rx.errors import (
        TimeoutError as TimeoutError,  # the alias of FanfareTimeoutError
    )
    from fanfare_rx.journey.cadence import (
        ServerCadence,
    )
    from fanfare_rx.journey.journey import (
        ExperienceJourney,
    )
    from fanfare_rx.journey.recorder import (
        FlightRecorder,
        redacted,
        replay,
    )
    from fanfare_rx.journey.store import (
        Store,
    )
    from fanfare_rx.journey.view import (
        LiveJourneyView,
        LiveSequenceView,
        LiveWaitlistAttachment,
    )
    from fanfare_rx.journey.view_store import (
        AutoPolling,
        ViewStore,
    )
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
    from fanfare_rx.models.connection import (
        Connection,
        ConnectionStatus,
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
    from fanfare_rx.models.page import (
        Countdown,
        CountdownKind,
        Page,
        WaitEstimate,
    )
    from fanfare_rx.models.view import (
        AccessCodeOutcome,
        AccessCodeSubmitResult,
        AdmissionGrant,
        BotMitigation,
        Gate,
        JourneyView,
        JourneyViewStage,
        Mechanism,
        Outcome,
        OutcomeType,
        ParticipatingDisplay,
        SequencePhase,
        SequenceView,
        WaitlistAttachmentStatus,
        WaitlistAttachmentView,
    )
    from fanfare_rx.models.wire import (
        SessionInfo,
        SessionType,
    )
    from fanfare_rx.tuning import (
        GcTuning,
        tune_gc,
    )
    from fanfare_rx.wire.client import (
        ConsumerApi,
    )
    from fanfare_rx.wire.codec import (
        page_to_json,
        snapshot_from_json,
        snapshot_to_json,
        view_to_json,
    )
    from fanfare_rx.wire.config import (
        HttpConfig,
    )
    from fanfare_rx.wire.pool import (
        HttpPool,
    )
    from fanfare_rx.wire.resources import (
        MechanismResource,
    )
    from fanfare_rx.wire.retry import (
        RetryPolicy,
    )
    from fanfare_rx.wire.transport import (
        ConnectionMonitor,
    )

__version__ = "0.1.0"

#: The public names and the module each one lives in.
_EXPORTS: dict[str, str] = {
    "DEVELOPMENT_BASE_URL": "fanfare_rx.client.fanfare",
    "Fanfare": "fanfare_rx.client.fanfare",
    "PRODUCTION_BASE_URL": "fanfare_rx.client.fanfare",
    "Auth": "fanfare_rx.client.namespaces",
    "Challenges": "fanfare_rx.client.namespaces",
    "Experiences": "fanfare_rx.client.namespaces",
    "Journeys": "fanfare_rx.client.namespaces",
    "FileStorage": "fanfare_rx.client.storage",
    "MemoryStorage": "fanfare_rx.client.storage",
    "SessionStorage": "fanfare_rx.client.storage",
    "StoredSession": "fanfare_rx.client.storage",
    "APIConnectionError": "fanfare_rx.errors",
    "APIStatusError": "fanfare_rx.errors",
    "APITimeoutError": "fanfare_rx.errors",
    "ActionNotAvailableError": "fanfare_rx.errors",
    "AuthError": "fanfare_rx.errors",
    "ClientClosedError": "fanfare_rx.errors",
    "ConfigError": "fanfare_rx.errors",
    "ConflictError": "fanfare_rx.errors",
    "DecodeError": "fanfare_rx.errors",
    "ErrorCode": "fanfare_rx.errors",
    "FanfareError": "fanfare_rx.errors",
    "FanfareTimeoutError": "fanfare_rx.errors",
    "FleetError": "fanfare_rx.errors",
    "JourneyDestroyedError": "fanfare_rx.errors",
    "JourneyError": "fanfare_rx.errors",
    "NetworkError": "fanfare_rx.errors",
    "NotFoundError": "fanfare_rx.errors",
    "NotOpenYetError": "fanfare_rx.errors",
    "RateLimitedError": "fanfare_rx.errors",
    "ServerError": "fanfare_rx.errors",
    "StorageError": "fanfare_rx.errors",
    "StorageLockTimeout": "fanfare_rx.errors",
    "UnknownActionError": "fanfare_rx.errors",
    "UsageError": "fanfare_rx.errors",
    "ValidationError": "fanfare_rx.errors",
    "ServerCadence": "fanfare_rx.journey.cadence",
    "ExperienceJourney": "fanfare_rx.journey.journey",
    "Store": "fanfare_rx.journey.store",
    "LiveJourneyView": "fanfare_rx.journey.view",
    "LiveSequenceView": "fanfare_rx.journey.view",
    "LiveWaitlistAttachment": "fanfare_rx.journey.view",
    "ViewStore": "fanfare_rx.journey.view_store",
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
    "AuctionTerms": "fanfare_rx.models.journey",
    "AvailableActions": "fanfare_rx.models.journey",
    "DistributionStatus": "fanfare_rx.models.journey",
    "DistributionSummary": "fanfare_rx.models.journey",
    "EventAudience": "fanfare_rx.models.journey",
    "EventKind": "fanfare_rx.models.journey",
    "EventSeverity": "fanfare_rx.models.journey",
    "ExperienceSession": "fanfare_rx.models.journey",
    "JourneyAction": "fanfare_rx.models.journey",
    "JourneyContext": "fanfare_rx.models.journey",
    "JourneyEvent": "fanfare_rx.models.journey",
    "JourneySnapshot": "fanfare_rx.models.journey",
    "JourneyStage": "fanfare_rx.models.journey",
    "Offer": "fanfare_rx.models.journey",
    "Participation": "fanfare_rx.models.journey",
    "ParticipationType": "fanfare_rx.models.journey",
    "Requirement": "fanfare_rx.models.journey",
    "RequirementType": "fanfare_rx.models.journey",
    "SequenceAction": "fanfare_rx.models.journey",
    "SequenceStage": "fanfare_rx.models.journey",
    "AccessCodeOutcome": "fanfare_rx.models.view",
    "AccessCodeSubmitResult": "fanfare_rx.models.view",
    "AdmissionGrant": "fanfare_rx.models.view",
    "BotMitigation": "fanfare_rx.models.view",
    "Gate": "fanfare_rx.models.view",
    "JourneyView": "fanfare_rx.models.view",
    "JourneyViewStage": "fanfare_rx.models.view",
    "Mechanism": "fanfare_rx.models.view",
    "Outcome": "fanfare_rx.models.view",
    "OutcomeType": "fanfare_rx.models.view",
    "ParticipatingDisplay": "fanfare_rx.models.view",
    "SequencePhase": "fanfare_rx.models.view",
    "SequenceView": "fanfare_rx.models.view",
    "WaitlistAttachmentStatus": "fanfare_rx.models.view",
    "WaitlistAttachmentView": "fanfare_rx.models.view",
    "SessionInfo": "fanfare_rx.models.wire",
    "SessionType": "fanfare_rx.models.wire",
    "ConsumerApi": "fanfare_rx.wire.client",
    "snapshot_from_json": "fanfare_rx.wire.codec",
    "snapshot_to_json": "fanfare_rx.wire.codec",
    "HttpConfig": "fanfare_rx.wire.config",
    "HttpPool": "fanfare_rx.wire.pool",
    "RetryPolicy": "fanfare_rx.wire.retry",
    "FlightRecorder": "fanfare_rx.journey.recorder",
    "redacted": "fanfare_rx.journey.recorder",
    "replay": "fanfare_rx.journey.recorder",
    "Countdown": "fanfare_rx.models.page",
    "CountdownKind": "fanfare_rx.models.page",
    "Page": "fanfare_rx.models.page",
    "WaitEstimate": "fanfare_rx.models.page",
    "Connection": "fanfare_rx.models.connection",
    "ConnectionStatus": "fanfare_rx.models.connection",
    "page_to_json": "fanfare_rx.wire.codec",
    "view_to_json": "fanfare_rx.wire.codec",
    "AutoPolling": "fanfare_rx.journey.view_store",
    "ConnectionMonitor": "fanfare_rx.wire.transport",
    "MechanismResource": "fanfare_rx.wire.resources",
    "GcTuning": "fanfare_rx.tuning",
    "tune_gc": "fanfare_rx.tuning",
}

#: Former names kept for compatibility (not in ``__all__``: ``import *`` never shadows a builtin).
_ALIASES: dict[str, str] = {
    "TimeoutError": "fanfare_rx.errors",
}

__all__ = [
    "DEVELOPMENT_BASE_URL",
    "PRODUCTION_BASE_URL",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AccessCodeOutcome",
    "AccessCodeSubmitResult",
    "ActionNotAvailableError",
    "AdmissionGrant",
    "AuctionTerms",
    "Auth",
    "AuthError",
    "AutoPolling",
    "AvailableActions",
    "Bid",
    "Book",
    "BotMitigation",
    "Cancel",
    "Challenges",
    "Claim",
    "ClientClosedError",
    "Complete",
    "ConfigError",
    "ConflictError",
    "Connection",
    "ConnectionMonitor",
    "ConnectionStatus",
    "ConsumerApi",
    "Countdown",
    "CountdownKind",
    "DecodeError",
    "DistributionStatus",
    "DistributionSummary",
    "Enter",
    "ErrorCode",
    "EventAudience",
    "EventKind",
    "EventSeverity",
    "ExperienceJourney",
    "ExperienceSession",
    "Experiences",
    "Fanfare",
    "FanfareError",
    "FanfareTimeoutError",
    "FileStorage",
    "FleetError",
    "FlightRecorder",
    "Gate",
    "GcTuning",
    "HttpConfig",
    "HttpPool",
    "JoinWaitlist",
    "JourneyAction",
    "JourneyContext",
    "JourneyDestroyedError",
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
    "LiveWaitlistAttachment",
    "Mechanism",
    "MechanismResource",
    "MemoryStorage",
    "NetworkError",
    "NotFoundError",
    "NotOpenYetError",
    "Offer",
    "Outcome",
    "OutcomeType",
    "Page",
    "ParticipatingDisplay",
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
    "SessionInfo",
    "SessionStorage",
    "SessionType",
    "ShopperAction",
    "StorageError",
    "StorageLockTimeout",
    "Store",
    "StoredSession",
    "UnknownActionError",
    "UsageError",
    "ValidationError",
    "ViewStore",
    "WaitEstimate",
    "WaitlistAttachmentStatus",
    "WaitlistAttachmentView",
    "__version__",
    "page_to_json",
    "redacted",
    "replay",
    "snapshot_from_json",
    "snapshot_to_json",
    "tune_gc",
    "view_to_json",
]

__getattr__, __dir__ = lazy_exports(__name__, {**_EXPORTS, **_ALIASES}, globals())
