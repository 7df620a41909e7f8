"""Where a fleet's workers run: all in the driver's event loop (``local``), or one Ray actor
each, an asyncio loop per process, on this machine or a cluster (``ray``).
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from fanfare_rx.errors import ConfigError, FleetError
from fanfare_rx.fleet.records import Batch, FleetTarget
from fanfare_rx.fleet.worker import Shopper, ShopperWorker
from fanfare_rx.tuning import tune_gc

__all__ = ["RAY_INIT_DEFAULTS", "Backend", "FleetError", "LocalBackend", "RayBackend",
           "ShopperActor", "WorkerPlan"]

#: ``ray.init`` options for a local Ray (no dashboard, workers' logs kept out of the driver).
RAY_INIT_DEFAULTS: Mapping[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                        "ignore_reinit_error": True}


class WorkerPlan:
    """How every worker is set up: target, pacing, the fleet's start time."""

    def __init__(self, target: FleetTarget, *, concurrency: int, started_at: float,
                 shopper_timeout: float | None, spawn_rate: float | None = None,
                 redis_url: str | None = None, redis_prefix: str = "fanfare-fleet") -> None:
        self.target = target
        self.redis_url = redis_url
        self.redis_prefix = redis_prefix
        self.spawn_rate = spawn_rate
        self.concurrency = concurrency
        self.started_at = started_at
        self.shopper_timeout = shopper_timeout

    def worker(self, shopper: Shopper, index: int) -> ShopperWorker:
        return ShopperWorker(self.target, shopper, index=index, concurrency=self.concurrency,
                             started_at=self.started_at, shopper_timeout=self.shopper_timeout,
                             spawn_rate=self.spawn_rate, redis_url=self.redis_url,
                             redis_prefix=self.redis_prefix)


class Backend(Protocol):
    """Starts workers, collects their batches, tells which were lost, hands shoppers over to
    the others, stops them."""

    async def prepare(self) -> None:
        """Get ready before the drop's clock starts (connect to Ray)."""
        ...

    async def start(self, shopper: Shopper, groups: Sequence[Sequence[str]],
                    plan: WorkerPlan) -> None: ...

    async def drain(self) -> list[Batch]:
        """The batches of the live workers (a worker found dead is noted for :meth:`lost`)."""
        ...

    def lost(self) -> list[int]:
        """The workers found dead since the last call (each reported once)."""
        ...

    def alive(self) -> list[int]:
        """The workers not lost."""
        ...

    async def adopt(self, worker: int, shopper_ids: Sequence[str]) -> None:
        """Let ``worker`` resume ``shopper_ids`` (a lost worker's) from their stored sessions."""
        ...

    async def close(self) -> None: ...


class LocalBackend:
    """Every worker in the driver's own event loop (no Ray): the default for small drops.

    Usage: ``Fleet(target, shoppers=200, backend="local")``
    """

    def __init__(self) -> None:
        self._workers: list[ShopperWorker] = []
        self._tasks: list[asyncio.Task[None]] = []

    async def prepare(self) -> None:
        pass

    async def start(self, shopper: Shopper, groups: Sequence[Sequence[str]],
                    plan: WorkerPlan) -> None:
        for index, ids in enumerate(groups):
            worker = plan.worker(shopper, index)
            self._workers.append(worker)
            self._tasks.append(asyncio.create_task(worker.run(ids)))

    async def drain(self) -> list[Batch]:
        for index, task in enumerate(self._tasks):
            if task.done() and not task.cancelled() and task.exception() is not None:
                raise FleetError(f"worker {index} failed: {task.exception()!r}")
        return [worker.drain() for worker in self._workers]

    def lost(self) -> list[int]:
        return []  # a worker in this loop cannot die alone: its failure is a FleetError

    def alive(self) -> list[int]:
        return list(range(len(self._workers)))

    async def adopt(self, worker: int, shopper_ids: Sequence[str]) -> None:
        self._tasks.append(asyncio.create_task(
            self._workers[worker].run(shopper_ids, resume=True)))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class ShopperActor:
    """A Ray actor's body: one :class:`ShopperWorker` in the actor's event loop. The actor owns
    its process and holds many journeys, so it tunes the collector for them
    (:func:`~fanfare_rx.tuning.tune_gc`, for the actor's lifetime)."""

    def __init__(self, plan: WorkerPlan, shopper: Shopper, index: int) -> None:
        self._gc = tune_gc()
        self._worker = plan.worker(shopper, index)

    async def run(self, shopper_ids: Sequence[str], resume: bool = False) -> None:
        await self._worker.run(shopper_ids, resume=resume)

    async def drain(self) -> Batch:
        return self._worker.drain()


