"""Distribution engines of the sandbox, one module per distribution type.

Each engine owns its participants and runs its due work when the sandbox clock advances.
"""

from fanfare_rx.sandbox.engines.appointment import AppointmentEngine
from fanfare_rx.sandbox.engines.auction import AuctionEngine
from fanfare_rx.sandbox.engines.base import Engine, Grant, Projection, Timeline
from fanfare_rx.sandbox.engines.draw import DrawEngine
from fanfare_rx.sandbox.engines.queue import QueueEngine
from fanfare_rx.sandbox.engines.timed_release import TimedReleaseEngine
from fanfare_rx.sandbox.engines.waitlist import WaitlistEngine

__all__ = ["AppointmentEngine", "AuctionEngine", "DrawEngine", "Engine", "Grant", "Projection", "QueueEngine",
           "TimedReleaseEngine", "Timeline", "WaitlistEngine"]
