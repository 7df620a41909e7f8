"""The journey's event journal: the events a step adds, the automatic stage-change events,
acknowledgements, and finishing a step (revision, bounded history).

Pure: imports only models, tables and the memo of shared values.
"""

from __future__ import annotations

from typing import Any

import attrs

from fanfare_rx.journey.core import tables
from fanfare_rx.journey.core.messages import AllEventsAcked, EventAcked
from fanfare_rx.journey.core.shared import shared
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.models.journey import (
    EventAudience,
    EventKind,
    EventSeverity,
    JourneyEvent,
    JourneySnapshot,
    SequenceStage,
)

__all__ = [
    "MAX_EVENTS",
    "Draft",
    "NewEvent",
    "analytics",
    "finish",
    "on_ack",
    "on_ack_all",
    "stage_events",
    "system",
    "user",
]

#: How many events a snapshot keeps (the oldest are dropped first).
MAX_EVENTS = 100

SS = SequenceStage


@attrs.frozen
class NewEvent:
    """An event a step adds; :func:`finish` gives it its id and time."""

    kind: EventKind
    severity: EventSeverity
    audience: EventAudience
    message: str
    detail: dict[str, Any] | None = None


#: What a handler returns: the draft snapshot (the handler's fields decided; the bookkeeping
#: :func:`finish` derives) and the events the step adds.
Draft = tuple[JourneySnapshot, list[NewEvent]]


def user(kind: EventKind, severity: EventSeverity, message: str, **detail: Any) -> NewEvent:
    """A user-facing event. Usage: ``user(EventKind.ERROR, EventSeverity.ERROR, "No luck")``"""
    return NewEvent(kind, severity, EventAudience.USER, message, detail or None)


def system(kind: EventKind, message: str, **detail: Any) -> NewEvent:
    """A system event (informational, not for a toast)."""
    return NewEvent(kind, EventSeverity.INFO, EventAudience.SYSTEM, message, detail or None)


def analytics(name: str, **detail: Any) -> NewEvent:
    """An analytics event named ``name``."""
    return NewEvent(EventKind.INFO, EventSeverity.INFO, EventAudience.ANALYTICS, name, detail or None)


def on_ack(snap: JourneySnapshot, msg: EventAcked) -> Draft:
    """``ack_event(id)``: ``latest_event`` moves past that event (never backwards)."""
    ids = [event.id for event in snap.events]
    if msg.event_id not in ids:
        return snap, []
    seen = ids.index(snap.last_seen_event_id) if snap.last_seen_event_id in ids else -1
    if ids.index(msg.event_id) <= seen:
        return snap, []
    return evolve(snap, last_seen_event_id=msg.event_id), []


def on_ack_all(snap: JourneySnapshot, msg: AllEventsAcked) -> Draft:
    """``ack_all_events()``."""
    if not snap.events:
        return snap, []
    return evolve(snap, last_seen_event_id=snap.events[-1].id), []


