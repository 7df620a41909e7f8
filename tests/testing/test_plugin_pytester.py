"""A user's test file using the plugin's fixtures passes in a fresh pytest run, in
pytest-asyncio's strict mode and in auto mode; a failing user assertion fails there."""

from __future__ import annotations

import pytest

# The plugin imports the library only when a fixture runs. Each in-process run below restores
# sys.modules afterwards, so a layer first imported inside one run would be imported again by
# the next (two aiohttp/yarl copies); a user's pytest run is one process. Load them here once.
import fanfare_rx.client.fanfare
import fanfare_rx.sandbox
import fanfare_rx.testing.harness  # noqa: F401

pytest_plugins = ["pytester"]

pytestmark = pytest.mark.integration

USER_TESTS = '''
import pytest
from fanfare_rx.testing import SEQUENCE_STAGES, builders as b

SCENARIO = {"experiences": [{"id": "e1", "label": "drop", "name": "Drop", "sequences": [
    {"id": "s1", "name": "General", "priority": 1,
     "distribution": {"type": "queue", "id": "q1", "admitRate": 60}}]}]}

@pytest.mark.asyncio
@pytest.mark.fanfare_scenario(SCENARIO)
async def test_admitted(fanfare, fanfare_sandbox):
    journey = fanfare.experiences.create_journey(fanfare_sandbox.experiences["drop"])
    await journey.start()
    assert (await journey.enter_queue()).context.position == 1
    await fanfare_sandbox.advance(1)
    assert (await journey.refresh_distribution()).sequence_stage == "ADMITTED_MARKER"

@pytest.mark.asyncio
async def test_default_scenario(fanfare_sandbox):
    assert "queue" in fanfare_sandbox.experiences

def test_marbles(journey_harness):
    h = journey_harness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed()).on_status("-n|", n=b.not_queued())
    h.act("s", s="start")
    h.expect(h.journey.sequence_stage, "ne", **SEQUENCE_STAGES)
    h.run()
'''


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_user_file_passes(pytester: pytest.Pytester, mode: str) -> None:
    pytester.makepyfile(test_user=USER_TESTS.replace("ADMITTED_MARKER", "admitted"))
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--strict-markers", "-o", f"asyncio_mode={mode}",
        "-o", "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(passed=3)


def test_user_assertion_failure_is_reported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS.replace("ADMITTED_MARKER", "participating"))
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "-o", "asyncio_mode=strict",
        "-o", "asyncio_default_fixture_loop_scope=function",
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_admitted*"])


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--markers", "-o", "asyncio_default_fixture_loop_scope=function"
    )
    result.stdout.fnmatch_lines(["@pytest.mark.fanfare_scenario(scenario, **sandbox_options)*"])
