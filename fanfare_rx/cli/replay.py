"""``fanfare-rx replay FILE``: a recorded journey's timeline (each folded message with its time
and the stages it moved to); ``--as-test [PATH]`` writes a pytest test that scripts the
recorded server answers on a ``JourneyHarness`` and drives the recorded actions at their
times, so a shopper's recording becomes a regression test.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import attrs

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core import messages as m
from fanfare_rx.journey.recorder import FlightRecording, message_to_json, read_recording
from fanfare_rx.models.journey import JourneySnapshot

__all__ = [
    "add_replay_arguments",
    "as_test_source",
    "describe",
    "run_replay_command",
    "timeline",
]

#: ``--as-test`` alone writes the test to standard output.
STDOUT = "-"


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    """``FILE`` and ``--as-test [PATH]``. Usage: ``add_replay_arguments(subparser)``"""
    parser.add_argument("file", metavar="FILE", help="a recording written by journey.record()")
    parser.add_argument(
        "--as-test", dest="as_test", nargs="?", const=STDOUT, default=None, metavar="PATH",
        help="write a pytest test reproducing the journey (to PATH, or standard output)")


def run_replay_command(args: argparse.Namespace) -> int:
    """Print the timeline, or write the test. Exit 0, or 2 for a file that is no recording.

    Usage: ``run_replay_command(build_parser().parse_args(["replay", "journey.jsonl"]))``
    """
    try:
        recording = read_recording(args.file)
    except (OSError, UsageError) as exc:
        print(f"fanfare-rx replay: error: {exc}", file=sys.stderr)
        return 2
    if args.as_test is None:
        for line in timeline(recording):
            print(line)
        return 0
    source = as_test_source(recording, name=Path(args.file).name)
    if args.as_test == STDOUT:
        sys.stdout.write(source)
    else:
        Path(args.as_test).write_text(source, encoding="utf-8")
        print(f"wrote {args.as_test}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------------------------
# The timeline


def _stages(snapshot: JourneySnapshot) -> str:
    return f"{snapshot.journey_stage.value} / {snapshot.sequence_stage.value}"


def describe(message: m.Message) -> str:
    """One message in a few words (secrets never shown: the recording holds none).

    Usage: ``describe(Tick(at=5))`` -> ``'Tick'``
    """
    name = type(message).__name__
    match message:
        case m.ActionRequested(action=action, value=value):
            shown = str(getattr(action, "value", action))
            return f"{name} {shown}" + (f" {value!r}" if value is not None else "")
        case m.StatusReceived(state=state):
            status = getattr(state, "STATUS", None) or getattr(state, "status", None)
            status = getattr(status, "value", status)
            position = getattr(state, "position", None)
            return f"{name} {type(state).__name__} {status}" + (
                f" position {position}" if position is not None else "")
        case m.RouteResolved(result=result, follow=follow):
            outcome = getattr(result, "OUTCOME", None)
            return f"{name} {getattr(outcome, 'value', outcome)}" + ("" if follow else " (probe)")
        case m.ActionFailed(action=action, code=code, status=status):
            return f"{name} {getattr(action, 'value', action)} {code}" + (
                f" ({status})" if status is not None else "")
        case m.WaitlistChanged(entered=entered):
            return f"{name} {'entered' if entered else 'left'}"
        case _:
            return name


def timeline(recording: FlightRecording) -> Iterator[str]:
    """The lines ``fanfare-rx replay FILE`` prints: a header, then per message its time since
    the first one, what it was and the stages it moved to (``·`` when unchanged).

    Usage: ``print("\\n".join(timeline(read_recording("journey.jsonl"))))``
    """
    first = recording.messages[0].at if recording.messages else recording.snapshot.updated_at
    started = datetime.fromtimestamp(first / 1000, UTC).isoformat(timespec="milliseconds")
    yield (f"journey {recording.experience_id}: {len(recording.messages)} messages from "
           f"{started}, starting at {_stages(recording.snapshot)}")
    for message, snapshot, changed in recording.steps():
        stages = _stages(snapshot) if changed else "·"
        yield f"{(message.at - first) / 1000:+10.3f}s  {describe(message):<52} {stages}"


# --------------------------------------------------------------------------------------------
# The generated test

#: The port calls answering a sequence action with a consumer state, in order (an auction is
#: entered, then bid in).
_STATE_METHODS: dict[str, tuple[str, ...]] = {
    "enter_queue": ("enter",), "enter_draw": ("enter",), "enter_timed_release": ("enter",),
    "enter_auction": ("enter", "place_bid"), "place_bid": ("place_bid",),
    "leave_participation": ("leave",), "complete_timed_release": ("complete",),
    "book_appointment": ("book_appointment",), "cancel_appointment": ("cancel_appointment",),
    "reschedule_appointment": ("reschedule_appointment",),
    "enter_waitlist": ("enter_waitlist",), "leave_waitlist": ("leave_waitlist",),
}


@attrs.define
class _Script:
    answers: list[tuple[str, str, str]] = attrs.Factory(list)  # (method, attribute, json line)
    actions: list[tuple[float, str]] = attrs.Factory(list)  # (seconds, python expression)
    pending: list[str] = attrs.Factory(list)
    flow_open: bool = False
    last_route: str | None = None
    experience: str | None = None

    def answer(self, method: str, attribute: str, message: m.Message) -> None:
        self.answers.append((method, attribute, message_to_json(message)))


def _action_expression(message: m.ActionRequested) -> str:
    action = str(getattr(message.action, "value", message.action))
    if message.value is not None:
        return f"lambda j: j.request(_value({message_to_json(message)!r}))"
    if message.arg is not None:
        return f"({action!r}, {message.arg!r})"
    return repr(action)


def _script_of(recording: FlightRecording) -> _Script:
    script = _Script()
    first = recording.messages[0].at if recording.messages else 0
    for message in recording.messages:
        seconds = (message.at - first) / 1000
        match message:
            case m.ActionRequested(action=action):
                name = str(getattr(action, "value", action))
                script.actions.append((seconds, _action_expression(message)))
                script.pending = list(_STATE_METHODS.get(name, ()))
                script.flow_open = True
            case m.ExperienceLoaded():
                script.answer("load_experience", "experience", message)
            case m.RouteResolved():
                script.answer("load_experience", "experience", message)
                script.answer("route", "result", message)
                script.last_route = message_to_json(message)
            case m.StatusReceived():
                if script.pending:
                    script.answer(script.pending.pop(0), "state", message)
                else:
                    if not script.flow_open:  # a poll: asked for again at its time
                        script.actions.append((seconds, "'refresh_distribution'"))
                        if script.last_route is not None:
                            script.answers.append(("route", "result", script.last_route))
                    script.answer("fetch_status", "state", message)
                script.flow_open = False
            case m.AdmissionMarked(token=token, expires_at=expires_at):
                script.actions.append((seconds, f"lambda j: j.mark_admitted({token!r}, {expires_at!r})"))
            case m.GrantClaimed():
                script.actions.append((seconds, "lambda j: j.mark_checkout_started()"))
            case m.EventAcked(event_id=event_id):
                script.actions.append((seconds, f"lambda j: j.ack_event({event_id!r})"))
            case m.AllEventsAcked():
                script.actions.append((seconds, "lambda j: j.ack_all_events()"))
            case m.WaitlistChanged():
                if script.pending:
                    script.answer(script.pending.pop(0), "waitlist", message)
                script.flow_open = False
            case m.ActionFailed():
                if script.pending:  # the call that failed: it raises the recorded error again
                    script.answer(script.pending.pop(0), "error", message)
                    script.pending.clear()
                script.flow_open = False
            case _:
                pass
    return script


def _stage_path(recording: FlightRecording) -> list[tuple[str, str]]:
    path = [(recording.snapshot.journey_stage.value, recording.snapshot.sequence_stage.value)]
    for _, snapshot, _ in recording.steps():
        stages = (snapshot.journey_stage.value, snapshot.sequence_stage.value)
        if stages != path[-1]:
            path.append(stages)
    return path


_TEMPLATE = '''"""Reproduces the recorded journey {name} ({count} messages): the recorded server answers are
scripted on a JourneyHarness (each answers at once), the shopper's actions run at their recorded
times, and the journey goes through the recorded stages.

