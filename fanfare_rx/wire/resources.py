"""A mechanism's consumer calls as one resource of the API client (``api.queues.enter(id)``),
read from the mechanism's declaration (:class:`~fanfare_rx.mechanisms.base.ApiCalls`), so a
plug-in mechanism gets its resource by registering.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, Literal

from fanfare_rx.errors import UsageError
from fanfare_rx.mechanisms import registry
from fanfare_rx.mechanisms.base import ApiCall, MechanismSpec

__all__ = ["CallName", "MechanismResource", "declared_call", "resource_for"]


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

    def status(self, distribution_id: str) -> Awaitable[Any]:
        """The consumer's standing in the distribution (its status answer)."""
        return declared_call(self._api, self.spec, "status", distribution_id)

    def enter(self, distribution_id: str) -> Awaitable[Any]:
        """Enter the distribution."""
        return declared_call(self._api, self.spec, "enter", distribution_id)

    def leave(self, distribution_id: str) -> Awaitable[Any]:
        """Leave the distribution."""
        return declared_call(self._api, self.spec, "leave", distribution_id)

    def complete(self, distribution_id: str) -> Awaitable[Any]:
        """Mark a granted participation done (a timed release's purchase)."""
        return declared_call(self._api, self.spec, "complete", distribution_id)


#: The calls a mechanism may declare (the fields of its ``ApiCalls``).
CallName = Literal["status", "enter", "leave", "complete"]


def declared_call(api: Any, spec: MechanismSpec, which: CallName,
                  distribution_id: str) -> Awaitable[Any]:
    """The awaitable of the call ``spec`` declares as ``which`` on ``api``: the declared
    method's awaitable itself (no coroutine, and no object kept between calls: a journey's
    effects call it without a resource per client). A call the mechanism has not is a
    :class:`UsageError`.

    Usage: ``state = await declared_call(api, registry.spec_for("queue"), "status", queue_id)``
    """
    call: ApiCall | None = getattr(spec.api, which)
    if call is None:
        raise UsageError(f"a {spec.kind.value} has no {which} call")
    method = getattr(type(api), call) if isinstance(call, str) else call
    answer: Awaitable[Any] = method(api, distribution_id)
    return answer


def resource_for(api: Any, kind: object) -> MechanismResource:
    """The resource of a registered mechanism, or :class:`UsageError` naming the registered ones.

    Usage: ``await resource_for(api, "queue").enter(queue_id)``
    """
    spec = registry.spec_for(kind)
    if spec is None:
        known = ", ".join(sorted(str(s.kind) for s in registry.registered()))
        raise UsageError(f"no mechanism {kind!r} is registered (known: {known})")
    return MechanismResource(api, spec)
