"""The wire: the cattrs codec (here), the aiohttp Consumer API client (``wire.client``), HTTP
error mapping and retries. Never imports the journey."""

from fanfare_rx.wire.codec import decode, dumps, encode, structure

__all__ = ["decode", "dumps", "encode", "structure"]
