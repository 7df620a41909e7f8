"""A mechanism's consumer calls as one resource of the API client (``api.queues.enter(id)``),
read from the mechanism's declaration (:class:`~fanfare_rx.mechanisms.base.ApiCalls`), so a
plug-in mechanism gets its resource by registering.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from fanfare_rx.errors import UsageError
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import ApiCall, MechanismSpec

#: A declared call bound to one client: ``await call(distribution_id)``.
BoundCall = Callable[[str], Awaitable[Any]]


def _bound(api: Any, call: ApiCall | None) -> BoundCall | None:
    """A declared call (a client method's name, or ``function(api, id)``) bound to ``api``."""
    if call is None:
        return None
    if isinstance(call, str):
        method: BoundCall = getattr(api, call)
        return method
    return functools.partial(call, api)

__all__ = ["MechanismResource", "resource_for"]


class MechanismResource:
    """One mechanism's calls on one API client: ``status``, ``enter``, ``leave``, ``complete``
    (what the mechanism declares; a call it has not is a :class:`UsageError`).

    Usage: ``state = await api.queues.enter(queue_id)`` or
    ``await api.resource("draw").status(draw_id)``
    """

    __slots__ = ("_complete", "_enter", "_leave", "_status", "spec")

    def __init__(self, api: Any, spec: MechanismSpec) -> None:
        self.spec = spec
        # Bound once: a request's traceback then holds no per-call object.
        self._status = _bound(api, spec.api.status)
        self._enter = _bound(api, spec.api.enter)
        self._leave = _bound(api, spec.api.leave)
        self._complete = _bound(api, spec.api.complete)

    def __repr__(self) -> str:
        return f"MechanismResource({self.spec.kind.value!r})"

    def _declared(self, call: BoundCall | None, which: str) -> BoundCall:
        if call is None:
            raise UsageError(f"a {self.spec.kind.value} has no {which} call")
        return call

    async def status(self, distribution_id: str) -> Any:
        """The consumer's standing in the distribution (its status answer)."""
        return await self._declared(self._status, "status")(distribution_id)

    async def enter(self, distribution_id: str) -> Any:
        """Enter the distribution."""
        return await self._declared(self._enter, "enter")(distribution_id)

    async def leave(self, distribution_id: str) -> Any:
        """Leave the distribution."""
        return await self._declared(self._leave, "leave")(distribution_id)

    async def complete(self, distribution_id: str) -> Any:
        """Mark a granted participation done (a timed release's purchase)."""
        return await self._declared(self._complete, "complete")(distribution_id)


def resource_for(api: Any, kind: object) -> MechanismResource:
    """The resource of a registered mechanism, or :class:`UsageError` naming the registered ones.

    Usage: ``await resource_for(api, "queue").enter(queue_id)``
    """
    spec = registry.spec_for(kind)
    if spec is None:
        known = ", ".join(sorted(str(s.kind) for s in registry.registered()))
        raise UsageError(f"no mechanism {kind!r} is registered (known: {known})")
    return MechanismResource(api, spec)
