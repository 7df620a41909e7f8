"""The fanfare_rx pytest plugin (entry point ``pytest11``): an in-process sandbox and a
``Fanfare`` bound to it as fixtures, plus a factory of marble harnesses.

Usage (no conftest needed once fanfare_rx is installed; works in pytest-asyncio's ``auto``
and ``strict`` modes — in strict mode mark the tests ``@pytest.mark.asyncio``)::

    @pytest.mark.fanfare_scenario("scenarios/drop.json")   # or a dict; default: built-in
    async def test_admitted(fanfare, fanfare_sandbox):
        journey = fanfare.experiences.create_journey(fanfare_sandbox.experiences["queue"])
        await journey.start()
        await journey.enter_queue()
        await fanfare_sandbox.advance(120)
        snap = await journey.refresh_distribution()
        assert snap.sequence_stage == "admitted"

Fixtures: ``fanfare_scenario`` (override it to choose a scenario for a whole module; the
marker wins over it), ``fanfare_sandbox`` (manual clock, free port, stopped at teardown),
``fanfare`` (destroyed at teardown) and ``journey_harness`` (a factory of
:class:`~fanfare_rx.testing.harness.JourneyHarness`, destroyed at teardown).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pytest

# The plugin loads in every pytest run of a project where fanfare_rx is installed: it imports
# nothing of the library until one of its fixtures is used (coverage and start-up stay clean:
# a parallel run's workers import the plugin before ``--cov`` starts measuring them).
if TYPE_CHECKING:
    from fanfare_rx.client.fanfare import Fanfare
    from fanfare_rx.sandbox import Sandbox, Scenario
    from fanfare_rx.testing.harness import JourneyHarness

try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the plugin still loads; the async fixtures explain
    pytest_asyncio = None  # type: ignore[assignment]

__all__ = [
    "MARKER",
    "fanfare",
    "fanfare_sandbox",
    "fanfare_scenario",
    "journey_harness",
    "pytest_configure",
    "resolve_scenario",
]

#: The marker choosing a test's scenario: ``@pytest.mark.fanfare_scenario(path_or_dict, seed=1)``.
MARKER = "fanfare_scenario"

ScenarioSpec: TypeAlias = "Scenario | str | Path | Mapping[str, Any] | None"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fanfare_scenario`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario, **sandbox_options): run the fanfare_sandbox fixture on this scenario "
        "(a Scenario, a JSON file path or a dict); options such as seed= or rate_limit= go to Sandbox",
    )


def resolve_scenario(spec: ScenarioSpec) -> Scenario | None:
    """A scenario from a :class:`Scenario`, a JSON file path, a dict, or None (built-in).

    Usage: ``resolve_scenario({"experiences": [...]})``
    """
    from fanfare_rx.errors import UsageError
    from fanfare_rx.sandbox import Scenario
    from fanfare_rx.sandbox.scenario import load_scenario, parse_scenario

    if spec is None or isinstance(spec, Scenario):
        return spec
    if isinstance(spec, str | Path):
        return load_scenario(spec)
    if isinstance(spec, Mapping):
        return parse_scenario(dict(spec))
    raise UsageError(f"a fanfare scenario is a Scenario, a path or a dict, not {type(spec).__name__}")


@pytest.fixture
def fanfare_scenario() -> ScenarioSpec:
    """The scenario of ``fanfare_sandbox`` when no marker names one (None: the built-in
    default). Override it in a module or conftest to pick one for many tests."""
    return None


def _sandbox_args(request: pytest.FixtureRequest, fallback: ScenarioSpec) -> tuple[Scenario | None, dict[str, Any]]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return resolve_scenario(fallback), {}
    if len(marker.args) > 1:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes one scenario argument")
    spec = marker.args[0] if marker.args else marker.kwargs.get("scenario")
    options = {k: v for k, v in marker.kwargs.items() if k != "scenario"}
    return resolve_scenario(spec), options


def _missing_pytest_asyncio() -> None:
    raise pytest.UsageError(
        "the fanfare_sandbox and fanfare fixtures need pytest-asyncio: "
        "pip install 'fanfare_rx[test]'"
    )


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def fanfare_sandbox(
        request: pytest.FixtureRequest, fanfare_scenario: ScenarioSpec
    ) -> AsyncIterator[Sandbox]:
        """An in-process sandbox on a free port with a manual clock (``await sb.advance(s)``),
        stopped at teardown; scenario from the marker, else ``fanfare_scenario``."""
        from fanfare_rx.sandbox import Sandbox

        scenario, options = _sandbox_args(request, fanfare_scenario)
        options.setdefault("clock", "manual")
        sandbox = Sandbox(scenario, port=0, **options)
        await sandbox.start()
        try:
            yield sandbox
        finally:
            await sandbox.stop()

    @pytest_asyncio.fixture
    async def fanfare(fanfare_sandbox: Sandbox) -> AsyncIterator[Fanfare]:
        """A ``Fanfare`` bound to ``fanfare_sandbox`` (memory storage), destroyed at teardown
        (its journeys and HTTP session with it)."""
        from fanfare_rx.client.fanfare import Fanfare

        client = await Fanfare.init(
            organization_id=fanfare_sandbox.organization_id,
            publishable_key=fanfare_sandbox.publishable_key,
            base_url=fanfare_sandbox.base_url,
        )
        try:
            yield client
        finally:
            await client.destroy()

else:  # pragma: no cover - exercised only without pytest-asyncio

    @pytest.fixture
    def fanfare_sandbox() -> Sandbox:
        """Needs pytest-asyncio."""
        _missing_pytest_asyncio()
        raise AssertionError("unreachable")

    @pytest.fixture
    def fanfare() -> Fanfare:
        """Needs pytest-asyncio."""
        _missing_pytest_asyncio()
        raise AssertionError("unreachable")


@pytest.fixture
def journey_harness() -> Iterator[Callable[..., JourneyHarness]]:
    """A factory of marble harnesses (``JourneyHarness(...)`` arguments); every harness made
    is destroyed at teardown.

    Usage: ``h = journey_harness(b.experience("queue")); h.server.on_route(...); h.run()``
    """
    from fanfare_rx.testing.harness import JourneyHarness

    made: list[JourneyHarness] = []

    def make(*args: Any, **kwargs: Any) -> JourneyHarness:
        harness = JourneyHarness(*args, **kwargs)
        made.append(harness)
        return harness

    try:
        yield make
    finally:
        for harness in made:
            harness.destroy()
