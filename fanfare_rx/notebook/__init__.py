"""Jupyter helpers: a live view of a journey that updates in place, a recorder of stage
changes, and a timeline plot of one or many journeys (extra ``fanfare_rx[notebook]``).

Usage (in a notebook cell, with top-level ``await``)::

    from fanfare_rx.notebook import live, record_stages, timeline

    view = live(journey)                    # updates in place while the journey runs
    rec = record_stages(journey, label="queue")
    await journey.start(); await journey.enter_queue(); journey.start_polling(250)
    await journey.sequence_stage.wait_for(lambda s: s == "admitted", timeout=30)
    timeline([rec])                         # a matplotlib Figure
"""

from fanfare_rx.notebook.live import LiveView, live
from fanfare_rx.notebook.recording import (
    StageChange,
    StageRecording,
    record_stages,
    recording_from_events,
)
from fanfare_rx.notebook.timeline import timeline

__all__ = [
    "LiveView",
    "StageChange",
    "StageRecording",
    "live",
    "record_stages",
    "recording_from_events",
    "timeline",
]
