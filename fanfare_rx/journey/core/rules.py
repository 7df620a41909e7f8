"""The one table of what a shopper may do: (stage, mechanism, facts) -> action, with its G1 name,
the current SDK's name and its typed value. G1 ``available_actions``, the view's ``actions`` and
request validation are all read from it, so the two models cannot disagree. The sequence rows
are declared by the mechanisms (:mod:`fanfare_rx.mechanisms`); the journey-level rows are here.

Pure: imports only models and the mechanisms' declarations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fanfare_rx.mechanisms import base, registry
from fanfare_rx.mechanisms.appointment import (
    BOOK_APPOINTMENT,
    CANCEL_APPOINTMENT,
    RESCHEDULE_APPOINTMENT,
)
from fanfare_rx.mechanisms.auction import PLACE_BID
from fanfare_rx.mechanisms.base import SETTLING_STATUSES, Facts, Rule
from fanfare_rx.mechanisms.base import always as _always
from fanfare_rx.mechanisms.registry import CLAIM
from fanfare_rx.models.actions import ShopperAction
from fanfare_rx.models.journey import (
    JourneyAction,
    JourneyContext,
    JourneyStage,
    Requirement,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "BOOK_APPOINTMENT",
    "CANCEL_APPOINTMENT",
    "CLAIM",
    "JOURNEY_RULES",
    "PLACE_BID",
    "RESCHEDULE_APPOINTMENT",
    "SETTLING_STATUSES",
    "STAGE_RULES",
    "Facts",
    "Rule",
    "allowed",
    "facts_of",
    "is_settling",
    "journey_actions",
    "rule_for_value",
    "rule_named",
    "view_stage_actions",
]

SS = SequenceStage
JS = JourneyStage


def is_settling(context: JourneyContext) -> bool:
    """THE definition of settling: the entry of a mechanism that settles (draw, auction) waits
    for its results (the distribution is settling or closed), so no action is offered then.

    Usage: ``is_settling(snapshot.context)`` -> ``True`` for a closed, not yet drawn draw
    """
    distribution = context.distribution
    spec = registry.spec_for(distribution.type) if distribution is not None else None
    return spec is not None and spec.settling(context)


def facts_of(
    journey_stage: JourneyStage,
    sequence_stage: SequenceStage,
    requirements: tuple[Requirement, ...],
    context: JourneyContext,
) -> Facts:
    """The facts of one state.

    Usage: ``facts_of(snap.journey_stage, snap.sequence_stage, snap.requirements, snap.context)``
    """
    distribution = context.distribution
    status = distribution.status if distribution is not None else None
    return Facts(
        journey_stage=journey_stage,
        sequence_stage=sequence_stage,
        mechanism=distribution.type if distribution is not None else None,
        settling=is_settling(context),
        open=status not in SETTLING_STATUSES,
        has_waitlist=distribution is not None and bool(distribution.waitlist_id),
        claimed=context.checkout_started,
        failed=context.last_error is not None,
        offers=bool(context.offers),
        no_sequence=distribution is None,
        requirements=requirements,
    )


def rules() -> tuple[Rule, ...]:
    """THE table of sequence actions: every registered mechanism's rows, the waitlist
    attachment's and the grant's claim (see :func:`fanfare_rx.mechanisms.rules`). The wire
    wins where the docs' tables and the API disagree: no API generation has an auction leave
    endpoint; an appointment is never granted; nothing can be done while a draw or auction
    settles; a lapsed grant may be entered again while the distribution is open."""
    return registry.rules()


_SEQUENCE_ACTIONS = frozenset(a.value for a in SequenceAction)


def allowed(facts: Facts) -> tuple[Rule, ...]:
    """The rows of the one table that hold in a state.

    Usage: ``[r.g3 for r in allowed(facts)]`` -> ``['enter']``
    """
    return tuple(row for row in registry.rules_in(facts.mechanism, facts.sequence_stage)
                 if row.holds(facts))


def sequence_actions(facts: Facts) -> tuple[SequenceAction, ...]:
    """G1 ``available_actions.sequence``: the allowed rows that have a name in the docs' list."""
    return tuple(SequenceAction(r.g1) for r in allowed(facts) if r.g1 in _SEQUENCE_ACTIONS)


def rule_named(facts: Facts, g1: str) -> Rule | None:
    """The allowed row a G1 name asks for (None: not allowed now).

    Usage: ``rule_named(facts, "place_bid")``
    """
    return next((r for r in allowed(facts) if r.g1 == g1), None)


def rule_for_value(facts: Facts, value: ShopperAction) -> Rule | None:
    """The allowed row a typed action asks for (None: not allowed now).

    Usage: ``rule_for_value(facts, Bid("125"))``
    """
    return next((r for r in allowed(facts) if isinstance(value, r.value)), None)


