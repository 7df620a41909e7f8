"""The journey records kept with the session (``JourneyRecords``, a part of ``Fanfare``): a
journey holding a participation is written once per change of it, and forgotten when it is
left. Over loopback HTTP against the sandbox, with a memory storage that counts its writes."""

from __future__ import annotations

from fanfare_rx import Fanfare
from fanfare_rx.client.storage import MemoryStorage, StoredSession
from fanfare_rx.sandbox import Sandbox


class CountingStorage(MemoryStorage):
    """A memory storage that keeps the journeys of each record it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[frozenset[str]] = []

    async def save(self, organization_id: str, stored: StoredSession) -> None:
        self.written.append(frozenset(stored.journeys))
        await super().save(organization_id, stored)


async def test_a_participation_is_recorded_once_per_change_and_forgotten_when_left(
        sandbox: Sandbox) -> None:
    storage = CountingStorage()
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url, storage=storage) as fanfare:
        experience_id = sandbox.experiences["queue"]
        journey = fanfare.experiences.create_journey(experience_id)
        await journey.start()
        assert experience_id not in fanfare.sessions.journeys  # routed: no place yet
        await journey.enter_queue()
        await fanfare.destroy()  # waits for the writes still running
        assert experience_id in fanfare.sessions.journeys
        assert storage.written[-1] == {experience_id}
        assert storage.written.count(frozenset({experience_id})) == 1
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url, storage=storage) as again:
        await again.restore()
        journey = again.experiences.create_journey(experience_id)
        assert journey.state.get().context.participation is None
        await journey.start()  # the server still holds the place: participating again
        await journey.leave_participation()
        await again.destroy()
        assert experience_id not in again.sessions.journeys
        assert storage.written[-1] == frozenset()
