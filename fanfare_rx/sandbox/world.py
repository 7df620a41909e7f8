"""The sandbox's state: scenario, clock, accounts, distribution engines and what each consumer
has unlocked (access codes, bot checks) or taken part in. Handlers mutate it synchronously.
"""

from __future__ import annotations

import secrets
from typing import TypeVar

from fanfare_rx.models import wire
from fanfare_rx.sandbox.auth import Accounts, TokenSigner
from fanfare_rx.sandbox.clock import SandboxClock, to_datetime
from fanfare_rx.sandbox.engines import Engine, WaitlistEngine, registered_engines
from fanfare_rx.sandbox.http import ApiError, not_found
from fanfare_rx.sandbox.scenario import ExperienceSpec, Scenario, SequenceSpec

__all__ = ["World"]

E = TypeVar("E", bound=Engine)


class World:
    """Usage: ``world = World(default_scenario(), SandboxClock("manual")); world.tick()``

    Scenario time 0 is ``origin`` (the clock's start, moved by :meth:`reset`). An experience
    with ``cycle_seconds`` starts over at every multiple of it: its distributions and waitlists
    are rebuilt from the scenario with their times shifted by the elapsed cycles.
    """

    def __init__(self, scenario: Scenario, clock: SandboxClock, *, seed: int = 0) -> None:
        self.scenario = scenario
        self.clock = clock
        self.seed = seed
        self.signer = TokenSigner()
        self.accounts = Accounts(self.signer, access_ttl=scenario.access_token_ttl_seconds,
                                 refresh_ttl=scenario.refresh_token_ttl_seconds)
        self.experiences: dict[str, ExperienceSpec] = {e.id: e for e in scenario.experiences}
        self.sequences: dict[str, tuple[ExperienceSpec, SequenceSpec]] = {}
        self.engines: dict[str, Engine] = {}
        self.engine_of_sequence: dict[str, Engine] = {}
        self.waitlists: dict[str, WaitlistEngine] = {}
        self.waitlist_of_sequence: dict[str, WaitlistEngine] = {}
        self.unlocked: dict[str, set[str]] = {}  # consumer -> sequence ids unlocked by a code
        self.bot_verified: set[tuple[str, str]] = set()  # (consumer, experience)
        self.challenges: dict[str, tuple[str, str, float]] = {}  # id -> consumer, exp, expiry
        self.journeys: dict[str, dict[str, float]] = {}  # consumer -> experience -> updated
        self.origin = clock.start
        self.cycles: dict[str, int] = {}  # experience id -> the cycle its engines belong to
        for experience in scenario.experiences:
            self._build_experience(experience, 0)

    def _build_experience(self, experience: ExperienceSpec, cycle: int) -> None:
        """(Re)build the engines of one experience for ``cycle`` (0 is the first)."""
        start = self.origin + cycle * (experience.cycle_seconds or 0.0)
        self.cycles[experience.id] = cycle
        for sequence in experience.sequences:
            self._build(experience, sequence, start)

    def _build(self, experience: ExperienceSpec, sequence: SequenceSpec, start: float) -> None:
        self.sequences[sequence.id] = (experience, sequence)
        spec = sequence.distribution
        if spec is not None:
            cls = registered_engines()[spec.type]
            engine = cls(spec, start=start, sequence_id=sequence.id,
                         experience_id=experience.id, signer=self.signer,
                         time_zone=experience.time_zone, now=start, seed=self.seed)
            self.engines[engine.id] = engine
            self.engine_of_sequence[sequence.id] = engine
        if sequence.waitlist is not None:
            opens_at = self.engines[spec.id].open_at if spec is not None else None
            waitlist = WaitlistEngine(sequence.waitlist, sequence_id=sequence.id,
                                      experience_id=experience.id, opens_at=opens_at)
            self.waitlists[waitlist.id] = waitlist
            self.waitlist_of_sequence[sequence.id] = waitlist

    def reset(self, seed: int | None = None) -> None:
        """Start the scenario over at the current time, optionally with a new draw seed.

        Distributions, waitlists, unlocked codes, bot checks and challenges start afresh;
        consumers and their tokens are kept, so running clients keep their identity.

        Usage: ``world.reset(seed=7)``
        """
        if seed is not None:
            self.seed = seed
        self.origin = float(int(self.clock.time()))
        self.unlocked.clear()
        self.challenges.clear()
        self.journeys.clear()
        self.bot_verified.clear()
        for experience in self.scenario.experiences:
            self._build_experience(experience, 0)
        self.tick()

    # --- time -----------------------------------------------------------------------------------

    def cycle_of(self, experience: ExperienceSpec, now: float) -> int:
        """The cycle ``now`` falls in for ``experience`` (always 0 without a cycle).

        Usage: ``world.cycle_of(experience, world.clock.time())``
        """
        if experience.cycle_seconds is None:
            return 0
        return max(0, int((now - self.origin) // experience.cycle_seconds))

    def tick(self) -> float:
        """Start over the experiences whose cycle ended, then run every engine's due work up
        to the clock's now; returns now."""
        now = self.clock.time()
        for experience in self.scenario.experiences:
            cycle = self.cycle_of(experience, now)
            if cycle != self.cycles.get(experience.id, 0):
                self._build_experience(experience, cycle)
        for engine in self.engines.values():
            engine.advance(now)
        for waitlist in self.waitlists.values():
            waitlist.advance(now)
        expired = []
        for challenge_id, (_, _, expiry) in self.challenges.items():
            if expiry > now:
                break  # same lifetime, made in time order: the rest expire later
            expired.append(challenge_id)
        for challenge_id in expired:
            del self.challenges[challenge_id]
        return now

    # --- lookups --------------------------------------------------------------------------------

    def experience(self, experience_id: str) -> ExperienceSpec:
        experience = self.experiences.get(experience_id)
        if experience is None:
            raise not_found("Experience")
        return experience

    def engine(self, engine_id: str, cls: type[E]) -> E:
        engine = self.engines.get(engine_id)
        if not isinstance(engine, cls):
            raise not_found(cls.noun)
        return engine

    def waitlist(self, waitlist_id: str) -> WaitlistEngine:
        waitlist = self.waitlists.get(waitlist_id)
        if waitlist is None:
            raise not_found("Waitlist")
        return waitlist

    def touch_journey(self, consumer_id: str, experience_id: str, now: float) -> None:
        self.journeys.setdefault(consumer_id, {})[experience_id] = now

    def new_challenge(self, consumer_id: str, experience_id: str, now: float) -> tuple[str, float]:
        challenge_id = f"chl_{secrets.token_hex(8)}"
        expiry = now + 300
        self.challenges[challenge_id] = (consumer_id, experience_id, expiry)
        return challenge_id, expiry

    def verify_challenge(self, consumer_id: str, challenge_id: str, token: str) -> None:
        found = self.challenges.get(challenge_id)
        if found is None or found[0] != consumer_id:
            raise ApiError(403, {"error": "Bot check failed", "message": "Unknown or expired challenge",
                                 "code": "BOT_CHECK_FAILED"})
        if not secrets.compare_digest(token.encode(), self.scenario.bot_check_token.encode()):
            raise ApiError(403, {"error": "Bot check failed", "message": "Challenge token rejected",
                                 "code": "BOT_CHECK_FAILED"})
        del self.challenges[challenge_id]
        self.bot_verified.add((consumer_id, found[1]))

    # --- experience bodies ----------------------------------------------------------------------

    def experience_model(self, experience: ExperienceSpec) -> wire.Experience:
        sequences = []
        opens: list[float] = []
        closes: list[float] = []
        for spec in experience.sequences:
            engine = self.engine_of_sequence.get(spec.id)
            lists: dict[str, tuple[object, ...]] = {}
            if engine is not None:
                if engine.listed_as is not None:
                    lists[engine.listed_as] = (engine.model(),)
                opens.append(engine.open_at)
                closes.extend(t for t in (engine.close_at, engine.settles_at()) if t is not None)
            waitlist = self.waitlist_of_sequence.get(spec.id)
            sequences.append(wire.Sequence(
                id=spec.id, name=spec.name, priority=spec.priority, experience_id=experience.id,
                waitlist=wire.WaitlistRef(id=waitlist.id, capacity=waitlist.spec.capacity)
                if waitlist else None, **lists))  # type: ignore[arg-type]
        return wire.Experience(
            id=experience.id, name=experience.name, time_zone=experience.time_zone,
            currency_code=experience.currency_code,
            open_at=to_datetime(min(opens)) if opens else None,
            close_at=to_datetime(max(closes)) if closes else None,
            has_protected_sequences=any(s.access_code for s in experience.sequences),
            sequences=tuple(sequences))
