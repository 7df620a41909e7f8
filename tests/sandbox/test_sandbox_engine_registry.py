"""A sandbox engine registers by kind with its own scenario spec class and routes: a toy engine
defined in this file is decoded from scenario JSON (the one converter's tagged union on
``type``), built by the world and served over loopback like the built-in ones."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from aiohttp import web
from sandbox_helpers import Api

from fanfare_rx.errors import UsageError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import ScenarioError
from fanfare_rx.sandbox.engines import (
    DrawEngine,
    Engine,
    EntriesEngine,
    Projection,
    QueueEngine,
    register_engine,
    registered_engines,
    unregister_engine,
)
from fanfare_rx.sandbox.engines.handlers import eligible, engine_of, participant
from fanfare_rx.sandbox.http import json_response
from fanfare_rx.sandbox.scenario import DistributionSpec, parse_scenario

toy_routes = web.RouteTableDef()


@attrs.frozen(kw_only=True)
class ToySpec(DistributionSpec):
    prize: str = "a kite"
    stock: int = 1


def _define_toy() -> type[Engine]:
    class ToyEngine(Engine, kind="toy", spec=ToySpec, routes=toy_routes, noun="Toy"):
        """Hands out its stock, first come first served."""

        spec: ToySpec

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.winners: list[str] = []

        def enter(self, consumer_id: str) -> dict[str, Any]:
            if consumer_id not in self.winners and len(self.winners) < self.spec.stock:
                self.winners.append(consumer_id)
            return {"won": consumer_id in self.winners, "prize": self.spec.prize}

        def participants(self) -> set[str]:
            return set(self.winners)

        def projection(self, consumer_id: str, now: float) -> Projection | None:
            if consumer_id not in self.winners:
                return None
            consumer = wire.ConsumerProjection(status="won", distribution_id=self.id)
            return Projection(wire.SequencePhase.ENDED, consumer, outcome=wire.OutcomeType.WON)

    return ToyEngine


@toy_routes.post("/toys/{id}/enter")
async def enter_toy(request: web.Request) -> web.Response:
    identity, engine, _ = participant(request, registered_engines()["toy"])
    eligible(request, identity, engine)
    return web.json_response(engine.enter(identity.consumer.id))  # type: ignore[attr-defined]


@toy_routes.get("/toys/{id}")
async def get_toy(request: web.Request) -> web.Response:
    engine = engine_of(request, registered_engines()["toy"])
    return json_response(wire.SuccessResult(success=engine.accepts_entries(engine.clock_at)))


@pytest.fixture
def toy() -> Iterator[type[Engine]]:
    engine = _define_toy()
    try:
        yield engine
    finally:
        unregister_engine("toy")


def _scenario(distribution: dict[str, Any]) -> Any:
    return parse_scenario({"experiences": [{"id": "e", "label": "x", "name": "X", "sequences": [
        {"id": "s", "name": "S", "priority": 1, "distribution": distribution}]}]})


async def test_a_toy_engine_is_decoded_built_and_served(toy: type[Engine], custom: Any) -> None:
    scenario = _scenario({"type": "toy", "id": "t1", "prize": "a yo-yo", "closeAt": 600})
    spec = scenario.experiences[0].sequences[0].distribution
    assert isinstance(spec, ToySpec) and spec.prize == "a yo-yo" and spec.close_at == 600
    assert registered_engines()["toy"] is toy and ToySpec.KIND == "toy"
    api: Api = await custom(scenario)
    first, second = await api.guest(), await api.guest()
    routed = await api.call("POST", "/experiences/e/route", token=first)
    assert routed.body["outcome"] == "routed"
    me = (await api.call("GET", "/consumers/me", token=first)).body["active"]["journeys"][0]
    assert me["sequence"]["mechanism"] == "toy" and me["sequence"]["phase"] == "enterable"
    assert me["sequence"]["distribution"] == {"type": "toy", "id": "t1", "sequenceId": "s",
                                              "lifecycle": "open",
                                              "closesAt": me["sequence"]["distribution"]["closesAt"],
                                              "opensAt": me["sequence"]["distribution"]["opensAt"]}
    assert (await api.call("POST", "/toys/t1/enter", token=first)).body == {
        "won": True, "prize": "a yo-yo"}
    assert (await api.call("POST", "/toys/t1/enter", token=second)).body["won"] is False
    won = (await api.call("GET", "/consumers/me", token=first)).body["active"]["journeys"][0]
    assert won["sequence"]["phase"] == "ended" and won["sequence"]["outcome"]["type"] == "won"
    assert (await api.call("GET", "/toys/t1")).body == {"success": True}
    missing = await api.call("GET", "/toys/nope")
    assert missing.status == 404 and missing.body["message"] == "Toy not found"
    experience = (await api.call("GET", "/experiences/e")).body
    assert set(experience["sequences"][0]) == {"id", "name", "priority", "experienceId"}
    status = api.sandbox.status()["experiences"][0]
    assert (status["doing"], status["nextChange"]) == ("open", "closes")
    await api.sandbox.advance(600)
    assert (await api.call("GET", "/toys/t1")).body == {"success": False}


def test_a_bad_toy_distribution_names_the_field(toy: type[Engine]) -> None:
    with pytest.raises(ScenarioError) as caught:
        _scenario({"type": "toy", "id": "t1", "stock": "many"})
    assert caught.value.field == "experiences[0].sequences[0].distribution.stock"
    with pytest.raises(ScenarioError, match="unknown field") as unknown:
        _scenario({"type": "toy", "id": "t1", "prise": "typo"})
    assert unknown.value.field == "experiences[0].sequences[0].distribution.prise"


def test_an_unknown_type_lists_the_registered_kinds(toy: type[Engine]) -> None:
    with pytest.raises(ScenarioError) as caught:
        _scenario({"type": "raffle", "id": "r1"})
    assert caught.value.field == "experiences[0].sequences[0].distribution.type"
    kinds = str(caught.value).split("expected one of ")[1].split(", got")[0].split(", ")
    assert set(kinds) == {"queue", "draw", "auction", "timed_release", "appointment", "toy"}


def test_unregistered_kinds_are_refused() -> None:
    assert "toy" not in registered_engines()
    with pytest.raises(ScenarioError, match="expected one of"):
        _scenario({"type": "toy", "id": "t1"})


def test_registration_is_checked(toy: type[Engine]) -> None:
    assert _define_toy() is registered_engines()["toy"]  # a redefinition replaces it
    with pytest.raises(UsageError, match="already registered"):
        type("OtherToy", (Engine,), {}, kind="toy", spec=ToySpec)
    with pytest.raises(UsageError, match="needs a kind"):
        register_engine(type("Nameless", (Engine,), {}))
    with pytest.raises(UsageError, match="DistributionSpec subclass"):
        type("Odd", (Engine,), {}, kind="odd", spec=dict)
    assert "odd" not in registered_engines()
    assert registered_engines()["queue"] is QueueEngine
    assert registered_engines()["draw"] is DrawEngine


@pytest.mark.parametrize(("value", "message"), [
    (math.nan, "finite"), (math.inf, "finite"), (0, "greater than 0"), (-1, "greater than 0")])
def test_a_queue_admit_rate_must_be_a_positive_number(value: float, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as caught:
        _scenario({"type": "queue", "id": "q", "admitRate": value})
    assert caught.value.field == "experiences[0].sequences[0].distribution.admitRate"


@pytest.mark.parametrize(("label", "kind", "path", "noun"), [
    ("draw", "draws", "/draws", "Draw"),
    ("auction", "auctions", "/auctions", "Auction"),
    ("timed_release", "timedReleases", "/timed-releases", "Timed release"),
])
async def test_the_public_get_serves_the_engines_model_or_404_in_its_noun(
        api: Api, label: str, kind: str, path: str, noun: str) -> None:
    """The engines whose ``GET /<kind>/{id}`` is their ``model()`` share one route
    (``serve_model``): no token needed, the model's body, 404 in the engine's noun."""
    distribution_id = await api.distribution(label, kind)
    served = await api.call("GET", f"{path}/{distribution_id}")
    model = api.sandbox.world.engines[distribution_id].model()
    assert served.status == 200 and served.body["id"] == model.id == distribution_id
    missing = await api.call("GET", f"{path}/nope")
    assert missing.status == 404 and missing.body["message"] == f"{noun} not found"


@pytest.mark.parametrize(("label", "kind"), [("draw", "draws"), ("timed_release", "timedReleases")])
async def test_an_entries_engine_derives_who_took_part_from_its_entries(
        api: Api, label: str, kind: str) -> None:
    """Who took part and the projection of someone who never did follow from ``entries``."""
    engine = api.sandbox.world.engines[await api.distribution(label, kind)]
    assert isinstance(engine, EntriesEngine)
    now = max(engine.clock_at, engine.open_at)
    assert engine.projection("cns_never", now) is None and not engine.has_participant("cns_never")
    _enter(engine, "cns_in", now)
    assert engine.has_participant("cns_in") and list(engine.participants()) == ["cns_in"]
    projection = engine.projection("cns_in", now)
    assert projection is not None and projection.consumer is not None
    assert projection.consumer.distribution_id == engine.id


def _enter(engine: EntriesEngine[Any], consumer_id: str, now: float) -> None:
    if isinstance(engine, DrawEngine):
        engine.enter(consumer_id, guest=True, now=now)
    else:
        engine.enter(consumer_id, None, guest=True, now=now)  # type: ignore[attr-defined]
