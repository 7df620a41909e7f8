"""A contract check for any Consumer API server: walk the gen C endpoints as a guest (and, with
an OTP code, as a signed-in consumer), check every answer's status and body against the one
declaration of the spec's shapes (:mod:`fanfare_rx.models.spec_shapes`, strict: no field the
spec does not have) and report the drift per endpoint. ``fanfare-rx conformance`` prints it.

The walk reads; with ``enter=True`` it also takes part and leaves again where the API lets a
consumer leave (experience, queue, draw, waitlist). Tokens never appear in the report.

Usage::

    report = await check_server(ConformanceTarget(base_url, publishable_key,
                                                  experience_ids=("exp-1",)))
    print("\\n".join(report.lines()))
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import attrs
from yarl import URL

from fanfare_rx.errors import UsageError
from fanfare_rx.models._redact import redact
from fanfare_rx.models.spec_shapes import SHAPES, Issue, check_issues, template_of
from fanfare_rx.wire.config import check_base_url, check_credentials
from fanfare_rx.wire.requester import segment

__all__ = [
    "ConformanceReport",
    "ConformanceTarget",
    "Drift",
    "EndpointResult",
    "check_server",
]

#: The kinds of drift: a body's (see :class:`~fanfare_rx.models.spec_shapes.Issue`), a status
#: other than the spec's, an answer that is no JSON, a server that could not be reached.
DRIFT_KINDS = ("missing", "undocumented", "type", "value", "shape", "status", "body",
               "unreachable")


@attrs.frozen(kw_only=True)
class ConformanceTarget:
    """The server to check and what to walk.

    Args:
        base_url: the Consumer API root.
        publishable_key: ``pk_…`` (sent as ``X-Publishable-Key``; a secret key is refused).
        experience_ids: experiences to walk (each one's sequences and distributions too).
        email: sign in with this email (``POST /auth/otp/request`` then ``/verify``)...
        otp_code: ...and this code (the sandbox's development OTP is ``424242``).
        enter: take part (and leave again where the API allows) besides reading.
        organization_id: the organization, for the calls that take it (an auction's
            ``GET …/bids?organizationId=``); without it those calls are not made.
        timeout: seconds per request.

    Usage: ``ConformanceTarget(base_url="http://127.0.0.1:4802", publishable_key="pk_test_…")``
    """

    base_url: str
    publishable_key: str = attrs.field(repr=redact)
    experience_ids: tuple[str, ...] = ()
    email: str | None = None
    otp_code: str | None = attrs.field(default=None, repr=redact)
    enter: bool = False
    organization_id: str | None = None
    timeout: float = 10.0

    def __attrs_post_init__(self) -> None:
        check_base_url(self.base_url)
        # The walk needs no organization id (given, it is checked as the client checks it);
        # the key gets the client's own checks.
        check_credentials(organization_id="-" if self.organization_id is None
                          else self.organization_id, publishable_key=self.publishable_key)
        if isinstance(self.experience_ids, str) or not all(
                isinstance(e, str) and e for e in self.experience_ids):
            raise UsageError("experience_ids must be a sequence of non-empty ids")
        if (self.email is None) != (self.otp_code is None):
            raise UsageError("signing in needs both email and otp_code")


@attrs.frozen
class Drift:
    """One departure from the spec at one endpoint: its kind (:data:`DRIFT_KINDS`), where in
    the body (``$.a.b``; ``$`` for the status) and the detail.

    Usage: ``Drift("missing", "$.position", "required field missing")``
    """

    kind: str
    path: str
    detail: str

    @classmethod
    def of(cls, issue: Issue) -> Drift:
        return cls(issue.kind, issue.path, issue.detail)

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.detail}"


@attrs.frozen
class EndpointResult:
    """What the walk saw at one endpoint (``"GET /queues/{id}"``): the calls made, the statuses
    answered, and every drift (deduplicated).

    Usage: ``result.ok``
    """

    endpoint: str
    calls: int
    statuses: tuple[int, ...]
    drift: tuple[Drift, ...]

    @property
    def ok(self) -> bool:
        return not self.drift


@attrs.frozen
class ConformanceReport:
    """Every endpoint the walk reached, in the order first reached, and those of the spec it
    did not reach (no drift: a server may simply have nothing to walk there).

    Usage: ``report.drift_count == 0``
    """

    base_url: str
    endpoints: tuple[EndpointResult, ...]
    not_reached: tuple[str, ...]

    @property
    def drift_count(self) -> int:
        return sum(len(result.drift) for result in self.endpoints)

    @property
    def ok(self) -> bool:
        return self.drift_count == 0

    def lines(self) -> list[str]:
        """The report as text: one line per endpoint, one more per drift, a total."""
        out = [f"conformance of {self.base_url} to the gen C Consumer API"]
        for result in self.endpoints:
            statuses = ",".join(str(s) for s in sorted(set(result.statuses)))
            mark = "ok   " if result.ok else "DRIFT"
            out.append(f"{mark} {result.endpoint} ({result.calls} calls; {statuses})")
            out += [f"      {drift}" for drift in result.drift]
        if self.not_reached:
            out.append(f"not reached ({len(self.not_reached)}): " + ", ".join(self.not_reached))
        drifting = sum(1 for result in self.endpoints if not result.ok)
        out.append(f"{self.drift_count} drift(s) at {drifting} of {len(self.endpoints)} "
                   "endpoints reached")
        return out

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``--json`` prints)."""
        return {
            "baseUrl": self.base_url, "ok": self.ok, "driftCount": self.drift_count,
            "endpoints": [
                {"endpoint": r.endpoint, "calls": r.calls, "statuses": sorted(set(r.statuses)),
                 "ok": r.ok, "drift": [attrs.asdict(d) for d in r.drift]}
                for r in self.endpoints],
            "notReached": list(self.not_reached),
        }


@attrs.define
class _Seen:
    calls: int = 0
    statuses: list[int] = attrs.Factory(list)
    drift: dict[Drift, None] = attrs.Factory(dict)


class _Walk:
    """The calls of one walk and what each answer departed from."""

    def __init__(self, session: aiohttp.ClientSession, target: ConformanceTarget) -> None:
        self.session = session
        self.target = target
        self.root = target.base_url.rstrip("/")
        self.seen: dict[str, _Seen] = {}

    async def call(self, method: str, path: str, expect: int | Sequence[int], *,
                   token: str | None = None, body: Any = None) -> tuple[int, Any]:
        """Make one call, check its status against ``expect`` and its body against the
        spec; returns the status and the decoded body (None for none or no JSON)."""
        expected = (expect,) if isinstance(expect, int) else tuple(expect)
        template = template_of(method, path.split("?")[0])
        endpoint = f"{method} {template[1] if template else path.split('?')[0]}"
        seen = self.seen.setdefault(endpoint, _Seen())
        seen.calls += 1
        headers = {"X-Publishable-Key": self.target.publishable_key}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            # Paths are built from escaped segments and sent as they are (as the client does).
            async with self.session.request(method, URL(self.root + path, encoded=True),
                                            headers=headers, json=body) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            seen.drift[Drift("unreachable", "$", type(exc).__name__)] = None
            return 0, None
        seen.statuses.append(status)
        decoded: Any = None
        if raw:
            try:
                decoded = json.loads(raw)
            except ValueError:
                seen.drift[Drift("body", "$", f"status {status} with a body that is no JSON")] = None
                return status, None
        if status not in expected:
            seen.drift[Drift("status", "$", f"expected {' or '.join(map(str, expected))}, "
                                            f"got {status}")] = None
        if template is None:
            return status, decoded
        for issue in check_issues(method, path, status, decoded, strict=True):
            seen.drift[Drift.of(issue)] = None
        return status, decoded

    def report(self) -> ConformanceReport:
        reached = {endpoint for endpoint, seen in self.seen.items()
                   if any(200 <= s < 300 for s in seen.statuses)}
        spec = [f"{method} {path}" for method, path in SHAPES]
        return ConformanceReport(
            base_url=self.target.base_url,
            endpoints=tuple(EndpointResult(endpoint, seen.calls, tuple(seen.statuses),
                                           tuple(seen.drift))
                            for endpoint, seen in self.seen.items()),
            not_reached=tuple(e for e in spec if e not in reached))


def _token(body: Any, name: str = "accessToken") -> str | None:
    value = body.get(name) if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


#: Sequence list field -> (resource path, whether a consumer has a status there).
_DISTRIBUTIONS: Mapping[str, str] = {"queues": "/queues", "draws": "/draws",
                                     "auctions": "/auctions", "appointments": "/appointments"}


async def _walk_auth(walk: _Walk) -> str | None:
    """Guest session, refresh, the consumer's projection; returns the guest's access token."""
    _, guest = await walk.call("POST", "/auth/guest", 200)
    token = _token(guest)
    refresh = _token(guest, "refreshToken")
    if refresh is not None:
        _, rotated = await walk.call("POST", "/auth/refresh", 200,
                                     body={"refreshToken": refresh})
        token = _token(rotated) or token
    await walk.call("GET", "/consumers/me", 401)
    if token is not None:
        await walk.call("GET", "/consumers/me", 200, token=token)
    return token


async def _walk_signed_in(walk: _Walk, email: str, code: str) -> None:
    await walk.call("POST", "/auth/otp/request", 200, body={"email": email})
    _, session = await walk.call("POST", "/auth/otp/verify", 200,
                                 body={"code": code, "email": email})
    token = _token(session)
    if token is None:
        return
    await walk.call("GET", "/consumers/me", 200, token=token)
    await walk.call("POST", "/auth/logout", 204, token=token)
    await walk.call("POST", "/auth/logout", 401, token=token)


def _routed_sequence(route: Any) -> str | None:
    """The id of the sequence a route answer admits the consumer to (None: gated, no access)."""
    if not isinstance(route, dict) or route.get("outcome") != "routed":
        return None
    selected = route.get("selected")
    sequence = selected.get("sequence") if isinstance(selected, dict) else None
    ident = sequence.get("id") if isinstance(sequence, dict) else None
    return ident if isinstance(ident, str) else None


async def _walk_experience(walk: _Walk, experience_id: str, token: str | None) -> None:
    """The experience, its routing and every distribution it lists; with ``enter``, the
    consumer takes part only where the route admits it (elsewhere a gate may refuse, 403)."""
    experience_id = segment(experience_id)
    _, experience = await walk.call("GET", f"/experiences/{experience_id}", 200)
    _, route = await walk.call("POST", f"/experiences/{experience_id}/route", 200, token=token,
                               body={})
    admitted_to = _routed_sequence(route)
    if token is not None:
        await _walk_projected(walk, token, experience_id, enter=admitted_to is not None)
    sequences = experience.get("sequences") if isinstance(experience, dict) else None
    for sequence in sequences if isinstance(sequences, list) else []:
        if not isinstance(sequence, dict):
            continue
        enter = walk.target.enter and token is not None and sequence.get("id") == admitted_to
        for field, root in _DISTRIBUTIONS.items():
            items = sequence.get(field)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    await _walk_distribution(walk, root, item["id"], token, enter=enter)
        waitlist = sequence.get("waitlist")
        if isinstance(waitlist, dict) and isinstance(waitlist.get("id"), str) and token:
            await _walk_waitlist(walk, waitlist["id"], token, enter=enter)
    if token is not None and walk.target.enter:
        await walk.call("POST", f"/experiences/{experience_id}/enter", 200, token=token)
        await walk.call("DELETE", f"/experiences/{experience_id}/leave", 200, token=token)


async def _walk_distribution(walk: _Walk, root: str, ident: str, token: str | None, *,
                             enter: bool) -> None:
    base = f"{root}/{segment(ident)}"
    await walk.call("GET", base, 200)
    if token is None:
        return
    if root == "/appointments":
        await _walk_appointment(walk, base, token, enter=enter)
        return
    await walk.call("GET", f"{base}/status", 200, token=token)
    if root == "/auctions":
        await walk.call("GET", f"{base}/highest-bid", 200, token=token)
        await _walk_bids(walk, base, token)
        if enter:  # no leave exists: entering bids nothing
            await walk.call("POST", f"{base}/enter", (200, 400, 423), token=token)
        return
    if enter:  # 423: not open yet, 400: closed; both are answers the spec documents
        status, _ = await walk.call("POST", f"{base}/enter", (200, 400, 423), token=token,
                                    body={} if root == "/timed-releases" else None)
        if status == 200:
            await walk.call("GET", f"{base}/status", 200, token=token)
            await walk.call("POST", f"{base}/leave", (200, 409), token=token)


async def _walk_bids(walk: _Walk, base: str, token: str) -> None:
    """An auction's bid lists (everyone's needs the organization) and its current price (the
    spec documents it for Dutch auctions: a 404 elsewhere is an answer too)."""
    if walk.target.organization_id is not None:
        query = urlencode({"organizationId": walk.target.organization_id, "limit": 20})
        await walk.call("GET", f"{base}/bids?{query}", 200, token=token)
    await walk.call("GET", f"{base}/bids/history?limit=20", 200, token=token)
    await walk.call("GET", f"{base}/current-price", (200, 404), token=token)


async def _walk_appointment(walk: _Walk, base: str, token: str, *, enter: bool) -> None:
    """Slots and the consumer's booking; with ``enter``, book a free slot, move to another
    and cancel."""
    today = datetime.now(UTC).date()
    window = f"startDate={today - timedelta(days=1)}&endDate={today + timedelta(days=7)}"
    _, listed = await walk.call("GET", f"{base}/slots?{window}", 200)
    await walk.call("GET", f"{base}/me", 200, token=token)
    slots = listed.get("slots") if isinstance(listed, dict) else None
    free = [slot["id"] for slot in slots if isinstance(slot, dict)
            and isinstance(slot.get("id"), str) and slot.get("available", 0) > 0] if isinstance(
        slots, list) else []
    if not enter or not free:
        return
    status, _ = await walk.call("POST", f"{base}/book", (200, 201), token=token,
                                body={"slotId": free[0]})
    if status not in (200, 201):
        return
    slot = free[0]
    if len(free) > 1:
        status, _ = await walk.call("POST", f"{base}/reschedule", 200, token=token,
                                    body={"newSlotId": free[1]})
        slot = free[1] if status == 200 else slot
    await walk.call("GET", f"{base}/me", 200, token=token)
    await walk.call("POST", f"{base}/cancel", 200, token=token, body={"slotId": slot})


async def _walk_projected(walk: _Walk, token: str, experience_id: str, *, enter: bool) -> None:
    """The distributions of the experience that the consumer's projection names and no
    experience lists (gen C lists no timed releases: they are found through
    ``/consumers/me`` once routed)."""
    _, me = await walk.call("GET", "/consumers/me", 200, token=token)
    active = me.get("active") if isinstance(me, dict) else None
    journeys = active.get("journeys") if isinstance(active, dict) else None
    for journey in journeys if isinstance(journeys, list) else []:
        if not isinstance(journey, dict) or segment(str(journey.get("experienceId"))) != (
                experience_id):
            continue
        sequence = journey.get("sequence")
        distribution = sequence.get("distribution") if isinstance(sequence, dict) else None
        if isinstance(distribution, dict) and distribution.get("type") == "timed_release" and (
                isinstance(distribution.get("id"), str)):
            await _walk_distribution(walk, "/timed-releases", distribution["id"], token,
                                     enter=enter and walk.target.enter)


async def _walk_waitlist(walk: _Walk, ident: str, token: str, *, enter: bool) -> None:
    base = f"/waitlists/{segment(ident)}"
    await walk.call("GET", f"{base}/status", 200, token=token)
    if enter:
        status, _ = await walk.call("POST", f"{base}/enter", (200, 409), token=token)
        if status == 200:
            await walk.call("DELETE", f"{base}/leave", 200, token=token)


async def check_server(target: ConformanceTarget,
                       session: aiohttp.ClientSession | None = None) -> ConformanceReport:
    """Walk ``target`` and report its drift from the gen C spec.

    Usage: ``report = await check_server(ConformanceTarget(base_url=url, publishable_key=pk))``
    """
    owned = session is None
    client = session if session is not None else aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=target.timeout))
    try:
        walk = _Walk(client, target)
        token = await _walk_auth(walk)
        await walk.call("GET", f"/experiences/conformance-{uuid.uuid4().hex[:8]}", 404)
        for experience_id in target.experience_ids:
            await _walk_experience(walk, experience_id, token)
        if target.experience_ids:
            await walk.call("POST", "/experiences/archived-status", 200,
                            body={"experienceIds": list(target.experience_ids)})
        if target.email is not None and target.otp_code is not None:
            await _walk_signed_in(walk, target.email, target.otp_code)
        if token is not None:
            await walk.call("POST", "/auth/logout", 204, token=token)
        return walk.report()
    finally:
        if owned:
            await client.close()
