"""``from_coroutine``: a cold observable of one coroutine (a task per subscription, cancelled
on dispose), the building block of the HTTP journey port."""

from __future__ import annotations

import asyncio

import pytest

from fanfare_rx.client.api_effects import from_coroutine


async def test_each_subscription_runs_its_own_coroutine_and_completes() -> None:
    calls: list[int] = []

    async def answer() -> int:
        calls.append(1)
        return len(calls)

    source = from_coroutine(answer)
    assert calls == []  # cold: nothing runs before a subscription
    results: list[tuple[str, int]] = []
    done = asyncio.Event()

    def completed() -> None:
        results.append(("completed", 0))
        if len(results) == 4:
            done.set()

    source.subscribe(lambda v: results.append(("value", v)), on_completed=completed)
    source.subscribe(lambda v: results.append(("value", v)), on_completed=completed)
    await asyncio.wait_for(done.wait(), timeout=5)
    assert calls == [1, 1]
    assert sorted(v for kind, v in results if kind == "value") == [1, 2]


async def test_dispose_cancels_the_running_task() -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow() -> int:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return 1

    heard: list[object] = []
    subscription = from_coroutine(slow).subscribe(heard.append, heard.append, lambda: heard.append("done"))
    await asyncio.wait_for(started.wait(), timeout=5)
    subscription.dispose()
    await asyncio.wait_for(cancelled.wait(), timeout=5)
    await asyncio.sleep(0)
    assert heard == []  # a disposed subscriber hears nothing, not even the cancellation


async def test_an_exception_is_the_error_notification() -> None:
    async def broken() -> int:
        raise ValueError("bad answer")

    failed: asyncio.Future[Exception] = asyncio.get_running_loop().create_future()
    from_coroutine(broken).subscribe(on_error=failed.set_result)
    error = await asyncio.wait_for(failed, timeout=5)
    with pytest.raises(ValueError, match="bad answer"):
        raise error
