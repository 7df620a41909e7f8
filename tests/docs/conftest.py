"""Fixtures of the docs tests: the real ``redis-server`` of the Redis storage tests, reused
(not copied) for the README's Redis block."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_REDIS_TESTS = Path(__file__).resolve().parents[1] / "redis"
if str(_REDIS_TESTS) not in sys.path:  # that conftest imports its redis_helpers module
    sys.path.append(str(_REDIS_TESTS))
_spec = importlib.util.spec_from_file_location("redis_fixtures", _REDIS_TESTS / "conftest.py")
assert _spec is not None and _spec.loader is not None
_redis = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_redis)

redis_url = _redis.redis_url