#: Ray's authentication mode variable (read when Ray is imported).
_RAY_AUTH_MODE = "RAY_AUTH_MODE"


def _ask_for_token_auth(address: str | None) -> bool:
    """Ask for token authentication explicitly for a Ray about to start here, as Ray would
    choose it anyway for a new local cluster (then it warns that it did). Nothing is changed
    when the mode is already set, a cluster is joined (``address`` or ``RAY_ADDRESS``), or
    Ray is already imported (setting it then would disagree with Ray's configuration).
    Returns whether it asked.

    Usage: ``_ask_for_token_auth(None)`` -> ``True`` (before ``import ray``)
    """
    if (address is not None or os.environ.get("RAY_ADDRESS") or _RAY_AUTH_MODE in os.environ
            or "ray" in sys.modules):
        return False
    os.environ[_RAY_AUTH_MODE] = "token"
    return True


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("the ray backend needs Ray: pip install 'fanfare_rx[fleet]'") from None
    return ray


def _defined_in(shopper: Shopper) -> str:
    """The module the behaviour's code comes from: a ``functools.partial`` (nested or not) is
    its function's, a callable object its class's."""
    target: Any = shopper
    while isinstance(target, functools.partial):
        target = target.func
    return getattr(target, "__module__", None) or "__main__"


def _shipped(ray: Any, shopper: Shopper) -> Any:
    """Put the behaviour in Ray's object store, by value unless it is one of ours or of the
    standard library, so that a function from a notebook, a script or a test module runs
    where that module is absent."""
    name = _defined_in(shopper)
    module = sys.modules.get(name)
    by_value = (module is not None and name != "__main__"
                and name.partition(".")[0] not in sys.stdlib_module_names
                and not name.startswith("fanfare_rx"))
    if by_value:
        ray.cloudpickle.register_pickle_by_value(module)
    try:
        return ray.put(shopper)
    finally:
        if by_value:
            ray.cloudpickle.unregister_pickle_by_value(module)


#: Seconds an actor may take to hand over its batch before the fleet gives up on it.
DRAIN_TIMEOUT = 300.0


