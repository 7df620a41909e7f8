"""A journey's requests and timers on the asyncio loop, at the cost of the loop's own objects: one
awaited coroutine as a cold observable (:class:`Awaited`) and a scheduler whose timers are bare
loop handles (:class:`LoopScheduler`).

Thousands of journeys poll at once, so what one poll allocates is paid thousands of times and,
while the request is in flight, walked by every collection: reactivex's general machinery (an
``AutoDetachObserver``, ``SingleAssignmentDisposable``\\ s and ``Disposable``\\ s, each with its
own lock, closures that capture their own disposable) is replaced here by one small object per
subscription and per timer, with no reference cycle left once it ended.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from reactivex import Observable, abc, typing
from reactivex import operators as ops
from reactivex.internal.basic import default_error
from reactivex.scheduler.eventloop import AsyncIOScheduler

__all__ = ["Awaited", "LoopScheduler", "awaited", "mapped"]

T = TypeVar("T")
R = TypeVar("R")


class _AwaitedRun(abc.DisposableBase):
    """One subscription of an :class:`Awaited`: the task and where its outcome goes. Disposing
    it cancels the task and drops the observer: nothing is delivered afterwards."""

    __slots__ = ("_on_completed", "_on_error", "_on_next", "_task", "_transform")

    def __init__(self, task: asyncio.Future[Any], transform: Callable[[Any], Any] | None,
                 on_next: Callable[[Any], None] | None, on_error: Callable[[Exception], None],
                 on_completed: Callable[[], None] | None) -> None:
        self._task: asyncio.Future[Any] | None = task
        self._transform = transform
        self._on_next = on_next
        self._on_error: Callable[[Exception], None] | None = on_error
        self._on_completed = on_completed
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        on_error = self._on_error
        on_next, on_completed, transform = self._on_next, self._on_completed, self._transform
        self._task = self._on_next = self._on_error = self._on_completed = self._transform = None
        if on_error is None:
            return  # disposed meanwhile
        if task.cancelled():
            on_error(asyncio.CancelledError())  # type: ignore[arg-type]
            return
        error = task.exception()
        if error is not None:
            if not isinstance(error, Exception):
                raise error  # KeyboardInterrupt, SystemExit: not an observable's error
            on_error(error)
            return
        value = task.result()
        if transform is not None:
            try:
                value = transform(value)
            except Exception as exc:  # noqa: BLE001 - the mapper's error is the stream's
                on_error(exc)
                return
        if on_next is not None:
            on_next(value)
        if on_completed is not None:
            on_completed()

    def dispose(self) -> None:
        task = self._task
        self._task = self._on_next = self._on_error = self._on_completed = self._transform = None
        if task is not None:
            task.remove_done_callback(self._done)
            task.cancel()


class Awaited(Observable[T]):
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
        # Observable.__init__ is not called: it makes a lock per observable (made on demand)
        self._subscribe = None
        self._call = call
        self._args = args
        self._transform = transform

    def __getattr__(self, name: str) -> Any:
        if name == "lock":  # the lock a few reactivex operators (amb, delay) take: on first use
            made = self.lock = threading.RLock()
            return made
        raise AttributeError(name)

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
        if isinstance(on_next, abc.ObserverBase) or callable(getattr(on_next, "on_next", None)):
            observer = cast(abc.ObserverBase[T], on_next)
            on_next, on_error, on_completed = (observer.on_next, observer.on_error,
                                               observer.on_completed)
        on_error = on_error or default_error
        try:
            task = asyncio.ensure_future(self._call(*self._args))
        except Exception as exc:  # noqa: BLE001 - refused before it started: the stream's error
            on_error(exc)
            return _DONE
        return _AwaitedRun(task, self._transform, cast(Callable[[Any], None] | None, on_next),
                           on_error, on_completed)

    def _subscribe_core(self, observer: abc.ObserverBase[T],
                        scheduler: abc.SchedulerBase | None = None) -> abc.DisposableBase:
        return self.subscribe(observer, scheduler=scheduler)


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
        if isinstance(source, Awaited):
            return source.then(mapper)
        return ops.map(mapper)(source)

    return operator


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

    def schedule(self, action: typing.ScheduledAction[Any],
                 state: Any | None = None) -> abc.DisposableBase:
        timer = _Timer()
        timer.handle = self._loop.call_soon(timer.run, self, action, state)
        return timer

    def schedule_relative(self, duetime: typing.RelativeTime,
                          action: typing.ScheduledAction[Any],
                          state: Any | None = None) -> abc.DisposableBase:
        seconds = self.to_seconds(duetime)
        timer = _Timer()
        if seconds <= 0:
            timer.handle = self._loop.call_soon(timer.run, self, action, state)
        else:
            timer.handle = self._loop.call_later(seconds, timer.run, self, action, state)
        return timer
