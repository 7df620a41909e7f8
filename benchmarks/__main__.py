"""Run every benchmark: ``python -m benchmarks [--quick] [NAME ...]``; with one NAME, further
options go to it (``python -m benchmarks drop --shoppers 2000``).

Each ``benchmarks/bench_<name>.py`` has ``main(argv)``; ``--quick`` passes ``--quick`` to each,
which runs it at a tiny size (the test suite's smoke test does that; figures from a quick run
mean nothing).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def names() -> list[str]:
    """The benchmark names, ``bench_`` dropped: ``["fold", "sandbox", ...]``."""
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules([str(HERE)])
                  if m.name.startswith("bench_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("only", nargs="*", metavar="NAME", help=f"some of: {', '.join(names())}")
    args, extra = parser.parse_known_args(argv)
    chosen = args.only or names()
    if extra and len(chosen) != 1:
        parser.error(f"options {' '.join(extra)} need exactly one benchmark named")
    unknown = sorted(set(chosen) - set(names()))
    if unknown:
        parser.error(f"unknown benchmark {unknown[0]!r} (choose from {', '.join(names())})")
    for name in chosen:
        module = importlib.import_module(f"benchmarks.bench_{name}")
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module.main([*(["--quick"] if args.quick else []), *extra])
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
