"""A toy mechanism, a raffle, defined in this one file: its client module (kind, consumer state,
standing normaliser, status rows, rows of the one table, API calls, cadence) and its sandbox
engine (spec class and routes, registered by kind) register, pass the conformance suite (its
declarations, and a journey entering it on the sandbox over loopback), and the one table, the
G1 stores, the view, the reducer and a journey's pipeline take it without naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
import reactivex
from aiohttp import web
from integration_helpers import consumer_id, engine_of, one_experience_sandboxes
from mechanism_conformance import check_declarations, check_end_to_end, enter
from reactivex import Observable

from fanfare_rx import ExperienceJourney
from fanfare_rx.client.events import EVENT_NAMES, MECHANISM_EVENTS, EventBus, bus_events
from fanfare_rx.journey.core import rules, tables
from fanfare_rx.journey.core.machine import is_available
from fanfare_rx.journey.core.view import view_of
from fanfare_rx.mechanisms import ApiCalls, MechanismSpec, Standing
from fanfare_rx.mechanisms.base import ENTERABLE, is_open, not_settling, rule
from fanfare_rx.mechanisms.registry import (
    drop_kind,
    new_kind,
    register,
    registered,
    unregister,
)
from fanfare_rx.models import wire
from fanfare_rx.models.actions import Enter, Leave
from fanfare_rx.models.journey import (
    DistributionStatus,
    DistributionSummary,
    JourneyContext,
    JourneySnapshot,
    JourneyStage,
    Participation,
    SequenceAction,
    SequenceStage,
)
from fanfare_rx.sandbox.engines import (
    Engine,
    Projection,
    registered_engines,
    unregister_engine,
)
from fanfare_rx.sandbox.engines.handlers import eligible, participant
from fanfare_rx.sandbox.scenario import DistributionSpec
from fanfare_rx.testing import builders as b

# --- the raffle's module ----------------------------------------------------------------------

#: The raffle's kind, made while its module is registered (see the ``raffle`` fixture).
RAFFLE = new_kind("toy_raffle")
SS = SequenceStage


@attrs.frozen
class RaffleState:
    """The consumer's raffle ticket, as the raffle's status endpoint answers it."""

    status: str
    ticket: int | None = None
    admission_grant: str | None = attrs.field(default=None, repr=False)


def _standing(state: RaffleState) -> Standing:
    return Standing(state.status, grant=state.admission_grant, position=state.ticket)


async def _raffle_answer(api: Any, method: str, path: str) -> RaffleState:
    """The raffle's own resource on the consumer API (a plug-in's calls: its paths, its body)."""
    body = json.loads(await api.requester.raw(method, path))
    return RaffleState(status=body["status"], ticket=body.get("ticket"))


RAFFLE_SPEC = MechanismSpec(
    kind=RAFFLE,
    state_types=(RaffleState,),
    standing=_standing,
    statuses={"NOT_IN": ENTERABLE, "IN": SS.PARTICIPATING, "PICKED": SS.ADMITTED,
              "NOT_PICKED": SS.ENDED},
    rules=(
        rule("enter_raffle", "enter", Enter, {SS.ACTIVE_ENTERABLE}, {RAFFLE}),
        rule("leave_raffle", "leave", Leave, {SS.PARTICIPATING}, {RAFFLE}, not_settling),
        rule("enter_raffle", "reenter", Enter, {SS.ADMISSION_EXPIRED}, {RAFFLE}, is_open),
    ),
    api=ApiCalls(
        status=lambda api, rid: _raffle_answer(api, "GET", f"/raffles/{rid}/status"),
        enter=lambda api, rid: _raffle_answer(api, "POST", f"/raffles/{rid}/enter"),
        leave=lambda api, rid: _raffle_answer(api, "POST", f"/raffles/{rid}/leave"),
    ),
    poll_interval_ms=7000,
    settles=True,  # no events=: the bus names its moments after its kind (toy_raffle:entered ...)
)


drop_kind(RAFFLE.value)  # only while registered: no other test decodes a toy kind


@pytest.fixture
def raffle() -> Iterator[MechanismSpec]:
    new_kind(RAFFLE.value)
    register(RAFFLE_SPEC)
    try:
        yield RAFFLE_SPEC
    finally:
        unregister(RAFFLE)
        drop_kind(RAFFLE.value)


# --- conformance ------------------------------------------------------------------------------


def test_it_registers_and_passes_the_declarations_suite(raffle: MechanismSpec) -> None:
    assert raffle in registered()
    check_declarations(raffle, [RaffleState("IN", ticket=3)])
    assert "secret" not in repr(RaffleState("PICKED", admission_grant="secret"))


def _routed(stage: SequenceStage, status: DistributionStatus = DistributionStatus.OPEN,
            **context: object) -> JourneySnapshot:
    distribution = DistributionSummary(type=RAFFLE, id="r-1", sequence_id="seq-r", status=status)
    ctx = JourneyContext(experience_id="exp-r", sequence_id="seq-r", distribution=distribution,
                         **context)  # type: ignore[arg-type]
    return JourneySnapshot(journey_stage=JourneyStage.ROUTED, sequence_stage=stage, context=ctx)


def test_the_one_table_the_view_and_validation_take_it(raffle: MechanismSpec) -> None:
    enterable = _routed(SS.ACTIVE_ENTERABLE)
    view = view_of(enterable).sequence
    assert view is not None and (view.phase, view.mechanism, view.actions) == (
        "enterable", "toy_raffle", {"enter"})
    assert is_available(enterable, "enter_raffle") and not is_available(enterable, "leave_raffle")
    assert tables.available_actions(enterable.journey_stage, enterable.sequence_stage, (),
                                    enterable.context).sequence == ()  # no G1 name in the docs
    closed = _routed(SS.PARTICIPATING, DistributionStatus.CLOSED)  # drawn later: settling
    assert rules.is_settling(closed.context)
    assert view_of(closed).sequence.phase == "settling"  # type: ignore[union-attr]
    assert not is_available(closed, "leave_raffle")
    assert rules.table_markdown().count("| toy_raffle |") == 3


def test_the_actions_kept_per_state_are_forgotten_when_the_table_changes() -> None:
    # G1 available_actions are kept per distinct facts (a drop's journeys share the same few
    # states); registering or removing a mechanism must forget them, or a plug-in's sequence
    # would keep the answers from before it was registered.
    new_kind(RAFFLE.value)
    try:
        distribution = DistributionSummary(type=RAFFLE, id="r-1", sequence_id="seq-r",
                                           status=DistributionStatus.UPCOMING, waitlist_id="w-1")
        context = JourneyContext(experience_id="exp-r", sequence_id="seq-r",
                                 distribution=distribution)

        def upcoming() -> tuple[SequenceAction, ...]:
            return tables.available_actions(JourneyStage.ROUTED, SS.UPCOMING, (), context).sequence

        assert upcoming() == ()  # no mechanism of that kind: nothing to do
        register(RAFFLE_SPEC)
        try:
            assert upcoming() == (SequenceAction.ENTER_WAITLIST,)  # the waitlist's row
        finally:
            unregister(RAFFLE)
        assert upcoming() == ()
    finally:
        drop_kind(RAFFLE.value)


def test_the_event_bus_knows_its_names_from_its_declaration(raffle: MechanismSpec) -> None:
    assert MECHANISM_EVENTS["toy_raffle"].granted == "toy_raffle:granted"
    assert {"toy_raffle:entered", "toy_raffle:granted", "toy_raffle:error"} <= EVENT_NAMES
    off = EventBus().on("toy_raffle:granted", lambda payload: None)  # subscribable by name
    off()
    entered = _routed(SS.PARTICIPATING, participation=Participation(
        type=RAFFLE, id="r-1", status="IN"))  # type: ignore[arg-type]
    said = bus_events(_routed(SS.ACTIVE_ENTERABLE), entered)
    assert [name for name, _ in said] == ["toy_raffle:entered"]
    assert said[0][1]["toyRaffleId"] == "r-1"  # the id under a key named after its kind


def test_it_is_gone_once_unregistered() -> None:
    assert RAFFLE_SPEC not in registered()
    assert "toy_raffle:entered" not in EVENT_NAMES  # the bus forgets its names too
    with pytest.raises(ValueError):
        wire.DistributionType("toy_raffle")  # the kind no longer decodes either


# --- a journey through a scripted port ---------------------------------------------------------

EXPERIENCE = wire.Experience(
    id="exp-r", name="Raffle night", time_zone="UTC", currency_code="USD",
    sequences=(wire.Sequence(id="seq-r", name="Raffle", priority=1, experience_id="exp-r"),))
NOW = datetime.now(UTC)


class RafflePort:
    """A scripted raffle server: the experience lists no raffle, ``/consumers/me`` names it."""

    def __init__(self) -> None:
        self.state = RaffleState("NOT_IN")

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        return reactivex.just(EXPERIENCE)

    def load_me(self) -> Observable[wire.ConsumerMe]:
        projection = wire.RoutedJourneyProjection(
            experience_id="exp-r", sequence_id="seq-r",
            sequence=wire.SequenceProjection(
                phase=wire.SequencePhase.ENTERABLE, mechanism=RAFFLE,
                distribution=wire.DistributionProjection(
                    type=RAFFLE, id="r-1", sequence_id="seq-r",
                    lifecycle=wire.DistributionLifecycle.OPEN, opens_at=NOW),
                consumer=wire.ConsumerProjection(status="not_in")))
        return reactivex.just(wire.ConsumerMe(active=wire.ActiveJourneys(journeys=(projection,))))

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        return reactivex.just(b.routed("seq-r", experience_id="exp-r"))

    def fetch_status(self, distribution: DistributionSummary) -> Observable[object]:
        return reactivex.just(self.state)

    def enter(self, distribution: DistributionSummary) -> Observable[object]:
        self.state = RaffleState("IN", ticket=7)
        return reactivex.just(self.state)

    def leave(self, distribution: DistributionSummary) -> Observable[object]:
        self.state = RaffleState("NOT_IN")
        return reactivex.just(self.state)

    def complete(self, distribution: DistributionSummary) -> Observable[object]:
        return reactivex.throw(NotImplementedError())

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[object]:
        return reactivex.throw(NotImplementedError())

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return reactivex.throw(NotImplementedError())

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        return reactivex.throw(NotImplementedError())

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        return reactivex.throw(NotImplementedError())

    def book_appointment(self, appointment_id: str, slot_id: str,
                         location_id: str | None) -> Observable[object]:
        return reactivex.throw(NotImplementedError())

    def cancel_appointment(self, appointment_id: str, slot_id: str,
                           reason: str | None) -> Observable[object]:
        return reactivex.throw(NotImplementedError())

    def reschedule_appointment(self, appointment_id: str, new_slot_id: str,
                               new_location_id: str | None) -> Observable[object]:
        return reactivex.throw(NotImplementedError())


async def test_a_journey_enters_leaves_and_wins_the_raffle(raffle: MechanismSpec) -> None:
    port = RafflePort()
    journey = ExperienceJourney("exp-r", effects=port)  # type: ignore[arg-type]
    try:
        view = await journey.view.get().start()
        assert view.sequence is not None and view.sequence.mechanism == "toy_raffle", view
        assert view.sequence.phase == "enterable" and view.sequence.actions == {"enter"}
        view = await view.sequence.enter()
        assert view.sequence is not None and view.sequence.phase == "participating"
        assert view.sequence.display.get() is not None
        assert view.sequence.display.get().position == 7  # type: ignore[union-attr]
        assert journey.state.get().context.participation.type == "toy_raffle"  # type: ignore[union-attr]
        await journey.act(Leave())
        assert journey.sequence_stage.get() == "active_enterable"
        await journey.perform("enter_raffle")  # its G1 name works as the docs' names do
        port.state = RaffleState("PICKED", ticket=7, admission_grant="raffle-grant-1")
        await journey.refresh_distribution()
        granted = journey.view.get().sequence
        assert granted is not None and granted.phase == "granted" and "claim" in granted
        await journey.perform("claim")  # the table's G1 label of claim(): checkout started
        assert journey.state.get().context.checkout_started
        assert granted.grant is not None and granted.grant.token == "raffle-grant-1"
        assert "raffle-grant-1" not in repr(journey.state.get())
    finally:
        journey.destroy()


def test_a_kind_made_again_is_the_same_member(raffle: MechanismSpec) -> None:
    assert wire.DistributionType("toy_raffle") is RAFFLE is raffle.kind


# --- the raffle's sandbox engine ---------------------------------------------------------------

raffle_routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class RaffleSpec(DistributionSpec):
    first_ticket: int = 1


def _define_engine() -> type[Engine]:
    class RaffleEngine(Engine, kind="toy_raffle", spec=RaffleSpec, routes=raffle_routes,
                       noun="Raffle", idle_status="not_in"):
        """Hands out numbered tickets; nobody is picked in this toy."""

        spec: RaffleSpec

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.tickets: dict[str, int] = {}

        def status(self, consumer_id: str) -> dict[str, Any]:
            ticket = self.tickets.get(consumer_id)
            return {"status": "NOT_IN"} if ticket is None else {"status": "IN", "ticket": ticket}

        def enter(self, consumer_id: str) -> dict[str, Any]:
            self.tickets.setdefault(consumer_id, self.spec.first_ticket + len(self.tickets))
            return self.status(consumer_id)

        def leave(self, consumer_id: str) -> dict[str, Any]:
            self.tickets.pop(consumer_id, None)
            return self.status(consumer_id)

        def participants(self) -> set[str]:
            return set(self.tickets)

        def projection(self, consumer_id: str, now: float) -> Projection | None:
            ticket = self.tickets.get(consumer_id)
            if ticket is None:
                return None
            consumer = wire.ConsumerProjection(status="in", distribution_id=self.id, position=ticket)
            return Projection(wire.SequencePhase.PARTICIPATING, consumer)

    return RaffleEngine


def _raffle(request: web.Request) -> tuple[Any, Any]:
    identity, engine, _ = participant(request, registered_engines()["toy_raffle"])
    return identity, engine


@raffle_routes.get("/raffles/{id}/status")
async def raffle_status(request: web.Request) -> web.Response:
    identity, engine = _raffle(request)
    return web.json_response(engine.status(identity.consumer.id))


@raffle_routes.post("/raffles/{id}/enter")
async def enter_raffle(request: web.Request) -> web.Response:
    identity, engine = _raffle(request)
    eligible(request, identity, engine)
    return web.json_response(engine.enter(identity.consumer.id))


@raffle_routes.post("/raffles/{id}/leave")
async def leave_raffle(request: web.Request) -> web.Response:
    identity, engine = _raffle(request)
    return web.json_response(engine.leave(identity.consumer.id))


RAFFLE_SEQUENCES = [{"id": "seq-r", "name": "Raffle", "priority": 1,
                     "distribution": {"type": "toy_raffle", "id": "r-1", "closeAt": 3600}}]


@pytest.fixture
def raffle_engine() -> Iterator[type[Engine]]:
    engine = _define_engine()
    try:
        yield engine
    finally:
        unregister_engine("toy_raffle")


async def test_the_conformance_journey_enters_it_on_the_sandbox_over_loopback(
        raffle: MechanismSpec, raffle_engine: type[Engine]) -> None:
    async with one_experience_sandboxes() as start:
        sb, fanfare = await start(RAFFLE_SEQUENCES)
        await check_end_to_end(raffle, sb, fanfare, "x", enter)
        journey = fanfare.experiences.create_journey(sb.experiences["x"])
        assert journey.state.get().context.position == 1  # the first ticket, read as a position
        await journey.act(Leave())
        assert journey.sequence_stage.get() == "active_enterable"
        assert consumer_id(fanfare) not in engine_of(sb, "x").tickets

