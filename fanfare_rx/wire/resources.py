"""A mechanism's consumer calls as one resource of the API client (``api.queues.enter(id)``),
read from the mechanism's declaration (:class:`~fanfare_rx.mechanisms.base.ApiCalls`), so a
plug-in mechanism gets its resource by registering.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fanfare_rx.errors import UsageError
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import ApiCall, MechanismSpec

__all__ = ["MechanismResource", "resource_for"]


class MechanismResource:
    """One mechanism's calls on one API client: ``status``, ``enter``, ``leave``, ``complete``
    (what the mechanism declares; a call it has not is a :class:`UsageError`, raised when the
    call is made). Each call is the declared method's awaitable itself.

    Usage: ``state = await api.queues.enter(queue_id)`` or
    ``await api.resource("draw").status(draw_id)``
    """

    __slots__ = ("_api", "spec")

    def __init__(self, api: Any, spec: MechanismSpec) -> None:
        self._api = api
        self.spec = spec

    def __repr__(self) -> str:
        return f"MechanismResource({self.spec.kind.value!r})"

    def _run(self, call: ApiCall | None, which: str, distribution_id: str) -> Awaitable[Any]:
        # The declared method's awaitable itself: a resource adds no coroutine to the request
        if call is None:
            raise UsageError(f"a {self.spec.kind.value} has no {which} call")
        method = getattr(type(self._api), call) if isinstance(call, str) else call
        answer: Awaitable[Any] = method(self._api, distribution_id)
        return answer

    def status(self, distribution_id: str) -> Awaitable[Any]:
        """The consumer's standing in the distribution (its status answer)."""
        return self._run(self.spec.api.status, "status", distribution_id)

    def enter(self, distribution_id: str) -> Awaitable[Any]:
        """Enter the distribution."""
        return self._run(self.spec.api.enter, "enter", distribution_id)

    def leave(self, distribution_id: str) -> Awaitable[Any]:
        """Leave the distribution."""
        return self._run(self.spec.api.leave, "leave", distribution_id)

    def complete(self, distribution_id: str) -> Awaitable[Any]:
        """Mark a granted participation done (a timed release's purchase)."""
        return self._run(self.spec.api.complete, "complete", distribution_id)


def resource_for(api: Any, kind: object) -> MechanismResource:
    """The resource of a registered mechanism, or :class:`UsageError` naming the registered ones.

    Usage: ``await resource_for(api, "queue").enter(queue_id)``
    """
    spec = registry.spec_for(kind)
    if spec is None:
        known = ", ".join(sorted(str(s.kind) for s in registry.registered()))
        raise UsageError(f"no mechanism {kind!r} is registered (known: {known})")
    return MechanismResource(api, spec)
