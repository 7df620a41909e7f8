"""What every journey effect works with: the effect context (port, snapshot, clock, the cached
experience), the failure message of an action, and the checks on what the port answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from reactivex import Observable

from fanfare_rx.errors import DecodeError, FanfareError
from fanfare_rx.journey.core.messages import (
    ActionFailed,
    ConsumerState,
    Message,
    StatusReceived,
)
from fanfare_rx.journey.lean import mapped, mapped_over
from fanfare_rx.journey.ports import JourneyEffects
from fanfare_rx.mechanisms import registry
from fanfare_rx.models import wire
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction

__all__ = ["ROUTE_RESULTS", "CallbackLink", "EffectContext", "FoldedFailure", "PipelineLink",
           "checked", "failure_message", "status_messages", "to_status"]


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


class PipelineLink(Protocol):
    """What a journey's parts (its effect runner, its poller) call on its pipeline: the
    pipeline itself, held as one reference (no bound method kept per part)."""

    def send(self, message: Message) -> None:
        """Deliver ``message`` to the journey's fold."""

    def snapshot(self) -> JourneySnapshot:
        """The current snapshot."""

    def now(self) -> int:
        """Now on the server's clock (epoch ms)."""


class CallbackLink:
    """A :class:`PipelineLink` of three callables, for parts used without a pipeline (tests,
    tools)::

        link.send(m) : --m--     (send(m) called)

    Usage: ``EffectRunner(port, scheduler, CallbackLink(sent.append, lambda: snap, lambda: 0))``
    """

    __slots__ = ("now", "send", "snapshot")

    def __init__(self, send: Callable[[Message], None], snapshot: Callable[[], JourneySnapshot],
                 now: Callable[[], int]) -> None:
        self.send = send
        self.snapshot = snapshot
        self.now = now


class EffectContext:
    """What an effect may read: the port, the current snapshot, the clock, the cached
    experience. The journey's :class:`~fanfare_rx.journey.runner.EffectRunner` is its context
    (one object per journey, made on its first effect).

    Usage: ``EffectContext(port, CallbackLink(sent.append, lambda: snap, lambda: 0)).now_ms()``
    """

    __slots__ = ("_link", "experience", "port")

    def __init__(self, port: JourneyEffects, link: PipelineLink) -> None:
        self.port = port
        self._link = link
        self.experience: wire.Experience | None = None

    def snapshot(self) -> JourneySnapshot:
        """The journey's current snapshot."""
        return self._link.snapshot()

    def now_ms(self) -> int:
        """Now on the server's clock (epoch ms)."""
        return self._link.now()


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


class _StatusMessage:
    """A consumer state answered for a distribution, as the message the fold takes: one small
    object per status call (a closure and its cells would be four)."""

    __slots__ = ("_ctx", "_distribution_id")

    def __init__(self, ctx: EffectContext, distribution_id: str) -> None:
        self._ctx = ctx
        self._distribution_id = distribution_id

    def __call__(self, state: ConsumerState) -> Message:
        if registry.spec_of_state(type(state)) is None:  # a state no mechanism declares
            checked(state, (), "ConsumerState")
        return StatusReceived(at=self._ctx.now_ms(), distribution_id=self._distribution_id,
                              state=state)


def to_status(
    ctx: EffectContext, distribution_id: str
) -> Callable[[Observable[ConsumerState]], Observable[Message]]:
    """The operator of :func:`status_messages`::

        states    : ----s|
        to_status : ----(StatusReceived s)|

    Usage: ``port.place_bid(d.id, amount).pipe(to_status(ctx, d.id), catch(...))``
    """
    return mapped(_StatusMessage(ctx, distribution_id))


def status_messages(ctx: EffectContext, distribution_id: str,
                    states: Observable[ConsumerState]) -> Observable[Message]:
    """``states.pipe(to_status(ctx, distribution_id))`` without the operator and ``pipe``'s
    composition (the poll's path)::

        states          : ----s|
        status_messages : ----(StatusReceived s)|

    Usage: ``status_messages(ctx, d.id, port.fetch_status(d))``
    """
    return mapped_over(states, _StatusMessage(ctx, distribution_id))


