"""Chaos run of the shopper's identity: a few hundred queue journeys against the real sandbox
over loopback with a seeded fault plan (a fifth of the refresh answers lost after the server
rotated, entries answered and dropped, 5xx, malformed bodies) and 5-second access tokens, so
every shopper refreshes several times; with and without the sandbox's refresh-token reuse grace.
Nobody switches identity, nobody holds two entries, every journey ends where the server says;
``pytest -s`` prints the figures."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
from chaos_helpers import (
    FAULT_NAMES,
    Shopper,
    chaos_scenario,
    client_retry,
    fault_plan,
    run_shopper,
)

from fanfare_rx import Fanfare
from fanfare_rx.models.journey import SequenceStage
from fanfare_rx.models.wire import QueueStatus
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.engines.queue import QueueEngine

SHOPPERS = 200
TOKEN_TTL = 5
ADMIT_SECONDS = 8.0
POLL_MS = 1000
RUN_SECONDS = 150.0  # a bound; the run ends when every shopper has, about 20 s
ARRIVAL_SECONDS = 3.0


@pytest.mark.timeout(180)
@pytest.mark.parametrize("grace", [None, 30], ids=["sandbox-default-no-reuse-grace",
                                                   "reuse-grace-30s"])
async def test_chaos_keeps_every_shopper_s_identity_and_single_entry(grace: int | None) -> None:
    # None: the sandbox's default, strict rotation as the spec describes (no grace).
    extra = {} if grace is None else {"refreshReuseGraceSeconds": grace}
    scenario = chaos_scenario(shoppers=SHOPPERS, token_ttl=TOKEN_TTL, admit_seconds=ADMIT_SECONDS,
                              extra=extra)
    assert scenario.refresh_reuse_grace_seconds == (grace or 0)
    started = time.monotonic()
    async with Sandbox(scenario, clock="real", seed=7, faults=fault_plan(20261129)) as sb:
        shoppers = [Shopper(index=i, signs_in=i % 2 == 0) for i in range(SHOPPERS)]

        async def make(index: int) -> Fanfare:
            return await Fanfare.init(organization_id=sb.organization_id,
                                      publishable_key=sb.publishable_key, base_url=sb.base_url,
                                      retry=client_retry(index), max_connections=2)

        deadline = time.monotonic() + RUN_SECONDS
        fanfares = await asyncio.gather(*(
            run_shopper(sb, shopper, deadline=deadline, poll_ms=POLL_MS,
                        make=lambda i=shopper.index: make(i),  # type: ignore[misc]
                        arrive_after=ARRIVAL_SECONDS * shopper.index / SHOPPERS)
            for shopper in shoppers))
        fired = list(sb.faults.fired)
        finished = time.monotonic() - started
        sb.faults.clear()
        settled = 0
        for shopper, fanfare in zip(shoppers, fanfares):
            # One awaited poll for a journey the deadline caught between two polls.
            for journey in fanfare.experiences.journeys.values():
                snap = journey.state.get()
                if snap.journey_stage.value == "routed" and snap.sequence_stage is not (
                        SequenceStage.ADMITTED):
                    await journey.refresh_distribution()
                    settled += 1
                shopper.final = journey.state.get()
        await asyncio.gather(*(fanfare.destroy() for fanfare in fanfares))
        engine = sb.world.engine_of_sequence["seq-chaos"]
        assert isinstance(engine, QueueEngine)
        records = dict(engine.records)
    elapsed = time.monotonic() - started

    owner = {cid: s.index for s in shoppers for cid in s.consumers}
    switched = [s.index for s in shoppers if len(s.consumers) != 1]
    entries = Counter(owner.get(cid, -1) for cid in records)
    duplicates = [index for index, count in entries.items() if count > 1]
    orphans = entries.get(-1, 0)  # entries of consumers no shopper knew: minted behind our back

    def right_end(s: Shopper) -> bool:
        snap = s.final
        if snap is None or len(s.consumers) != 1 or s.consumers[0] not in records:
            return False
        server = records[s.consumers[0]].status
        if snap.sequence_stage is SequenceStage.ADMITTED:
            return server is QueueStatus.GRANTED and snap.journey_stage.value == "routed"
        # Only a guest's run may end with its session lost: asked to sign in, place kept.
        return (not s.signs_in and s.lost > 0 and snap.journey_stage.value == "needs_auth"
                and snap.sequence_stage is SequenceStage.PARTICIPATING
                and server in (QueueStatus.QUEUED, QueueStatus.GRANTED))

    def lost_before_entering(s: Shopper) -> bool:
        # A guest lost while its entry's answer was unknown: asked to sign in, not replaced.
        snap = s.final
        return (snap is not None and not s.signs_in and s.lost > 0 and len(s.consumers) == 1
                and snap.journey_stage.value == "needs_auth"
                and snap.sequence_stage is not SequenceStage.PARTICIPATING)

    wrong = [s.index for s in shoppers if not right_end(s) and not lost_before_entering(s)]
    requests = fired[-1]
    faults = sum(fired[:-2])
    admitted = sum(1 for s in shoppers if s.final is not None
                   and s.final.sequence_stage is SequenceStage.ADMITTED)
    lost_guests = sum(1 for s in shoppers if not s.signs_in and s.lost)
    print(f"\nchaos ({'sandbox default: no reuse grace' if not grace else f'{grace} s reuse grace'}): "
          f"{SHOPPERS} shoppers ({SHOPPERS // 2} signed in), {TOKEN_TTL} s tokens, "
          f"{requests} requests, {faults} faulted ({100 * faults / max(1, requests):.1f}%), "
          f"{finished:.1f} s ({elapsed:.1f} s with teardown)")
    print("  faults: " + ", ".join(f"{name} {count}" for name, count in zip(FAULT_NAMES, fired)))
    print(f"  refreshes {sum(s.refreshed for s in shoppers)}, sessions lost "
          f"{sum(s.lost for s in shoppers)} (guests {lost_guests}), signed in again "
          f"{sum(s.signed_in_again for s in shoppers)}")
    print(f"  admitted {admitted}, guests ended asking to sign in {SHOPPERS - admitted}, "
          f"identity switches {len(switched)}, duplicate entries {len(duplicates)}, "
          f"entries of unknown consumers {orphans}, wrong terminal stages {len(wrong)}, "
          f"errors {sum(1 for s in shoppers if s.error)}, settled after the run {settled}")
    for s in shoppers:
        if s.error or s.index in switched or s.index in wrong:
            print(f"  shopper {s.index} (signs in: {s.signs_in}, lost {s.lost}, consumers "
                  f"{len(s.consumers)}): {s.error} "
                  f"{s.final and (s.final.journey_stage.value, s.final.sequence_stage.value)}")
    assert fired[0] > 0, "no refresh answer was lost: the run proves nothing"
    assert switched == [] and duplicates == [] and orphans == 0
    assert len(records) >= SHOPPERS - sum(1 for s in shoppers if lost_before_entering(s))
    assert wrong == [], [(i, shoppers[i].error) for i in wrong[:5]]
    assert all(s.final is not None and s.final.sequence_stage is SequenceStage.ADMITTED
               for s in shoppers if s.signs_in)  # signing in again recovered every one
    if grace:  # a lost refresh answer is recovered by presenting the old token again
        assert sum(s.lost for s in shoppers) == 0 and admitted == SHOPPERS
    else:  # without it a lost answer ends the session when the access token expires
        assert sum(s.lost for s in shoppers) > 0
    assert elapsed < 120  # about 20 s on an idle machine
