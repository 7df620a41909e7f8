"""A sandbox for a crowd, in a child process of its own (its own event loop and core, so it
shares nothing with the shoppers' loops): the scenario, the process, its CPU time.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from fanfare_rx.errors import ConfigError

__all__ = ["DROP_MAX_CONNECTIONS", "DROP_REQUESTS_PER_MINUTE", "SandboxProcess", "drop_scenario", "process_cpu_seconds"]

#: Per-caller request limit of a drop scenario: high enough that only the server's speed limits.
DROP_REQUESTS_PER_MINUTE = 10_000_000

#: Connections a drop's sandbox keeps open (one per running shopper; the sandbox's own default,
#: 512, would close the oldest of a larger crowd's connections mid-request).
DROP_MAX_CONNECTIONS = 16_384

_BANNER_TIMEOUT = 60.0


def drop_scenario(*, admit_rate: float | None = None,
                  requests_per_minute: int = DROP_REQUESTS_PER_MINUTE) -> dict[str, Any]:
    """The built-in scenario made ready for a crowd of real shoppers: no simulated crowd, the
    rate limit out of the way, and every queue admitting ``admit_rate`` per sandbox minute.

    Usage: ``SandboxProcess(drop_scenario(admit_rate=6000), speed=10)``
    """
    text = resources.files("fanfare_rx.sandbox").joinpath("default_scenario.json").read_text()
    data: dict[str, Any] = json.loads(text)
    data["requestsPerMinute"] = requests_per_minute
    for experience in data["experiences"]:
        for sequence in experience["sequences"]:
            distribution = sequence.get("distribution") or {}
            if "crowd" in distribution:
                distribution["crowd"] = 0
            if distribution.get("type") == "queue" and admit_rate is not None:
                distribution["admitRate"] = admit_rate
    return data


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds of a process (Linux ``/proc``), None where unknown.

    Usage: ``process_cpu_seconds(os.getpid())``
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class SandboxProcess:
    """``fanfare-rx sandbox`` on a free loopback port in a child process; its banner read back.

    Args:
        scenario: a scenario dict (default: :func:`drop_scenario`).
        speed: sandbox seconds per real second.
        max_connections: open connections the sandbox keeps (past it, it closes the least
            recently active): a shopper holds one while it runs, so this is set for a crowd.

    Usage::

        with SandboxProcess(drop_scenario(admit_rate=6000), speed=10) as sandbox:
            target = FleetTarget(sandbox.base_url, sandbox.organization_id,
                                 sandbox.publishable_key, sandbox.experiences["queue"])
    """

    def __init__(self, scenario: Mapping[str, Any] | None = None, *, speed: float = 10.0,
                 max_connections: int = DROP_MAX_CONNECTIONS) -> None:
        if speed <= 0:
            raise ConfigError(f"speed must be positive, got {speed}")
        if max_connections < 1:
            raise ConfigError(f"max_connections must be positive, got {max_connections}")
        self.max_connections = max_connections
        self.scenario = dict(scenario) if scenario is not None else drop_scenario()
        self.speed = speed
        self.base_url = ""
        self.organization_id = ""
        self.publishable_key = ""
        self.experiences: dict[str, str] = {}
        self._process: subprocess.Popen[str] | None = None
        self._scenario_file: str | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the sandbox process is not started")
        return self._process.pid

    def cpu_seconds(self) -> float | None:
        """CPU seconds the sandbox process used so far (None off Linux)."""
        return process_cpu_seconds(self.pid)

    def start(self) -> Self:
        """Start the process and wait for its banner (a few seconds at most)."""
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(self.scenario, file)
        self._scenario_file = file.name
        self._process = subprocess.Popen(
            [sys.executable, "-m", "fanfare_rx.cli", "sandbox", "--port", "0",
             "--speed", str(self.speed), "--scenario", file.name,
             "--max-connections", str(self.max_connections)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        atexit.register(self.stop)  # an interpreter that exits leaves no sandbox behind
        try:
            self._read_banner(self._process)
        except BaseException:
            self.stop()
            raise
        return self

    def _read_banner(self, process: subprocess.Popen[str]) -> None:
        stdout: IO[str] | None = process.stdout
        assert stdout is not None
        # A hung start is killed by the watchdog, which ends the readline below.
        watchdog = threading.Timer(_BANNER_TIMEOUT, process.kill)
        watchdog.start()
        try:
            expected = len(self.scenario.get("experiences", []))
            while not (self.publishable_key and len(self.experiences) >= expected):
                line = stdout.readline()
                if not line:
                    raise RuntimeError(f"the sandbox process ended (status {process.wait()})")
                self._read_line(line.strip())
        finally:
            watchdog.cancel()

    def _read_line(self, line: str) -> None:
        key, _, value = line.partition(": ")
        if key == "base URL":
            self.base_url = value
        elif key == "organization id":
            self.organization_id = value
        elif key == "publishable key":
            self.publishable_key = value
        elif key.startswith("experience "):
            self.experiences[key.removeprefix("experience ")] = value.split(" ", 1)[0]

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL after 10 s) and remove the scenario file."""
        process, self._process = self._process, None
        atexit.unregister(self.stop)
        if process is not None:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._scenario_file is not None:
            Path(self._scenario_file).unlink(missing_ok=True)
            self._scenario_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
