"""Drops of many shoppers: journeys spread over processes and machines with Ray (or run in one
event loop), seen by the driver as Rx streams of shopper changes and events, and a summary.

Usage::

    fleet = Fleet(FleetTarget(base_url, org_id, publishable_key, experience_id=exp),
                  shoppers=20_000, backend="ray", actors=2)
    fleet.progress.subscribe(lambda s: print(s.admitted, "admitted"))
    summary = await fleet.run(enter_and_wait)
"""

from fanfare_rx.fleet import records
from fanfare_rx.fleet.backends import FleetError, LocalBackend, RayBackend
from fanfare_rx.fleet.fleet import Fleet, shopper_ids
from fanfare_rx.fleet.lab import DropReport, drop_report, lab_shopper
from fanfare_rx.fleet.records import *
from fanfare_rx.fleet.shoppers import enter_and_wait
from fanfare_rx.fleet.summary import FleetSummary, SummaryFold, TimelinePoint
from fanfare_rx.fleet.worker import Shopper, ShopperWorker

__all__ = [
    "DropReport",
    "Fleet",
    "FleetError",
    "FleetSummary",
    "LocalBackend",
    "RayBackend",
    "Shopper",
    "ShopperWorker",
    "SummaryFold",
    "TimelinePoint",
    "drop_report",
    "enter_and_wait",
    "lab_shopper",
    "shopper_ids",
]
# The records a fleet reports (targets, batches, shopper results) as ``fleet.records`` lists them.
__all__ += records.__all__
