"""A Ray started by ``RayBackend`` uses token authentication (Ray's default for a local cluster)
asked for explicitly, so Ray prints no warning that it chose it; a mode the user set, a cluster
joined, or Ray imported before are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from fanfare_rx.fleet.backends import _ask_for_token_auth

#: A fresh process: the backend starts a one-CPU Ray, runs one task, and says Ray's mode.
_SCRIPT = textwrap.dedent("""
    import asyncio
    from fanfare_rx.fleet import RayBackend

    asyncio.run(RayBackend(num_cpus=1).prepare())
    import ray
    from ray._raylet import get_authentication_mode

    print("task", ray.get(ray.remote(lambda: 41 + 1).remote()))
    print("mode", int(get_authentication_mode()))
    ray.shutdown()
""")


def test_a_local_ray_asks_for_token_auth_and_prints_no_warning() -> None:
    env = {name: value for name, value in os.environ.items()
           if name not in ("RAY_AUTH_MODE", "RAY_ADDRESS")}
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                          text=True, timeout=240, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "task 42" in done.stdout and "mode 1" in done.stdout, output  # 1: TOKEN
    assert "Token authentication is enabled" not in output
    assert "RAY_AUTH_MODE" not in output


def test_a_mode_set_a_cluster_joined_or_ray_imported_is_left_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    assert not _ask_for_token_auth(None)
    assert os.environ["RAY_AUTH_MODE"] == "disabled"
    monkeypatch.delenv("RAY_AUTH_MODE")
    assert not _ask_for_token_auth("ray://head:10001")
    assert "ray" in sys.modules  # the fleet tests' conftest imported it
    assert not _ask_for_token_auth(None)
    assert "RAY_AUTH_MODE" not in os.environ
    monkeypatch.delitem(sys.modules, "ray")
    assert _ask_for_token_auth(None)
    assert os.environ["RAY_AUTH_MODE"] == "token"
