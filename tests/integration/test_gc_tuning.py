"""The collector belongs to the process: ``tune_gc`` changes it only when asked and puts it back;
importing and using the library (a journey over loopback HTTP) leaves it as it was."""

from __future__ import annotations

import gc
import subprocess
import sys
import weakref
from collections.abc import Callable, Iterator

import pytest
from integration_helpers import MakeFanfare

from fanfare_rx import UsageError, tune_gc
from fanfare_rx import tuning as tuning_module
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.tuning import MANY_JOURNEYS_THRESHOLDS

GcState = tuple[tuple[int, int, int], bool, int, int, int]


def gc_state() -> GcState:
    return (gc.get_threshold(), gc.isenabled(), gc.get_freeze_count(), gc.get_debug(),
            len(gc.callbacks))


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Each test starts and ends with an empty permanent generation."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_tune_gc_applies_and_the_block_restores(unfrozen: None) -> None:
    before = gc_state()
    with tune_gc() as tuning:
        assert gc.get_threshold() == MANY_JOURNEYS_THRESHOLDS
        assert gc.get_freeze_count() > 0 and tuning.active
        assert "active=True" in repr(tuning)
    assert gc_state() == before and not tuning.active
    tuning.restore()  # idempotent
    assert gc_state() == before


def test_restore_without_a_block_and_a_later_freeze(unfrozen: None) -> None:
    before = gc_state()
    tuning = tune_gc((10_000, 10, 10), freeze=False)
    assert gc.get_threshold() == (10_000, 10, 10) and gc.get_freeze_count() == 0
    kept = [object() for _ in range(100)]
    tuning.freeze()  # the long-lived objects set up since
    assert gc.get_freeze_count() >= len(kept)
    tuning.restore()
    assert gc_state() == before
    with pytest.raises(UsageError, match="restored"):
        tuning.freeze()


def test_a_permanent_generation_frozen_by_its_owner_is_left_frozen(unfrozen: None) -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with tune_gc():
        pass
    assert gc.get_freeze_count() >= frozen > 0


