"""``fanfare-rx sandbox``: serve the sandbox from the command line and print its start banner
(base URL, keys, how to call the API, experiences and what each is doing) one item per line;
``sandbox reset`` and ``sandbox status`` act on a running one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TextIO

from fanfare_rx.sandbox.clock import CLOCK_MODES
from fanfare_rx.sandbox.connections import ServerLimits
from fanfare_rx.sandbox.control import describe_experience
from fanfare_rx.sandbox.scenario import ScenarioError, load_scenario
from fanfare_rx.sandbox.server import DEFAULT_SEED, Sandbox

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SECRET_KEY",
    "add_arguments",
    "banner_lines",
    "port_number",
    "positive_float",
    "positive_int",
    "reset_remote",
    "run",
    "serve",
    "status_lines",
    "status_remote",
]

DEFAULT_PORT = 4802
#: The default scenario's secret key, which ``sandbox reset`` sends unless told otherwise.
DEFAULT_SECRET_KEY = "sk_test_fanfare_sandbox"


# --- argparse types -----------------------------------------------------------------------------

def positive_int(text: str) -> int:
    """An argparse ``type=``: a whole number > 0 (``--poll-ms``, ``--max-connections``).

    Usage: ``parser.add_argument("--poll-ms", type=positive_int)``
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse ``type=``: a finite number > 0 (``--speed``, ``--timeout``).

    Usage: ``parser.add_argument("--timeout", type=positive_float)``
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number greater than 0, got {text}")
    return value


def port_number(text: str) -> int:
    """An argparse ``type=``: a TCP port 0-65535 (0 picks a free one).

    Usage: ``parser.add_argument("--port", type=port_number)``
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {value}")
    return value


class _CheckClock(argparse.Action):
    """``--speed`` runs the real clock: refuse it together with ``--clock manual``."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        if namespace.clock == "manual" and namespace.speed is not None:
            parser.error("--speed applies to the real clock; it cannot be used with "
                         "--clock manual")


# --- parser -------------------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The sandbox subcommand's options, and its ``reset`` action.

    Usage: ``add_arguments(subparsers.add_parser("sandbox"))``
    """
    limits = ServerLimits()
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=port_number, default=DEFAULT_PORT,
                        help=f"TCP port, 0 for any free one (default {DEFAULT_PORT})")
    parser.add_argument("--scenario", metavar="FILE", help="scenario JSON (default: built-in)")
    parser.add_argument("--speed", type=positive_float, default=None, action=_CheckClock,
                        help="accelerate the real clock: N sandbox seconds per second")
    parser.add_argument("--clock", choices=CLOCK_MODES, default=None, action=_CheckClock,
                        help="real (default) or manual (advance via POST /_sandbox/clock/advance)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"seed of the draws (default {DEFAULT_SEED}: the first consumer "
                             "wins the default draw)")
    parser.add_argument("--max-connections", type=positive_int, default=limits.max_connections,
                        help="open connections kept at most; past it the least recently active "
                             f"one is closed (default {limits.max_connections})")
    parser.add_argument("--idle-timeout", type=positive_float, default=limits.idle_timeout,
                        help="close a connection that sends no complete request for S seconds "
                             f"(default {limits.idle_timeout:g})")
    actions = parser.add_subparsers(dest="sandbox_action", metavar="ACTION")
    reset = actions.add_parser("reset", help="start a running sandbox's scenario over",
                               description="Start the scenario of a running sandbox over "
                                           "(POST /_sandbox/reset): distributions afresh, "
                                           "consumers and tokens kept.")
    _add_remote(reset)
    reset.add_argument("--seed", dest="reset_seed", type=int, default=None,
                       help="a new seed for the draws (default: keep the current one)")
    status = actions.add_parser("status", help="say what each experience of a running sandbox "
                                                "is doing now and when it next changes",
                                description="Ask a running sandbox (GET /_sandbox/status) what "
                                            "each experience is doing now and when it next "
                                            "changes, in wall-clock time.")
    _add_remote(status)


def _add_remote(parser: argparse.ArgumentParser) -> None:
    """``--url`` and ``--secret-key`` of the actions that call a running sandbox."""
    parser.add_argument("--url", default=f"http://127.0.0.1:{DEFAULT_PORT}",
                        help=f"the sandbox's base URL (default http://127.0.0.1:{DEFAULT_PORT})")
    parser.add_argument("--secret-key", default=DEFAULT_SECRET_KEY,
                        help=f"the scenario's secret key (default {DEFAULT_SECRET_KEY})")


# --- banner -------------------------------------------------------------------------------------

def _duration(seconds: float) -> str:
    """``45 s``, ``4 min 10 s``, ``2 h 5 min`` (rounded to the second)."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole, 3600)
    return f"{hours} h {rest // 60} min" if rest // 60 else f"{hours} h"


