"""Fixtures of the docs tests: the real ``redis-server`` of the Redis storage tests, reused
(not copied) for the README's Redis block."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "redis_fixtures", Path(__file__).resolve().parents[1] / "redis" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_redis = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_redis)

redis_url = _redis.redis_url