Written by ``fanfare-rx replay {name} --as-test``; secrets are the recording's stand-ins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reactivex.testing import TestScheduler

from fanfare_rx.errors import FanfareError
from fanfare_rx.journey.recorder import message_from_json
from fanfare_rx.models import wire
from fanfare_rx.testing import JourneyHarness

EXPERIENCE_ID = {experience_id!r}
#: The recording's first message and its last, in seconds of the journey's clock.
STARTED_AT = {started!r}
ENDED_AT = {ended!r}

#: (port method, the message attribute that is its answer, the recorded message), in order.
ANSWERS: list[tuple[str, str, str]] = [
{answers}]

#: (seconds since the first message, the action: a name, (name, arg) or a callable).
ACTIONS: list[tuple[float, Any]] = [
{actions}]

#: The (journey stage, sequence stage) the recorded journey went through.
STAGES: list[tuple[str, str]] = [
{stages}]


def _value(line: str) -> Any:
    return message_from_json(line).value  # type: ignore[union-attr]


def _script(h: JourneyHarness, method: str, attribute: str, line: str) -> None:
    message: Any = message_from_json(line)
    if attribute == "error":  # the recorded failure, raised again by the same call
        server = {{"minBid": message.min_bid, "currentHighest": message.current_highest}}
        error = FanfareError(message.message, code=message.code, status=message.status,
                             retryable=message.retryable,
                             details={{"action": message.hint, "details": server}})
        h.server.script(method, "#", error=error)
    elif attribute == "waitlist":
        entered_at = (None if message.entered_at is None
                      else datetime.fromtimestamp(message.entered_at / 1000, UTC))
        h.server.script(method, "(a|)", a=wire.WaitlistStatus(
            waitlist_id=message.waitlist_id, is_entered=message.entered, entered_at=entered_at))
    else:
        h.server.script(method, "(a|)", a=getattr(message, attribute))


