"""An unwritable storage path does not make start() fail: the session lives in memory, one
warning is logged and the bus says ``storage:fallback`` once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from integration_helpers import BusEvents

from fanfare_rx import Fanfare, FileStorage
from fanfare_rx.client.storage import MemoryStorage
from fanfare_rx.sandbox import Sandbox

MakeFanfare = Callable[..., Awaitable[Fanfare]]


async def test_an_unwritable_storage_falls_back_to_memory_with_one_warning(
        sb: Sandbox, make_fanfare: MakeFanfare, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    fanfare = await make_fanfare(storage=FileStorage(blocker / "sessions"))
    events = BusEvents(fanfare)
    with caplog.at_level(logging.WARNING, logger="fanfare_rx"):
        assert await fanfare.restore() is None
        journey = fanfare.experiences.create_journey(sb.experiences["queue"])
        await journey.start()
        await journey.enter_queue()
        await fanfare.auth.refresh()
    assert journey.state.get().sequence_stage == "participating"
    assert events.names.count("storage:fallback") == 1
    assert isinstance(fanfare.sessions.storage, MemoryStorage)
    assert len([r for r in caplog.records if "not usable" in r.getMessage()]) == 1