def stage_events(old: JourneySnapshot, new: JourneySnapshot) -> list[NewEvent]:
    """The events a change of sequence stage or distribution status tells."""
    old_ctx, new_ctx = old.context, new.context
    old_d, new_d = old_ctx.distribution, new_ctx.distribution
    if new.sequence_stage is old.sequence_stage and (new_d is old_d or new_d == old_d):
        return []  # the common case (a poll that moved a position): nothing to tell
    events: list[NewEvent] = []
    if new.sequence_stage is not old.sequence_stage and new.sequence_stage is not SS.NONE:
        severity, text = tables.SEQUENCE_STAGE_MESSAGES[new.sequence_stage]
        outcome = new_ctx.outcome
        if new.sequence_stage is SS.ENDED and outcome is not None:
            text = f"Ended: {outcome}"
            severity = EventSeverity.SUCCESS if outcome in ("won", "completed") else EventSeverity.WARNING
        events.append(
            user(EventKind.SEQUENCE_CHANGE, severity, text,
                 from_stage=old.sequence_stage.value, to_stage=new.sequence_stage.value)
        )
        if new.sequence_stage is SS.ADMITTED:
            events.append(analytics("journey_granted"))
        elif new.sequence_stage is SS.ENDED and old.sequence_stage is not SS.ADMISSION_EXPIRED:
            events.append(analytics("journey_ended", outcome=outcome))
        elif new.sequence_stage is SS.ADMISSION_EXPIRED:
            # An unclaimed grant lapses to ended / expired (the view's reading).
            events.append(analytics("journey_ended", outcome="expired"))
    settling = new.sequence_stage is SS.PARTICIPATING and tables.is_settling(new_ctx)
    was_settling = old.sequence_stage is SS.PARTICIPATING and tables.is_settling(old_ctx)
    if settling and not was_settling:
        events.append(
            user(EventKind.DISTRIBUTION_CHANGE, EventSeverity.INFO,
                 "Entries are closed: waiting for the results",
                 situation="settling", distribution_id=new_d.id if new_d else None)
        )
    if old_d is not None and new_d is not None and old_d.id == new_d.id and old_d.status != new_d.status:
        events.append(
            system(EventKind.DISTRIBUTION_CHANGE,
                   f"Distribution {new_d.status.value if new_d.status else 'unknown'}",
                   distribution_id=new_d.id,
                   from_status=old_d.status.value if old_d.status else None,
                   to_status=new_d.status.value if new_d.status else None)
        )
    return events


def _same(old: JourneySnapshot, new: JourneySnapshot) -> bool:
    return (
        new.journey_stage is old.journey_stage
        and new.sequence_stage is old.sequence_stage
        and new.last_seen_event_id == old.last_seen_event_id
        and (new.requirements is old.requirements or new.requirements == old.requirements)
        and (new.context is old.context or new.context == old.context)
    )


def finish(
    old: JourneySnapshot, draft: JourneySnapshot, new_events: list[NewEvent], at: int
) -> JourneySnapshot:
    """Finish one step: available actions, automatic events, revision and bounded history;
    the new snapshot is built once.

    Returns ``old`` itself when nothing changed.

    Usage: ``finish(snap, draft, events, message.at)``
    """
    if draft.sequence_stage is not old.sequence_stage or draft.context.distribution is not old.context.distribution:
        automatic = stage_events(old, draft)
        if automatic:
            new_events = [*new_events, *automatic]
    if not new_events and _same(old, draft):
        return old
    old_ctx, new_ctx = old.context, draft.context
    if (  # the inputs of the availability table are the very same objects: same actions
        draft.journey_stage is old.journey_stage
        and draft.sequence_stage is old.sequence_stage
        and draft.requirements is old.requirements
        and new_ctx.distribution is old_ctx.distribution
        and new_ctx.offers is old_ctx.offers
        and (new_ctx.last_error is None) is (old_ctx.last_error is None)
    ):
        actions = old.available_actions
    else:
        actions = tables.available_actions(
            draft.journey_stage, draft.sequence_stage, draft.requirements, draft.context
        )
    revision = old.revision + 1
    events = old.events
    if new_events:
        added = tuple(
            JourneyEvent(  # an id is one string for every journey at that revision and index
                id=shared(f"evt-{revision}-{index}"), ts=at, kind=e.kind, severity=e.severity,
                audience=e.audience, message=e.message, detail=e.detail,
            )
            for index, e in enumerate(new_events)
        )
        # Bounded history; an acknowledged event that ages out leaves its id as the marker,
        # and every event still kept is newer than it (so unacknowledged), as
        # `latest_event` assumes.
        events = (*events, *added)[-MAX_EVENTS:]
    return JourneySnapshot(
        journey_stage=draft.journey_stage, sequence_stage=draft.sequence_stage,
        context=draft.context, revision=revision, updated_at=max(old.updated_at, at),
        requirements=draft.requirements, available_actions=actions, events=events,
        last_seen_event_id=draft.last_seen_event_id,
    )
