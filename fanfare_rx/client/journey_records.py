"""The journey records kept with the consumer session: the snapshot of each journey holding a
participation, so another replica sharing the storage can resume it without a second entry.
"""

from __future__ import annotations

import asyncio
import logging

from fanfare_rx.client.live_journeys import holds_participation
from fanfare_rx.client.session import SessionManager
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage
from fanfare_rx.wire.codec import snapshot_to_json

__all__ = ["JourneyRecords"]

log = logging.getLogger("fanfare_rx")


class JourneyRecords:
    """Writes a journey's snapshot to the session's storage when its participation changed,
    and forgets it once the participation is over; only when the session has a storage::

        snapshots : n---q1---q1'---q2---ended
        writes    : ----save-------save-forget     (q1': the same participation, no write)

    Each write is a task on the running loop; :meth:`flush` awaits those still running.

    Usage::

        records = JourneyRecords(sessions)
        records.keep("exp-1", journey.state.get())
        await records.flush()
    """

    __slots__ = ("_keys", "_sessions", "_writes")

    def __init__(self, sessions: SessionManager) -> None:
        self._sessions = sessions
        # Made on the first record: a session kept in no storage (most shoppers of a big
        # drop) writes none, and keeps no empty dict and set.
        self._keys: dict[str, object] | None = None
        self._writes: set[asyncio.Task[None]] | None = None

    def keep(self, experience_id: str, snapshot: JourneySnapshot) -> None:
        """Save or forget the record of ``experience_id`` as ``snapshot`` says (no write when
        its participation did not change, or outside a running event loop).

        Usage: ``records.keep(journey.experience_id, snapshot)``
        """
        sessions = self._sessions
        if snapshot.journey_stage is JourneyStage.NOT_STARTED or sessions.storage is None:
            return
        held = holds_participation(snapshot)
        key = (snapshot.sequence_stage, snapshot.context.participation) if held else None
        keys = self._keys
        if keys is None:
            keys = self._keys = {}
        elif experience_id in keys and keys[experience_id] == key:
            return
        keys[experience_id] = key
        if not held and experience_id not in sessions.journeys:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        write = (sessions.save_journey(experience_id, snapshot_to_json(snapshot))
                 if held else sessions.forget_journey(experience_id))
        task = loop.create_task(write)
        if self._writes is None:
            self._writes = set()
        self._writes.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[None]) -> None:
        if self._writes is not None:
            self._writes.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not store a journey record: %r", task.exception())

    async def flush(self) -> None:
        """Wait for the writes still running (a failed one was logged).

        Usage: ``await records.flush()``
        """
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
