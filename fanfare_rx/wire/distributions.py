"""The distribution endpoints (queues, draws, auctions, timed releases, waitlists): a resource
of :class:`~fanfare_rx.wire.client.ConsumerApi`, with "already in" on enter answered by the
status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode

from fanfare_rx.errors import ConflictError, UsageError
from fanfare_rx.models import wire
from fanfare_rx.models.money import parse_amount
from fanfare_rx.wire.http_errors import is_already_in
from fanfare_rx.wire.requester import Requester, segment

__all__ = ["DistributionCalls"]

T = TypeVar("T")


def _limit(limit: int | None) -> dict[str, str]:
    if limit is None:
        return {}
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise UsageError(f"limit must be a positive integer, got {limit!r}")
    return {"limit": str(limit)}


class DistributionCalls:
    """Typed distribution calls over a :class:`~fanfare_rx.wire.requester.Requester` (the
    ``ConsumerApi`` methods of the same names are these).

    Usage: ``state = await DistributionCalls(requester, organization_id=org).enter_queue(q)``
    """

    __slots__ = ("_requester", "organization_id")

    def __init__(self, requester: Requester, *, organization_id: str) -> None:
        self._requester = requester  # not its bound method: one object fewer per shopper
        #: The organization (the auction bids endpoint names it in the query).
        self.organization_id = organization_id

    async def _enter(self, path: str, model: type[T] | Any, status_path: str, *,
                     body: object = None) -> T:
        """POST an enter; a 409 "already in" means an earlier enter won: return the status."""
        return await self._already_in(self._requester.call("POST", path, model, body=body),
                                      lambda: self._requester.call("GET", status_path, model))

    @staticmethod
    async def _already_in(enter: Awaitable[T], instead: Callable[[], Awaitable[T]]) -> T:
        """The one 409 "already in" rule of every enter: the earlier enter won, so the answer
        is ``instead()``; any other error is raised."""
        try:
            return await enter
        except ConflictError as exc:
            if not is_already_in(exc):
                raise
        return await instead()

    # --- queues -----------------------------------------------------------------------------

    async def get_queue(self, queue_id: str) -> wire.Queue:
        """``GET /queues/{id}`` (public).

        Usage: ``queue = await api.get_queue(queue_id)``
        """
        return await self._requester.call("GET", f"/queues/{segment(queue_id)}", wire.Queue, auth="none")

    async def enter_queue(self, queue_id: str) -> wire.QueueConsumerState:
        """``POST /queues/{id}/enter``; already in → the current status.

        Usage: ``state = await api.enter_queue(queue_id)``
        """
        base = f"/queues/{segment(queue_id)}"
        return await self._enter(f"{base}/enter", wire.QueueConsumerState, f"{base}/status")

    async def leave_queue(self, queue_id: str) -> wire.QueueConsumerState:
        """``POST /queues/{id}/leave``.

        Usage: ``await api.leave_queue(queue_id)``
        """
        return await self._requester.call("POST", f"/queues/{segment(queue_id)}/leave",
                                wire.QueueConsumerState)

    def queue_status(self, queue_id: str) -> Awaitable[wire.QueueConsumerState]:
        """``GET /queues/{id}/status``.

        The request's coroutine itself (no coroutine of its own: a poll's await chain stays
        short).

        Usage: ``state = await api.queue_status(queue_id)``
        """
        return self._requester.call("GET", f"/queues/{segment(queue_id)}/status",
                          wire.QueueConsumerState)

    # --- draws ------------------------------------------------------------------------------

    async def get_draw(self, draw_id: str) -> wire.Draw:
        """``GET /draws/{id}`` (public).

        Usage: ``draw = await api.get_draw(draw_id)``
        """
        return await self._requester.call("GET", f"/draws/{segment(draw_id)}", wire.Draw, auth="none")

    async def enter_draw(self, draw_id: str) -> wire.DrawConsumerState:
        """``POST /draws/{id}/enter``; already in → the current status.

        Usage: ``state = await api.enter_draw(draw_id)``
        """
        base = f"/draws/{segment(draw_id)}"
        return await self._enter(f"{base}/enter", wire.DrawConsumerState, f"{base}/status")

    async def leave_draw(self, draw_id: str) -> wire.DrawConsumerState:
        """``POST /draws/{id}/leave`` (before the draw only).

        Usage: ``await api.leave_draw(draw_id)``
        """
        return await self._requester.call("POST", f"/draws/{segment(draw_id)}/leave",
                                wire.DrawConsumerState)

    def draw_status(self, draw_id: str) -> Awaitable[wire.DrawConsumerState]:
        """``GET /draws/{id}/status``.

        The request's coroutine itself (no coroutine of its own: a poll's await chain stays
        short).

        Usage: ``state = await api.draw_status(draw_id)``
        """
        return self._requester.call("GET", f"/draws/{segment(draw_id)}/status",
                          wire.DrawConsumerState)

    # --- auctions ---------------------------------------------------------------------------

    async def get_auction(self, auction_id: str) -> wire.Auction:
        """``GET /auctions/{id}`` (public).

        Usage: ``auction = await api.get_auction(auction_id)``
        """
        return await self._requester.call("GET", f"/auctions/{segment(auction_id)}", wire.Auction,
                                auth="none")

    async def enter_auction(self, auction_id: str) -> wire.AuctionEnterResult:
        """``POST /auctions/{id}/enter`` → ``{success}``; already in counts as success.

        Usage: ``(await api.enter_auction(auction_id)).success``
        """
        async def entered() -> wire.AuctionEnterResult:
            return wire.AuctionEnterResult(success=True)

        return await self._already_in(
            self._requester.call("POST", f"/auctions/{segment(auction_id)}/enter", wire.AuctionEnterResult),
            entered)

    async def place_bid(self, auction_id: str, amount: Decimal | str) -> wire.AuctionConsumerState:
        """``POST /auctions/{id}/bid`` with a money amount (``Decimal`` or decimal string).

        An amount the wire cannot carry (not a decimal, not positive, more than 12 digits
        before the point or 8 after) raises :class:`~fanfare_rx.errors.UsageError` (code
        ``INVALID_BID_AMOUNT``) and nothing is sent.

        Usage: ``state = await api.place_bid(auction_id, "155.00")``
        """
        value = parse_amount(amount)
        return await self._requester.call("POST", f"/auctions/{segment(auction_id)}/bid",
                                wire.AuctionConsumerState, body=wire.BidRequest(amount=value))

    async def auction_bids(self, auction_id: str, *, limit: int | None = None
                           ) -> tuple[wire.BidRecord, ...]:
        """``GET /auctions/{id}/bids?organizationId=…[&limit=…]``: the auction's bids, newest
        first (bidders by handle).

        Usage: ``bids = await api.auction_bids(auction_id, limit=20)``
        """
        query = {"organizationId": self.organization_id, **_limit(limit)}
        return await self._requester.call("GET", f"/auctions/{segment(auction_id)}/bids?{urlencode(query)}",
                                tuple[wire.BidRecord, ...])

    async def auction_bid_history(self, auction_id: str, *, limit: int | None = None
                                  ) -> tuple[wire.BidRecord, ...]:
        """``GET /auctions/{id}/bids/history[?limit=…]``: the consumer's own bids, newest first.

        Usage: ``mine = await api.auction_bid_history(auction_id)``
        """
        path = f"/auctions/{segment(auction_id)}/bids/history"
        if query := _limit(limit):
            path += f"?{urlencode(query)}"
        return await self._requester.call("GET", path, tuple[wire.BidRecord, ...])

    async def auction_current_price(self, auction_id: str) -> wire.AuctionCurrentPrice:
        """``GET /auctions/{id}/current-price``: the price now, the units left, whether it ended
        (sends the bearer when a session exists: the credential is not documented).

        Usage: ``(await api.auction_current_price(auction_id)).current_price``
        """
        return await self._requester.call("GET", f"/auctions/{segment(auction_id)}/current-price",
                                wire.AuctionCurrentPrice, auth="optional")

    def auction_status(self, auction_id: str) -> Awaitable[wire.AuctionConsumerState]:
        """``GET /auctions/{id}/status``.

        The request's coroutine itself (no coroutine of its own: a poll's await chain stays
        short).

        Usage: ``state = await api.auction_status(auction_id)``
        """
        return self._requester.call("GET", f"/auctions/{segment(auction_id)}/status",
                          wire.AuctionConsumerState)

    async def highest_bid(self, auction_id: str) -> wire.HighestBid:
        """``GET /auctions/{id}/highest-bid``.

        Usage: ``(await api.highest_bid(auction_id)).amount``
        """
        return await self._requester.call("GET", f"/auctions/{segment(auction_id)}/highest-bid",
                                wire.HighestBid)

    # --- timed releases ---------------------------------------------------------------------

    async def get_timed_release(self, timed_release_id: str) -> wire.TimedRelease:
        """``GET /timed-releases/{id}`` (public).

        Usage: ``release = await api.get_timed_release(release_id)``
        """
        return await self._requester.call("GET", f"/timed-releases/{segment(timed_release_id)}",
                                wire.TimedRelease, auth="none")

    async def enter_timed_release(self, timed_release_id: str,
                                  variant_id: str | None = None) -> wire.TimedReleaseConsumerState:
        """``POST /timed-releases/{id}/enter`` ``{variantId?}``; already in → the status.

        Usage: ``state = await api.enter_timed_release(release_id)``
        """
        base = f"/timed-releases/{segment(timed_release_id)}"
        return await self._enter(f"{base}/enter", wire.TimedReleaseConsumerState,
                                 f"{base}/status",
                                 body=wire.TimedReleaseEnterRequest(variant_id=variant_id))

    async def leave_timed_release(self, timed_release_id: str) -> wire.SuccessResult:
        """``POST /timed-releases/{id}/leave``.

        Usage: ``await api.leave_timed_release(release_id)``
        """
        return await self._requester.call("POST", f"/timed-releases/{segment(timed_release_id)}/leave",
                                wire.SuccessResult)

    def timed_release_status(self, timed_release_id: str) -> Awaitable[wire.TimedReleaseConsumerState]:
        """``GET /timed-releases/{id}/status``.

        The request's coroutine itself (no coroutine of its own: a poll's await chain stays
        short).

        Usage: ``state = await api.timed_release_status(release_id)``
        """
        return self._requester.call("GET", f"/timed-releases/{segment(timed_release_id)}/status",
                          wire.TimedReleaseConsumerState)

    async def complete_timed_release(self, timed_release_id: str) -> wire.SuccessResult:
        """``POST /timed-releases/{id}/complete`` (after the purchase).

        Usage: ``await api.complete_timed_release(release_id)``
        """
        return await self._requester.call(
            "POST", f"/timed-releases/{segment(timed_release_id)}/complete", wire.SuccessResult)

    # --- waitlists --------------------------------------------------------------------------

    async def enter_waitlist(self, waitlist_id: str) -> wire.WaitlistStatus:
        """``POST /waitlists/{id}/enter``, answered as the waitlist status (from the entry, or
        fetched when the server says the consumer is already on it).

        Usage: ``(await api.enter_waitlist(waitlist_id)).is_entered``
        """
        async def entered() -> wire.WaitlistStatus:
            entry: wire.WaitlistEntry = await self._requester.call(
                "POST", f"/waitlists/{segment(waitlist_id)}/enter", wire.WaitlistEntry)
            return wire.WaitlistStatus(waitlist_id=entry.waitlist_id, is_entered=True,
                                       entered_at=entry.entered_at, sequence_id=entry.sequence_id)

        return await self._already_in(entered(), lambda: self.waitlist_status(waitlist_id))

    async def leave_waitlist(self, waitlist_id: str) -> wire.WaitlistLeft:
        """``DELETE /waitlists/{id}/leave``.

        Usage: ``(await api.leave_waitlist(waitlist_id)).left``
        """
        return await self._requester.call("DELETE", f"/waitlists/{segment(waitlist_id)}/leave",
                                wire.WaitlistLeft)

    async def waitlist_status(self, waitlist_id: str) -> wire.WaitlistStatus:
        """``GET /waitlists/{id}/status``.

        Usage: ``(await api.waitlist_status(waitlist_id)).is_entered``
        """
        return await self._requester.call("GET", f"/waitlists/{segment(waitlist_id)}/status",
                                wire.WaitlistStatus)
