"""Reducer handlers for the messages the current SDK's view adds to the one fold: ``claim()``
(checkout started), an access code that advanced the journey, and entering → routing.

Pure: imports only models, the journal and routing.
"""

from __future__ import annotations

from fanfare_rx.journey.core import routing
from fanfare_rx.journey.core.journal import Draft, analytics
from fanfare_rx.journey.core.messages import (
    AccessCodeAdvanced,
    GrantClaimed,
    RouteResolved,
    RoutingStarted,
)
from fanfare_rx.journey.core.values import evolve
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage, SequenceStage

__all__ = ["on_claimed", "on_code_advanced", "on_routing_started", "without_stale_checkout"]


def on_claimed(snap: JourneySnapshot, msg: GrantClaimed) -> Draft:
    """``claim()``: checkout started with the current grant (only while admitted, once)."""
    if snap.sequence_stage is not SequenceStage.ADMITTED or snap.context.checkout_started:
        return snap, []
    ctx = evolve(snap.context, checkout_started=True)
    return evolve(snap, context=ctx), [analytics("checkout_started")]


def on_code_advanced(snap: JourneySnapshot, msg: AccessCodeAdvanced) -> Draft:
    """The code unlocked a sequence: it becomes the stored code, the route answer is folded."""
    ctx = evolve(snap.context, access_code=msg.code, access_code_skipped=False)
    routed = RouteResolved(at=msg.at, result=msg.result, experience=msg.experience)
    return routing.on_route(evolve(snap, context=ctx), routed)


def on_routing_started(snap: JourneySnapshot, msg: RoutingStarted) -> Draft:
    """``entering → routing`` before an answer that routes the journey."""
    if snap.journey_stage is not JourneyStage.ENTERING:
        return snap, []
    return evolve(snap, journey_stage=JourneyStage.ROUTING), []


def without_stale_checkout(draft: JourneySnapshot) -> JourneySnapshot:
    """The checkout mark belongs to the grant being held: it goes once the journey is no
    longer admitted."""
    if draft.context.checkout_started and draft.sequence_stage is not SequenceStage.ADMITTED:
        return evolve(draft, context=evolve(draft.context, checkout_started=False))
    return draft