def test_the_interpreters_own_frozen_objects_do_not_keep_the_tunings_frozen(
        unfrozen: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """CPython 3.12 starts with objects of its own in the permanent generation: a permanent
    generation no larger than the interpreter's is emptied on restore, so what the tuning froze
    does not stay frozen (it did, on 3.12, while only an empty one was)."""
    gc.freeze()  # as the interpreter's own
    monkeypatch.setattr(tuning_module, "_INTERPRETER_FROZEN", gc.get_freeze_count())
    with tune_gc():
        assert gc.get_freeze_count() > tuning_module._INTERPRETER_FROZEN
    assert gc.get_freeze_count() == 0


class _Part:
    """A tracked object of a shopper's state."""

    __slots__ = ("inner",)

    def __init__(self, inner: object = None) -> None:
        self.inner = inner


def _most_walked_by_a_middle_collection(thresholds: tuple[int, int, int],
                                        shoppers: int) -> int:
    """Shoppers set up one after another under ``tune_gc(thresholds)`` and never frozen again
    (a server whose shoppers keep arriving), each keeping 36 tracked objects and dropping 40:
    the most objects a middle collection walked (the young and middle generations as it
    started). Counted, not timed: a collection's pause follows what it walks."""
    walked: list[int] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 1:
            walked.append(len(gc.get_objects(0)) + len(gc.get_objects(1)))

    kept: list[object] = []
    with tune_gc(thresholds, freeze=False):
        gc.callbacks.append(watch)
        try:
            for _ in range(shoppers):
                kept.append([_Part(_Part([_Part()])) for _ in range(9)])
                garbage = [[_Part()] for _ in range(20)]
                del garbage
        finally:
            gc.callbacks.remove(watch)
    return max(walked, default=0)


def test_a_middle_collection_walks_what_survived_three_young_ones(unfrozen: None) -> None:
    """Under the default thresholds a middle collection walks at most what the young
    generation holds plus what survived the three young collections before it (it comes once
    more than two ran), however many shoppers keep arriving; at the former (25,000, 20, 100)
    it walked what survived twenty-one (in a drop whose shoppers were never frozen, one pause
    of about 300 ms)."""
    young, middle, _ = MANY_JOURNEYS_THRESHOLDS
    walked = _most_walked_by_a_middle_collection(MANY_JOURNEYS_THRESHOLDS, 16_000)
    # a tenth more: a freed object of an older generation lowers the young count too, so the
    # young generation may hold a little more than its threshold when it is collected
    assert 0 < walked <= (middle + 2) * young * 1.1
    former = _most_walked_by_a_middle_collection((25_000, 20, 100), 16_000)
    assert former > 10 * walked


@pytest.mark.parametrize("thresholds", [(0, 10, 10), (700, 10), (700, -1, 10), (700.0, 10, 10),
                                        (True, 10, 10), [700, 10, 10]])
def test_bad_thresholds_are_refused_and_nothing_changes(thresholds: object) -> None:
    before = gc_state()
    with pytest.raises(UsageError, match="thresholds"):
        tune_gc(thresholds)  # type: ignore[arg-type]
    assert gc_state() == before


def test_importing_the_library_leaves_gc_untouched() -> None:
    code = (
        "import gc\n"
        "state = lambda: (gc.get_threshold(), gc.isenabled(), gc.get_freeze_count(),"
        " gc.get_debug(), len(gc.callbacks))\n"
        "before = state()\n"
        "import fanfare_rx, fanfare_rx.fleet, fanfare_rx.cli.swarm, fanfare_rx.sandbox\n"
        "for name in fanfare_rx.__all__: getattr(fanfare_rx, name)\n"
        "assert state() == before, (before, state())\n"
        "print('untouched')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, timeout=120)
    assert result.stdout.strip() == "untouched", result.stderr


async def test_a_journey_leaves_gc_untouched(sb: Sandbox, make_fanfare: MakeFanfare) -> None:
    before = gc_state()
    fanfare = await make_fanfare()
    journey = fanfare.experiences.create_journey(sb.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    journey.start_polling(interval_ms=100)
    await sb.advance(1)
    await journey.refresh_distribution()
    journey.stop_polling()
    await fanfare.destroy()
    assert gc_state() == before


class _Cycle:
    """A node of a reference cycle (garbage only a cyclic collection frees)."""

    def __init__(self) -> None:
        self.me = self


def _collections_during(call: Callable[[], object]) -> list[int]:
    """The generations of the collections ``call`` ran."""
    seen: list[int] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(callback)
    try:
        call()
    finally:
        gc.callbacks.remove(callback)
    return seen


def test_a_later_freeze_collects_the_young_generation_only(unfrozen: None) -> None:
    """Once thousands of shoppers joined, a full collection before the freeze is a pause of
    its own: ``freeze()`` collects the young generation (its garbage is not frozen), and
    ``freeze(full=True)`` everything (garbage that had survived a young collection too)."""
    with tune_gc(freeze=False) as tuning:
        young = weakref.ref(_Cycle())  # garbage made since the last collection
        assert _collections_during(tuning.freeze) == [0]
        assert young() is None
        gc.unfreeze()

        older = _Cycle()
        gc.collect(0)  # it survives a young collection: an older generation's object now
        survived = weakref.ref(older)
        del older
        assert _collections_during(tuning.freeze) == [0]
        assert survived() is not None  # frozen with the rest (the documented trade)
        gc.unfreeze()
        assert _collections_during(lambda: tuning.freeze(full=True)) == [2]
        assert survived() is None


def test_tune_gc_freezes_after_a_full_collection(unfrozen: None) -> None:
    assert _collections_during(lambda: tune_gc().restore()) == [2]