def _now_line(experience: dict[str, Any], speed: float | None) -> str:
    """``open for entries, round 2; draws in 4 min 10 s, then reopens`` (``speed`` turns
    sandbox seconds into wall seconds; None keeps sandbox time)."""
    text = str(experience["doing"])
    seconds = experience.get("nextChangeInSeconds")
    if experience.get("nextChange") and seconds is not None:
        wall = float(seconds) / speed if speed else float(seconds)
        text += f"; {experience['nextChange']} in {_duration(wall)}"
        if experience.get("then"):
            text += f", then {experience['then']}"
    return text


def _wall_speed(clock: dict[str, Any]) -> float | None:
    return float(clock.get("speed") or 1.0) if clock.get("mode") == "real" else None


def status_lines(answer: dict[str, Any]) -> list[str]:
    """``GET /_sandbox/status`` as lines: the clock, then one line per experience saying what
    it is doing and when it next changes (wall-clock time on a real clock).

    Usage: ``print("\n".join(status_lines(sandbox.status())))``
    """
    clock = answer["clock"]
    speed = _wall_speed(clock)
    when = "times in wall-clock time" if speed is not None else "times in sandbox time"
    mode = clock["mode"] if clock.get("speed", 1) == 1 else f"{clock['mode']} x{clock['speed']:g}"
    lines = [f"sandbox clock {clock['now'][11:19]} UTC ({mode}, {when})"]
    width = max((len(e["label"]) for e in answer["experiences"]), default=0)
    lines += [f"{e['label']:<{width}}  {_now_line(e, speed)}" for e in answer["experiences"]]
    return lines


def banner_lines(sandbox: Sandbox) -> list[str]:
    """The start banner, one fact per line (at most 80 columns but the ``curl`` line); the last
    line starts with ``ready``.

    Usage: ``print("\\n".join(banner_lines(sandbox)))``
    """
    url, key = sandbox.base_url, sandbox.publishable_key
    guest = (f"curl -s -X POST {shlex.quote(url + '/auth/guest')} "
             f"-H {shlex.quote('X-Publishable-Key: ' + key)}")
    lines = [
        f"Fanfare sandbox (clock: {sandbox.world.clock.describe()}, seed {sandbox.seed})",
        f"base URL: {url}",
        f"organization id: {sandbox.organization_id}",
        f"publishable key: {key}",
        f"secret key: {sandbox.secret_key}",
        f"development OTP: {sandbox.otp_code}",
        f"bot check token: {sandbox.bot_check_token}",
        f"header on every API call: X-Publishable-Key: {key}",
        "header on consumer calls: Authorization: Bearer <accessToken of /auth/guest>",
        f"guest session: {guest}",
    ]
    lines += [f"access code ({label}): {code}" for label, code in sandbox.access_codes.items()]
    speed = _wall_speed(sandbox.status()["clock"])
    for experience, now in zip(sandbox.scenario.experiences, sandbox.status()["experiences"],
                               strict=True):
        lines.append(f"experience {experience.label}: {experience.id} "
                     f"({describe_experience(experience)})")
        lines.append(f"  now: {_now_line(now, speed)}")
    lines.append(f"status: fanfare-rx sandbox status --url {url}")
    lines.append(f"start over: fanfare-rx sandbox reset --url {url}")
    lines.append("ready: Ctrl-C stops")
    return lines


