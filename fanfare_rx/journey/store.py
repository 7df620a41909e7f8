"""``Store[T]``: an Rx ``Observable`` with the nanostores surface (``get``, ``listen``), an async
``wait_for`` and ``async for``. The root store wraps a ``BehaviorSubject``; a derived store
costs nothing until someone listens, then shares one upstream subscription among its listeners.
A listener of either (``listen``, or ``subscribe`` past reactivex's own wrapper) is one plain
entry in a list, guarded: no Rx subscription chain, disposables or locks per listener.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from types import FunctionType, MethodType
from typing import Any, Generic, TypeVar, overload

import reactivex
from reactivex import Notification, Observable, abc
from reactivex import operators as ops
from reactivex.internal.exceptions import SequenceContainsNoElementsError
from reactivex.notification import OnError, OnNext
from reactivex.scheduler.eventloop import AsyncIOScheduler
from reactivex.subject import BehaviorSubject

from fanfare_rx.errors import FanfareTimeoutError, JourneyDestroyedError, UsageError

__all__ = ["Store", "Unsubscribe", "ValueStore"]

T = TypeVar("T")
U = TypeVar("U")
V = TypeVar("V")

Unsubscribe = Callable[[], None]

log = logging.getLogger("fanfare_rx.store")


class _GuardedObserver(abc.ObserverBase[T]):
    """Keeps a subscriber's exception inside that subscriber: it is logged, the journey's
    pipeline and the other subscribers carry on."""

    __slots__ = ("_observer",)

    def __init__(self, observer: abc.ObserverBase[T]) -> None:
        self._observer = observer

    def on_next(self, value: T) -> None:
        try:
            self._observer.on_next(value)
        except Exception:
            log.exception("a store subscriber raised; the journey continues")

    def on_error(self, error: Exception) -> None:
        try:
            self._observer.on_error(error)
        except Exception:
            log.exception("a store subscriber raised in on_error")

    def on_completed(self) -> None:
        try:
            self._observer.on_completed()
        except Exception:
            log.exception("a store subscriber raised in on_completed")


def _takes_old_value(callback: Callable[..., Any]) -> bool:
    """Whether ``callback`` names two positional parameters (``(value, old_value)``); a
    ``*args`` callable or one whose signature cannot be read gets the value alone.

    What ``inspect.signature`` says, read off the code object for a plain function or a method
    of one (a first ``listen`` per journey and store: ``inspect`` was three quarters of it);
    anything else, or a function that names another signature (``functools.wraps``,
    ``__signature__``), is asked to ``inspect``."""
    function, bound = callback, 0
    if type(callback) is MethodType:
        function, bound = callback.__func__, 1
    if (type(function) is FunctionType and getattr(function, "__wrapped__", None) is None
            and getattr(function, "__signature__", None) is None):
        return function.__code__.co_argcount - bound >= 2
    return _positional_parameters(callback) >= 2


def _positional_parameters(callback: Callable[..., Any]) -> int:
    """The positional parameters ``inspect.signature`` names (0 when it cannot read one)."""
    try:
        parameters = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):
        return 0
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in positional)


class Store(Observable[T], Generic[T]):
    """A readable reactive store.

    ``subscribe`` is Rx's and replays the current value first; ``listen`` calls back on
    future changes only; ``async for`` yields the current value, then the latest change
    whenever the consumer is ready::

        state      : -a----b---c--|      (values set on the root)
        subscribe  : a-----b---c--|      (current value first)
        listen     : ------b---c--|      (future changes only)

    Usage::

        stage = journey.journey_stage.get()
        off = journey.journey_stage.listen(lambda s: print("now", s))
        off()
        async for stage in journey.sequence_stage: ...
    """

    def __init__(self, source: Observable[T], getter: Callable[[], T],
                 scheduler: abc.SchedulerBase | None = None) -> None:
        # Observable.__init__ would add an RLock per store; ``lock`` makes it on demand
        # (a few operators, e.g. ``take_while``, take their source's lock).
        self._source = source
        self._getter = getter
        self._scheduler = scheduler

    @property
    def lock(self) -> threading.RLock:
        """The observable's lock, made on first use (most stores never need one)."""
        lock: threading.RLock | None = self.__dict__.get("_lock")
        if lock is None:
            lock = self.__dict__["_lock"] = threading.RLock()
        return lock

    @lock.setter
    def lock(self, value: threading.RLock) -> None:
        self.__dict__["_lock"] = value

    @classmethod
    def of_subject(cls, subject: BehaviorSubject[T],
                   scheduler: abc.SchedulerBase | None = None) -> Store[T]:
        """The root store of a ``BehaviorSubject``; ``scheduler`` is where :meth:`wait_for`
        counts its timeout (the journey's; None: the running asyncio loop).

        Usage: ``Store.of_subject(BehaviorSubject(0)).get()`` -> ``0``
        """
        return _RootStore(subject, scheduler)

    @property
    def scheduler(self) -> abc.SchedulerBase | None:
        """Where :meth:`wait_for` counts its timeout (None: the running asyncio loop)."""
        return self._scheduler

    def _subscribe_core(
        self,
        observer: abc.ObserverBase[T],
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        return self._source.subscribe(_GuardedObserver(observer), scheduler=scheduler)

    def get(self) -> T:
        """The current value.

        Usage: ``journey.state.get().revision``
        """
        return self._getter()

    @overload
    def derive(self, selector: Callable[[T], U], *, then: None = None,
               while_listened: Callable[[], Unsubscribe] | None = None) -> Store[U]: ...

    @overload
    def derive(self, selector: Callable[[T], V], *, then: Callable[[V], U],
               while_listened: Callable[[], Unsubscribe] | None = None) -> Store[U]: ...

    def derive(self, selector: Callable[[T], Any], *, then: Callable[[Any], Any] | None = None,
               while_listened: Callable[[], Unsubscribe] | None = None) -> Store[Any]:
        """A store of ``selector(value)`` that emits only when the selected value changes::

            parent  : a1---a2---b1---b2--|     (selector = first letter)
            derived : a----------b-------|

        It subscribes to its parent only while it has listeners (one shared subscription);
        ``get()`` works at any time. ``then`` maps each new selected value once for all the
        listeners (what they get; repeats are judged on the selected value);
        ``while_listened`` is called when the first listener comes and returns what is called
        when the last one leaves (or the parent ends)::

            listeners      : --1---2----1---0--
            while_listened : --(called)-----(its return called)

        Usage: ``stage = journey.state.derive(lambda s: s.journey_stage)``
        """
        return _DerivedStore(self, selector, then, while_listened)

    def listen(self, callback: Callable[[T], Any] | Callable[[T, T], Any]) -> Unsubscribe:
        """Call ``callback(value)`` (or ``callback(value, old_value)`` when it takes two
        positional parameters, as in nanostores) on every future change; returns the
        unsubscribe callable::

            store  : a---b---c--
            listen :     b---c--   (subscribed between a and b; old values a, b)

        Usage: ``off = store.listen(lambda new, old: print(old, "->", new)); ...; off()``
        """
        listener: _Listener[T] = _Listener(None, callback, _takes_old_value(callback))
        if self.attach(listener):
            listener.store = self
        return listener

    def attach(self, sink: abc.ObserverBase[T]) -> bool:
        """The listener protocol behind ``listen``, ``subscribe`` and derived stores: feed
        ``sink`` (which guards its own callbacks) the current value, then every change, until
        :meth:`detach`; False when the store had ended (``sink`` was told so at once and is not
        attached). A store over any observable pays an Rx subscription per sink; the root and
        derived stores keep a plain list entry (the sink holds the store, not a bound method)::

            store  : a---b---c--|
            attach :   a-b---c--|

        Usage: ``if store.attach(sink): ...; store.detach(sink)``
        """
        subscriptions = self._subscriptions
        if subscriptions is None:
            subscriptions = self._subscriptions = {}
        subscriptions[sink] = self._source.subscribe(sink)
        return True

    def detach(self, sink: abc.ObserverBase[T]) -> None:
        """Stop feeding ``sink`` (nothing if it is not attached).

        Usage: ``store.detach(sink)``
        """
        subscriptions = self._subscriptions
        subscription = subscriptions.pop(sink, None) if subscriptions else None
        if subscription is not None:
            subscription.dispose()

    #: The Rx subscriptions of :meth:`attach` on a store over any observable (made on first).
    _subscriptions: dict[abc.ObserverBase[Any], abc.DisposableBase] | None = None

    def __aiter__(self) -> AsyncIterator[T]:
        """``async for value in store``: the current value first, then changes. A slow
        consumer gets the latest value when it asks again, never a backlog; the loop ends
        when the journey is destroyed (the store completes)::

            store    : a-b-c-d----e--|
            consumer : a----(ready)d--(ready)e|   (b, c skipped: d was the latest)

        Usage: ``async for stage in journey.sequence_stage: print(stage)``
        """
        return _latest_values(self)

    async def wait_for(
        self, predicate: Callable[[T], bool], timeout: float | None = None
    ) -> T:
        """Wait until the value satisfies ``predicate`` (the current value counts)::

            store   : a--b--c--|
            matched : ------c|              (filter(predicate), take(1))
            timeout : ---------#            (nothing matched within ``timeout``)

        ``timeout`` (seconds) is counted on the store's scheduler, the journey's: virtual time
        under a ``TestScheduler``.

        Raises :class:`fanfare_rx.FanfareTimeoutError` after ``timeout`` seconds,
        :class:`fanfare_rx.JourneyDestroyedError` if the store completes first, the
        predicate's own error, and :class:`~fanfare_rx.errors.UsageError` for a ``timeout``
        that is not None or a finite number of seconds >= 0.

        Usage: ``await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=30)``
        """
        seconds = _timeout_seconds(timeout)
        loop = asyncio.get_running_loop()
        matched = self.pipe(ops.filter(predicate), ops.take(1))
        if seconds is not None:
            expired = reactivex.throw(FanfareTimeoutError(
                f"value did not satisfy the condition within {timeout} s"))
            scheduler = self._scheduler or AsyncIOScheduler(loop)
            matched = matched.pipe(ops.timeout(seconds, other=expired, scheduler=scheduler))
        # to_future disposes the subscription once the future is done (or cancelled).
        try:
            return await matched.pipe(ops.to_future(loop.create_future))
        except SequenceContainsNoElementsError:
            raise JourneyDestroyedError("the journey was destroyed") from None

    def __repr__(self) -> str:
        return f"Store({self.get()!r})"


def _timeout_seconds(timeout: object) -> float | None:
    if timeout is None:
        return None
    if (isinstance(timeout, bool) or not isinstance(timeout, int | float)
            or not math.isfinite(timeout) or timeout < 0):
        raise UsageError(f"timeout must be None or a finite number of seconds >= 0, not {timeout!r}")
    return float(timeout)


_UNSET: Any = object()


class _Listener(abc.ObserverBase[T], abc.DisposableBase):
    """One listener of a store, a plain entry in its list: an Rx observer (``subscribe``) or a
    ``listen`` callback (the first value it gets is the baseline, not a change). Its callbacks
    are guarded; calling or disposing it unsubscribes (``listen`` and ``subscribe`` return
    it)::

        values   : a---b---c--
        callback :     b---c--   (b, a) (c, b) with the old value
    """

    __slots__ = ("_callback", "_observer", "_previous", "_with_old", "store")

    def __init__(self, observer: abc.ObserverBase[T] | None,
                 callback: Callable[..., Any] | None = None, with_old: bool = False) -> None:
        self._observer = observer
        self._callback = callback
        self._with_old = with_old
        self._previous: T = _UNSET
        #: The store it is attached to (None: detached, ended or never attached).
        self.store: Store[T] | None = None

    def __call__(self) -> None:
        self._observer = self._callback = None  # no call after this, even in a running emission
        store, self.store = self.store, None
        if store is not None:
            store.detach(self)

    def dispose(self) -> None:
        """Unsubscribe (the Rx subscription's end)."""
        self()

    def on_next(self, value: T) -> None:
        try:
            if self._observer is not None:
                self._observer.on_next(value)
                return
            callback = self._callback
            if callback is None:
                return
            old, self._previous = self._previous, value
            if old is _UNSET:
                return
            if self._with_old:
                callback(value, old)
            else:
                callback(value)
        except Exception:
            log.exception("a store subscriber raised; the journey continues")

    def on_error(self, error: Exception) -> None:
        observer, self._observer, self._callback, self.store = self._observer, None, None, None
        if observer is not None:
            try:
                observer.on_error(error)
            except Exception:
                log.exception("a store subscriber raised in on_error")

    def on_completed(self) -> None:
        observer, self._observer, self._callback, self.store = self._observer, None, None, None
        if observer is not None:
            try:
                observer.on_completed()
            except Exception:
                log.exception("a store subscriber raised in on_completed")


class _ListenedStore(Store[T], Generic[T]):
    """A store whose Rx subscribers are its own plain listeners (:meth:`attach`/``detach``),
    not subscriptions of a source: ``subscribe`` is one guarded listener."""

    def _subscribe_core(
        self,
        observer: abc.ObserverBase[T],
        scheduler: abc.SchedulerBase | None = None,
    ) -> abc.DisposableBase:
        return _listened(self, observer)


class _RootStore(_ListenedStore[T], Generic[T]):
    """The store of a ``BehaviorSubject``: its listeners and derived stores are plain entries in
    the subject's observer list (as ``BehaviorSubject.subscribe`` would add them, without the
    Rx wrappers, disposables and locks of a subscription)."""

    def __init__(self, subject: BehaviorSubject[T],
                 scheduler: abc.SchedulerBase | None = None) -> None:
        # Store.__init__ would keep a getter: ``get`` reads the subject (no extra object).
        self._source = subject
        self._scheduler = scheduler
        self._subject = subject

    def get(self) -> T:
        return self._subject.value

    def attach(self, sink: abc.ObserverBase[T]) -> bool:
        subject = self._subject
        with subject.lock:
            subject.check_disposed()
            if not subject.is_stopped:
                subject.observers.append(sink)
                sink.on_next(subject.value)
                return True
            error = subject.exception
        if error is not None:
            sink.on_error(error)
        else:
            sink.on_completed()
        return False

    def detach(self, sink: abc.ObserverBase[T]) -> None:
        subject = self._subject
        with subject.lock:
            if not subject.is_disposed and sink in subject.observers:
                subject.observers.remove(sink)


#: A store's listeners: None (nobody listens), the one listener itself, or a list of two or
#: more (most stores have one listener: it costs no list).
_Entries = abc.ObserverBase[Any] | list[abc.ObserverBase[Any]] | None


def _with(entries: _Entries, sink: abc.ObserverBase[Any]) -> _Entries:
    """``entries`` with ``sink`` added last."""
    if entries is None:
        return sink
    if isinstance(entries, list):
        entries.append(sink)
        return entries
    return [entries, sink]


def _without(entries: _Entries, sink: abc.ObserverBase[Any]) -> tuple[_Entries, bool]:
    """``entries`` without ``sink``, and whether it was there."""
    if entries is sink:
        return None, True
    if isinstance(entries, list) and sink in entries:
        entries.remove(sink)
        return (entries[0] if len(entries) == 1 else entries), True
    return entries, False


def _listing(entries: _Entries) -> tuple[abc.ObserverBase[Any], ...]:
    """The listeners as a tuple (a copy: one may leave or come while they are called)."""
    if entries is None:
        return ()
    return tuple(entries) if isinstance(entries, list) else (entries,)


class ValueStore(_ListenedStore[T], abc.ObserverBase[T], Generic[T]):
    """A root store that holds its value, with a ``BehaviorSubject``'s semantics: the current
    value replayed to each new subscriber, ``on_next`` publishing to every listener in the
    order they came, ``on_completed``/``on_error`` ending it (a late subscriber gets the end).
    The journey's fold is its observer; its listeners and derived stores are plain entries (the
    one listener itself, a list from the second on: no subject, lock or observer list)::

        on_next   : --b---c---|
        subscribe : a-b---c---|     (current value first)
        listen    : ----------c|    (listened after b)

    Usage: ``store = ValueStore(0); store.on_next(1); store.get()`` -> ``1``
    """

    def __init__(self, value: T, scheduler: abc.SchedulerBase | None = None) -> None:
        # Store.__init__ would keep a source and a getter: this store is its own source.
        self._value = value
        self._scheduler = scheduler
        self._listeners: _Entries = None
        self._stopped = False
        self._error: Exception | None = None

    def get(self) -> T:
        return self._value

    @property
    def listeners(self) -> tuple[abc.ObserverBase[T], ...]:
        """The listeners attached now (derived stores count as one each)."""
        return _listing(self._listeners)

    def on_next(self, value: T) -> None:
        """Set the value and publish it to every listener (nothing once ended)."""
        if self._stopped:
            return
        self._value = value
        listeners = self._listeners
        if listeners is None:
            return
        if not isinstance(listeners, list):
            listeners.on_next(value)
            return
        for listener in tuple(listeners):  # a listener may leave (or come) meanwhile
            listener.on_next(value)

    def on_error(self, error: Exception) -> None:
        """End with ``error``: every listener gets it, later subscribers too."""
        if not self._stopped:
            self._error = error
            for listener in self._end():
                listener.on_error(error)

    def on_completed(self) -> None:
        """End: every listener completes, later subscribers too."""
        if not self._stopped:
            for listener in self._end():
                listener.on_completed()

    def _end(self) -> tuple[abc.ObserverBase[T], ...]:
        self._stopped = True
        listeners, self._listeners = self._listeners, None
        return _listing(listeners)

    def attach(self, sink: abc.ObserverBase[T]) -> bool:
        if self._stopped:
            if self._error is not None:
                sink.on_error(self._error)
            else:
                sink.on_completed()
            return False
        self._listeners = _with(self._listeners, sink)
        sink.on_next(self._value)
        return True

    def detach(self, sink: abc.ObserverBase[T]) -> None:
        self._listeners = _without(self._listeners, sink)[0]


def _listened(store: Store[T], observer: abc.ObserverBase[T]) -> abc.DisposableBase:
    """An Rx subscription of ``observer`` as one plain listener (guarded) of ``store``: the
    listener is the subscription's disposable too."""
    listener = _Listener(observer)
    if store.attach(listener):
        listener.store = store
    return listener


class _Mount(abc.ObserverBase[T], Generic[T, U]):
    """A derived store while it is listened to: the one listener of its parent; selects each
    parent value, drops repeats, passes the rest to the store's listeners::

        parent    : a1---a2---b1--|
        listeners : a---------b---|
    """

    __slots__ = ("emitted", "ended", "listeners", "parent", "release", "selector", "then",
                 "value")

    def __init__(self, selector: Callable[[T], Any], then: Callable[[Any], U] | None) -> None:
        self.selector = selector
        self.then = then
        #: The store's listeners (see ``_Entries``).
        self.listeners: _Entries = None
        self.value: Any = _UNSET  # the selected value (repeats of it are dropped)
        self.emitted: U = _UNSET  # what the listeners got: ``then(value)``, or the value
        self.ended = False
        #: The parent store it is attached to (None: not attached, or detached).
        self.parent: Store[T] | None = None
        #: What the store's ``while_listened`` returned, called once the mount ended.
        self.release: Unsubscribe | None = None

    def on_next(self, value: T) -> None:
        try:
            selected = self.selector(value)
            if self.value is not _UNSET and selected == self.value:
                return
            emitted = selected if self.then is None else self.then(selected)
        except Exception:
            log.exception("a derived store's selector raised; the journey continues")
            return
        self.value, self.emitted = selected, emitted
        listeners = self.listeners
        if listeners is not None and not isinstance(listeners, list):
            listeners.on_next(emitted)  # the one listener: no copy of a list
            return
        for listener in _listing(listeners):
            listener.on_next(emitted)

    def on_error(self, error: Exception) -> None:
        for listener in self.end():
            listener.on_error(error)

    def on_completed(self) -> None:
        for listener in self.end():
            listener.on_completed()

    def end(self) -> tuple[abc.ObserverBase[U], ...]:
        """Unmount: detach from the parent; the listeners that were attached."""
        listeners, self.listeners = _listing(self.listeners), None
        if not self.ended:
            self.ended = True
            parent, self.parent = self.parent, None
            if parent is not None:
                parent.detach(self)
            release, self.release = self.release, None
            if release is not None:
                release()
        return listeners


class _DerivedStore(_ListenedStore[U], Generic[T, U]):
    """``map`` + ``distinct_until_changed`` on a parent store, mounted lazily (like
    nanostores' ``onMount``): the first listener attaches one :class:`_Mount` to the parent,
    later ones share it, the last one to leave detaches it. Each listener is one plain entry in
    the mount's list."""

    def __init__(self, parent: Store[T], selector: Callable[[T], Any],
                 then: Callable[[Any], U] | None = None,
                 while_listened: Callable[[], Unsubscribe] | None = None) -> None:
        self._scheduler = parent.scheduler
        self._parent = parent
        self._selector = selector
        self._then = then
        self._while_listened = while_listened
        self._mount: _Mount[T, U] | None = None

    def get(self) -> U:
        selected = self._selector(self._parent.get())
        return selected if self._then is None else self._then(selected)

    @property
    def mounted(self) -> bool:
        """Whether the store is subscribed to its parent (someone listens)."""
        return self._mount is not None and not self._mount.ended

    def attach(self, sink: abc.ObserverBase[U]) -> bool:
        mount = self._mount
        if mount is None or mount.ended:
            mount = self._mount = _Mount(self._selector, self._then)
            mount.listeners = _with(mount.listeners, sink)
            # The parent replays its current value: that reaches the new listener first.
            attached = self._parent.attach(mount)
            if mount.ended:  # the parent had ended (the listener was told), or it left at once
                if attached:
                    self._parent.detach(mount)
                return False
            mount.parent = self._parent
            if self._while_listened is not None:
                mount.release = self._while_listened()
        else:
            mount.listeners = _with(mount.listeners, sink)
            if mount.value is not _UNSET:
                sink.on_next(mount.emitted)
        return True

    def detach(self, sink: abc.ObserverBase[U]) -> None:
        mount = self._mount
        if mount is None:
            return
        mount.listeners, found = _without(mount.listeners, sink)
        if found and mount.listeners is None:
            self._mount = None
            mount.end()


async def _latest_values(store: Observable[T]) -> AsyncGenerator[T, None]:
    """The async iterator behind ``async for``: the store's notifications
    (``materialize``), a value replacing a value not yet taken (conflated), the end kept::

        store    : a-b-c---d--|
        pending  : a b c   d  d|     (one value at most, then the end)
    """
    wake = asyncio.Event()
    pending: list[Notification[T]] = []

    def put(notification: Notification[T]) -> None:
        if pending and isinstance(notification, OnNext) and isinstance(pending[-1], OnNext):
            pending[-1] = notification
        else:
            pending.append(notification)
        wake.set()

    subscription = store.pipe(ops.materialize()).subscribe(put)
    try:
        while True:
            if not pending:
                wake.clear()
                await wake.wait()
                continue
            notification = pending.pop(0)
            if isinstance(notification, OnNext):
                yield notification.value
            elif isinstance(notification, OnError):
                raise notification.exception
            else:
                return
    finally:
        subscription.dispose()
