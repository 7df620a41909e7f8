"""The conformance suite every registered mechanism passes: its declarations hang together
(states, statuses, rows of the one table, API calls, cadence) and a journey enters it end to
end on the sandbox over loopback. A new mechanism's test calls these with its own samples.

Usage::

    check_declarations(spec, samples)
    await check_end_to_end(spec, sb, fanfare, "x", entry)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fanfare_rx import Fanfare
from fanfare_rx.journey.cadence import type_interval_ms
from fanfare_rx.journey.core import rules, stages
from fanfare_rx.mechanisms import MechanismSpec, registry
from fanfare_rx.mechanisms.base import ENTERABLE, GRANTED_IF_TOKEN
from fanfare_rx.models.actions import Enter
from fanfare_rx.models.journey import SequenceAction, SequenceStage
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi

#: How a conformance journey makes its first entry: a typed action value, given the fanfare,
#: the sandbox and the distribution id.
Entry = Callable[[Fanfare, Sandbox, str], Awaitable[Any]]


async def enter(_: Fanfare, __: Sandbox, ___: str) -> Any:
    return Enter()


def check_declarations(spec: MechanismSpec, samples: Sequence[object],
                       api_owner: type = ConsumerApi) -> None:
    """Everything a mechanism declares is found through the registry and agrees with itself
    (``api_owner``: the client class its API call names are methods of)."""
    assert registry.spec_for(spec.kind) is spec
    assert registry.spec_for(spec.kind.value) is spec  # by its wire value too
    for state_type in spec.state_types:
        assert registry.spec_of_state(state_type) is spec, state_type
    # Every sample status answer normalises to a Standing with a declared status row.
    seen = set()
    for sample in samples:
        standing = stages.standing_of(sample)
        assert standing is not None, sample
        assert standing.status in spec.statuses, (standing.status, sorted(spec.statuses))
        assert stages.mechanism_of(sample) is spec.kind
        seen.add(type(sample))
    assert seen == set(spec.state_types), "a sample for every state type"
    rows = spec.statuses.values()
    assert ENTERABLE in rows, "a status saying the consumer is not in (the timing decides)"
    assert SequenceStage.PARTICIPATING in rows or GRANTED_IF_TOKEN in rows
    assert all(r in (ENTERABLE, GRANTED_IF_TOKEN) or isinstance(r, SequenceStage) for r in rows)
    # Its rows of the one table are its own, are in the table, and one of them enters.
    table = rules.rules()
    assert spec.rules and all(row.mechanisms == {spec.kind} for row in spec.rules)
    assert all(row in table for row in spec.rules)
    assert any(SequenceStage.ACTIVE_ENTERABLE in row.stages for row in spec.rules)
    names = {a.value for a in SequenceAction}
    extensions = {row.g1 for row in spec.rules} - names
    assert all(isinstance(name, str) and name for name in extensions)
    # The claim of a grant is offered exactly where the mechanism grants.
    claim = next(row for row in table if row.g1 == registry.CLAIM)
    assert (spec.kind in claim.mechanisms) is spec.grants
    # Its API calls exist on the client; its cadence is positive and used.
    for name in (spec.api.status, spec.api.enter, spec.api.leave, spec.api.complete):
        assert name is None or callable(name) or callable(getattr(api_owner, name, None)), name
    assert spec.poll_interval_ms > 0


async def check_end_to_end(spec: MechanismSpec, sb: Sandbox, fanfare: Fanfare, label: str,
                           entry: Entry) -> None:
    """Start a journey on the sandbox, see the mechanism's enterable view and G1 stores agree,
    enter through the typed action, and be participating (or already granted)."""
    journey = fanfare.experiences.create_journey(sb.experiences[label])
    view = await journey.view.get().start()
    assert view.sequence is not None and view.sequence.mechanism == spec.kind, view
    starts_at = view.sequence.starts_at
    if view.sequence.phase == "scheduled" and starts_at is not None:  # wait for it to open
        await sb.advance(max(0.0, starts_at / 1000 - sb.now().timestamp()) + 1)
        await journey.refresh_distribution()
        view = journey.view.get()
    assert view.sequence is not None and view.sequence.phase == "enterable", view
    snap = journey.state.get()
    assert type_interval_ms(snap) == spec.poll_interval_ms
    allowed = rules.allowed(rules.facts_of(snap.journey_stage, snap.sequence_stage,
                                           snap.requirements, snap.context))
    assert view.sequence.actions == {row.g3 for row in allowed if not row.waitlist}
    distribution = snap.context.distribution
    assert distribution is not None
    value = await entry(fanfare, sb, distribution.id)
    await journey.act(value)
    assert journey.sequence_stage.get() in ("participating", "admitted"), journey.state.get()
    after = journey.view.get().sequence
    assert after is not None and after.phase in ("participating", "granted")
