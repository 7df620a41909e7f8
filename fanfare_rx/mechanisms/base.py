"""What every mechanism declares: its standing record (what the pure core reads of a consumer's
state), its status rows, its action rows of the one table, its API calls (as data) and its poll
cadence. Pure declarations: imports only models.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from fanfare_rx.models._redact import redact
from fanfare_rx.models.actions import ShopperAction
from fanfare_rx.models.journey import (
    DistributionStatus,
    JourneyContext,
    JourneyStage,
    Requirement,
    SequenceStage,
)
from fanfare_rx.models.wire import DistributionType

__all__ = [
    "ENTERABLE",
    "GRANTED_IF_TOKEN",
    "SETTLING_STATUSES",
    "ApiCall",
    "ApiCalls",
    "Facts",
    "ItemTerms",
    "MechanismEvents",
    "MechanismSpec",
    "Rule",
    "Standing",
    "always",
    "epoch_ms",
    "has_waitlist",
    "is_open",
    "not_claimed",
    "not_settling",
    "rule",
]

SS = SequenceStage

#: Status row: the stage depends on whether the distribution is still open (no entry held).
ENTERABLE = "enterable"
#: Status row: participating, or admitted when the state carries a grant.
GRANTED_IF_TOKEN = "granted_if_token"
#: Timings in which a settling mechanism's entry waits for results.
SETTLING_STATUSES = frozenset({DistributionStatus.SETTLING, DistributionStatus.CLOSED})


def epoch_ms(value: datetime | None) -> int | None:
    """A wire time as epoch milliseconds (None stays None)."""
    return None if value is None else int(value.timestamp() * 1000)


class Standing(NamedTuple):
    """Where a consumer stands in any mechanism, in one shape: what the pure core reads of a
    status answer (no probing of mechanism bodies). ``status`` is the wire's upper-case name.
    A named tuple: one is built per poll, on the hot path; the repr redacts the grant.

    Usage: ``QUEUE.standing(QueueQueued(position=3, estimated_wait_time_in_seconds=30)).position``
    """

    status: str
    reason: str | None = None
    grant: str | None = None
    expires_at: int | None = None
    position: int | None = None
    estimated_wait_seconds: float | None = None
    last_bid: Decimal | None = None
    highest_bid: Decimal | None = None
    slot_id: str | None = None
    location_id: str | None = None
    #: a queue's ``positionDisplayMode`` (``qualitative``: no exact place to show)
    position_display_mode: str | None = None

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={redact(value) if name == 'grant' and value is not None else repr(value)}"
            for name, value in zip(self._fields, self, strict=True) if value is not None)
        return f"Standing({fields})"


class ItemTerms(NamedTuple):
    """What the journey reads of an experience's item of a mechanism, beyond its id and times."""

    settles_at: datetime | None = None
    admission_expiration_seconds: int | None = None
    supports_guest: bool | None = None


def _no_terms(_: Any) -> ItemTerms:
    return ItemTerms()


@attrs.frozen
class Facts:
    """What the one table's conditions read, computed once per state."""

    journey_stage: JourneyStage
    sequence_stage: SequenceStage
    mechanism: DistributionType | None
    #: a settling mechanism's entry waits for results (see :func:`MechanismSpec.settling`)
    settling: bool
    #: the distribution still takes entries (not closed, not settling)
    open: bool
    has_waitlist: bool
    claimed: bool
    failed: bool
    offers: bool
    #: no distribution to stand in (``no_access``): a code may still unlock a sequence
    no_sequence: bool
    requirements: tuple[Requirement, ...]


def always(_: Facts) -> bool:
    return True


def not_settling(facts: Facts) -> bool:
    return not facts.settling


def is_open(facts: Facts) -> bool:
    return facts.open


def has_waitlist(facts: Facts) -> bool:
    return facts.has_waitlist


def not_claimed(facts: Facts) -> bool:
    return not facts.claimed


@attrs.frozen
class Rule:
    """One row of the one table: in ``stages`` of a ``mechanisms`` sequence, when
    ``when(facts)`` holds, the shopper may ask for ``value`` — called ``g1`` by the docs'
    ``ExperienceJourney`` and ``g3`` by the current SDK's view (on the waitlist attachment when
    ``waitlist``). ``when`` reads the facts and nothing else: a journey's available actions
    are kept per distinct facts (see :func:`~fanfare_rx.mechanisms.registry.table_cache`)."""

    g1: str
    g3: str
    value: type[ShopperAction]
    stages: frozenset[SequenceStage]
    mechanisms: frozenset[DistributionType]
    when: Callable[[Facts], bool] = always
    waitlist: bool = False

    def holds(self, facts: Facts) -> bool:
        """Whether the row applies in a state with these facts."""
        return (
            facts.journey_stage is JourneyStage.ROUTED
            and facts.sequence_stage in self.stages
            and facts.mechanism in self.mechanisms
            and self.when(facts)
        )


def rule(g1: str, g3: str, value: type[ShopperAction], stages: set[SequenceStage],
         mechanisms: set[DistributionType] | frozenset[DistributionType],
         when: Callable[[Facts], bool] = always, *, waitlist: bool = False) -> Rule:
    """A :class:`Rule` from plain sets. Usage: ``rule("enter_queue", "enter", Enter, {...}, {QUEUE})``"""
    return Rule(g1=g1, g3=g3, value=value, stages=frozenset(stages),
                mechanisms=frozenset(mechanisms), when=when, waitlist=waitlist)