# --- serve / reset ------------------------------------------------------------------------------

async def serve(args: argparse.Namespace, out: TextIO = sys.stdout) -> None:
    """Start, print the banner, serve until SIGINT/SIGTERM, stop."""
    scenario = load_scenario(args.scenario) if args.scenario else None
    clock = args.clock or "real"
    limits = ServerLimits(max_connections=args.max_connections, idle_timeout=args.idle_timeout)
    sandbox = Sandbox(scenario, clock=clock, speed=args.speed, seed=args.seed, port=args.port,
                      host=args.host, limits=limits)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    await sandbox.start()
    try:
        print("\n".join(banner_lines(sandbox)), file=out, flush=True)
        await stop.wait()
    finally:
        await sandbox.stop()
        print("sandbox stopped", file=out, flush=True)


def reset_remote(url: str, secret_key: str = DEFAULT_SECRET_KEY, seed: int | None = None,
                 timeout: float = 10.0) -> dict[str, Any]:
    """``POST /_sandbox/reset`` on a running sandbox; returns its clock facts.

    Raises ``urllib.error.HTTPError`` (refused) or ``OSError`` (unreachable). Proxies from the
    environment are ignored, as the sandbox is normally local.

    Usage: ``reset_remote("http://127.0.0.1:4802", seed=7)["elapsedSeconds"] == 0``
    """
    body = json.dumps({} if seed is None else {"seed": seed}).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/_sandbox/reset", data=body, method="POST",
        headers={"Authorization": f"Bearer {secret_key}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def status_remote(url: str, secret_key: str = DEFAULT_SECRET_KEY,
                  timeout: float = 10.0) -> dict[str, Any]:
    """``GET /_sandbox/status`` of a running sandbox: its clock and what each experience is
    doing now and when it next changes. Raises as :func:`reset_remote`.

    Usage: ``status_remote("http://127.0.0.1:4802")["experiences"][1]["doing"]``
    """
    request = urllib.request.Request(url.rstrip("/") + "/_sandbox/status",
                                     headers={"Authorization": f"Bearer {secret_key}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def _remote(action: str, url: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """Call a running sandbox; print why on stderr and return None when that fails."""
    try:
        return call()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:200]
        print(f"fanfare-rx sandbox {action}: {url} answered {exc.code}: {detail}",
              file=sys.stderr)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"fanfare-rx sandbox {action}: cannot reach {url}: {reason}", file=sys.stderr)
    return None


def _reset(args: argparse.Namespace) -> int:
    answer = _remote("reset", args.url,
                     lambda: reset_remote(args.url, args.secret_key, args.reset_seed))
    if answer is None:
        return 1
    print(f"sandbox reset: {args.url} (seed {answer.get('seed')}, now {answer.get('now')})")
    return 0


def _status(args: argparse.Namespace) -> int:
    answer = _remote("status", args.url, lambda: status_remote(args.url, args.secret_key))
    if answer is None:
        return 1
    print("\n".join(status_lines(answer)))
    return 0


def run(args: argparse.Namespace) -> int:
    """Entry point of ``fanfare-rx sandbox``; returns the exit status.

    Usage: ``run(parser.parse_args(["sandbox", "--port", "0"]))``
    """
    action = getattr(args, "sandbox_action", None)
    if action == "reset":
        return _reset(args)
    if action == "status":
        return _status(args)
    try:
        asyncio.run(serve(args))
    except ScenarioError as exc:
        print(f"fanfare-rx sandbox: bad scenario: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"fanfare-rx sandbox: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"fanfare-rx sandbox: cannot serve: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover - signal handler normally wins
        return 0
    return 0
