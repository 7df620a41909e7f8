"""The journey port over HTTP: :class:`ApiEffects` implements
:class:`~fanfare_rx.journey.ports.JourneyEffects` with the aiohttp :class:`ConsumerApi`.

Each call becomes a cold observable that starts the request on subscription and cancels it on
dispose, so ``journey.destroy()`` also cancels in-flight requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TypeVar

import reactivex
from reactivex import Observable, abc
from reactivex.disposable import Disposable

from fanfare_rx.errors import ValidationError
from fanfare_rx.journey.messages import ConsumerState
from fanfare_rx.models import wire
from fanfare_rx.models.journey import DistributionSummary
from fanfare_rx.wire.client import ConsumerApi

__all__ = ["ApiEffects"]

T = TypeVar("T")
DT = wire.DistributionType


def from_coroutine(factory: Callable[[], Awaitable[T]]) -> Observable[T]:
    """A cold observable of one coroutine: started per subscription, cancelled on dispose.

    Usage: ``from_coroutine(lambda: api.queue_status("q1"))``
    """

    def subscribe(
        observer: abc.ObserverBase[T], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        task = asyncio.ensure_future(factory())

        def done(finished: asyncio.Future[T]) -> None:
            if finished.cancelled():
                return
            error = finished.exception()
            if error is not None:
                observer.on_error(error if isinstance(error, Exception) else RuntimeError(str(error)))
            else:
                observer.on_next(finished.result())
                observer.on_completed()

        task.add_done_callback(done)

        def cancel() -> None:
            task.cancel()

        return Disposable(cancel)

    return reactivex.create(subscribe)


class ApiEffects:
    """Journey effects against a Consumer API base URL.

    Usage: ``ExperienceJourney("exp-1", effects=ApiEffects(api))``
    """

    def __init__(self, api: ConsumerApi) -> None:
        self._api = api

    def load_experience(self, experience_id: str) -> Observable[wire.Experience]:
        return from_coroutine(lambda: self._api.get_experience(experience_id))

    def route(self, experience_id: str, access_code: str | None) -> Observable[wire.RouteResult]:
        return from_coroutine(lambda: self._api.route(experience_id, access_code))

    def fetch_status(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        return from_coroutine(lambda: self._status(distribution))

    async def _status(self, distribution: DistributionSummary) -> ConsumerState:
        api, ident = self._api, distribution.id
        if distribution.type is DT.QUEUE:
            return await api.queue_status(ident)
        if distribution.type is DT.DRAW:
            return await api.draw_status(ident)
        if distribution.type is DT.AUCTION:
            return await api.auction_status(ident)
        if distribution.type is DT.TIMED_RELEASE:
            return await api.timed_release_status(ident)
        raise ValidationError(f"{distribution.type.value} distributions are not supported")

    def enter(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        async def enter() -> ConsumerState:
            api, ident = self._api, distribution.id
            if distribution.type is DT.QUEUE:
                return await api.enter_queue(ident)
            if distribution.type is DT.DRAW:
                return await api.enter_draw(ident)
            if distribution.type is DT.AUCTION:
                await api.enter_auction(ident)
                return await api.auction_status(ident)
            if distribution.type is DT.TIMED_RELEASE:
                return await api.enter_timed_release(ident)
            raise ValidationError(f"{distribution.type.value} distributions are not supported")

        return from_coroutine(enter)

    def leave(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        async def leave() -> ConsumerState:
            api, ident = self._api, distribution.id
            if distribution.type is DT.QUEUE:
                return await api.leave_queue(ident)
            if distribution.type is DT.DRAW:
                return await api.leave_draw(ident)
            if distribution.type is DT.TIMED_RELEASE:
                await api.leave_timed_release(ident)
                return await api.timed_release_status(ident)
            raise ValidationError(f"leaving a {distribution.type.value} is not supported")

        return from_coroutine(leave)

    def complete(self, distribution: DistributionSummary) -> Observable[ConsumerState]:
        async def complete() -> ConsumerState:
            if distribution.type is not DT.TIMED_RELEASE:
                raise ValidationError("only a timed release is completed by the consumer")
            await self._api.complete_timed_release(distribution.id)
            return await self._api.timed_release_status(distribution.id)

        return from_coroutine(complete)

    def place_bid(self, auction_id: str, amount: Decimal) -> Observable[ConsumerState]:
        return from_coroutine(lambda: self._api.place_bid(auction_id, amount))

    def enter_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        async def enter() -> wire.WaitlistStatus:
            return await self._api.enter_waitlist(waitlist_id)

        return from_coroutine(enter)

    def leave_waitlist(self, waitlist_id: str) -> Observable[wire.WaitlistStatus]:
        async def leave() -> wire.WaitlistStatus:
            await self._api.leave_waitlist(waitlist_id)
            return await self._api.waitlist_status(waitlist_id)

        return from_coroutine(leave)

    def verify_bot_check(self, challenge_id: str, token: str) -> Observable[bool]:
        async def verify() -> bool:
            await self._api.verify_bot_check(challenge_id, token)
            return True

        return from_coroutine(verify)
