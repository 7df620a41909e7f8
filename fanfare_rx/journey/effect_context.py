"""What every journey effect works with: the effect context (port, snapshot, clock, the cached
experience), the failure message of an action, and the checks on what the port answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from reactivex import Observable

from fanfare_rx.errors import DecodeError, FanfareError
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ConsumerState,
    Message,
    StatusReceived,
)
from fanfare_rx.journey.lean import mapped
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.mechanisms import registry
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction

__all__ = ["ROUTE_RESULTS", "EffectContext", "FoldedFailure", "checked", "failure_message",
           "to_status"]


class FoldedFailure(Exception):
    """An effect's error whose failure message the effect already folded (e.g. before it
    routed again): the pipeline raises ``error`` to the caller without folding it twice."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error

ROUTE_RESULTS: tuple[type, ...] = (wire.RouteRouted, wire.RouteGated, wire.RouteNoAccess)
#: Journey stages a route answer leaves when nothing stops it (routed, or no_access).


def checked(value: Any, expected: tuple[type, ...], model: str) -> Any:
    """A port answer of the wrong type fails the action as a :class:`DecodeError` (folded as
    an error event) instead of reaching the reducer."""
    if not isinstance(value, expected):
        raise DecodeError(f"the port answered {type(value).__name__}, not a {model}", model=model)
    return value


class EffectContext:
    """What an effect may read: the port, the current snapshot, the clock, the cached
    experience. Built once per journey, on its first effect."""

    __slots__ = ("experience", "now_ms", "port", "snapshot")

    def __init__(
        self,
        port: JourneyEffects,
        snapshot: Callable[[], JourneySnapshot],
        now_ms: Callable[[], int],
    ) -> None:
        self.port = port
        self.snapshot = snapshot
        self.now_ms = now_ms
        self.experience: wire.Experience | None = None


def _amount_text(value: object) -> str | None:
    """A money amount of an error's details as text (None for anything else)."""
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def failure_message(action: JourneyAction | SequenceAction | str, error: Exception, at: int) -> ActionFailed:
    """An :class:`ActionFailed` for any exception (secrets never appear: errors carry none)."""
    if isinstance(error, FanfareError):
        hint = error.details.get("action") if isinstance(error.details, Mapping) else None
        server = error.details.get("details") if isinstance(error.details, Mapping) else None
        server = server if isinstance(server, Mapping) else {}
        return ActionFailed(
            at=at, action=action, code=error.code, message=error.message,
            status=error.status, retryable=error.retryable,
            hint=hint if isinstance(hint, str) else None,
            min_bid=_amount_text(server.get("minBid")),
            current_highest=_amount_text(server.get("currentHighest")),
        )
    return ActionFailed(at=at, action=action, code="UNKNOWN_ERROR", message=f"{type(error).__name__}: {error}")


def to_status(
    ctx: EffectContext, distribution_id: str
) -> Callable[[Observable[ConsumerState]], Observable[Message]]:
    def to_message(state: ConsumerState) -> Message:
        if registry.spec_of_state(type(state)) is None:  # a state no mechanism declares
            checked(state, (), "ConsumerState")
        return StatusReceived(at=ctx.now_ms(), distribution_id=distribution_id, state=state)

    return mapped(to_message)


