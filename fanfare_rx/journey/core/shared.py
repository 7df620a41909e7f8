"""Equal small parts of snapshots shared between journeys: the reducer builds the available
actions, a distribution's summary and a participation as frozen values, and the thousands of
journeys of one drop hold equal ones; :func:`shared` gives the one instance kept for an equal
value, so each journey does not keep (and the garbage collector does not walk) its own copy.

Pure: a bounded memo of frozen, hashable values (an equal value in, an equal value out).
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["MAX_SHARED", "shared"]

T = TypeVar("T")

#: How many distinct values are kept; past it the memo starts over (values of a past drop are
#: not kept for ever; sharing resumes with the next equal value).
MAX_SHARED = 4096

_KEPT: dict[Any, Any] = {}


def shared(value: T) -> T:
    """The instance kept for a value equal to ``value`` (``value`` itself the first time, or
    when it cannot be hashed). Only for frozen values: they cannot change under the journeys
    that share them::

        shared(AvailableActions(journey=(START,))) is shared(AvailableActions(journey=(START,)))

    Usage: ``participation = shared(Participation(id=d.id, type=ptype, status="QUEUED"))``
    """
    try:
        kept = _KEPT.get(value)
    except TypeError:  # a value holding something unhashable is not shared, never refused
        return value
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    if len(_KEPT) >= MAX_SHARED:
        _KEPT.clear()
    _KEPT[value] = value
    return value
