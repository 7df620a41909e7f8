"""The cyclic garbage collector, tuned for a process that holds many journeys; opt-in only.

The library never changes :mod:`gc` by itself: the collector's settings belong to the process.
A process that owns itself and holds many long-lived journeys (a fleet worker, ``fanfare-rx
swarm``, a server with thousands of shoppers) may call :func:`tune_gc`: it moves every object
alive so far into the permanent generation (``gc.freeze()``: imports, configuration, the shoppers
set up so far are no longer walked by each full collection) and raises the collection
thresholds, so that collections are rarer and cheaper. The previous settings come back when the
returned :class:`GcTuning` is left (``with``) or :meth:`GcTuning.restore` is called.
"""

from __future__ import annotations

import gc
from typing import Self

from fanfare_rx.errors import UsageError

__all__ = ["MANY_JOURNEYS_THRESHOLDS", "GcTuning", "tune_gc"]

#: ``gc.set_threshold`` for a process with many journeys: a collection every 10,000 net
#: allocations (Python's default: 700), a middle one in place of the young one once more than
#: two young ones ran since the last (every fourth collection), and a full one only after more
#: than 2,000 middle ones, about 80 million net allocations (and only once a quarter of the old
#: objects are new). A collection's pause follows what it walks: a young one what was made
#: since the last collection, a middle one that and what survived the three young ones before
#: it, so every pause is bounded by the first two figures, whether or not the process freezes
#: its shoppers once they joined. At (25,000, 20, 100) a middle collection walked what survived
#: twenty-one young ones: in a drop of 10,000 shoppers with no freeze after the join that was
#: one pause of 285-346 ms on a 2-core machine; at these figures the longest pause was 29-49 ms
#: in thirteen drops, frozen or not, for about 1% more of the drop's CPU in the collector
#: (``python -m benchmarks drop --tuned``).
MANY_JOURNEYS_THRESHOLDS = (10_000, 2, 2_000)

#: The permanent generation when this module was first imported, taken as the interpreter's own:
#: CPython 3.12 starts with a few hundred objects there, 3.11 and 3.13 with none. One no larger
#: than that holds nothing anybody froze, so :meth:`GcTuning.restore` may empty it. (Objects a
#: process froze before it first imported this module are counted as the interpreter's.)
_INTERPRETER_FROZEN = gc.get_freeze_count()


class GcTuning:
    """Settings of the collector changed by :func:`tune_gc`, and the ones they replaced.

    Usage::

        with tune_gc() as tuning:        # thresholds raised, set-up objects frozen
            shoppers = await join_all()
            tuning.freeze()              # the shoppers set up are long-lived too
            await run(shoppers)
        # thresholds as before, nothing frozen here still frozen
    """

    def __init__(self, thresholds: tuple[int, int, int], freeze: bool) -> None:
        self.previous_thresholds = gc.get_threshold()
        self.thresholds = thresholds
        self._unfreeze = gc.get_freeze_count() <= _INTERPRETER_FROZEN
        self._froze = False
        self._active = True
        gc.set_threshold(*thresholds)
        if freeze:
            self.freeze(full=True)

    @property
    def active(self) -> bool:
        """Whether these settings are in force (not restored yet)."""
        return self._active

    def freeze(self, *, full: bool = False) -> None:
        """Move every object alive now into the permanent generation (``gc.freeze()``), after
        a young collection (``gc.collect(0)``): the garbage made since the last collection is
        not kept there. Call it again once the long-lived objects (shoppers, journeys, pools)
        are set up.

        A young collection walks the objects made since the last one (at most the first
        threshold's worth: 10,000 by default); a full one walks everything not frozen yet,
        which once thousands of shoppers joined is a pause of its own (about 270 ms at 10,000
        shoppers on a 2-core machine, ``python -m benchmarks drop --tuned``). With
        ``full=True`` it is a full collection, so that garbage in a reference cycle that
        survived a young collection earlier is not frozen either (the library makes no such
        garbage: the drop's full collections find none; code that does may want it).
        :func:`tune_gc` freezes after a full collection: the process is small then.

        Usage: ``tuning.freeze()`` (or ``tuning.freeze(full=True)``)
        """
        if not self._active:
            raise UsageError("this GcTuning was restored; call tune_gc() again")
        gc.collect(2 if full else 0)
        gc.freeze()
        self._froze = True

    def restore(self) -> None:
        """Put the thresholds back and, when nothing was frozen before but the interpreter's
        own objects, empty the permanent generation (``gc.unfreeze()``): nothing frozen here
        stays frozen. (CPython 3.12 starts with a few hundred objects there; they are unfrozen
        with the rest.) Objects someone else froze stay frozen, and so do these. Idempotent.

        Usage: ``tuning.restore()``
        """
        if not self._active:
            return
        self._active = False
        gc.set_threshold(*self.previous_thresholds)
        if self._froze and self._unfreeze:
            gc.unfreeze()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.restore()

    def __repr__(self) -> str:
        return (f"GcTuning(thresholds={self.thresholds}, previous={self.previous_thresholds}, "
                f"active={self._active})")


def tune_gc(thresholds: tuple[int, int, int] = MANY_JOURNEYS_THRESHOLDS, *,
            freeze: bool = True) -> GcTuning:
    """Tune the collector for a process that holds many journeys, now; the result restores the
    previous settings when left (``with``) or on :meth:`GcTuning.restore`.

    Only for a process you own (a worker, a CLI, a server's main): the settings are the whole
    process's. Libraries and code running inside someone else's process should not call it.

    Args:
        thresholds: ``gc.set_threshold`` arguments (default :data:`MANY_JOURNEYS_THRESHOLDS`).
        freeze: also ``gc.freeze()`` what is alive now (after a full collection).

    Raises:
        UsageError: thresholds that are not three integers, the first one positive (a first
            threshold of 0 turns the collector off: use ``gc.disable()`` for that, knowingly).

    Usage: ``with fanfare_rx.tune_gc(): asyncio.run(main())``
    """
    if (not isinstance(thresholds, tuple) or len(thresholds) != 3
            or not all(isinstance(t, int) and not isinstance(t, bool) and t >= 0
                       for t in thresholds) or thresholds[0] == 0):
        raise UsageError(f"thresholds must be three integers >= 0, the first > 0; "
                         f"got {thresholds!r}")
    return GcTuning(thresholds, freeze)
