"""Listeners held as nothing, the one listener or a tuple (``fanfare_rx.wire.listeners``), and
the two subscriptions built on them: the connection monitor's and the event bus's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fanfare_rx.client.events import SESSION_EVENTS, EventBus
from fanfare_rx.models.connection import Connection
from fanfare_rx.wire import listeners
from fanfare_rx.wire.transport import ConnectionMonitor


def _named(name: str, calls: list[str]) -> Callable[[object], None]:
    def listener(_: object) -> None:
        calls.append(name)

    return listener


def test_one_listener_is_held_as_itself_and_more_as_a_tuple_in_order() -> None:
    a, b, c = _named("a", []), _named("b", []), _named("c", [])
    held: listeners.Held[Callable[[object], None]] = None
    assert listeners.each(held) == ()
    held = listeners.added(held, a)
    assert held is a and listeners.each(held) == (a,)
    held = listeners.added(listeners.added(held, b), c)
    assert held == (a, b, c)
    held = listeners.removed(held, b)
    assert held == (a, c)
    held = listeners.removed(held, a)
    assert held is c  # back to the one listener itself
    assert listeners.removed(held, a) is c  # one that is not held: unchanged
    assert listeners.removed(held, c) is None


def test_a_listener_added_twice_is_called_twice_and_removed_once_at_a_time() -> None:
    a = _named("a", [])
    held = listeners.added(listeners.added(None, a), a)
    assert held == (a, a)
    assert listeners.removed(held, a) is a


def test_the_connection_monitor_tells_each_listener_until_it_is_off() -> None:
    calls: list[str] = []
    monitor = ConnectionMonitor(clock=lambda: 1000.0)
    assert monitor.current == Connection()
    off_a = monitor.listen(_named("a", calls))
    monitor.listen(_named("b", calls))
    monitor.saw_failure()
    assert calls == ["a", "b"] and monitor.current.status == "offline"
    off_a()
    off_a()  # idempotent
    monitor.saw_answer(200, {})
    assert calls == ["a", "b", "b"] and monitor.current.status == "online"


def test_every_monitor_starts_from_one_shared_connection() -> None:
    """Immutable, so shared: a thousand clients keep no ``Connection`` each until they saw one."""
    assert ConnectionMonitor().current is ConnectionMonitor().current


def test_the_bus_keeps_nothing_until_a_handler_and_drops_what_was_turned_off() -> None:
    bus = EventBus()
    seen: list[Any] = []
    assert not bus.listens_beyond(SESSION_EVENTS)
    bus.emit("queue:entered", {"queueId": "q"})  # nobody listens: nothing happens
    off_one = bus.on("queue:entered", seen.append)
    off_two = bus.on("queue:entered", lambda payload: seen.append(("two", payload)))
    assert bus.listens_beyond(SESSION_EVENTS)
    bus.emit("queue:entered", {"queueId": "q"})
    assert seen == [{"queueId": "q"}, ("two", {"queueId": "q"})]
    off_one()
    off_two()
    off_two()  # idempotent
    assert not bus.listens_beyond(SESSION_EVENTS)  # no handler left for the name
    bus.emit("queue:entered", {"queueId": "r"})
    assert len(seen) == 2


def test_the_bus_is_a_session_event_handler_itself() -> None:
    """``SessionManager(on_event=bus)``: calling the bus emits."""
    bus = EventBus()
    seen: list[Any] = []
    bus.on("*", seen.append)
    bus("auth:logout", {"reason": "logout"})
    assert seen == [{"name": "auth:logout", "reason": "logout"}]
    bus.clear()
    bus("auth:logout", {"reason": "logout"})
    assert len(seen) == 1
