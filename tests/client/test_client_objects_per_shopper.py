"""What each shopper's client keeps alive: thousands of shoppers in one process (one ``Fanfare``
and one journey each, on a shared pool) each keep few objects the cyclic garbage collector
tracks, since every full collection walks every one of them. Counted over loopback against
the sandbox, with ``gc.get_objects()`` before and after the shoppers joined."""

from __future__ import annotations

import functools
import gc
import types
from collections import Counter
from collections.abc import Callable

import pytest

from fanfare_rx import Fanfare
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.pool import HttpPool

SHOPPERS = 50
#: Tracked objects a joined, idle shopper keeps on the client side (the ``Fanfare`` and its
#: parts, its session, and the client's callables and effects port its journey holds).
#: Measured 17 (a queue place, no storage, the server's clock agreeing with ours); it was 41
#: before the parts were made lean (bound methods held instead of their objects, resources,
#: records and listener lists made for every shopper, a bus handler per client), then 20
#: while the endpoint parts were kept once made and the session lock made for every client.
CLIENT_SIDE_PER_SHOPPER = 18  # one of headroom: a Connection when the clock offset moves

_CLIENT_MODULES = ("fanfare_rx.client", "fanfare_rx.wire")


def _is_client(obj: object) -> bool:
    """An object of the client's modules, or a callable of one (a bound method, a partial)."""
    if isinstance(obj, types.MethodType):
        obj = obj.__self__
    elif isinstance(obj, functools.partial):
        return True
    return type(obj).__module__.startswith(_CLIENT_MODULES)


def _label(obj: object) -> str:
    if isinstance(obj, types.MethodType):
        return f"method {type(obj.__self__).__qualname__}.{obj.__func__.__name__}"
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _reach(root: object, new: dict[int, object], stop: Callable[[object], bool]
           ) -> dict[int, object]:
    """The objects made since the count began that ``root`` reaches, not through ``stop``."""
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        for referent in gc.get_referents(todo.pop()):
            if id(referent) in new and id(referent) not in seen and not stop(referent):
                seen[id(referent)] = referent
                todo.append(referent)
    return seen


async def _join(sandbox: Sandbox, pool: HttpPool) -> tuple[Fanfare, ExperienceJourney]:
    fanfare = await Fanfare.init(organization_id=sandbox.organization_id,
                                 publishable_key=sandbox.publishable_key,
                                 base_url=sandbox.base_url, pool=pool)
    journey = fanfare.experiences.create_journey(sandbox.experiences["queue"])
    await journey.start()
    await journey.enter_queue()
    assert journey.state.get().sequence_stage == "participating"
    return fanfare, journey


def _client_side(shoppers: list[tuple[Fanfare, ExperienceJourney]],
                 new: dict[int, object]) -> tuple[Counter[str], set[int]]:
    """What the shoppers keep on the client side, by kind: reached from each ``Fanfare`` (not
    through its journey), and the client's objects and callables its journey holds."""
    kinds: Counter[str] = Counter()
    counted: set[int] = set()
    for fanfare, journey in shoppers:
        own = _reach(fanfare, new, lambda obj: isinstance(obj, ExperienceJourney))
        own[id(fanfare)] = fanfare
        held = {key: obj for key, obj in
                _reach(journey, new, lambda obj: isinstance(obj, Fanfare)).items()
                if key not in own and _is_client(obj)}
        for key, obj in {**own, **held}.items():
            kinds[_label(obj)] += 1
            counted.add(key)
    return kinds, counted


@pytest.mark.integration
async def test_a_joined_shopper_keeps_few_tracked_objects_on_the_client_side(
        sandbox: Sandbox, collector_off: None) -> None:
    async with HttpPool() as pool:
        warm = [await _join(sandbox, pool) for _ in range(2)]  # shared tables, caches, pool
        gc.collect()
        alive = gc.get_objects()  # held: no id of these is reused by an object made later
        before = {id(obj) for obj in alive}
        shoppers = [await _join(sandbox, pool) for _ in range(SHOPPERS)]
        gc.collect()
        new = {id(obj): obj for obj in gc.get_objects() if id(obj) not in before}
        kinds, counted = _client_side(shoppers, new)
        per_shopper = sum(kinds.values()) / SHOPPERS
        shown = {kind: round(count / SHOPPERS, 2) for kind, count in kinds.most_common()}
        assert per_shopper <= CLIENT_SIDE_PER_SHOPPER, shown
        assert kinds["fanfare_rx.client.fanfare.Fanfare"] == SHOPPERS  # the walk saw each
        # Nothing of the client's is kept per shopper out of its reach (a registry, a cache
        # growing with the shoppers): every new client object was counted above.
        elsewhere = Counter(_label(obj) for key, obj in new.items()
                            if key not in counted and _is_client(obj)
                            and type(obj).__module__.startswith(_CLIENT_MODULES))
        assert not elsewhere, elsewhere
        del alive
        for fanfare, _ in warm + shoppers:
            await fanfare.destroy()


async def test_namespaces_made_on_first_use_give_the_client_no_instance_dict(
        sandbox: Sandbox) -> None:
    """``fanfare.auth``, ``.challenges`` and ``.journeys`` are made once, on first use, without
    materialising the client's ``__dict__`` (one more tracked object per shopper who signs in)."""
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url) as fanfare:
        assert fanfare.auth is fanfare.auth
        assert fanfare.challenges is fanfare.challenges
        assert fanfare.journeys is fanfare.journeys
        assert not [ref for ref in gc.get_referents(fanfare) if isinstance(ref, dict)]
