"""Sequence routing for ``POST /experiences/{id}/route``: highest priority first, access codes
remembered per consumer, sign-in and bot-check gates, offers, and each sequence's availability.
"""

from __future__ import annotations

from fanfare_rx.models import wire
from fanfare_rx.sandbox.auth import Consumer
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.scenario import ExperienceSpec, SequenceSpec
from fanfare_rx.sandbox.world import World

__all__ = ["availability", "route"]

R = wire.ReasonCode


def availability(world: World, sequence: SequenceSpec, now: float) -> wire.Availability:
    """``open`` / ``upcoming`` / ``waitlist`` / ``closed`` for a sequence's distribution."""
    has_waitlist = sequence.id in world.waitlist_of_sequence
    engine = world.engine_of_sequence.get(sequence.id)
    if engine is None:
        return wire.Availability.WAITLIST if has_waitlist else wire.Availability.CLOSED
    return engine.availability(now, has_waitlist)


def _ref(world: World, experience: ExperienceSpec, sequence: SequenceSpec,
         now: float) -> wire.SequenceRef:
    return wire.SequenceRef(id=sequence.id, name=sequence.name, experience_id=experience.id,
                            priority=sequence.priority, color=sequence.color,
                            availability=availability(world, sequence, now))


def _gates(world: World, consumer: Consumer, experience: ExperienceSpec, sequence: SequenceSpec,
           code_invalid: bool, now: float, base_url: str, peek: bool) -> list[wire.Gate]:
    gates: list[wire.Gate] = []
    if sequence.access_code and sequence.id not in world.unlocked.get(consumer.id, set()):
        if code_invalid:
            gates.append(wire.AccessCodeGate(status="invalid", reason=wire.Reason(R.ACCESS_CODE_INVALID)))
        else:
            gates.append(wire.AccessCodeGate(status="missing", reason=wire.Reason(R.ACCESS_CODE_REQUIRED)))
    if sequence.requires_sign_in and consumer.guest:
        gates.append(wire.AuthenticationGate(status="required", reason=wire.Reason(R.AUTH_REQUIRED)))
    if sequence.bot_check and (consumer.id, experience.id) not in world.bot_verified:
        challenge = None
        if not peek:
            challenge_id, expiry = world.new_challenge(consumer.id, experience.id, now)
            challenge = wire.BotChallenge(
                id=challenge_id, provider="turnstile", type="turnstile_managed",
                iframe_url=f"{base_url}/_sandbox/challenges/{challenge_id}",
                expires_at=to_datetime(expiry))
        gates.append(wire.BotCheckGate(status="required", reason=wire.Reason(R.BOT_REQUIRED),
                                       challenge=challenge))
    return gates


def _ended(world: World, sequences: list[SequenceSpec]) -> str:
    """The ``detail`` of ``NO_ACCESS`` when every sequence has closed: why, per distinct cause
    in priority order, e.g. ``every sequence has ended: draw already drawn``."""
    causes = [engine.closed_detail() if (engine := world.engine_of_sequence.get(s.id))
              else "no distribution" for s in sequences]
    return "every sequence has ended: " + ", ".join(dict.fromkeys(causes))


def _participated(world: World, consumer: Consumer, sequence: SequenceSpec) -> bool:
    engine = world.engine_of_sequence.get(sequence.id)
    return engine is not None and engine.has_participant(consumer.id)


def route(world: World, consumer: Consumer, experience: ExperienceSpec, access_code: str | None,
          now: float, *, base_url: str = "", peek: bool = False) -> wire.RouteResult:
    """Route one consumer (``peek`` computes without remembering anything).

    Rules: sequences by descending priority; closed sequences the consumer never took part in
    are skipped. A code that matches a sequence unlocks it for good; a code matching none
    marks every code gate ``invalid``. The first sequence with no gate is ``selected``; code-only
    gated sequences above it are ``offers``. When none qualifies, the gated answer names the
    highest-priority sequence not behind an access code (a consumer can act on sign-in or a bot
    check, while a code path is optional), or the highest code-gated one when a code was tried
    or every sequence needs a code.

    Usage: ``route(world, consumer, experience, "VIP2024", world.tick())``
    """
    unlocked = world.unlocked.setdefault(consumer.id, set()) if not peek else set(
        world.unlocked.get(consumer.id, set()))
    code_invalid = False
    if access_code:
        matches = [s.id for s in experience.sequences if s.access_code == access_code]
        if matches:
            unlocked.update(matches)
            if not peek:
                world.unlocked[consumer.id] = unlocked
        else:
            code_invalid = True
    if not peek:
        world.touch_journey(consumer.id, experience.id, now)
    ordered = sorted(experience.sequences, key=lambda s: -s.priority)
    if not ordered:
        return wire.RouteNoAccess(experience_id=experience.id,
                                  outcome_reasons=(wire.Reason(R.NO_SEQUENCES),))
    candidates = [s for s in ordered
                  if availability(world, s, now) is not wire.Availability.CLOSED
                  or _participated(world, consumer, s)]
    if not candidates:
        return wire.RouteNoAccess(experience_id=experience.id,
                                  outcome_reasons=(wire.Reason(R.NO_ACCESS, _ended(world, ordered)),))
    gated: list[tuple[SequenceSpec, list[wire.Gate]]] = []
    saved = world.unlocked.get(consumer.id)
    world.unlocked[consumer.id] = unlocked
    try:
        for sequence in candidates:
            gates = _gates(world, consumer, experience, sequence, code_invalid, now,
                           base_url, peek)
            if not gates:
                offers = tuple(
                    wire.OfferGated(sequence=_ref(world, experience, s, now), gates=tuple(g),
                                    reasons=tuple(gate.reason for gate in g))
                    for s, g in gated if all(isinstance(gate, wire.AccessCodeGate) for gate in g))
                return wire.RouteRouted(
                    experience_id=experience.id,
                    selected=wire.Selected(status="admissible",
                                           sequence=_ref(world, experience, sequence, now)),
                    offers=offers)
            gated.append((sequence, gates))
    finally:
        if peek:
            if saved is None:
                world.unlocked.pop(consumer.id, None)
            else:
                world.unlocked[consumer.id] = saved
    not_code = [(s, g) for s, g in gated if not s.access_code]
    pick = gated[0] if code_invalid or not not_code else not_code[0]
    sequence, gates = pick
    reasons = tuple(gate.reason for gate in gates)
    return wire.RouteGated(
        experience_id=experience.id,
        selected=wire.Selected(status="gated", sequence=_ref(world, experience, sequence, now),
                               gates=tuple(gates), reasons=reasons),
        outcome_reasons=reasons)