async def _settled(ray: Any, refs: list[Any]) -> None:
    """Wait until every one of ``refs`` has its value or error, by polling ``ray.wait`` from
    this loop: awaiting an ObjectRef relies on a callback from Ray's thread, which was seen to
    never arrive in a Jupyter kernel's loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_TIMEOUT
    delay = 0.001
    while True:
        _, pending = ray.wait(refs, num_returns=len(refs), timeout=0)
        if not pending:
            return
        if loop.time() > deadline:
            raise FleetError(f"{len(pending)} fleet actor(s) did not answer in {DRAIN_TIMEOUT} s")
        await asyncio.sleep(delay)
        delay = min(0.05, delay * 2)


class RayBackend:
    """One Ray actor per worker, each an asyncio loop running its share of the shoppers.

    Args:
        address: a Ray cluster (``"ray://head:10001"``, ``"auto"``); None starts Ray here.
        num_cpus: CPUs of a Ray started here (default: this machine's count).
        actor_cpus: CPUs each actor reserves (default: one, or an equal share of the
            cluster's CPUs when there are more actors than CPUs).
        init_options: more ``ray.init`` options (``runtime_env`` ...), over
            :data:`RAY_INIT_DEFAULTS`.
        worker_niceness: the ``nice`` value of a local Ray's worker processes. Ray's default
            (15) lets anything else on the machine (the sandbox, other programs) go first;
            0 runs the actors at the same priority as the rest.

    Ray stays initialised after the fleet (the next fleet reuses it); ``ray.shutdown()`` ends it.

    Usage: ``Fleet(target, shoppers=20_000, backend=RayBackend(num_cpus=2), actors=2)``
    """

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None,
                 actor_cpus: float | None = None, init_options: Mapping[str, Any] | None = None,
                 worker_niceness: int | None = None) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.actor_cpus = actor_cpus
        self.init_options = dict(RAY_INIT_DEFAULTS, **(init_options or {}))
        self.worker_niceness = worker_niceness
        self._actors: list[Any] = []
        #: (actor index, ObjectRef of a run not known to have ended).
        self._runs: list[tuple[int, Any]] = []
        self._dead: set[int] = set()
        self._newly_lost: list[int] = []

    async def prepare(self) -> None:
        """Start or join Ray (blocks the loop for the seconds a local Ray takes to start).

        A Ray started here uses token authentication, Ray's default for a local cluster, asked
        for explicitly (``RAY_AUTH_MODE=token`` in this process's environment) so Ray does not
        warn that it chose it; a ``RAY_AUTH_MODE`` already set, a cluster joined, or Ray
        imported before (its configuration is read at import) are left as they are."""
        _ask_for_token_auth(self.address)
        ray = _import_ray()
        if not ray.is_initialized():
            options = dict(self.init_options)
            if self.address is None:
                options["num_cpus"] = self.num_cpus or os.cpu_count() or 1
                if self.worker_niceness is not None:  # read by the raylet it starts
                    os.environ["RAY_worker_niceness"] = str(self.worker_niceness)
            ray.init(address=self.address, **options)

    async def start(self, shopper: Shopper, groups: Sequence[Sequence[str]],
                    plan: WorkerPlan) -> None:
        await self.prepare()
        ray = _import_ray()
        cpus = self.actor_cpus
        if cpus is None:
            cpus = min(1.0, float(ray.cluster_resources().get("CPU", 1.0)) / max(1, len(groups)))
        actor_class = ray.remote(num_cpus=cpus)(ShopperActor)
        shipped = _shipped(ray, shopper)
        for index, ids in enumerate(groups):
            actor = actor_class.remote(plan, shipped, index)
            self._actors.append(actor)
            self._runs.append((index, actor.run.remote(list(ids))))

    @property
    def actors(self) -> tuple[Any, ...]:
        """The actors' handles by worker number (``ray.kill(backend.actors[0])`` loses one)."""
        return tuple(self._actors)

    def _lose(self, index: int) -> None:
        if index not in self._dead:
            self._dead.add(index)
            self._newly_lost.append(index)

    async def drain(self) -> list[Batch]:
        """The live actors' batches; an actor that died (``ray.kill``, its process or node
        lost) is noted for :meth:`lost`, any other failure of a run is a :class:`FleetError`."""
        ray = _import_ray()
        refs = [ref for _, ref in self._runs]
        ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0) if refs else ([], [])
        ended = set(ready)
        for index, ref in self._runs:
            if ref not in ended:
                continue
            try:
                ray.get(ref)
            except ray.exceptions.RayActorError:
                self._lose(index)
            except Exception as exc:
                raise FleetError(f"a fleet actor failed: {exc}") from exc
        self._runs = [(index, ref) for index, ref in self._runs if ref not in ended]
        live = self.alive()
        drains = [self._actors[i].drain.remote() for i in live]
        await _settled(ray, drains)
        batches: list[Batch] = []
        for index, ref in zip(live, drains, strict=True):
            try:
                batches.append(ray.get(ref))
            except ray.exceptions.RayActorError:
                self._lose(index)
        return batches

    def lost(self) -> list[int]:
        found, self._newly_lost = self._newly_lost, []
        return found

    def alive(self) -> list[int]:
        return [i for i in range(len(self._actors)) if i not in self._dead]

    async def adopt(self, worker: int, shopper_ids: Sequence[str]) -> None:
        self._runs.append((worker, self._actors[worker].run.remote(list(shopper_ids), True)))

    async def close(self) -> None:
        ray = _import_ray()
        for actor in self._actors:
            ray.kill(actor)
        self._actors, self._runs = [], []
