"""Listeners held as cheaply as they can be: none, the one listener itself, or a tuple of them.
Most subscriptions have one listener, and thousands of shoppers in one process then keep no
list each (every object a shopper keeps is walked by each full collection).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

__all__ = ["Held", "added", "each", "removed"]

C = TypeVar("C", bound=Callable[..., Any])
#: What a subscription holds: no listener, one, or several in the order they were added.
Held: TypeAlias = "C | tuple[C, ...] | None"


def added(held: Held[C], listener: C) -> Held[C]:
    """``held`` with ``listener`` added last (a listener added twice is called twice).

    Usage: ``self._listeners = added(self._listeners, listener)``
    """
    if held is None:
        return listener
    if isinstance(held, tuple):
        return (*held, listener)
    return (held, listener)


def removed(held: Held[C], listener: C) -> Held[C]:
    """``held`` without its first listener equal to ``listener`` (unchanged if absent).

    Usage: ``self._listeners = removed(self._listeners, listener)``
    """
    if not isinstance(held, tuple):
        return None if held is not None and held == listener else held
    if listener not in held:
        return held
    index = held.index(listener)
    rest = held[:index] + held[index + 1:]
    return rest[0] if len(rest) == 1 else rest


def each(held: Held[C]) -> tuple[C, ...]:
    """The listeners in order, as a snapshot (one may remove itself while it is called).

    Usage: ``for listener in each(self._listeners): listener(value)``
    """
    if held is None:
        return ()
    return held if isinstance(held, tuple) else (held,)
