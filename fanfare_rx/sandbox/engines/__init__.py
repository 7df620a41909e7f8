"""Distribution engines of the sandbox, one module per distribution type, and their registry.

Each engine owns its participants, runs its due work when the sandbox clock advances, declares
its scenario spec class and serves its routes; it registers by kind
(``class DrawEngine(Engine, kind="draw", spec=DrawSpec, routes=routes)``), and the world, the
app and the scenario iterate :func:`registered_engines`. The waitlist is an attachment of a
sequence, not an engine. Importing this package registers the built-in engines.
"""

from fanfare_rx.sandbox.engines.appointment import AppointmentEngine, AppointmentSpec
from fanfare_rx.sandbox.engines.auction import AuctionEngine, AuctionSpec
from fanfare_rx.sandbox.engines.base import (
    Engine,
    EntriesEngine,
    Grant,
    Projection,
    Timeline,
    register_engine,
    registered_engines,
    unregister_engine,
)
from fanfare_rx.sandbox.engines.draw import DrawEngine, DrawSpec
from fanfare_rx.sandbox.engines.queue import QueueEngine, QueueSpec
from fanfare_rx.sandbox.engines.timed_release import TimedReleaseEngine, TimedReleaseSpec
from fanfare_rx.sandbox.engines.waitlist import WaitlistEngine

__all__ = ["AppointmentEngine", "AppointmentSpec", "AuctionEngine", "AuctionSpec", "DrawEngine",
           "DrawSpec", "Engine", "EntriesEngine", "Grant", "Projection", "QueueEngine", "QueueSpec",
           "TimedReleaseEngine", "TimedReleaseSpec", "Timeline", "WaitlistEngine",
           "register_engine", "registered_engines", "unregister_engine"]
