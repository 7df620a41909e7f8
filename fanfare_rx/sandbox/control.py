"""Control endpoints under the reserved ``/_sandbox/`` prefix (secret key): the clock, the
fault plan, the start facts, what each experience is doing now, and the page a bot-check
challenge's ``iframeUrl`` shows.
"""

from __future__ import annotations

import html
from typing import Any

import attrs
from aiohttp import web

from fanfare_rx.sandbox import context
from fanfare_rx.sandbox.clock import to_datetime
from fanfare_rx.sandbox.engines import Timeline
from fanfare_rx.sandbox.faults import FaultPlanError
from fanfare_rx.sandbox.http import ApiError, parse_json, read_body, validation_error
from fanfare_rx.sandbox.scenario import ExperienceSpec
from fanfare_rx.sandbox.world import World

__all__ = ["ClockAdvance", "ResetRequest", "describe_experience", "experience_status", "info",
           "routes", "status"]

routes = web.RouteTableDef()

#: Words of the built-in scenario's experiences that the generic description would say less
#: well (``queue, waitlist`` for the waitlist experience); the rest are derived.
_WORDS = {"waitlist": "waitlist", "vip": "vip access code", "signin": "sign-in required",
          "botcheck": "bot check"}


@attrs.frozen
class ClockAdvance:
    """``POST /_sandbox/clock/advance`` body."""

    seconds: float


@attrs.frozen
class ResetRequest:
    """``POST /_sandbox/reset`` body (optional): a new draw seed."""

    seed: int | None = None


def describe_experience(experience: ExperienceSpec) -> str:
    """What an experience demonstrates, in words (``vip access code``, ``timed release``...).

    Usage: ``describe_experience(scenario.experiences[0])``
    """
    if experience.label in _WORDS:
        return _WORDS[experience.label]
    words: list[str] = []
    for sequence in experience.sequences:
        if sequence.distribution is not None:
            words.append(sequence.distribution.type.replace("_", " "))
        if sequence.waitlist is not None:
            words.append("waitlist")
        if sequence.access_code:
            words.append("access code")
        if sequence.requires_sign_in:
            words.append("sign-in required")
        if sequence.bot_check:
            words.append("bot check")
    return ", ".join(dict.fromkeys(words)) or "no sequences"


def info(world: World, base_url: str) -> dict[str, Any]:
    """The start facts (the banner's content) as JSON."""
    scenario = world.scenario
    return {
        "baseUrl": base_url,
        "organizationId": scenario.organization_id,
        "publishableKey": scenario.publishable_key,
        "secretKey": scenario.secret_key,
        "otpCode": scenario.otp_code,
        "botCheckToken": scenario.bot_check_token,
        "clock": _clock(world),
        "accessCodes": scenario.access_codes,
        "experiences": [{"label": e.label, "id": e.id, "name": e.name,
                         "demonstrates": describe_experience(e)} for e in scenario.experiences],
    }


def experience_status(world: World, experience: ExperienceSpec, now: float) -> dict[str, Any]:
    """What one experience is doing at ``now`` and its next scheduled change (the earliest of
    its distributions' changes and its cycle's restart), as JSON.

    Usage: ``experience_status(world, world.scenario.experiences[0], world.tick())["doing"]``
    """
    doing: list[str] = []
    changes: list[Timeline] = []
    for sequence in experience.sequences:
        engine = world.engine_of_sequence.get(sequence.id)
        if engine is None:
            doing.append("waitlist only" if sequence.id in world.waitlist_of_sequence
                          else "no distribution")
            continue
        timeline = engine.timeline(now)
        waitlist = world.waitlist_of_sequence.get(sequence.id)
        doing.append(f"{timeline.doing}, waitlist open" if waitlist is not None and
                     timeline.doing == "upcoming" and not waitlist.closed else timeline.doing)
        if timeline.next_change is not None and timeline.at is not None:
            changes.append(timeline)
    if experience.cycle_seconds is not None:
        restart = world.origin + (world.cycle_of(experience, now) + 1) * experience.cycle_seconds
        changes.append(Timeline("", "starts over", restart))
    upcoming = min(changes, key=lambda t: t.at or 0.0) if changes else None
    answer: dict[str, Any] = {
        "label": experience.label, "id": experience.id, "name": experience.name,
        "doing": "; ".join(dict.fromkeys(doing)) or "no sequences",
        "nextChange": None, "nextChangeAt": None, "nextChangeInSeconds": None, "then": None}
    if upcoming is not None and upcoming.at is not None:
        answer.update(nextChange=upcoming.next_change, nextChangeAt=_iso(upcoming.at),
                      nextChangeInSeconds=round(max(0.0, upcoming.at - now), 3),
                      then=upcoming.then)
    return answer


