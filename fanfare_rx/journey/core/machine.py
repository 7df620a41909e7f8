"""The pure journey reducer: ``reduce(snapshot, message) -> snapshot``.

No I/O, no clock reads (time arrives inside messages), no asyncio, no aiohttp. It dispatches
each message to its handler (routing, participation, resume, the event journal) and finishes
the step once; the rules the handlers read are the tables of :mod:`.tables`.
"""

from __future__ import annotations

from typing import assert_never

from fanfare_rx.journey.core import current_sdk, journal, participation, resume, routing, tables
from fanfare_rx.journey.core.journal import MAX_EVENTS, Draft
from fanfare_rx.journey.core.messages import (
    AccessCodeAdvanced,
    ActionFailed,
    ActionRequested,
    AdmissionMarked,
    AllEventsAcked,
    EventAcked,
    ExperienceLoaded,
    GrantClaimed,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    RouteResolved,
    RoutingStarted,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.models.journey import (
    JourneyAction,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    SequenceAction,
    SequenceStage,
)

__all__ = ["MAX_EVENTS", "initial_snapshot", "is_available", "reduce"]


def initial_snapshot(experience_id: str) -> JourneySnapshot:
    """The ``not_started`` snapshot of a new journey.

    Usage: ``initial_snapshot("exp-1").available_actions.journey`` -> ``(START,)``
    """
    context = JourneyContext(experience_id=experience_id)
    return JourneySnapshot(
        journey_stage=JourneyStage.NOT_STARTED,
        sequence_stage=SequenceStage.NONE,
        context=context,
        available_actions=tables.available_actions(
            JourneyStage.NOT_STARTED, SequenceStage.NONE, (), context
        ),
    )


def is_available(snapshot: JourneySnapshot, action: JourneyAction | SequenceAction) -> bool:
    """Whether ``action`` is in the snapshot's ``available_actions``.

    Usage: ``is_available(snap, SequenceAction.ENTER_QUEUE)``
    """
    if isinstance(action, JourneyAction):
        return action in snapshot.available_actions.journey
    return action in snapshot.available_actions.sequence


def _dispatch(snapshot: JourneySnapshot, message: Message) -> Draft:
    match message:
        case ActionRequested():
            return routing.on_action(snapshot, message)
        case RouteResolved():
            return routing.on_route(snapshot, message)
        case ExperienceLoaded():
            return routing.on_experience(snapshot, message)
        case StatusReceived():
            return participation.on_status(snapshot, message)
        case WaitlistChanged():
            return participation.on_waitlist(snapshot, message)
        case ActionFailed():
            return participation.on_failure(snapshot, message)
        case Tick():
            return participation.on_tick(snapshot, message)
        case AdmissionMarked():
            return participation.on_marked(snapshot, message)
        case EventAcked():
            return journal.on_ack(snapshot, message)
        case AllEventsAcked():
            return journal.on_ack_all(snapshot, message)
        case ResumedFromMe():
            return resume.on_resume_me(snapshot, message)
        case ResumedFromServer():
            return resume.on_resume_server(snapshot, message)
        case GrantClaimed():
            return current_sdk.on_claimed(snapshot, message)
        case AccessCodeAdvanced():
            return current_sdk.on_code_advanced(snapshot, message)
        case RoutingStarted():
            return current_sdk.on_routing_started(snapshot, message)
        case _:
            assert_never(message)


def reduce(snapshot: JourneySnapshot, message: Message) -> JourneySnapshot:
    """Fold one message into the snapshot. Pure: the same inputs give the same output.

    An action that is not available, or a message that changes nothing, returns the very
    same snapshot object (``revision`` unchanged); any change increments ``revision`` by one.

    Usage: ``snap = reduce(snap, ActionRequested(at=now_ms, action=JourneyAction.START))``
    """
    if isinstance(message, ActionRequested):
        start_over = message.action is JourneyAction.START and message.reset
        if not start_over and not is_available(snapshot, message.action):
            return snapshot
    draft, new_events = _dispatch(snapshot, message)
    if draft is snapshot and not new_events:
        return snapshot
    draft = current_sdk.without_stale_checkout(draft)
    return journal.finish(snapshot, draft, new_events, message.at)