def test_the_recorded_journey_goes_through_its_stages() -> None:
    scheduler = TestScheduler()
    scheduler.advance_to(STARTED_AT)  # the recorded times: grants expire when they did
    h = JourneyHarness(experience_id=EXPERIENCE_ID, scheduler=scheduler)
    for method, attribute, line in ANSWERS:
        _script(h, method, attribute, line)
    seen: list[tuple[str, str]] = []

    def follow(snapshot: Any) -> None:
        stages = (snapshot.journey_stage.value, snapshot.sequence_stage.value)
        if not seen or seen[-1] != stages:
            seen.append(stages)

    h.journey.state.subscribe(follow)
    now = 0.0
    for at, action in ACTIONS:
        h.advance(at - now)
        now = at
        h.act("a", a=action)
    h.advance(ENDED_AT - now + 1)
    assert seen == STAGES
    h.server.assert_all_scripted()
    h.destroy()
'''


def as_test_source(recording: FlightRecording, *, name: str = "journey.jsonl") -> str:
    """The pytest module ``--as-test`` writes for ``recording``.

    Usage: ``Path("test_bug.py").write_text(as_test_source(read_recording("bug.jsonl")))``
    """
    script = _script_of(recording)
    times = [message.at / 1000 for message in recording.messages] or [0.0]
    return _TEMPLATE.format(
        started=times[0], ended=times[-1] - times[0],
        name=name, count=len(recording.messages), experience_id=recording.experience_id,
        answers="".join(f"    ({method!r}, {attr!r},\n     {line!r}),\n"
                        for method, attr, line in script.answers),
        actions="".join(f"    ({seconds!r}, {expression}),\n" for seconds, expression in script.actions),
        stages="".join(f"    {stage!r},\n" for stage in _stage_path(recording)),
    )
