"""Fixtures for the example app's browser tests: a sandbox on a manual clock, the waiting-room
app on a free port, and the operating system's Chromium driven by Playwright (never skipped
in CI: a missing Chromium fails there)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from fanfare_rx.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
#: Screenshots of every step, for a person to look at.
SHOTS = Path(os.environ.get("WAITING_ROOM_SHOTS", ROOT / ".screenshots"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def _example() -> Any:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        return importlib.import_module("waiting_room.app")
    finally:
        sys.path.remove(str(ROOT / "examples"))


@pytest.fixture
def example() -> Any:
    """The example app's module (``examples/waiting_room/app.py``)."""
    return _example()


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(clock="manual", seed=0) as running:
        yield running


@pytest.fixture
async def served(sb: Sandbox, example: Any) -> AsyncIterator[tuple[web.AppRunner, str]]:
    """The example app on 127.0.0.1 (polling every 300 ms while a tab listens): its runner and
    its URL; stopped at the end unless the test stopped it."""
    target = example.Target(sb.base_url, sb.organization_id, sb.publishable_key,
                            dict(sb.experiences))
    runner = web.AppRunner(example.make_app(target, auto_polling=300))
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield runner, f"http://127.0.0.1:{port}"
    finally:
        if runner.server is not None:
            await runner.cleanup()


@pytest.fixture
def site(served: tuple[web.AppRunner, str]) -> str:
    """The example app's URL."""
    return served[1]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}: .ci/run installs it (apt chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM} (outside CI only; CI installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                    args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