# --------------------------------------------------------------------------------------------
# Journey-level actions: G1 per journey stage; the view's per view stage.


def _has_requirement(kind: RequirementType, *, required: bool | None = None) -> Callable[
    [Facts], bool
]:
    def check(facts: Facts) -> bool:
        return any(
            r.type is kind and (required is None or r.required is required)
            for r in facts.requirements
        )

    return check


def _failed(facts: Facts) -> bool:
    return facts.failed


def _offers(facts: Facts) -> bool:
    return facts.offers


def _retryable(facts: Facts) -> bool:
    # a failure the journey can route again after (what view.retry() asks the journey for)
    return facts.failed and facts.journey_stage in (JS.ENTERING, JS.ROUTING, JS.ROUTED)


def _code_may_unlock(facts: Facts) -> bool:
    # offers to unlock, or no sequence found at all (no_access): a code may open one
    return facts.offers or (facts.no_sequence and facts.failed)


#: G1 journey actions: (action, stages, condition).
JOURNEY_RULES: tuple[tuple[JourneyAction, frozenset[JourneyStage], Callable[[Facts], bool]], ...] = (
    (JourneyAction.START, frozenset({JS.NOT_STARTED}), _always),
    (JourneyAction.AUTHENTICATE, frozenset({JS.NEEDS_AUTH}), _always),
    (JourneyAction.PROVIDE_ACCESS_CODE, frozenset({JS.NEEDS_ACCESS_CODE}), _always),
    (JourneyAction.REQUEST_REROUTE, frozenset({JS.ROUTED}), _always),
    (JourneyAction.REFRESH_DISTRIBUTION, frozenset({JS.ROUTED}), _always),
    (JourneyAction.SKIP_ACCESS_CODE, frozenset({JS.NEEDS_ACCESS_CODE}),
     _has_requirement(RequirementType.ACCESS_CODE, required=False)),
    (JourneyAction.COMPLETE_BOT_CHECK, frozenset({JS.ROUTING}),
     _has_requirement(RequirementType.BOT_CHECK)),
    (JourneyAction.RETRY, frozenset({JS.ENTERING, JS.ROUTING}), _failed),
    (JourneyAction.PROVIDE_ACCESS_CODE, frozenset({JS.ROUTED}), _offers),
)


def journey_actions(facts: Facts) -> tuple[JourneyAction, ...]:
    """G1 ``available_actions.journey``."""
    actions: list[JourneyAction] = []
    for action, stages, condition in JOURNEY_RULES:
        if facts.journey_stage in stages and condition(facts) and action not in actions:
            actions.append(action)
    return tuple(actions)


#: The view's journey actions per view stage (spec §1.3): (name, view stages, condition).
#: ``retry`` only after a failure, ``submit_access_code`` only with offers (or no sequence at
#: all, which a code may unlock), so a UI drawing one button per action draws no dead button.
STAGE_RULES: tuple[tuple[str, frozenset[str], Callable[[Facts], bool]], ...] = (
    ("start", frozenset({"ready"}), _always),
    ("reroute", frozenset({"gated", "routed"}), _always),
    ("retry", frozenset({"gated"}), _always),
    ("retry", frozenset({"routing", "routed"}), _retryable),
    ("submit_access_code", frozenset({"routed"}), _code_may_unlock),
)


def view_stage_actions(view_stage: str, facts: Facts) -> frozenset[str]:
    """The view's journey-level action names in ``view_stage`` (``ready`` ... ``routed``)."""
    return frozenset(
        name for name, stages, condition in STAGE_RULES
        if view_stage in stages and condition(facts)
    )


_WHEN_TEXT: Mapping[Callable[[Facts], bool], str] = {
    _always: "",
    base.not_settling: "not settling",
    base.is_open: "still open",
    base.has_waitlist: "has a waitlist",
    base.not_claimed: "not claimed yet",
}


def table_markdown() -> str:
    """The one table as a Markdown table (docs/mechanisms.md shows it; a test keeps them equal).

    Usage: ``print(table_markdown())``
    """
    lines = ["| mechanism | sequence stage | when | G1 name | view name | value |",
             "|---|---|---|---|---|---|"]
    for row in registry.rules():
        where = "waitlist." if row.waitlist else ""
        mechanisms = "any" if row.waitlist else ", ".join(sorted(m.value for m in row.mechanisms))
        stages = ", ".join(sorted(s.value for s in row.stages))
        when = _WHEN_TEXT.get(row.when, row.when.__name__)
        lines.append(f"| {mechanisms} | {stages} | {when} | `{row.g1}` | `{where}{row.g3}` "
                     f"| `{row.value.__name__}` |")
    return "\n".join(lines) + "\n"
