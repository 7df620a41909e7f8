"""A journey's actions over its pipeline: :func:`request` checks an action against the one
table (or its argument) and raises without a request when it is not available, folds it as
requested, then runs its effect single-flight on the pipeline's runner. The journey's methods
(``start``, ``enter_queue`` ...) are this one function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import cast

import reactivex
from reactivex import Observable

from fanfare_rx.errors import (
    ActionNotAvailableError,
    UnknownActionError,
    UsageError,
)
from fanfare_rx.journey import effects as fx
from fanfare_rx.journey.core import rules
from fanfare_rx.journey.core.machine import is_available
from fanfare_rx.journey.core.messages import (
    ActionRequested,
    GrantClaimed,
)
from fanfare_rx.journey.pipeline import JourneyPipeline
from fanfare_rx.journey.runner import ActionName
from fanfare_rx.models.actions import (
    Bid,
    Book,
    Cancel,
    Claim,
    Reschedule,
    ShopperAction,
)
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction

__all__ = ["request"]


def _facts(snapshot: JourneySnapshot) -> rules.Facts:
    return rules.facts_of(snapshot.journey_stage, snapshot.sequence_stage, snapshot.requirements,
                          snapshot.context)


def _g1_name(g1: str) -> SequenceAction | str:
    try:
        return SequenceAction(g1)
    except ValueError:
        return g1  # an action the docs' G1 list lacks (place_bid, book_appointment ...)


def _not_available(name: str, snapshot: JourneySnapshot) -> ActionNotAvailableError:
    facts = _facts(snapshot)
    return ActionNotAvailableError(
        f"{name!r} is not available in journey stage {snapshot.journey_stage.value!r}, "
        f"sequence stage {snapshot.sequence_stage.value!r}",
        details={
            "journey": [a.value for a in snapshot.available_actions.journey],
            "sequence": [r.g1 for r in rules.allowed(facts)],
        },
    )


#: The typed value each G1 name builds from its one text argument (``perform(name, arg)``).
_VALUE_OF_NAME: Mapping[str, Callable[[str | None], ShopperAction]] = {
    SequenceAction.ENTER_AUCTION: lambda arg: Bid(_needs(arg, "enter_auction", "an amount")),
    fx.PLACE_BID: lambda arg: Bid(_needs(arg, "place_bid", "an amount")),
    fx.BOOK_APPOINTMENT: lambda arg: Book(_needs(arg, "book_appointment", "a slot id")),
    fx.RESCHEDULE_APPOINTMENT: lambda arg: Reschedule(
        _needs(arg, "reschedule_appointment", "a slot id")),
    fx.CANCEL_APPOINTMENT: lambda arg: Cancel(arg),
}


def _needs(arg: str | None, name: str, what: str) -> str:
    if arg is None:
        raise UsageError(f"{name} needs {what}")
    return arg


def request(
    pipeline: JourneyPipeline,
    action: JourneyAction | SequenceAction | ShopperAction | str,
    arg: str | None = None,
    *,
    reset: bool = False,
) -> Observable[JourneySnapshot]:
    """:meth:`ExperienceJourney.request <fanfare_rx.journey.journey.ExperienceJourney.request>`
    on the journey's pipeline (see there)::

        request(p, enter_queue) : --(s|)   (s = the snapshot after the enter was folded)

    Usage: ``snapshot = await request(pipeline, Bid("125.00"))``
    """
    pipeline.ensure_alive()
    snapshot = pipeline.snapshot()
    if isinstance(action, ShopperAction):  # the union itself: one list of them
        return _request_value(pipeline, snapshot, action)
    name = _parse_action(action)
    if isinstance(name, JourneyAction):
        return _request_journey(pipeline, snapshot, name, arg, reset=reset)
    rule = rules.rule_named(_facts(snapshot), name)
    if rule is None:
        raise _not_available(name, snapshot)
    builder = _VALUE_OF_NAME.get(name)
    value = builder(arg) if builder is not None else cast(Callable[[], ShopperAction], rule.value)()
    return _request_value(pipeline, snapshot, value, rule)

def _request_journey(pipeline: JourneyPipeline, snapshot: JourneySnapshot, name: JourneyAction, arg: str | None,
                     *, reset: bool) -> Observable[JourneySnapshot]:
    running = pipeline.in_flight(name.value)
    if running is not None:
        return running
    start_over = name is JourneyAction.START and reset
    if not start_over and not is_available(snapshot, name):
        raise _not_available(name.value, snapshot)
    if name is JourneyAction.PROVIDE_ACCESS_CODE and not arg:
        raise UsageError("provide_access_code needs a non-empty code")
    pipeline.send(ActionRequested(at=pipeline.now(), action=name, arg=arg, reset=reset))
    runner = pipeline.runner
    return runner.run(name.value, fx.effect_for(runner.context, name, arg), name)

def _request_value(pipeline: JourneyPipeline, snapshot: JourneySnapshot, value: ShopperAction,
                   rule: rules.Rule | None = None) -> Observable[JourneySnapshot]:
    """A shopper's typed action: the one table names its G1 action and effect; it is
    folded as requested, then its effect runs."""
    rule = rule or rules.rule_for_value(_facts(snapshot), value)
    if rule is None:
        raise _not_available(type(value).__name__, snapshot)
    running = pipeline.in_flight(rule.g1)
    if running is not None:
        return running
    if isinstance(value, Claim):
        pipeline.send(GrantClaimed(at=pipeline.now()))  # the current SDK's claim()
        return reactivex.just(pipeline.snapshot())
    name = _g1_name(rule.g1)
    pipeline.send(ActionRequested(at=pipeline.now(), action=name, value=value))
    runner = pipeline.runner
    return runner.run(rule.g1, fx.effect_for(runner.context, name, value), name)

def _parse_action(action: ActionName) -> JourneyAction | SequenceAction | str:
    if isinstance(action, JourneyAction | SequenceAction):
        return action
    for enum_type in (JourneyAction, SequenceAction):
        try:
            return enum_type(action)
        except ValueError:
            continue
    if any(row.g1 == action for row in rules.rules()):
        return action  # a name the docs' G1 list lacks (place_bid, a plug-in's ...)
    raise UnknownActionError(f"unknown journey action {action!r}")
