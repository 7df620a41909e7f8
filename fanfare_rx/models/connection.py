"""What the client sees of the way to the server: online, offline (no answer) or service
unavailable (502/503/504), since when, and how far the server's clock is from ours.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Connection", "ConnectionStatus"]


class ConnectionStatus(enum.StrEnum):
    """``online``: the server answered; ``offline``: no answer (network error, timeout);
    ``unavailable``: the server said it cannot serve now (502, 503, 504)."""

    ONLINE = "online"
    OFFLINE = "offline"
    UNAVAILABLE = "unavailable"


@attrs.frozen
class Connection:
    """The connection as the transport last saw it (times in epoch ms on the server's clock).

    ``since`` is when the status last changed; ``server_offset_ms`` is the server's clock minus
    ours (from the answers' ``Date`` header); ``fail_open`` is set once the connection stayed
    down for the journey's opt-in ``fail_open_after_ms``: the page should tell the shopper the
    waiting room is unreachable (the library never invents a grant).

    Usage: ``journey.state.get().context.connection.status == "offline"``
    """

    status: ConnectionStatus = attrs.field(default=ConnectionStatus.ONLINE,
                                           converter=ConnectionStatus)
    since: int | None = None
    server_offset_ms: int = 0
    fail_open: bool = False

    @property
    def online(self) -> bool:
        """Whether the last request reached the server and got an answer it meant."""
        return self.status is ConnectionStatus.ONLINE