def status(world: World) -> dict[str, Any]:
    """The clock and what every experience is doing now (``GET /_sandbox/status``).

    Usage: ``status(world)["experiences"][0]["nextChange"]``
    """
    now = world.tick()
    return {"clock": _clock(world),
            "experiences": [experience_status(world, e, now) for e in world.scenario.experiences]}


def _iso(epoch: float) -> str:
    return to_datetime(epoch).isoformat().replace("+00:00", "Z")


def _clock(world: World) -> dict[str, Any]:
    clock = world.clock
    return {"now": to_datetime(clock.time()).isoformat().replace("+00:00", "Z"),
            "mode": clock.mode, "speed": clock.speed,
            "elapsedSeconds": round(clock.time() - world.origin, 3), "seed": world.seed}


@routes.get("/_sandbox/info")
async def get_info(request: web.Request) -> web.Response:
    return web.json_response(info(context.world(request), context.base_url(request)))


@routes.get("/_sandbox/status")
async def get_status(request: web.Request) -> web.Response:
    return web.json_response(status(context.world(request)))


@routes.get("/_sandbox/clock")
async def get_clock(request: web.Request) -> web.Response:
    return web.json_response(_clock(context.world(request)))


@routes.post("/_sandbox/clock/advance")
async def advance_clock(request: web.Request) -> web.Response:
    body = await read_body(request, ClockAdvance)
    if not 0 <= body.seconds <= 10 * 365 * 86400:
        raise validation_error("seconds must be between 0 and ten years", ["seconds"],
                               body={"seconds": body.seconds}, expected="number >= 0",
                               type_="too_small")
    world = context.world(request)
    world.clock.advance(body.seconds)
    world.tick()
    return web.json_response(_clock(world))


@routes.post("/_sandbox/reset")
async def reset_world(request: web.Request) -> web.Response:
    body = await read_body(request, ResetRequest, optional=True)
    world = context.world(request)
    world.reset(seed=body.seed)
    return web.json_response(_clock(world))


@routes.post("/_sandbox/faults")
async def set_faults(request: web.Request) -> web.Response:
    plan = parse_json(await request.read() or b"{}")
    faults = request.app[context.FAULTS]
    try:
        faults.set(plan)
    except FaultPlanError as exc:
        keys: list[str | int] = [int(p) if p.isdigit() else p
                                 for p in exc.field.replace("[", ".").replace("]", "").split(".")
                                 if p and p != "$"]
        raise validation_error(str(exc), keys, body=plan, expected="fault plan") from None
    return web.json_response(faults.describe())


@routes.delete("/_sandbox/faults")
async def clear_faults(request: web.Request) -> web.Response:
    faults = request.app[context.FAULTS]
    faults.clear()
    return web.json_response(faults.describe())


@routes.get("/_sandbox/challenges/{id}")
async def challenge_page(request: web.Request) -> web.Response:
    world = context.world(request)
    if request.match_info["id"] not in world.challenges:
        raise ApiError(404, {"error": "not_found", "message": "Challenge not found",
                             "code": "CHALLENGE_NOT_FOUND"})
    token = html.escape(world.scenario.bot_check_token)
    page = (f"<!doctype html><title>Sandbox bot check</title><p>Sandbox bot check. POST "
            f"/challenges/verify with challengeId {html.escape(request.match_info['id'])} and "
            f"token <code>{token}</code> to pass.</p>")
    return web.Response(text=page, content_type="text/html")
