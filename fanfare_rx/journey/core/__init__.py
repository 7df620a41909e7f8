"""The pure journey core: messages, the reducer and its tables. No reactivex, no aiohttp, no
asyncio, no clock: ``reduce(snapshot, message) -> snapshot`` and nothing else.
"""

__all__: list[str] = []  # import the modules: ``from fanfare_rx.journey.core import machine``
