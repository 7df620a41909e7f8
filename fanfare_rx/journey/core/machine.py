"""The pure journey reducer: ``reduce(snapshot, message) -> snapshot``.

No I/O, no clock reads (time arrives inside messages), no asyncio, no aiohttp. It dispatches
each message to its handler (routing, participation, resume, the event journal) and finishes
the step once; the rules the handlers read are the tables of :mod:`.tables`.
"""

from __future__ import annotations

from typing import assert_never

from fanfare_rx.journey.core import (
    auction,
    connection,
    current_sdk,
    journal,
    participation,
    resume,
    routing,
    rules,
    tables,
)
from fanfare_rx.journey.core.journal import MAX_EVENTS
from fanfare_rx.journey.core.messages import (
    AccessCodeAdvanced,
    ActionFailed,
    ActionRequested,
    AdmissionMarked,
    AllEventsAcked,
    ConnectionObserved,
    EventAcked,
    ExperienceLoaded,
    FailOpenElapsed,
    GrantClaimed,
    Message,
    ResumedFromMe,
    ResumedFromServer,
    RouteResolved,
    RoutingStarted,
    SessionLost,
    StatusReceived,
    Tick,
    WaitlistChanged,
)
from fanfare_rx.journey.core.shared import shared
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
    """The ``not_started`` snapshot of a new journey (one instance shared by the journeys of
    an experience until each folds its first change).

    Usage: ``initial_snapshot("exp-1").available_actions.journey`` -> ``(START,)``
    """
    context = JourneyContext(experience_id=experience_id)
    return shared(JourneySnapshot(
        journey_stage=JourneyStage.NOT_STARTED,
        sequence_stage=SequenceStage.NONE,
        context=context,
        available_actions=tables.available_actions(
            JourneyStage.NOT_STARTED, SequenceStage.NONE, (), context
        ),
    ))


def is_available(snapshot: JourneySnapshot, action: JourneyAction | SequenceAction | str) -> bool:
    """Whether ``action`` (a G1 name) is allowed now: in the snapshot's ``available_actions``,
    or, for the actions the docs' G1 list lacks (``place_bid`` ...), a row of the one table.

    Usage: ``is_available(snap, SequenceAction.ENTER_QUEUE)``
    """
    if isinstance(action, JourneyAction):
        return action in snapshot.available_actions.journey
    if isinstance(action, SequenceAction):
        return action in snapshot.available_actions.sequence
    facts = rules.facts_of(snapshot.journey_stage, snapshot.sequence_stage,
                           snapshot.requirements, snapshot.context)
    return rules.rule_named(facts, action) is not None


def reduce(snapshot: JourneySnapshot, message: Message) -> JourneySnapshot:
    """Fold one message into the snapshot. Pure: the same inputs give the same output.

    An action that is not available, or a message that changes nothing, returns the very
    same snapshot object (``revision`` unchanged); any change increments ``revision`` by one.

    Usage: ``snap = reduce(snap, ActionRequested(at=now_ms, action=JourneyAction.START))``
    """
    match message:  # the hot message (a poll's status) first
        case StatusReceived():
            draft, new_events = participation.on_status(snapshot, message)
        case ActionRequested():
            start_over = message.action is JourneyAction.START and message.reset
            if not start_over and not is_available(snapshot, message.action):
                return snapshot
            draft, new_events = routing.on_action(snapshot, message)
        case RouteResolved():
            draft, new_events = routing.on_route(snapshot, message)
        case ExperienceLoaded():
            draft, new_events = routing.on_experience(snapshot, message)
        case WaitlistChanged():
            draft, new_events = participation.on_waitlist(snapshot, message)
        case ActionFailed():
            draft, new_events = participation.on_failure(snapshot, message)
        case Tick():
            draft, new_events = participation.on_tick(snapshot, message)
        case AdmissionMarked():
            draft, new_events = participation.on_marked(snapshot, message)
        case EventAcked():
            draft, new_events = journal.on_ack(snapshot, message)
        case AllEventsAcked():
            draft, new_events = journal.on_ack_all(snapshot, message)
        case ResumedFromMe():
            draft, new_events = resume.on_resume_me(snapshot, message)
        case ResumedFromServer():
            draft, new_events = resume.on_resume_server(snapshot, message)
        case GrantClaimed():
            draft, new_events = current_sdk.on_claimed(snapshot, message)
        case AccessCodeAdvanced():
            draft, new_events = current_sdk.on_code_advanced(snapshot, message)
        case RoutingStarted():
            draft, new_events = current_sdk.on_routing_started(snapshot, message)
        case SessionLost():
            draft, new_events = routing.on_session_lost(snapshot, message)
        case ConnectionObserved():
            draft, new_events = connection.on_connection(snapshot, message)
        case FailOpenElapsed():
            draft, new_events = connection.on_fail_open(snapshot, message)
        case _:
            assert_never(message)
    draft = auction.refresh(snapshot, draft, message)
    if draft is snapshot and not new_events:
        return snapshot
    if draft.context.checkout_started and draft.sequence_stage is not SequenceStage.ADMITTED:
        draft = current_sdk.without_stale_checkout(draft)
    return journal.finish(snapshot, draft, new_events, message.at)
