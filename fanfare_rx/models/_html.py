"""HTML renderings of journey snapshots and events for Jupyter (``_repr_html_``).

Plain inline-styled tables, readable on a code host too; secrets appear redacted, enums as
their values, money with two decimals, virtual (test scheduler) times as seconds.
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fanfare_rx.models._display import OUTCOME_COLORS, duration, money, outcome_kind
from fanfare_rx.models._redact import redact

if TYPE_CHECKING:
    from fanfare_rx.models.journey import JourneyContext, JourneyEvent, JourneySnapshot

__all__ = ["SECRET_KEYS", "STAGE_COLORS", "event_html", "events_html", "snapshot_html"]

#: Detail keys whose values are secrets: shown redacted.
SECRET_KEYS = frozenset(
    {
        "token", "access_token", "accesstoken", "refresh_token", "refreshtoken",
        "admittance_token", "admittancetoken", "admission_grant", "admissiongrant", "grant",
        "access_code", "accesscode", "otp", "otp_code", "code_value",
    }
)

#: Badge colours of the journey and sequence stages (also the timeline's palette).
STAGE_COLORS: Mapping[str, str] = {
    "not_started": "#9e9e9e",
    "entering": "#90caf9",
    "needs_auth": "#ffb74d",
    "needs_access_code": "#ffb74d",
    "routing": "#64b5f6",
    "routed": "#1e88e5",
    "none": "#bdbdbd",
    "upcoming": "#ce93d8",
    "waitlist_entered": "#ab47bc",
    "active_enterable": "#4fc3f7",
    "participating": "#ffca28",
    "admitted": "#43a047",
    "admission_expired": "#e53935",
    "ended": "#616161",
}

_SEVERITY_COLORS = {"info": "#1e88e5", "success": "#43a047", "warning": "#fb8c00", "error": "#e53935"}
_TABLE = 'style="border-collapse:collapse;font-family:sans-serif;font-size:12px;margin:2px 0"'
_CELL = 'style="border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top"'
_HEAD = 'style="border:1px solid #ddd;padding:2px 6px;text-align:left;background:#f5f5f5"'


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _badge(stage: str, outcome: str | None = None) -> str:
    """A stage badge; a final sequence stage is coloured by its outcome and names it."""
    kind = outcome_kind(stage, outcome) if outcome is not None or stage in (
        "admitted", "admission_expired") else None
    color = OUTCOME_COLORS[kind] if kind is not None else STAGE_COLORS.get(stage, "#757575")
    text = f"{stage} · {outcome}" if outcome is not None and stage == "ended" else stage
    return (
        f'<span style="background:{color};color:white;border-radius:3px;padding:1px 6px;'
        f'font-family:monospace">{_e(text)}</span>'
    )


#: Epoch milliseconds below this are virtual times (a ``TestScheduler`` counts from 0).
_VIRTUAL_BEFORE_MS = 100_000_000_000  # 1973-03-03


def _time(ms: int | None, *, date: bool = True) -> str:
    """``2026-11-25 07:55:21 UTC`` (``07:55:21.356`` without the date); a virtual time
    (a test scheduler's, counting from the epoch) as ``t=5 s``."""
    if ms is None:
        return ""
    if ms < _VIRTUAL_BEFORE_MS:
        return f"t={ms / 1000:g} s"
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    if date:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return moment.strftime("%H:%M:%S.%f")[:-3]


def _value(value: object) -> str:
    return repr(value.value) if isinstance(value, enum.Enum) else repr(value)


def _is_secret(key: str) -> bool:
    return key.lower().replace("-", "_") in SECRET_KEYS


def _detail(detail: Mapping[str, Any] | None) -> str:
    if not detail:
        return ""
    parts = []
    for key, value in detail.items():
        shown = redact(value) if _is_secret(str(key)) else _value(value)
        parts.append(f"{_e(key)}={_e(shown)}")
    return ", ".join(parts)


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f"<tr><th {_HEAD}>{_e(k)}</th><td {_CELL}>{v}</td></tr>" for k, v in pairs)


