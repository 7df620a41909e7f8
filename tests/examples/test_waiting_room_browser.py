"""The example waiting-room app (examples/waiting_room) in a real browser (the system's
Chromium through Playwright) against the sandbox: a queue to claim, an access-code gate, a
draw, an auction bid, and two tabs on one shopper. A screenshot is taken at every step."""

from __future__ import annotations

import re
from typing import Any

from conftest import SHOTS

from fanfare_rx.sandbox import Sandbox

TIMEOUT = 10_000


async def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _phase(page: Any, phase: str) -> None:
    await page.wait_for_selector(f'#phase[data-phase="{phase}"]', timeout=TIMEOUT)


async def _open(browser: Any, site: str, label: str) -> tuple[Any, Any]:
    context = await browser.new_context(viewport={"width": 640, "height": 720})
    page = await context.new_page()
    await page.goto(f"{site}/x/{label}")
    await _phase(page, "ready")
    return context, page


async def _click(page: Any, action: str) -> None:
    await page.click(f'button[data-action="{action}"]', timeout=TIMEOUT)


async def test_queue_to_claim(sb: Sandbox, site: str, browser: Any) -> None:
    context, page = await _open(browser, site, "queue")
    await _shot(page, "queue-1-ready")
    await _click(page, "start")
    await _phase(page, "enterable")
    await _shot(page, "queue-2-enterable")
    await _click(page, "enter")
    await _phase(page, "participating")
    await page.wait_for_selector("#position:not(:empty)", timeout=TIMEOUT)
    assert int(await page.text_content("#position") or "0") > 0
    assert "Estimated wait" in (await page.text_content("#wait") or "")
    await _shot(page, "queue-3-in-line")
    await sb.advance(120)  # the queue admits 60 a minute: our turn comes
    await _phase(page, "granted")
    countdown = page.locator('.countdown[data-kind="grant_expires_in"]')
    await countdown.wait_for(timeout=TIMEOUT)
    assert re.search(r"expires in \d+:\d\d", await countdown.text_content() or "")
    await _shot(page, "queue-4-granted")
    await _click(page, "claim")
    await page.wait_for_selector('button[data-action="claim"]', state="detached", timeout=TIMEOUT)
    await page.wait_for_selector('#outcome:has-text("Checkout started")', timeout=TIMEOUT)
    await _shot(page, "queue-5-claimed")
    await context.close()


async def test_access_code_gate(site: str, browser: Any) -> None:
    context, page = await _open(browser, site, "vip")
    await _click(page, "start")
    await _phase(page, "enterable")
    assert "General queue" in (await page.text_content("#phase") or "")
    await page.wait_for_selector("#code-form:not([hidden])", timeout=TIMEOUT)
    await _shot(page, "gate-1-offer")
    await page.fill("#code", "NOPE")
    await page.click("#code-form button")
    await page.wait_for_timeout(300)
    assert "General queue" in (await page.text_content("#phase") or "")  # nothing unlocked
    await page.fill("#code", "VIP2024")
    await page.click("#code-form button")
    await page.wait_for_selector('#phase:has-text("VIP early access")', timeout=TIMEOUT)
    await _shot(page, "gate-2-vip")
    await context.close()


async def test_draw(sb: Sandbox, site: str, browser: Any) -> None:
    context, page = await _open(browser, site, "draw")
    await _click(page, "start")
    await _phase(page, "enterable")
    await _click(page, "enter")
    await _phase(page, "participating")
    countdown = page.locator('.countdown[data-kind="draw_at"]')
    await countdown.wait_for(timeout=TIMEOUT)
    assert re.search(r"Draw in [45]:\d\d", await countdown.text_content() or "")
    await _shot(page, "draw-1-entered")
    await sb.advance(301)
    await page.wait_for_selector('#phase[data-phase="granted"], #phase[data-phase="ended"]',
                                 timeout=TIMEOUT)
    await _shot(page, "draw-2-result")
    await context.close()


async def test_auction_bid(site: str, browser: Any) -> None:
    context, page = await _open(browser, site, "auction")
    await _click(page, "start")
    await _phase(page, "enterable")
    await page.wait_for_selector("#bid-form:not([hidden])", timeout=TIMEOUT)
    assert "Minimum next bid 100.00" in (await page.text_content("#bids") or "")
    await _shot(page, "auction-1-enterable")
    await page.fill("#bid", "99")
    await page.click("#bid-form button")
    await page.wait_for_selector("#error:not(:empty)", timeout=TIMEOUT)
    await _shot(page, "auction-2-too-low")
    await page.fill("#bid", "150.00")
    await page.click("#bid-form button")
    await _phase(page, "participating")
    await page.wait_for_selector('#bids:has-text("Your bid 150.00")', timeout=TIMEOUT)
    assert await page.locator('.countdown[data-kind="auction_ends_in"]').count() == 1
    await _shot(page, "auction-3-bid")
    await context.close()


async def test_two_tabs_one_shopper(site: str, browser: Any) -> None:
    context, first = await _open(browser, site, "queue")
    second = await context.new_page()  # same cookie: the same shopper, the same journey
    await second.goto(f"{site}/x/queue")
    await _click(first, "start")
    await _phase(second, "enterable")
    await _click(second, "enter")
    await _phase(first, "participating")
    await first.wait_for_selector("#position:not(:empty)", timeout=TIMEOUT)
    position = await first.text_content("#position")
    await second.wait_for_selector(f'#position:has-text("{position}")', timeout=TIMEOUT)
    await _shot(first, "tabs-1-first")
    await _shot(second, "tabs-2-second")
    await _click(first, "leave")
    await _phase(second, "enterable")  # one place, left once, seen in both tabs
    await _shot(second, "tabs-3-left")
    await context.close()
