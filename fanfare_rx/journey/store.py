"""``Store[T]``: an Rx ``Observable`` with the nanostores surface (``get``, ``listen``) and an
async ``wait_for``. The root store wraps a ``BehaviorSubject``; derived stores are
``map`` + ``distinct_until_changed`` on it, so every subscriber sees the same fold once.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.subject import BehaviorSubject

from fanfare_rx.errors import JourneyDestroyedError, TimeoutError

__all__ = ["Store", "Unsubscribe"]

T = TypeVar("T")
U = TypeVar("U")

Unsubscribe = Callable[[], None]

log = logging.getLogger("fanfare_rx.store")


class _GuardedObserver(abc.ObserverBase[T]):
    """Keeps a subscriber's exception inside that subscriber: it is logged, the journey's
    pipeline and the other subscribers carry on."""

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


class Store(Observable[T], Generic[T]):
    """A readable reactive store.

    ``subscribe`` is Rx's and replays the current value first; ``listen`` calls back on
    future changes only::

        state      : -a----b---c--|      (values set on the root)
        subscribe  : a-----b---c--|      (current value first)
        listen     : ------b---c--|      (future changes only)

    Usage::

        stage = journey.journey_stage.get()
        off = journey.journey_stage.listen(lambda s: print("now", s))
        off()
    """

    def __init__(self, source: Observable[T], getter: Callable[[], T]) -> None:
        super().__init__()
        self._source = source
        self._getter = getter

    @classmethod
    def of_subject(cls, subject: BehaviorSubject[T]) -> Store[T]:
        """The root store of a ``BehaviorSubject``.

        Usage: ``Store.of_subject(BehaviorSubject(0)).get()`` -> ``0``
        """
        return cls(subject, lambda: subject.value)

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

    def derive(self, selector: Callable[[T], U]) -> Store[U]:
        """A store of ``selector(value)`` that emits only when the selected value changes::

            parent  : a1---a2---b1---b2--|     (selector = first letter)
            derived : a----------b-------|

        Usage: ``stage = journey.state.derive(lambda s: s.journey_stage)``
        """
        source: Observable[U] = self._source.pipe(
            ops.map(selector),
            ops.distinct_until_changed(),
        )
        return Store(source, lambda: selector(self._getter()))

    def listen(self, callback: Callable[[T], Any]) -> Unsubscribe:
        """Call ``callback(value)`` on every future change; returns the unsubscribe callable::

            store  : a---b---c--
            listen :     b---c--   (subscribed between a and b)

        Usage: ``off = store.listen(print); ...; off()``
        """
        subscription = self.pipe(ops.skip(1)).subscribe(on_next=callback)
        return subscription.dispose

    async def wait_for(
        self, predicate: Callable[[T], bool], timeout: float | None = None
    ) -> T:
        """Wait until the value satisfies ``predicate`` (the current value counts).

        Raises :class:`fanfare_rx.TimeoutError` after ``timeout`` seconds and
        :class:`fanfare_rx.JourneyDestroyedError` if the store completes first.

        Usage: ``await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=30)``
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def on_next(value: T) -> None:
            if future.done():
                return
            try:
                matched = predicate(value)
            except Exception as exc:  # noqa: BLE001 - the caller's predicate: raise it there
                future.set_exception(exc)
                return
            if matched:
                future.set_result(value)

        def on_error(error: Exception) -> None:
            if not future.done():
                future.set_exception(error)

        def on_completed() -> None:
            if not future.done():
                future.set_exception(JourneyDestroyedError("the journey was destroyed"))

        subscription = self._source.subscribe(on_next, on_error, on_completed)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except builtins.TimeoutError:
            raise TimeoutError(
                f"value did not satisfy the condition within {timeout} s"
            ) from None
        finally:
            subscription.dispose()
            if not future.done():
                future.cancel()

    def __repr__(self) -> str:
        return f"Store({self.get()!r})"