def _context_rows(ctx: JourneyContext) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [("experience", _e(ctx.experience_name or ctx.experience_id))]
    if ctx.sequence_id is not None:
        rows.append(("sequence", _e(f"{ctx.sequence_name or ctx.sequence_id} (priority {ctx.sequence_priority})")))
    dist = ctx.distribution
    if dist is not None:
        status = f", {dist.status.value}" if dist.status is not None else ""
        rows.append(("distribution", _e(f"{dist.type.value} {dist.id}{status}")))
        for name, ms in (("opens at", dist.opens_at), ("closes at", dist.closes_at), ("settles at", dist.settles_at)):
            if ms:
                rows.append((name, _e(_time(ms))))
    if ctx.participation is not None:
        part = ctx.participation
        rows.append(("participation", _e(f"{part.type.value} {part.status or ''}".strip())))
    if ctx.position is not None:
        rows.append(("position", _e(ctx.position)))
    if ctx.estimated_wait_seconds is not None:
        rows.append(("estimated wait", _e(duration(ctx.estimated_wait_seconds))))
    for name, bid in (("your bid", ctx.current_bid), ("highest bid", ctx.highest_bid)):
        if bid is not None:
            rows.append((name, _e(money(bid))))
    if ctx.access_code is not None:
        rows.append(("access code", _e(redact(ctx.access_code))))
    if ctx.admittance_token is not None:
        rows.append(("admittance token", _e(redact(ctx.admittance_token))))
    if ctx.admittance_expires_at is not None:
        rows.append(("admission expires at", _e(_time(ctx.admittance_expires_at))))
    if ctx.waitlist_entered_at is not None:
        rows.append(("waitlist entered at", _e(_time(ctx.waitlist_entered_at))))
    if ctx.offers:
        offers = ", ".join(
            f"{o.name} (priority {o.priority:g}; {'/'.join(g.value for g in o.gates) or 'no gate'})"
            for o in ctx.offers
        )
        rows.append(("offers", _e(offers)))
    if ctx.outcome is not None:
        rows.append(("outcome", _e(ctx.outcome)))
    if ctx.last_error is not None:
        rows.append(("last error", f'<span style="color:#e53935">{_e(ctx.last_error)}</span>'))
    return rows


def event_html(event: JourneyEvent) -> str:
    """One event as a one-row table (time, kind, severity, audience, message, detail).

    Usage: ``IPython.display.HTML(event_html(journey.latest_event.get()))``
    """
    return f"<table {_TABLE}>{_event_header()}{_event_row(event)}</table>"


def _event_header() -> str:
    names = ("time (UTC)", "kind", "severity", "audience", "message", "detail")
    return "<tr>" + "".join(f"<th {_HEAD}>{n}</th>" for n in names) + "</tr>"


def _event_row(event: JourneyEvent) -> str:
    color = _SEVERITY_COLORS.get(event.severity.value, "#757575")
    cells = (
        _e(_time(event.ts, date=False)),
        _e(event.kind.value),
        f'<span style="color:{color}">{_e(event.severity.value)}</span>',
        _e(event.audience.value),
        _e(event.message),
        _detail(event.detail),
    )
    return "<tr>" + "".join(f"<td {_CELL}>{c}</td>" for c in cells) + "</tr>"


def events_html(events: Iterable[JourneyEvent], *, limit: int | None = None) -> str:
    """Events as one table, newest last (only the last ``limit`` when given).

    Usage: ``IPython.display.HTML(events_html(journey.events.get(), limit=10))``
    """
    listed = list(events)
    if limit is not None:
        listed = listed[-limit:] if limit > 0 else []
    if not listed:
        return '<div style="font-family:sans-serif;font-size:12px;color:#757575">no events</div>'
    return f"<table {_TABLE}>{_event_header()}{''.join(_event_row(e) for e in listed)}</table>"


def snapshot_html(snapshot: JourneySnapshot, *, title: str | None = None, event_limit: int = 8) -> str:
    """A snapshot as HTML: stages as badges, the context, requirements, actions, last events.

    Usage: ``IPython.display.HTML(snapshot_html(journey.state.get(), title="queue"))``
    """
    heading = _e(title) if title is not None else "JourneySnapshot"
    head = (
        f'<div style="font-family:sans-serif;font-size:13px;margin-bottom:4px"><b>{heading}</b> '
        f"journey {_badge(snapshot.journey_stage.value)} sequence "
        f"{_badge(snapshot.sequence_stage.value, snapshot.context.outcome)} "
        f'<span style="color:#757575">revision {snapshot.revision}'
        f"{' · ' + _e(_time(snapshot.updated_at)) if snapshot.updated_at else ''}</span></div>"
    )
    rows = _context_rows(snapshot.context)
    if snapshot.requirements:
        reqs = ", ".join(
            f"{r.type.value}{'' if r.required else ' (optional)'}{f' [{r.reason}]' if r.reason else ''}"
            for r in snapshot.requirements
        )
        rows.append(("requirements", _e(reqs)))
    actions = [a.value for a in snapshot.available_actions.journey] + [
        a.value for a in snapshot.available_actions.sequence
    ]
    rows.append(("available actions", _e(", ".join(actions) or "none")))
    events = events_html(snapshot.events, limit=event_limit) if event_limit else ""
    return (
        f'<div class="fanfare-snapshot">{head}<table {_TABLE}>{_rows(rows)}</table>'
        f"{events}</div>"
    )
