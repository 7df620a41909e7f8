"""Lean Rx for a journey's effects: one awaited coroutine as a cold observable (:class:`Awaited`),
the few operators effects compose (:func:`defer`, :func:`items`, :func:`fail`, :func:`concat`,
:func:`merge`, :func:`flat_map`, :func:`catch`, :func:`mapped`) and a scheduler whose timers are
bare loop handles (:class:`LoopScheduler`); each takes any reactivex ``Observable`` and is one.

Thousands of journeys poll at once, so what one poll allocates is paid thousands of times and,
while the request is in flight, walked by every collection: reactivex's general machinery (an
``AutoDetachObserver``, ``SingleAssignmentDisposable``\\ s and ``Disposable``\\ s, each with its
own lock, closures that capture their own disposable) is replaced here by one small object per
subscription and per timer, with no reference cycle left once it ended.

A chain that opens with an awaited call (``concat``, ``flat_map`` or ``catch`` over an
``Awaited``: a journey's start is the experience, the route and the status one after another)
runs in one task that awaits each call in turn, instead of a task per call and a run object
per operator kept while the calls are in flight; it notifies exactly as the operators do
(pinned by a test running the same chains both ways). A chain that delivers at subscription,
or any other observable (a scripted port on a ``TestScheduler``), keeps the operators' runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from reactivex import Observable, abc, typing
from reactivex import operators as ops
from reactivex.internal.basic import default_error
from reactivex.scheduler.eventloop import AsyncIOScheduler

__all__ = [
    "Awaited",
    "LeanObservable",
    "LoopScheduler",
    "awaited",
    "catch",
    "concat",
    "defer",
    "fail",
    "flat_map",
    "items",
    "mapped",
    "mapped_over",
    "merge",
]

T = TypeVar("T")
R = TypeVar("R")


OnNext = Callable[[Any], None]
OnError = Callable[[Exception], None]
OnCompleted = Callable[[], None]


def _noop(*_: Any) -> None:
    pass


class LeanObservable(Observable[T]):
    """An ``Observable`` whose ``subscribe`` is its own: no ``AutoDetachObserver``, no
    trampoline, no lock per observable (made on demand for the few reactivex operators that
    take one). Subclasses implement :meth:`subscribe`; everything else of ``Observable``
    (``pipe``, ``await``, operators) works on it.

    Usage: ``class Items(LeanObservable[T]): def subscribe(self, on_next=None, ...): ...``
    """

    def __init__(self) -> None:
        # Observable.__init__ is not called: it makes a lock per observable
        self._subscribe = None

    def __getattr__(self, name: str) -> Any:
        if name == "lock":  # the lock a few reactivex operators (amb, delay) take: on first use
            made = self.lock = threading.RLock()
            return made
        raise AttributeError(name)

    def _subscribe_core(self, observer: abc.ObserverBase[T],
                        scheduler: abc.SchedulerBase | None = None) -> abc.DisposableBase:
        return self.subscribe(observer, scheduler=scheduler)

    if not TYPE_CHECKING:  # typed as Observable.pipe (its overloads); only the runtime differs
        def pipe(self, *operators):
            """``source.pipe(f, g) == g(f(source))``, as ``Observable.pipe``, each operator
            applied in turn: reactivex composes them first (a closure, a lambda and an import
            per call, on every action's effect)."""
            source = self
            for operator in operators:
                source = operator(source)
            return source

    def opens_with_await(self) -> bool:
        """Whether subscribing does nothing at once but start an awaited call (then the
        chain it opens can run in one task: see the module's docstring). False unless a
        subclass knows better."""
        return False

    def single_valued(self) -> bool:
        """Whether it delivers one value at most (so what is flat-mapped over it may run after
        it ended). False unless a subclass knows better."""
        return False

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        """Run inside the current task: each value to ``emit``; return when it completes,
        raise its error. By default it is subscribed and followed until it ends.

        Usage: ``await source.drive(values.append, None)``
        """
        await _follow(self.subscribe, emit, scheduler)


class _Callbacks:
    """Three callbacks as the sink of an :class:`Awaited` run (given callbacks, not an
    observer)."""

    __slots__ = ("on_completed", "on_error", "on_next")

    def __init__(self, on_next: OnNext, on_error: OnError, on_completed: OnCompleted) -> None:
        self.on_next, self.on_error, self.on_completed = on_next, on_error, on_completed


def _sink_of(on_next: Any, on_error: OnError | None,
             on_completed: OnCompleted | None) -> abc.ObserverBase[Any] | _Callbacks:
    """What a run delivers to: an observer held as it is (no bound method per run), or
    ``subscribe``'s callbacks as one object (an object with observer methods, or callbacks
    with reactivex's defaults: nothing for a value or completion, an error raised)."""
    if isinstance(on_next, abc.ObserverBase):
        return on_next
    if callable(getattr(on_next, "on_next", None)):
        return _Callbacks(on_next.on_next, on_next.on_error, on_next.on_completed)
    return _Callbacks(on_next or _noop, on_error or default_error, on_completed or _noop)


class _AwaitedRun(abc.DisposableBase):
    """One subscription of an :class:`Awaited`: the task and where its outcome goes (the
    observer itself, or its callbacks as one object); the run is the task's done callback (no
    bound method per request). Disposing it cancels the task and drops the observer: nothing
    is delivered afterwards."""

    __slots__ = ("_sink", "_task", "_transform")

    def __init__(self, task: asyncio.Future[Any], transform: Callable[[Any], Any] | None,
                 sink: abc.ObserverBase[Any] | _Callbacks,
                 context: contextvars.Context | None = None) -> None:
        self._task: asyncio.Future[Any] | None = task
        self._transform = transform
        self._sink: abc.ObserverBase[Any] | _Callbacks | None = sink
        task.add_done_callback(self, context=context)

    def __call__(self, task: asyncio.Future[Any]) -> None:
        """The task is done: its value (mapped) then completion, or its error, to the sink."""
        sink, transform = self._sink, self._transform
        self._task = self._sink = self._transform = None
        if sink is None:
            return  # disposed meanwhile
        if task.cancelled():
            sink.on_error(asyncio.CancelledError())  # type: ignore[arg-type]
            return
        error = task.exception()
        if error is not None:
            if not isinstance(error, Exception):
                raise error  # KeyboardInterrupt, SystemExit: not an observable's error
            sink.on_error(error)
            return
        value = task.result()
        if transform is not None:
            try:
                value = transform(value)
            except Exception as exc:  # noqa: BLE001 - the mapper's error is the stream's
                sink.on_error(exc)
                return
        sink.on_next(value)
        sink.on_completed()

    def dispose(self) -> None:
        task = self._task
        self._task = self._sink = self._transform = None
        if task is not None:
            task.remove_done_callback(self)
            task.cancel()


class Awaited(LeanObservable[T]):
    """A cold observable of one coroutine: a task started per subscription, cancelled on
    dispose; its value (passed through the fused :meth:`then` mappers) then completion, or its
    error::

        awaited(f, x)            : ----r|     (r = await f(x); # if it raised)
        awaited(f, x).then(g)    : ----g(r)|  (# if g raised)

    A subscription is one small object and the task: no ``AutoDetachObserver``, no disposables
    with locks, no closure that refers to itself, so nothing of it outlives the request.
    ``pipe(ops.map(g))`` works too; :func:`mapped` fuses where it can.

    Usage: ``awaited(api.queue_status, "q1").then(to_message).subscribe(send)``
    """

    def __init__(self, call: Callable[..., Awaitable[Any]], args: tuple[Any, ...],
                 transform: Callable[[Any], T] | None = None) -> None:
        super().__init__()
        self._call = call
        self._args = args
        self._transform = transform

    def opens_with_await(self) -> bool:
        return True

    def single_valued(self) -> bool:
        return True

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        """The call awaited in the current task (no task of its own), its value to ``emit``."""
        value = await self._call(*self._args)
        transform = self._transform
        emit(value if transform is None else transform(value))

    def then(self, mapper: Callable[[T], R]) -> Awaited[R]:
        """The same coroutine with ``mapper`` applied to its value (``ops.map``, fused)."""
        first = self._transform
        if first is None:
            return Awaited(self._call, self._args, mapper)
        return Awaited(self._call, self._args, _Compose(first, mapper))

    def subscribe(
        self,
        on_next: abc.ObserverBase[T] | Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_completed: Callable[[], None] | None = None,
        *,
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        """Start the coroutine (an observer or callbacks, as ``Observable.subscribe``)."""
        sink = _sink_of(on_next, on_error, on_completed)
        try:
            call = self._call(*self._args)
            loop = _running_loop()
            if loop is not None and asyncio.iscoroutine(call):
                # The task and its done callback share one copy of the caller's context
                # (asyncio would copy it once for each)
                context: contextvars.Context | None = contextvars.copy_context()
                task = loop.create_task(call, context=context)
            else:
                context = None
                task = asyncio.ensure_future(call)
        except Exception as exc:  # noqa: BLE001 - refused before it started: the stream's error
            sink.on_error(exc)
            return _DONE
        return _AwaitedRun(task, self._transform, sink, context)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class _Done(abc.DisposableBase):
    """The subscription of a call refused at once (nothing to cancel)."""

    __slots__ = ()

    def dispose(self) -> None:
        pass


_DONE = _Done()


class _Compose:
    """``second(first(value))``, one object (no closure)."""

    __slots__ = ("first", "second")

    def __init__(self, first: Callable[[Any], Any], second: Callable[[Any], Any]) -> None:
        self.first, self.second = first, second

    def __call__(self, value: Any) -> Any:
        return self.second(self.first(value))


def awaited(call: Callable[..., Awaitable[T]], *args: Any) -> Awaited[T]:
    """``call(*args)`` awaited on subscription, as a cold observable (see :class:`Awaited`).

    Usage: ``awaited(api.get_experience, "exp-1")``
    """
    return Awaited(call, args)


def mapped(mapper: Callable[[T], R]) -> Callable[[Observable[T]], Observable[R]]:
    """``ops.map(mapper)``, fused into an :class:`Awaited` source (no operator of its own)::

        source         : ----r|
        mapped(g)      : ----g(r)|

    Usage: ``port.fetch_status(d).pipe(mapped(to_message))``
    """

    def operator(source: Observable[T]) -> Observable[R]:
        return mapped_over(source, mapper)

    return operator


def mapped_over(source: Observable[T], mapper: Callable[[T], R]) -> Observable[R]:
    """``source.pipe(mapped(mapper))`` without the operator (a hot path's call)::

        source              : ----r|
        mapped_over(s, g)   : ----g(r)|

    Usage: ``mapped_over(port.fetch_status(d), to_message)``
    """
    if isinstance(source, Awaited):
        return source.then(mapper)
    return ops.map(mapper)(source)


# -- operators ---------------------------------------------------------------------------------

class _Deferred(LeanObservable[T]):
    __slots__ = ("_build",)

    def __init__(self, build: Callable[[], Observable[T]]) -> None:
        super().__init__()
        self._build = build

    def subscribe(self, on_next: Any = None, on_error: OnError | None = None,
                  on_completed: OnCompleted | None = None, *,
                  scheduler: abc.SchedulerBase | None = None) -> abc.DisposableBase:
        try:
            source = self._build()
        except Exception as exc:  # noqa: BLE001 - the factory's error is the stream's
            _sink_of(on_next, on_error, on_completed).on_error(exc)
            return _DONE
        # the subscriber as it was given: an observer stays one object down the chain
        return source.subscribe(on_next, on_error, on_completed, scheduler=scheduler)

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        await _drive(self._build(), emit, scheduler)


def defer(build: Callable[[], Observable[T]]) -> Observable[T]:
    """``reactivex.defer``: ``build()`` on each subscription (its error is the stream's)::

        defer(f) : (whatever f() built, subscribed now)

    Usage: ``defer(lambda: port.fetch_status(ctx.snapshot().context.distribution))``
    """
    return _Deferred(build)


class _Items(LeanObservable[T]):
    __slots__ = ("_error", "_values")

    def __init__(self, values: tuple[T, ...], error: Exception | None = None) -> None:
        super().__init__()
        self._values = values
        self._error = error

    def subscribe(self, on_next: Any = None, on_error: OnError | None = None,
                  on_completed: OnCompleted | None = None, *,
                  scheduler: abc.SchedulerBase | None = None) -> abc.DisposableBase:
        sink = _sink_of(on_next, on_error, on_completed)
        for value in self._values:
            sink.on_next(value)
        if self._error is not None:
            sink.on_error(self._error)
        else:
            sink.on_completed()
        return _DONE

    def single_valued(self) -> bool:
        return len(self._values) <= 1

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        for value in self._values:
            emit(value)
        if self._error is not None:
            raise self._error


def items(*values: T) -> Observable[T]:
    """``reactivex.of`` delivered at once, on subscription (the journey's fold orders what it
    receives)::

        items(a, b) : (ab|)

    Usage: ``items(RoutingStarted(at=now), answer)``
    """
    return _Items(values)


def fail(error: Exception) -> Observable[Any]:
    """``reactivex.throw``: the error at once, on subscription::

        fail(e) : #

    Usage: ``fail(UsageError("the journey has no distribution"))``
    """
    return _Items((), error)


class _Ignored:
    """Where an ended run delivers: nowhere."""

    __slots__ = ()

    def on_next(self, value: Any) -> None:
        pass

    def on_error(self, error: Exception) -> None:
        pass

    def on_completed(self) -> None:
        pass


_IGNORED = _Ignored()


class _Run(abc.DisposableBase, abc.ObserverBase[Any]):
    """One subscription of a lean operator, and the observer of what it follows (subscribed
    as itself: no bound callback per subscription). It delivers to its observer as it was given
    (see :func:`_sink_of`) until it ends, then nowhere; an error ends it (disposing what it
    follows) before it is relayed. Subclasses say what a completion of what they follow means."""

    __slots__ = ("_ended", "_scheduler", "_sink")

    def __init__(self, sink: abc.ObserverBase[Any] | _Callbacks,
                 scheduler: abc.SchedulerBase | None) -> None:
        self._sink: abc.ObserverBase[Any] | _Callbacks | _Ignored = sink
        self._scheduler = scheduler
        self._ended = False

    def on_next(self, value: Any) -> None:
        self._sink.on_next(value)

    def on_error(self, error: Exception) -> None:
        if self._ended:
            return
        sink = self._sink
        self.dispose()
        sink.on_error(error)

    def _complete(self) -> None:
        """The run's own completion, to its observer, once."""
        sink = self._sink
        self._end()
        sink.on_completed()

    def _end(self) -> None:
        self._ended = True
        self._sink = _IGNORED


class _OneAtATimeRun(_Run):
    """A run that follows one inner subscription at a time (:func:`concat`'s current source,
    :func:`catch`'s source or its replacement): disposing it disposes that one."""

    __slots__ = ("_current",)

    def __init__(self, sink: abc.ObserverBase[Any] | _Callbacks,
                 scheduler: abc.SchedulerBase | None) -> None:
        super().__init__(sink, scheduler)
        self._current: abc.DisposableBase | None = None

    def _end(self) -> None:
        super()._end()
        self._current = None

    def dispose(self) -> None:
        current = self._current
        self._end()
        if current is not None:
            current.dispose()


class _ConcatRun(_OneAtATimeRun):
    """One subscription of :func:`concat`: the sources one after another (a source's completion
    starts the next); what it refers to is dropped when it ends, so nothing of it waits for a
    collection."""

    __slots__ = ("_index", "_sources")

    def __init__(self, sources: tuple[Observable[Any], ...],
                 sink: abc.ObserverBase[Any] | _Callbacks,
                 scheduler: abc.SchedulerBase | None) -> None:
        super().__init__(sink, scheduler)
        self._sources = sources
        self._index = 0

    def on_completed(self) -> None:
        if self._ended:
            return
        index = self._index
        if index == len(self._sources):
            self._complete()
            return
        self._index = index + 1
        self._current = None
        subscription = self._sources[index].subscribe(self, scheduler=self._scheduler)
        if not self._ended and self._index == index + 1:  # no later source started meanwhile
            self._current = subscription

    def _end(self) -> None:
        super()._end()
        self._sources = ()


class _Chain(LeanObservable[T]):
    """An operator over other observables (:func:`concat`, :func:`flat_map`, :func:`catch`).
    Subscribed, a chain that opens with an awaited call runs in one task (:class:`_ChainRun`)
    when a loop runs; anything else in the operator's own run (:meth:`_operator_run`)."""

    def subscribe(self, on_next: Any = None, on_error: OnError | None = None,
                  on_completed: OnCompleted | None = None, *,
                  scheduler: abc.SchedulerBase | None = None) -> abc.DisposableBase:
        if self.opens_with_await() and (loop := _running_loop()) is not None:
            return _ChainRun.start(loop, self, on_next, on_error, on_completed, scheduler)
        return self._operator_run(on_next, on_error, on_completed, scheduler)

    def _operator_run(self, on_next: Any, on_error: OnError | None,
                      on_completed: OnCompleted | None,
                      scheduler: abc.SchedulerBase | None) -> abc.DisposableBase:
        """The operator's own run of its sources."""
        raise NotImplementedError


class _Concat(_Chain[T]):
    __slots__ = ("_sources",)

    def __init__(self, sources: tuple[Observable[T], ...]) -> None:
        super().__init__()
        self._sources = sources

    def _operator_run(self, on_next: Any, on_error: OnError | None,
                      on_completed: OnCompleted | None,
                      scheduler: abc.SchedulerBase | None) -> abc.DisposableBase:
        run = _ConcatRun(self._sources, _sink_of(on_next, on_error, on_completed), scheduler)
        run.on_completed()  # the first source
        return run

    def opens_with_await(self) -> bool:
        return bool(self._sources) and _opens_with_await(self._sources[0])

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        for source in self._sources:
            await _drive(source, emit, scheduler)


def concat(*sources: Observable[T]) -> Observable[T]:
    """``reactivex.concat`` whose objects die by reference counting once it ends::

        a      : -a-|
        b      :     -b-|
        concat : -a--b-|

    Usage: ``concat(routed, status_follow_up(ctx))``
    """
    return _Concat(sources)


class _FlatMapRun(_Run):
    """One subscription of :func:`flat_map`: the observer of the source (each value mapped to
    an inner observable), and of each inner one through an :class:`_Inner`; the source and
    the inner subscriptions are counted, complete once all completed, the first error disposes
    the rest."""

    __slots__ = ("_active", "_mapper", "_subscriptions")

    def __init__(self, mapper: Callable[[Any], Observable[Any]],
                 sink: abc.ObserverBase[Any] | _Callbacks,
                 scheduler: abc.SchedulerBase | None) -> None:
        super().__init__(sink, scheduler)
        self._mapper = mapper
        self._subscriptions: list[abc.DisposableBase] = []
        self._active = 1  # the source

    def start(self, source: Observable[Any]) -> None:
        self._hold(source.subscribe(self, scheduler=self._scheduler))

    def _hold(self, subscription: abc.DisposableBase) -> None:
        if not self._ended:
            self._subscriptions.append(subscription)

    def on_next(self, value: Any) -> None:
        """A value of the source: its inner observable, subscribed."""
        if self._ended:
            return
        try:
            inner = self._mapper(value)
        except Exception as exc:  # noqa: BLE001 - the mapper's error is the stream's
            self.on_error(exc)
            return
        self._active += 1
        self._hold(inner.subscribe(_Inner(self), scheduler=self._scheduler))

    def on_completed(self) -> None:
        """The source or an inner observable completed."""
        if self._ended:
            return
        self._active -= 1
        if self._active == 0:
            self._complete()

    def relay(self, value: Any) -> None:
        """A value of an inner observable, to the observer."""
        self._sink.on_next(value)

    def _end(self) -> None:
        super()._end()
        self._subscriptions = []
        self._mapper = _noop  # type: ignore[assignment]

    def dispose(self) -> None:
        subscriptions = self._subscriptions
        self._end()
        for subscription in subscriptions:
            subscription.dispose()


class _Inner(abc.ObserverBase[Any]):
    """The observer of one inner observable of a :class:`_FlatMapRun`: its values relayed, its
    completion counted, its error the run's."""

    __slots__ = ("_run",)

    def __init__(self, run: _FlatMapRun) -> None:
        self._run = run

    def on_next(self, value: Any) -> None:
        self._run.relay(value)

    def on_error(self, error: Exception) -> None:
        self._run.on_error(error)

    def on_completed(self) -> None:
        self._run.on_completed()


class _FlatMap(_Chain[R]):
    __slots__ = ("_mapper", "_source")

    def __init__(self, source: Observable[Any], mapper: Callable[[Any], Observable[R]]) -> None:
        super().__init__()
        self._source, self._mapper = source, mapper

    def _operator_run(self, on_next: Any, on_error: OnError | None,
                      on_completed: OnCompleted | None,
                      scheduler: abc.SchedulerBase | None) -> abc.DisposableBase:
        run = _FlatMapRun(self._mapper, _sink_of(on_next, on_error, on_completed), scheduler)
        run.start(self._source)
        return run

    def opens_with_await(self) -> bool:
        # not a merge (its sources run at once)
        return self._mapper is not _identity and _opens_with_await(self._source)

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        source = self._source
        if self._mapper is _identity or not _single_valued(source):
            # values over time: each inner starts as its value comes (the operator's run)
            await _follow(self._operator_run, emit, scheduler)
            return
        values: list[Any] = []
        await _drive(source, values.append, scheduler)  # one value at most, then its end
        for value in values:
            await _drive(self._mapper(value), emit, scheduler)


def flat_map(mapper: Callable[[T], Observable[R]]) -> Callable[[Observable[T]], Observable[R]]:
    """``ops.flat_map`` (each value's observable, merged) with no lock and no cycle left::

        source       : -a----b|
        flat_map(f)  : --a1---b1-b2|   (f(a) = -a1|, f(b) = -b1-b2|)

    Usage: ``port.route(experience_id, code).pipe(flat_map(to_messages))``
    """

    def operator(source: Observable[T]) -> Observable[R]:
        return _FlatMap(source, mapper)

    return operator


def merge(*sources: Observable[T]) -> Observable[T]:
    """``reactivex.merge``: every source at once, their values as they come::

        a     : -a---|
        b     : --b|
        merge : -ab--|

    Usage: ``merge(probe_route, status_follow_up(ctx))``
    """
    return _FlatMap(_Items(sources), _identity)


def _identity(value: Any) -> Any:
    return value


class _CatchRun(_OneAtATimeRun):
    """One subscription of :func:`catch`: the observer of the source, then (after the source's
    error) of the handler's replacement, whose error is relayed."""

    __slots__ = ("_handler", "_source", "_switched")

    def __init__(self, source: Observable[Any],
                 handler: Callable[[Exception, Observable[Any]], Observable[Any]],
                 sink: abc.ObserverBase[Any] | _Callbacks,
                 scheduler: abc.SchedulerBase | None) -> None:
        super().__init__(sink, scheduler)
        self._source, self._handler = source, handler
        self._switched = False

    def start(self) -> None:
        subscription = self._source.subscribe(self, scheduler=self._scheduler)
        if not self._switched and not self._ended:
            self._current = subscription

    def on_error(self, error: Exception) -> None:
        if self._ended:
            return
        if self._switched:  # the replacement's error: the stream's
            super().on_error(error)
            return
        self._switched = True
        try:
            instead = self._handler(error, self._source)
        except Exception as exc:  # noqa: BLE001 - the handler's error is the stream's
            super().on_error(exc)
            return
        self._current = None
        subscription = instead.subscribe(self, scheduler=self._scheduler)
        if not self._ended:
            self._current = subscription

    def on_completed(self) -> None:
        self._complete()

    def _end(self) -> None:
        super()._end()
        self._handler = _noop  # type: ignore[assignment]


class _Catch(_Chain[T]):
    __slots__ = ("_handler", "_source")

    def __init__(self, source: Observable[T],
                 handler: Callable[[Exception, Observable[T]], Observable[T]]) -> None:
        super().__init__()
        self._source, self._handler = source, handler

    def _operator_run(self, on_next: Any, on_error: OnError | None,
                      on_completed: OnCompleted | None,
                      scheduler: abc.SchedulerBase | None) -> abc.DisposableBase:
        run = _CatchRun(self._source, self._handler, _sink_of(on_next, on_error, on_completed),
                        scheduler)
        run.start()
        return run

    def opens_with_await(self) -> bool:
        return _opens_with_await(self._source)

    async def drive(self, emit: OnNext, scheduler: abc.SchedulerBase | None) -> None:
        try:
            await _drive(self._source, emit, scheduler)
        except _Downstream:
            raise
        except Exception as exc:  # noqa: BLE001 - the source's error goes to the handler
            await _drive(self._handler(exc, self._source), emit, scheduler)


def catch(handler: Callable[[Exception, Observable[T]], Observable[T]]
          ) -> Callable[[Observable[T]], Observable[T]]:
    """``ops.catch`` with a handler: on the source's error, continue with
    ``handler(error, source)``::

        source        : -a-#
        catch(h)      : -a--b|      (h(#) = -b|)

    Usage: ``entered.pipe(catch(follow_reroute_hint))``
    """

    def operator(source: Observable[T]) -> Observable[T]:
        return _Catch(source, handler)

    return operator


# -- one task for a chain that opens with an awaited call ------------------------------------

def _opens_with_await(source: Observable[Any]) -> bool:
    """Whether subscribing ``source`` does nothing at once but start an awaited call: an
    :class:`Awaited`, or a :func:`concat`, :func:`flat_map` (not a :func:`merge`) or
    :func:`catch` whose first source is one. Such a chain can run in one task (see
    :class:`_ChainRun`) with the same notifications in the same order; anything that delivers
    at subscription (:func:`items`, :func:`defer`'s build) keeps the operators' own runs."""
    return isinstance(source, LeanObservable) and source.opens_with_await()


def _single_valued(source: Observable[Any]) -> bool:
    return isinstance(source, LeanObservable) and source.single_valued()


class _Downstream(Exception):
    """An error raised by the observer a chain delivers to (not the chain's own): it passes
    every :func:`catch` and leaves the run as it would leave an operator's callback."""

    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.error = error


def _drive(source: Observable[Any], emit: OnNext,
           scheduler: abc.SchedulerBase | None) -> Coroutine[Any, Any, None]:
    """Run ``source`` inside the current task: each value to ``emit``; the awaitable returns
    when it completes, raises its error. A lean observable runs as plain code (an awaited call
    is awaited there, with no task of its own: :meth:`LeanObservable.drive`); any other
    observable is subscribed and followed until it ends. Not a coroutine itself: each level
    of a chain is one frame the task resumes, not two."""
    if isinstance(source, LeanObservable):
        return source.drive(emit, scheduler)
    return _follow(source.subscribe, emit, scheduler)


async def _follow(subscribe: Callable[..., abc.DisposableBase], emit: OnNext,
                  scheduler: abc.SchedulerBase | None) -> None:
    """Subscribe (``subscribe(on_next, on_error, on_completed, scheduler)``) and wait for the
    end (at once if it ended within the call)."""
    ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def error(exc: Exception) -> None:
        if not ended.done():
            ended.set_exception(exc)

    def completed() -> None:
        if not ended.done():
            ended.set_result(None)

    subscription = subscribe(emit, error, completed, scheduler=scheduler)
    try:
        await ended
    finally:
        subscription.dispose()


class _ChainRun(abc.DisposableBase):
    """One subscription of a chain that opens with an awaited call (:func:`_opens_with_await`):
    one task runs the whole chain (:func:`_drive`) where the operators would start a task per
    awaited call and keep a run object per operator while the calls are in flight. The task
    delivers the end itself, in its last step: no done callback, so no loop iteration between
    the chain's end and its observer (its coroutine takes the place of the bound callback).
    Disposing it cancels the task and drops the observer: nothing is delivered afterwards."""

    __slots__ = ("_sink", "_task")

    def __init__(self, sink: abc.ObserverBase[Any] | _Callbacks) -> None:
        self._sink: abc.ObserverBase[Any] | _Callbacks | None = sink
        self._task: asyncio.Future[None] | None = None

    @classmethod
    def start(cls, loop: asyncio.AbstractEventLoop, source: Observable[Any], on_next: Any,
              on_error: OnError | None, on_completed: OnCompleted | None,
              scheduler: abc.SchedulerBase | None) -> abc.DisposableBase:
        """Run ``source`` on ``loop`` (the running one; without one, the operators run the
        chain, as an awaited call starts its task on asyncio's loop then)."""
        run = cls(_sink_of(on_next, on_error, on_completed))
        run.begin(loop, source, scheduler)
        return run

    def begin(self, loop: asyncio.AbstractEventLoop, source: Observable[Any],
              scheduler: abc.SchedulerBase | None) -> None:
        """Start the task that drives ``source`` and delivers its end."""
        self._task = loop.create_task(self._run(source, scheduler))

    async def _run(self, source: Observable[Any], scheduler: abc.SchedulerBase | None) -> None:
        """Drive ``source``, then deliver its end to the sink (unless disposed meanwhile)."""
        try:
            await _drive(source, self, scheduler)  # the run is its emitter: no bound method
        except _Downstream as downstream:  # the observer's own error: the run just ends
            self._sink = self._task = None
            _report(downstream.error)
        except asyncio.CancelledError:
            # cancelled from outside, unless disposed: the observer hears it as an error
            self._end(asyncio.CancelledError())  # type: ignore[arg-type]
            raise
        except Exception as error:  # noqa: BLE001 - the chain's error is the observer's
            self._end(error)
        else:
            self._end(None)

    def _end(self, error: Exception | None) -> None:
        """Completion (or ``error``) to the sink, once; what the sink raises goes to the loop's
        handler (as from a done callback), not into the task."""
        sink, self._sink, self._task = self._sink, None, None
        if sink is None:
            return  # disposed meanwhile
        try:
            if error is None:
                sink.on_completed()
            else:
                sink.on_error(error)
        except Exception as exc:  # noqa: BLE001 - the observer's own error
            _report(exc)

    def __call__(self, value: Any) -> None:
        """A value of the chain to the sink (the run is the emitter its task drives)."""
        sink = self._sink
        if sink is None:
            return  # disposed meanwhile
        try:
            sink.on_next(value)
        except Exception as exc:  # the observer's own error, not the chain's
            raise _Downstream(exc) from exc

    def dispose(self) -> None:
        task = self._task
        self._sink = self._task = None
        if task is not None:
            task.cancel()


def _report(error: Exception) -> None:
    """An observer of a chain raised: the loop's exception handler hears it, as it would from
    an operator's callback."""
    asyncio.get_running_loop().call_exception_handler({
        "message": "an observer of a journey effect raised", "exception": error})


class _Timer(abc.DisposableBase):
    """One scheduled action: the loop's handle, then what the action returned (disposed with
    it, as reactivex's schedulers do)."""

    __slots__ = ("handle", "inner")

    def __init__(self) -> None:
        self.handle: asyncio.Handle | None = None
        self.inner: abc.DisposableBase | None = None

    def run(self, scheduler: abc.SchedulerBase, action: typing.ScheduledAction[Any],
            state: Any) -> None:
        if self.handle is None:
            return  # disposed
        self.handle = None  # the handle keeps its arguments (this timer): no cycle left
        ret = action(scheduler, state)
        if isinstance(ret, abc.DisposableBase):
            self.inner = ret

    def dispose(self) -> None:
        handle, inner = self.handle, self.inner
        self.handle = self.inner = None
        if handle is not None:
            handle.cancel()
        if inner is not None:
            inner.dispose()


class LoopScheduler(AsyncIOScheduler):
    """An ``AsyncIOScheduler`` whose ``schedule`` and ``schedule_relative`` cost one loop handle
    and one small disposable (reactivex's make two closures, a composite and two more
    disposables, each with a lock, per timer). Same loop, same clock, same semantics: the
    action runs on the loop, its returned disposable is disposed with the timer.

    Usage: ``Fanfare.init(..., scheduler=LoopScheduler(asyncio.get_running_loop()))`` (the
    default of ``Fanfare.init``)
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        # Every timer runs in this one context (a copy of the one the scheduler was made in):
        # asyncio would copy the caller's context for each timer otherwise.
        self._context = contextvars.copy_context()

    # The loop is held weakly: the loop's shared scheduler must not keep it alive.
    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop_ref()
        if loop is None:
            raise RuntimeError("the scheduler's event loop is gone")
        return loop

    @_loop.setter
    def _loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop_ref = weakref.ref(loop)

    @staticmethod  # one function for every client of the loop, not a bound method each
    async def sleep(seconds: float) -> None:
        """Wait ``seconds`` on the loop (the client's retry backoff).

        Usage: ``await scheduler.sleep(0.5)``
        """
        await asyncio.sleep(max(0.0, seconds))

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> LoopScheduler:
        """The one scheduler of ``loop`` (it holds nothing but the loop, so every journey and
        client on the loop can share it).

        Usage: ``LoopScheduler.of(asyncio.get_running_loop())``
        """
        made = _LOOP_SCHEDULERS.get(loop)
        if made is None:
            made = _LOOP_SCHEDULERS[loop] = cls(loop)
        return made

    def call_later(self, seconds: float, callback: Callable[..., object],
                   *args: Any) -> asyncio.Handle:
        """Call ``callback(*args)`` on the loop after ``seconds`` (at once if <= 0), in the
        scheduler's context: a bare loop handle (``cancel()`` it), for a part that holds its
        own timer (the poller) and needs no disposable, and under every scheduled action::

            call_later(2, cb) : --c

        Usage: ``handle = scheduler.call_later(2.0, poller.poll_now)``
        """
        loop = self._loop
        if seconds <= 0:
            return loop.call_soon(callback, *args, context=self._context)
        return loop.call_later(seconds, callback, *args, context=self._context)

    def schedule(self, action: typing.ScheduledAction[Any],
                 state: Any | None = None) -> abc.DisposableBase:
        timer = _Timer()
        timer.handle = self.call_later(0, timer.run, self, action, state)
        return timer

    def schedule_relative(self, duetime: typing.RelativeTime,
                          action: typing.ScheduledAction[Any],
                          state: Any | None = None) -> abc.DisposableBase:
        timer = _Timer()
        timer.handle = self.call_later(self.to_seconds(duetime), timer.run, self, action, state)
        return timer


_LOOP_SCHEDULERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopScheduler] = (
    weakref.WeakKeyDictionary())
