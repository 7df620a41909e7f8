"""The experience endpoints (get, enter, leave, route, archived status), the bot-check challenge
of a routing gate and the consumer's ``/consumers/me``: a resource of
:class:`~fanfare_rx.wire.client.ConsumerApi`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from fanfare_rx.models import wire
from fanfare_rx.wire import codec
from fanfare_rx.wire.requester import Requester, segment

__all__ = ["ExperienceCalls"]


@functools.lru_cache(maxsize=64)
def _experience(raw: bytes) -> wire.Experience:
    """One decoded experience per distinct body: thousands of shoppers of a drop load the same
    experience, and its model is immutable (tuples and frozen classes), so they share it."""
    experience: wire.Experience = codec.decode(raw, wire.Experience)
    return experience


class ExperienceCalls:
    """Typed experience calls over a :class:`~fanfare_rx.wire.requester.Requester` (the
    ``ConsumerApi`` methods of the same names are these).

    Usage: ``result = await ExperienceCalls(requester).route(experience_id)``
    """

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        # The requester itself, not its bound methods: thousands of shoppers each keep one
        # part, and every object a shopper keeps is walked by each full collection.
        self._requester = requester

    async def get_experience(self, experience_id: str) -> wire.Experience:
        """``GET /experiences/{id}`` (sends the bearer when a session exists).

        Usage: ``experience = await api.get_experience(exp_id)``
        """
        raw = await self._requester.raw("GET", f"/experiences/{segment(experience_id)}", auth="optional")
        return _experience(raw)

    async def enter_experience(self, experience_id: str) -> wire.ExperienceEntered:
        """``POST /experiences/{id}/enter``.

        Usage: ``await api.enter_experience(exp_id)``
        """
        return await self._requester.call("POST", f"/experiences/{segment(experience_id)}/enter",
                                wire.ExperienceEntered)

    async def leave_experience(self, experience_id: str) -> wire.ExperienceLeft:
        """``DELETE /experiences/{id}/leave``.

        Usage: ``(await api.leave_experience(exp_id)).left``
        """
        return await self._requester.call("DELETE", f"/experiences/{segment(experience_id)}/leave",
                                wire.ExperienceLeft)

    async def route(self, experience_id: str,
                    access_code: str | None = None) -> wire.RouteResult:
        """``POST /experiences/{id}/route``: routed, gated or no_access.

        Usage: ``result = await api.route(exp_id, access_code="VIP2024")``
        """
        return await self._requester.call("POST", f"/experiences/{segment(experience_id)}/route",
                                wire.RouteResult, body=wire.RouteRequest(access_code=access_code))

    async def archived_status(self, experience_ids: Iterable[str]) -> wire.ArchivedStatusResult:
        """``POST /experiences/archived-status``: which of these experiences are still live.

        Usage: ``(await api.archived_status([a, b])).live_experience_ids``
        """
        body = wire.ArchivedStatusRequest(experience_ids=tuple(experience_ids))
        return await self._requester.call("POST", "/experiences/archived-status",
                                wire.ArchivedStatusResult, body=body, auth="optional")

    async def verify_bot_check(self, challenge_id: str, token: str) -> wire.ChallengeVerifyResult:
        """Pass a bot-check gate's challenge (``POST /challenges/verify``).

        Usage: ``await api.verify_bot_check(gate.challenge.id, turnstile_token)``
        """
        body = wire.ChallengeVerifyRequest(challenge_id=challenge_id, token=token)
        return await self._requester.call("POST", "/challenges/verify", wire.ChallengeVerifyResult,
                                body=body)

    async def get_me(self) -> wire.ConsumerMe:
        """``GET /consumers/me``: the consumer's active journeys (resume source).

        Usage: ``me = await api.get_me()``
        """
        return await self._requester.call("GET", "/consumers/me", wire.ConsumerMe)
