"""Helpers of the identity chaos run: a short-token queue scenario, a seeded fault plan with
lost refresh answers, and shoppers that follow one queue journey each, recording every consumer
identity they held and what the app had to do."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from fanfare_rx import Fanfare
from fanfare_rx.errors import FanfareError
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceStage
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.sandbox.scenario import Scenario, parse_scenario
from fanfare_rx.wire.retry import RetryPolicy

QUEUE_ID = "q-chaos"


def chaos_scenario(*, shoppers: int, token_ttl: int, admit_seconds: float,
                   extra: dict[str, Any] | None = None) -> Scenario:
    """One open queue admitting ``shoppers`` over ``admit_seconds`` (real time), no crowd, grants
    that never expire, access tokens of ``token_ttl`` seconds."""
    return parse_scenario({
        "organizationId": "org-chaos", "publishableKey": "pk_test_chaos",
        "secretKey": "sk_test_chaos", "accessTokenTtlSeconds": token_ttl,
        "requestsPerMinute": 1_000_000, **(extra or {}),
        "experiences": [{
            "id": "exp-chaos", "label": "queue", "name": "Chaos drop",
            "sequences": [{"id": "seq-chaos", "name": "Queue", "priority": 1, "distribution": {
                "type": "queue", "id": QUEUE_ID, "openAt": 0, "closeAt": 3600,
                "admitRate": shoppers * 60.0 / admit_seconds, "crowd": 0,
                "admissionExpirationSeconds": None}}],
        }],
    })


def fault_plan(seed: int) -> dict[str, Any]:
    """About one request in five faulted; a fifth of the refresh answers lost after the server
    rotated. The last rule counts every request (a zero delay always fires)."""
    return {"seed": seed, "rules": [
        {"match": "POST /auth/refresh", "kind": "drop", "when": "after", "probability": 0.2},
        {"match": "POST /queues/*/enter", "kind": "drop", "when": "after", "probability": 0.25},
        {"match": "GET /queues/*/status", "kind": "status", "status": 503, "probability": 0.2},
        {"match": "POST /experiences/*/route", "kind": "drop", "when": "before",
         "probability": 0.15},
        {"match": "*", "kind": "status", "status": 502, "probability": 0.06},
        {"match": "*", "kind": "malformed", "probability": 0.03},
        {"match": "*", "kind": "delay", "seconds": 0.01, "probability": 0.1},
        {"match": "*", "kind": "delay", "seconds": 0},
    ]}


FAULT_NAMES = ("refresh answer lost", "enter answer lost", "status 503", "route dropped",
               "any 502", "malformed body", "delay")


@attrs.define
class Shopper:
    """One shopper's run: every consumer id it held and how it ended."""

    index: int
    signs_in: bool
    consumers: list[str] = attrs.Factory(list)
    lost: int = 0
    signed_in_again: int = 0
    refreshed: int = 0
    final: JourneySnapshot | None = None
    error: str | None = None

    def saw(self, consumer_id: str) -> None:
        if consumer_id not in self.consumers:
            self.consumers.append(consumer_id)


async def persist(call: Callable[[], Awaitable[Any]], *, attempts: int = 12) -> Any:
    """Repeat an app-level call the faults broke (the client already retried it)."""
    for attempt in range(attempts):
        try:
            return await call()
        except FanfareError as exc:
            if exc.code == "SESSION_LOST" or attempt == attempts - 1:
                raise  # a lost session is the app's decision, not something to repeat
            await asyncio.sleep(0.05 * (attempt + 1))
    return None


async def _start(journey: ExperienceJourney) -> None:
    async def once() -> None:
        actions = journey.state.get().available_actions.journey
        if JourneyAction.START in actions:
            await journey.start()
        elif JourneyAction.RETRY in actions:
            await journey.retry()
        else:
            await journey.start(reset=True)

    await persist(once)


def _done(snap: JourneySnapshot, signs_in: bool) -> bool:
    if snap.sequence_stage is SequenceStage.ADMITTED:
        return True
    return not signs_in and snap.journey_stage.value == "needs_auth"


async def run_shopper(sb: Sandbox, shopper: Shopper, *, deadline: float, poll_ms: int,
                      make: Callable[[], Awaitable[Fanfare]], arrive_after: float = 0.0) -> Fanfare:
    """(Sign in,) start, enter, poll until admitted; a lost session is signed into again by a
    shopper who signs in, and is where a guest's run ends. Shoppers arrive over a few seconds
    (all at once would overflow the server's listen backlog: SYN retries of seconds)."""
    await asyncio.sleep(arrive_after)
    fanfare = await make()
    fanfare.on("auth:authenticated", lambda e: shopper.saw(e["session"].consumer_id))
    fanfare.on("auth:refreshed", lambda e: setattr(shopper, "refreshed", shopper.refreshed + 1))
    fanfare.on("auth:session_lost", lambda e: setattr(shopper, "lost", shopper.lost + 1))
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    email = f"shopper{shopper.index}@chaos.example"

    async def authenticate() -> None:
        actions = journey.state.get().available_actions.journey
        if JourneyAction.AUTHENTICATE in actions:
            await journey.authenticate()
        elif JourneyAction.RETRY in actions:
            await journey.retry()  # the route after signing in failed: route again

    async def enter() -> None:
        snap = journey.state.get()
        if snap.sequence_stage is SequenceStage.ACTIVE_ENTERABLE:
            await journey.enter_queue()
        elif JourneyAction.RETRY in snap.available_actions.journey:
            await journey.retry()
            await enter()

    async def sign_in_again() -> None:
        await persist(lambda: fanfare.auth.verify_otp(sb.otp_code, email=email))
        await persist(authenticate)
        shopper.signed_in_again += 1

    async def step(call: Callable[[], Awaitable[Any]]) -> None:
        # The app's answer to a lost session: a signed-in shopper signs in again.
        while time.monotonic() < deadline:
            try:
                await persist(call)
                return
            except FanfareError as exc:
                lost = exc.code == "SESSION_LOST" or journey.state.get().journey_stage.value == (
                    "needs_auth")
                if not lost:
                    raise
                if not shopper.signs_in:
                    return  # a guest's lost session ends its run (asked to sign in)
                await sign_in_again()

    try:
        if shopper.signs_in:
            await step(lambda: fanfare.auth.verify_otp(sb.otp_code, email=email))
        await step(lambda: _start(journey))
        if journey.state.get().journey_stage.value == "needs_auth":
            raise_lost = not shopper.signs_in
            if raise_lost:
                shopper.final = journey.state.get()
                return fanfare
        await step(enter)
        journey.start_polling(poll_ms)
        while time.monotonic() < deadline:
            snap = await journey.state.wait_for(
                lambda s: _done(s, shopper.signs_in) or s.journey_stage.value == "needs_auth",
                timeout=max(0.1, deadline - time.monotonic()))
            if _done(snap, shopper.signs_in):
                break
            await sign_in_again()
            await step(enter)  # lost before its entry was known: enter again (or nothing)
    except FanfareError as exc:
        shopper.error = f"{exc.code}: {exc.message}"
    shopper.final = journey.state.get()
    journey.stop_polling()
    return fanfare


def client_retry(seed: int) -> RetryPolicy:
    return RetryPolicy(max_attempts=5, base_delay=0.05, max_delay=0.4, seed=seed)
