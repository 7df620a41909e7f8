"""What every distribution engine shares: its window on the sandbox clock, signed admission
grants, the per-consumer order limit and the availability/lifecycle vocabulary; and the
registry of engines by kind, which the world, the handlers and the scenario iterate.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar, cast

import attrs
from aiohttp import web

from fanfare_rx.errors import UsageError
from fanfare_rx.models import wire
from fanfare_rx.sandbox.auth import TokenSigner
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.http import ApiError
from fanfare_rx.sandbox.scenario import DistributionSpec

__all__ = ["Engine", "EntriesEngine", "Grant", "Projection", "Timeline", "not_open_yet", "order_limit_reached",
           "register_engine", "registered_engines", "unregister_engine"]

_REGISTRY: dict[str, type[Engine]] = {}
EntryT = TypeVar("EntryT")


def register_engine(engine: type[Engine]) -> type[Engine]:
    """Register an engine under its ``kind`` (what ``class X(Engine, kind=...)`` does): the
    scenario then decodes distributions of ``"type": kind`` into ``engine.spec_class``, the world
    builds ``engine`` for them and the app serves ``engine.routes``. Registering a kind again
    replaces it only with a redefinition of the same class (same module and name).

    Usage: ``register_engine(ToyEngine)``
    """
    kind, spec = engine.kind, engine.spec_class
    if not kind or not isinstance(kind, str):
        raise UsageError(f"{engine.__name__} needs a kind: class {engine.__name__}(Engine, "
                         f"kind=\"...\", spec=...)")
    if not (isinstance(spec, type) and issubclass(spec, DistributionSpec)):
        raise UsageError(f"the spec of {engine.__name__} must be a DistributionSpec subclass")
    known = _REGISTRY.get(kind)
    if known is not None and (known.__module__, known.__qualname__) != (
            engine.__module__, engine.__qualname__):
        raise UsageError(f"engine kind {kind!r} is already registered by "
                         f"{known.__module__}.{known.__qualname__}")
    spec.KIND = kind
    _REGISTRY[kind] = engine
    return engine


def unregister_engine(kind: str) -> None:
    """Forget the engine of ``kind`` (a test's own engine, when the test is done).

    Usage: ``unregister_engine("toy")``
    """
    _REGISTRY.pop(kind, None)


def registered_engines() -> Mapping[str, type[Engine]]:
    """Kind -> engine class of every registered engine, in registration order (read-only).

    Usage: ``sorted(registered_engines())``
    """
    return MappingProxyType(_REGISTRY)


@attrs.frozen
class Grant:
    token: str = attrs.field(repr=False)
    issued_at: float
    expires_at: float | None


@attrs.frozen
class Projection:
    """One consumer's standing in a distribution, in the ``/consumers/me`` vocabulary."""

    phase: wire.SequencePhase
    consumer: wire.ConsumerProjection | None = None
    grant: Grant | None = None
    outcome: wire.OutcomeType | None = None
    outcome_at: float | None = None
    reason: str | None = None


@attrs.frozen
class Timeline:
    """What a distribution is doing now and what changes next, at which sandbox time, and
    what follows that change (``Timeline("open for entries", "draws", at, "reopens")``);
    ``next_change`` None: nothing scheduled."""

    doing: str
    next_change: str | None = None
    at: float | None = None
    then: str | None = None


def not_open_yet(noun: str, code: str, opens_at: float) -> ApiError:
    """423 with ``Retry-After: <ISO timestamp>`` of the opening."""
    when = wire_time(opens_at)
    return ApiError(423, {"error": f"{noun} is not open yet", "code": code},
                    headers={"Retry-After": when})


def order_limit_reached() -> ApiError:
    """409 structured ``DISTRIBUTION_ORDER_LIMIT`` (reroute)."""
    return ApiError(409, {"code": "DISTRIBUTION_ORDER_LIMIT",
                          "message": "Entry denied: per-person order limit reached",
                          "action": "reroute"})


def wire_time(epoch: float) -> str:
    text = to_datetime(epoch).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


class Engine:
    """Base of the distribution engines; times in ``spec`` are offsets from ``start``.

    A subclass registers by kind with its scenario spec class and its routes::

        routes = web.RouteTableDef()

        @attrs.frozen(kw_only=True)
        class ToySpec(DistributionSpec):
            prize: str = "a toy"

        class ToyEngine(Engine, kind="toy", spec=ToySpec, routes=routes, noun="Toy"):
            ...

    Then ``{"type": "toy", "id": "t1", "prize": "a kite"}`` is a scenario distribution.
    """

    #: The ``type`` of its scenario distributions (and of its grants).
    kind: ClassVar[str] = ""
    #: Its scenario spec class.
    spec_class: ClassVar[type[DistributionSpec]] = DistributionSpec
    #: The display name in error texts ("Queue is not open yet", "Timed release not found").
    noun: ClassVar[str] = "Distribution"
    #: The ``Sequence`` field of an experience body that lists it (None: not listed).
    listed_as: ClassVar[str | None] = None
    #: The ``/consumers/me`` consumer status of someone who has not taken part.
    idle_status: ClassVar[str] = "not_entered"
    #: Its HTTP routes (added to every sandbox app started after the registration).
    routes: ClassVar[web.RouteTableDef | None] = None
    #: Fields its bodies carry that the spec does not document, by wire class; the sandbox's
    #: spec mode leaves them out (``sandbox/shapes.py``).
    extensions: ClassVar[Mapping[type, tuple[str, ...]]] = MappingProxyType({})
    #: Fields its ``model()`` carries only as its own resource, left out in spec mode where an
    #: experience body lists it.
    listed_extensions: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, *, kind: str | None = None,
                          spec: type[DistributionSpec] | None = None,
                          routes: web.RouteTableDef | None = None, noun: str | None = None,
                          listed_as: str | None = None, idle_status: str | None = None,
                          extensions: Mapping[type, tuple[str, ...]] | None = None,
                          listed_extensions: tuple[str, ...] | None = None,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in (("spec_class", spec), ("routes", routes), ("noun", noun),
                            ("listed_as", listed_as), ("idle_status", idle_status),
                            ("extensions", extensions),
                            ("listed_extensions", listed_extensions)):
            if value is not None:
                setattr(cls, name, value)
        if kind is not None:
            cls.kind = kind
            register_engine(cls)

    def __init__(self, spec: DistributionSpec, *, start: float, sequence_id: str,
                 experience_id: str, signer: TokenSigner, time_zone: str, now: float,
                 seed: int = 0) -> None:
        self.spec = spec
        self.seed = seed
        self.id = spec.id
        self.start = start
        self.sequence_id = sequence_id
        self.experience_id = experience_id
        self.signer = signer
        self.time_zone = time_zone
        self.open_at = start + spec.open_at
        self.close_at = None if spec.close_at is None else start + spec.close_at
        self.clock_at = now
        self.entries_made: dict[str, int] = {}

    # --- window -----------------------------------------------------------------------------

    def accepts_entries(self, now: float) -> bool:
        return self.open_at <= now and (self.close_at is None or now < self.close_at)

    def ended(self, now: float) -> bool:
        return self.close_at is not None and now >= self.close_at

    def availability(self, now: float, has_waitlist: bool) -> wire.Availability:
        if self.accepts_entries(now):
            return wire.Availability.OPEN
        if now < self.open_at:
            return wire.Availability.WAITLIST if has_waitlist else wire.Availability.UPCOMING
        return wire.Availability.CLOSED

    def lifecycle(self, now: float) -> wire.DistributionLifecycle:
        if now < self.open_at:
            return wire.DistributionLifecycle.SCHEDULED
        if self.accepts_entries(now):
            return wire.DistributionLifecycle.OPEN
        return wire.DistributionLifecycle.CLOSED

    def dt(self, epoch: float | None) -> datetime | None:
        return None if epoch is None else to_datetime(epoch)

    @property
    def mechanism(self) -> wire.DistributionType:
        """The kind as the wire names mechanisms (an engine registered from outside the
        package keeps its own kind, written as is)."""
        try:
            return wire.DistributionType(self.kind)
        except ValueError:
            return cast(wire.DistributionType, self.kind)

    def distribution_projection(self, now: float) -> wire.DistributionProjection:
        return wire.DistributionProjection(
            type=self.mechanism, id=self.id, sequence_id=self.sequence_id,
            lifecycle=self.lifecycle(now), opens_at=self.dt(self.open_at),
            closes_at=self.dt(self.close_at), settles_at=self.dt(self.settles_at()))

    def settles_at(self) -> float | None:
        return None

    def timeline(self, now: float) -> Timeline:
        """What the distribution is doing at ``now`` and its next scheduled change."""
        if now < self.open_at:
            return Timeline("upcoming", "opens", self.open_at)
        if self.accepts_entries(now):
            if self.close_at is None:
                return Timeline("open")
            return Timeline("open", "closes", self.close_at)
        return Timeline("closed")

    def closed_detail(self) -> str:
        """Why the distribution takes no one any more (``detail`` of a ``NO_ACCESS`` reason)."""
        return f"{self.noun.lower()} closed"

    # --- participation helpers --------------------------------------------------------------

    def count_entry(self, consumer_id: str) -> None:
        """Enforce ``orderLimit`` (entries per consumer, re-entries included)."""
        made = self.entries_made.get(consumer_id, 0)
        if self.spec.order_limit is not None and made >= self.spec.order_limit:
            raise order_limit_reached()
        self.entries_made[consumer_id] = made + 1

    def issue_grant(self, consumer_id: str, now: float) -> Grant:
        seconds = self.spec.admission_expiration_seconds
        expires = None if seconds is None else now + seconds
        token = self.signer.sign("grt", {"d": self.id, "t": self.kind, "c": consumer_id,
                                         "exp": expires, "n": secrets.token_hex(4)})
        return Grant(token=token, issued_at=now, expires_at=expires)

    def check_guest(self, guest: bool) -> None:
        if guest and not self.spec.supports_guest:
            raise ApiError(403, {"error": "Forbidden – User must be authenticated",
                                 "code": "AUTHENTICATION_REQUIRED"})

    # --- hooks for subclasses ---------------------------------------------------------------

    def advance(self, now: float) -> None:
        self.clock_at = max(self.clock_at, now)

    def model(self) -> Any:
        raise NotImplementedError

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        """None when the consumer never took part."""
        raise NotImplementedError

    def participants(self) -> Collection[str]:
        """The ids of the consumers who took part: a live view whose ``in`` is O(1) (a dict's
        ``keys()``), which :meth:`has_participant` reads."""
        raise NotImplementedError

    def has_participant(self, consumer_id: str) -> bool:
        """Whether the consumer took part (O(1) in every engine)."""
        return consumer_id in self.participants()


class EntriesEngine(Engine, Generic[EntryT]):
    """An engine that keeps one entry per consumer who took part (``entries``: consumer id ->
    entry, in entry order): who took part, and that someone who never did has no projection,
    both follow from it; a subclass projects an entry (:meth:`entry_projection`).

    Usage: ``class DrawEngine(EntriesEngine[_Entry], kind="draw", spec=DrawSpec, ...)``
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries: dict[str, EntryT] = {}

    def participants(self) -> Collection[str]:
        return self.entries.keys()

    def projection(self, consumer_id: str, now: float) -> Projection | None:
        entry = self.entries.get(consumer_id)
        return None if entry is None else self.entry_projection(entry, now)

    def entry_projection(self, entry: EntryT, now: float) -> Projection:
        """The projection of a consumer who took part."""
        raise NotImplementedError