#: A consumer API call of a mechanism: the name of a ``ConsumerApi`` method (data, so the
#: declarations stay pure), or a plug-in's own coroutine function ``(api, distribution_id)``.
ApiCall = str | Callable[[Any, str], Awaitable[Any]]


@attrs.frozen
class ApiCalls:
    """The consumer API calls of a mechanism (a test checks each named method exists).
    ``*_answers_state``: whether the call's answer is the consumer's state, else a status
    fetch follows; ``status_adapter`` turns the status call's answer into the mechanism's
    state (an appointment's booking)."""

    status: ApiCall
    enter: ApiCall | None = None
    enter_answers_state: bool = True
    leave: ApiCall | None = None
    leave_answers_state: bool = True
    complete: ApiCall | None = None
    complete_answers_state: bool = True
    status_adapter: Callable[[Any], Any] | None = None

    def step(self, which: str) -> tuple[ApiCall | None, bool]:
        """``(call, whether it answers the state)`` of ``enter``, ``leave`` or ``complete``
        (None: the mechanism has no such call)."""
        steps = {"enter": (self.enter, self.enter_answers_state),
                 "leave": (self.leave, self.leave_answers_state),
                 "complete": (self.complete, self.complete_answers_state)}
        return steps[which]


class MechanismEvents(NamedTuple):
    """What the event bus calls each moment of one mechanism's participation (None: the
    mechanism has no such moment). The docs' names (journey-sdk §3.5) where they give one.

    Usage: ``registry.spec_for("draw").events.granted`` -> ``"draw:won"``
    """

    entered: str
    #: The participation ended by the consumer, back to enterable (leave, cancel).
    left: str | None
    #: The admission grant arrived (``admitted``).
    granted: str | None
    #: The grant lapsed (``admission_expired``).
    expired: str | None
    #: The participation ended, by outcome (``"*"``: any other outcome while it was live).
    ended: Mapping[str, str]
    #: The participation's status changed while the stage stayed.
    status_updated: str | None
    #: An error event while the journey stands in this mechanism's distribution.
    error: str
    #: The mechanism's own names that no rule of the bus emits (documented, subscribable).
    more: tuple[str, ...] = ()
    #: The payload key of the distribution's id (``queueId``; None: ``<kind>Id``).
    id_key: str | None = None
    #: A place in line moved (position or wait): the mechanism has a position.
    position_changed: str | None = None
    #: The consumer's own bid changed.
    bid_placed: str | None = None
    #: The highest bid changed.
    bid_updated: str | None = None
    #: The participation's status reached one of these (``OUTBID`` -> ``auction:outbid``).
    bid_standing: Mapping[str, str] = {}

    @classmethod
    def named_after(cls, kind: str, *, more: tuple[str, ...] = ()) -> MechanismEvents:
        """The names of a mechanism that declares none of its own: ``<kind>:entered`` ...

        Usage: ``MechanismEvents.named_after("raffle").granted`` -> ``"raffle:granted"``
        """
        return cls(entered=f"{kind}:entered", left=f"{kind}:left", granted=f"{kind}:granted",
                   expired=f"{kind}:expired", ended={"*": f"{kind}:ended"},
                   status_updated=f"{kind}:status-updated", error=f"{kind}:error", more=more)

    def names(self) -> frozenset[str]:
        """Every name of this mechanism."""
        named = {self.entered, self.left, self.granted, self.expired, self.status_updated,
                 self.error, self.position_changed, self.bid_placed, self.bid_updated,
                 *self.ended.values(), *self.bid_standing.values(), *self.more}
        return frozenset(name for name in named if name is not None)


@attrs.frozen
class MechanismSpec:
    """One mechanism in one place: its kind, the consumer-state types its status answers come
    as and the normaliser to a :class:`Standing`, its status rows, its rows of the one table,
    its API calls and its poll cadence.

    Usage: ``registry.spec_for(DistributionType.QUEUE).poll_interval_ms`` -> ``5000``
    """

    kind: DistributionType
    state_types: tuple[type, ...]
    standing: Callable[[Any], Standing]
    #: upper-case status -> a sequence stage, :data:`ENTERABLE` or :data:`GRANTED_IF_TOKEN`
    statuses: Mapping[str, str | SequenceStage]
    rules: tuple[Rule, ...]
    api: ApiCalls
    poll_interval_ms: int = 5000
    #: an entry waits for results once the distribution closes (draw, auction)
    settles: bool = False
    #: a participation may end in an admission grant to claim (never an appointment)
    grants: bool = True
    #: while participating, only the route tells that entries closed (a draw's status stays
    #: ``ENTERED``): the poll asks it too
    route_tells_settling: bool = False
    #: the event bus's names of this mechanism's moments (None: named after its kind,
    #: ``<kind>:entered`` ...); read by :mod:`fanfare_rx.client.events`
    events: MechanismEvents | None = attrs.field(default=None, eq=False)  # holds a dict
    #: its items in an experience's sequence (gen C lists no timed releases there), and what
    #: the journey reads of one
    listed: Callable[[Any], tuple[Any, ...]] = lambda _: ()
    terms: Callable[[Any], ItemTerms] = _no_terms

    def settling(self, context: JourneyContext) -> bool:
        """Whether an entry in this distribution waits for its results now."""
        distribution = context.distribution
        return (self.settles and distribution is not None
                and distribution.status in SETTLING_STATUSES)
