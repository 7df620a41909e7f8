"""Two OS processes sharing one FileStorage directory refresh the same session over and over:
the fcntl lock and the re-read inside it keep one consumer and no lost session."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from fanfare_rx.client.session import SessionManager
from fanfare_rx.client.storage import FileStorage
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi

pytestmark = pytest.mark.integration

WORKER = """
import asyncio, sys
from fanfare_rx.client.session import SessionManager
from fanfare_rx.client.storage import FileStorage
from fanfare_rx.wire.client import ConsumerApi

async def main(url, key, org, directory, rounds):
    seen = []
    sessions = SessionManager(org, storage=FileStorage(directory),
                              on_event=lambda name, payload: seen.append(name))
    async with ConsumerApi(url, key, organization_id=org, sessions=sessions) as api:
        await sessions.restore()
        for _ in range(rounds):
            await sessions.refresh()  # forced: every round rotates the shared tokens
            await api.get_me()
        print(sessions.session.consumer_id, seen.count("auth:error"),
              seen.count("auth:session_lost"), flush=True)

asyncio.run(main(*sys.argv[1:5], int(sys.argv[5])))
"""


async def test_two_processes_refreshing_one_file_keep_one_consumer(
        sandbox: Sandbox, tmp_path: Path) -> None:
    first = SessionManager(sandbox.organization_id, storage=FileStorage(tmp_path))
    async with ConsumerApi(sandbox.base_url, sandbox.publishable_key,
                           organization_id=sandbox.organization_id, sessions=first) as api:
        consumer = (await api.guest()).consumer_id
    # A slow refresh answer widens the window in which an unlocked second process would
    # present the token the first one just rotated out.
    sandbox.faults.set({"rules": [{"match": "POST /auth/refresh", "kind": "delay",
                                   "seconds": 0.05}]})
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    args = [sandbox.base_url, sandbox.publishable_key, sandbox.organization_id, str(tmp_path),
            "15"]
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", WORKER, *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE) for _ in range(2)]
    results = [await asyncio.wait_for(worker.communicate(), timeout=120) for worker in workers]
    for worker, (_, err) in zip(workers, results):
        assert worker.returncode == 0, err.decode()[-2000:]
    # consumer id, refreshes rejected, sessions lost: per process
    assert [out.decode().split() for out, _ in results] == [[consumer, "0", "0"]] * 2
    assert len(sandbox.world.accounts.consumers) == 1
    rotated = sandbox.world.accounts.sessions
    assert len(rotated) == 1 and not next(iter(rotated.values())).revoked
    restarted = SessionManager(sandbox.organization_id, storage=FileStorage(tmp_path),
                               base_url=sandbox.base_url)
    restored = await restarted.restore()
    assert restored is not None and restored.consumer_id == consumer
