"""A stand-in for ``asyncio.sleep`` that records delays instead of waiting: pass it as the
client's retry ``sleep`` so backoff can be asserted without wall-clock time."""

from __future__ import annotations

import asyncio

__all__ = ["RecordedSleep"]


class RecordedSleep:
    """Records each requested delay and only yields to the event loop.

    Usage::

        sleep = RecordedSleep()
        fanfare = await Fanfare.init(..., sleep=sleep)
        ...
        assert sleep.delays == [1.0]
    """

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)
