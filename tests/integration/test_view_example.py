"""The README's "current SDK model" example runs as written: ``async for view in journey.view``
from ready to a claimed grant against the in-process sandbox (the same text as the README block;
once the README carries it, this test can read it from there)."""

from __future__ import annotations

import subprocess
import sys

EXAMPLE = '''
import asyncio
from fanfare_rx import Fanfare
from fanfare_rx.sandbox import Sandbox


async def main() -> None:
    async with Sandbox(clock="real", speed=10) as sandbox:        # accelerated sandbox clock
        async with await Fanfare.init(
            organization_id=sandbox.organization_id,
            publishable_key=sandbox.publishable_key,
            base_url=sandbox.base_url,
        ) as fanfare:
            await fanfare.restore()                                 # stored session, if any
            journey = fanfare.journeys.get(sandbox.experiences["queue"])
            journey.start_polling(1000)
            async for view in journey.view:                         # the latest view, each change
                print(view.journey_stage, view.sequence and view.sequence.phase)
                if "start" in view:                                 # ready
                    await view.start()
                elif view.journey_stage == "gated":                 # sign in / code / bot check
                    print("gated by", [gate.type for gate in view.gates])
                    break                                           # ... then view.reroute()
                elif view.sequence is None:                         # routing: show a spinner
                    continue
                elif "enter" in view.sequence:                      # enterable
                    await view.sequence.enter()
                elif view.sequence.phase == "participating":        # live data: its own store
                    view.sequence.display.listen(lambda d: d and print("position", d.position))
                elif view.sequence.phase == "granted":
                    grant = view.sequence.claim()                   # hand grant.token to checkout
                    print("granted", grant.distribution_type)
                    break
                elif view.sequence.phase == "ended":
                    print("ended", view.sequence.outcome)
                    break


asyncio.run(main())
'''


def test_view_example_runs_to_a_claimed_grant() -> None:
    result = subprocess.run([sys.executable, "-c", EXAMPLE], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "ready None"
    assert lines[-2:] == ["routed granted", "granted queue"], result.stdout
    positions = [int(line.split()[-1]) for line in lines if line.startswith("position")]
    assert positions and positions == sorted(positions, reverse=True)
