"""The journey's flight recorder: every message the journey folds (actions, server answers,
ticks, each with its ``at`` time) as JSON lines, secrets redacted, and :func:`replay`, which
folds a recording offline through the same fold step and yields the snapshots the live
journey had.

What a replayed snapshot holds for a secret: the recording never holds a token, grant, access
code or OTP in full, only the stand-in of :func:`~fanfare_rx.models._redact.redact`, so a
replayed snapshot holds that stand-in where the live one held the secret. Compare the two with
:func:`redacted` on both sides: ``redacted(live) == redacted(replayed)`` at every step.

The file: a header line ``{"recording": 1, "experienceId": ..., "snapshot": {...}}`` (the
snapshot when recording started, as the docs' ``JourneySnapshot`` JSON), then one line per
message ``{"$type": "StatusReceived", "at": ..., ...}`` in the wire codec's camelCase.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Self, TypeVar, get_args

import attrs
import cattrs
import reactivex
from reactivex import operators as ops

from fanfare_rx.errors import UsageError
from fanfare_rx.journey.core.fold import fold
from fanfare_rx.journey.core.messages import ConsumerState, Message
from fanfare_rx.journey.operators import fold_journey
from fanfare_rx.mechanisms import registry
from fanfare_rx.models._html import SECRET_KEYS
from fanfare_rx.models._redact import redact
from fanfare_rx.models.actions import ShopperAction
from fanfare_rx.models.journey import JourneyAction, JourneySnapshot, SequenceAction
from fanfare_rx.wire._converter import make_converter
from fanfare_rx.wire.codec import snapshot_from_json, snapshot_to_json

__all__ = [
    "RECORDING_VERSION",
    "FlightRecorder",
    "FlightRecording",
    "message_from_json",
    "message_to_json",
    "read_recording",
    "redacted",
    "replay",
]

T = TypeVar("T")

log = logging.getLogger("fanfare_rx.journey")

#: The format version written in a recording's header line.
RECORDING_VERSION = 1
_TAG = "$type"
# What redact() writes: a secret already redacted stays as it is (redaction is idempotent).
_STAND_IN = re.compile(r"'[^']{0,6}…\[redacted, \d+ chars\]'")


# --------------------------------------------------------------------------------------------
# Redaction: the fields declared secret (``repr=redact``) and secret keys of mappings


def _secret(value: str) -> str:
    return value if not value or _STAND_IN.fullmatch(value) else redact(value)


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and key.lower().replace("-", "_") in SECRET_KEYS


def redacted(value: T) -> T:
    """``value`` with every secret replaced by its redacted stand-in: the attrs fields declared
    secret (``repr=redact``: tokens, grants, access codes, confirmation codes) and the secret
    keys of mappings (requirement metadata, event details). Idempotent; unchanged parts are
    shared, not copied.

    Usage: ``assert redacted(live_snapshot) == redacted(replayed_snapshot)``
    """
    return _redacted(value)  # type: ignore[no-any-return]


def _redacted(value: Any) -> Any:
    if attrs.has(type(value)):
        changes: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            if not field.init:
                continue
            current = getattr(value, field.name)
            if field.repr is redact and isinstance(current, str):
                new = _secret(current)
            else:
                new = _redacted(current)
            if new is not current:
                changes[field.alias or field.name] = new
        return attrs.evolve(value, **changes) if changes else value
    if isinstance(value, tuple):
        fields = getattr(value, "_fields", None)
        if fields is not None:  # a named tuple (a Standing's grant)
            swaps = {name: _secret(item) for name, item in zip(fields, value, strict=True)
                     if _is_secret_key(name) and isinstance(item, str)}
            swaps = {k: v for k, v in swaps.items() if v is not getattr(value, k)}
            return value._replace(**swaps) if swaps else value  # type: ignore[attr-defined]
        items = tuple(_redacted(item) for item in value)
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if isinstance(value, Mapping):
        changed = False
        out: dict[Any, Any] = {}
        for key, item in value.items():
            new = _secret(item) if _is_secret_key(key) and isinstance(item, str) else _redacted(item)
            changed = changed or new is not item
            out[key] = new
        return type(value)(out) if changed and isinstance(value, dict) else (out if changed else value)
    return value


# --------------------------------------------------------------------------------------------
# The message codec: the wire codec's converter, the unions tagged by class name


def _register_tagged(conv: cattrs.Converter, union: Any,
                     more: Callable[[], tuple[type, ...]] = tuple) -> None:
    """Tag ``union`` (and ``union | None``) by class name; ``more`` adds members known only at
    run time (the state types of plug-in mechanisms)."""
    static = tuple(get_args(union))
    classes = frozenset(static)

    def members() -> dict[str, type]:
        return {cls.__name__: cls for cls in (*static, *more())}

    def matches(t: Any) -> bool:  # the union itself or the union | None
        args = frozenset(get_args(t)) - {type(None)}
        return bool(args) and args == classes

    def unstructure(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        if type(value).__name__ not in members():
            raise TypeError(f"{type(value).__name__} is no member of {sorted(members())}")
        body = conv.unstructure(value, type(value))
        return {_TAG: type(value).__name__, **(body if isinstance(body, dict) else {})}

    def structure(value: Any, _: Any) -> Any:
        if value is None:
            return None
        known = members()
        if not isinstance(value, Mapping) or value.get(_TAG) not in known:
            raise ValueError(f"expected one of {sorted(known)} tagged {_TAG!r}, got {value!r}")
        body = {k: v for k, v in value.items() if k != _TAG}
        return conv.structure(body, known[value[_TAG]])

    conv.register_unstructure_hook_func(matches, unstructure)
    conv.register_structure_hook_func(matches, structure)


def _registered_state_types() -> tuple[type, ...]:
    return tuple(cls for spec in registry.registered() for cls in spec.state_types)


def _structure_action_name(value: Any, _: Any) -> JourneyAction | SequenceAction | str:
    if not isinstance(value, str):
        raise TypeError(f"an action name is a string, got {value!r}")
    for enum in (JourneyAction, SequenceAction):
        try:
            return enum(value)
        except ValueError:
            pass
    return value


def _make_message_converter() -> cattrs.Converter:
    conv = make_converter()
    _register_tagged(conv, Message)
    _register_tagged(conv, ShopperAction)
    _register_tagged(conv, ConsumerState, _registered_state_types)
    action_name = JourneyAction | SequenceAction | str
    conv.register_structure_hook_func(lambda t: t == action_name, _structure_action_name)
    conv.register_unstructure_hook_func(lambda t: t == action_name, lambda v: str(getattr(v, "value", v)))
    return conv


_converter = _make_message_converter()


def message_to_json(message: Message) -> str:
    """One message as a JSON line (no newline), secrets redacted.

    Usage: ``message_to_json(Tick(at=1000))`` -> ``'{"$type":"Tick","at":1000}'``
    """
    body = _converter.unstructure(redacted(message), Message)
    return json.dumps(body, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


def message_from_json(text: str | bytes) -> Message:
    """Inverse of :func:`message_to_json`; a line that is no message raises :class:`UsageError`.

    Usage: ``message_from_json('{"$type":"Tick","at":1000}')`` -> ``Tick(at=1000)``
    """
    try:
        message: Message = _converter.structure(json.loads(text), Message)  # type: ignore[arg-type]
    except Exception as exc:
        raise UsageError(f"not a recorded journey message: {exc}") from exc
    return message


# --------------------------------------------------------------------------------------------
# Writing


class FlightRecorder:
    """An open recording: :meth:`write` appends one message (flushed at once, so a crash loses
    nothing folded); :meth:`close` ends it. Made by ``journey.record(path)``.

    Usage: ``with journey.record("journey.jsonl"): await journey.start()``
    """

    __slots__ = ("_file", "error", "path")

    def __init__(self, path: Path, file: IO[str]) -> None:
        self.path = path
        self._file: IO[str] | None = file
        #: Why the recording stopped early (None while it runs or after :meth:`close`).
        self.error: Exception | None = None

    @classmethod
    def open(cls, path: str | os.PathLike[str], snapshot: JourneySnapshot) -> FlightRecorder:
        """Start a recording at ``path`` (overwritten) from ``snapshot``; a path that cannot be
        written raises :class:`UsageError` at once.

        Usage: ``FlightRecorder.open("journey.jsonl", journey.state.get())``
        """
        target = Path(path)
        try:
            file = target.open("w", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot record the journey to {str(target)!r}: {exc.strerror or exc}") from exc
        header = {"recording": RECORDING_VERSION, "experienceId": snapshot.context.experience_id,
                  "snapshot": json.loads(snapshot_to_json(redacted(snapshot)))}
        file.write(json.dumps(header, separators=(",", ":"), ensure_ascii=False) + "\n")
        file.flush()
        return cls(target, file)

    @property
    def closed(self) -> bool:
        """Whether the recording ended."""
        return self._file is None

    def write(self, message: Message) -> None:
        """Append one folded message (nothing once closed). A message that cannot be written
        (a full disk, a value the codec does not know) stops the recording, logged, with
        :attr:`error` set: the journey itself goes on."""
        if self._file is None:
            return
        try:
            self._file.write(message_to_json(message) + "\n")
            self._file.flush()
        except Exception as exc:  # a recorder never breaks the journey
            log.exception("flight recorder %s stopped at a %s", self.path, type(message).__name__)
            self.error = exc
            self.close()

    def close(self) -> None:
        """End the recording (idempotent; a failing close is logged, never raised)."""
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except (OSError, ValueError):
                log.exception("flight recorder %s: closing failed", self.path)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FlightRecorder({str(self.path)!r}, closed={self.closed})"


# --------------------------------------------------------------------------------------------
# Reading and replaying


@attrs.frozen
class FlightRecording:
    """A recording read back: the snapshot it started from and the messages folded since."""

    experience_id: str
    snapshot: JourneySnapshot
    messages: tuple[Message, ...]

    def steps(self) -> Iterator[tuple[Message, JourneySnapshot, bool]]:
        """Each message with the snapshot after it and whether it changed the snapshot."""
        snapshot = self.snapshot
        for message in self.messages:
            folded = fold(snapshot, message)
            changed = folded is not snapshot
            snapshot = folded
            yield message, snapshot, changed


def read_recording(path: str | os.PathLike[str]) -> FlightRecording:
    """Read a recording written by ``journey.record``; a file that is none raises
    :class:`UsageError` naming the line.

    Usage: ``recording = read_recording("journey.jsonl"); len(recording.messages)``
    """
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines:
        raise UsageError(f"{path}: empty, not a journey recording")
    try:
        header = json.loads(lines[0])
        if not isinstance(header, dict) or header.get("recording") != RECORDING_VERSION:
            raise ValueError(f"expected a header with recording={RECORDING_VERSION}")
        snapshot = snapshot_from_json(json.dumps(header["snapshot"]))
    except Exception as exc:
        raise UsageError(f"{path}:1: not a journey recording header: {exc}") from exc
    messages: list[Message] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            messages.append(message_from_json(line))
        except UsageError as exc:
            raise UsageError(f"{path}:{number}: {exc}") from exc
    return FlightRecording(experience_id=str(header.get("experienceId") or snapshot.context.experience_id),
                           snapshot=snapshot, messages=tuple(messages))


def replay(path: str | os.PathLike[str]) -> Iterator[JourneySnapshot]:
    """Fold a recording offline with the pure reducer: the snapshot recording started from,
    then each snapshot a message changed — the snapshots the live journey's ``state`` had
    (secrets as their redacted stand-ins)::

        recording : h--m1--m2--m3|     (m2 changed nothing)
        replay    : a--b-------c|

    Usage: ``for snapshot in fanfare_rx.replay("journey.jsonl"): print(snapshot.sequence_stage)``
    """
    recording = read_recording(path)
    snapshots = reactivex.from_iterable(recording.messages).pipe(
        fold_journey(recording.snapshot), ops.to_list()
    )
    yield from snapshots.run()

