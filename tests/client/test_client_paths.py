"""Every id that goes into a request path is one escaped segment, whatever a caller passes:
the dot segments ``.`` and ``..`` included (a URL resolves them away: ``/experiences/..``
would be ``/``). Checked on the sandbox over loopback: the handler of the endpoint answers,
never the router's "no such path"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fanfare_rx.client.fanfare import Fanfare
from fanfare_rx.client.session import SessionManager
from fanfare_rx.client.storage import FileStorage, storage_key
from fanfare_rx.errors import APIStatusError, FanfareError, UsageError
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.requester import segment

pytestmark = pytest.mark.integration

TRICKY_IDS = ["..", ".", "...", "a/..", "../experiences", "x?y=1", "#frag", "%2E%2E"]

# Every ConsumerApi method that puts an id into its path, with the id as first argument.
Call = Callable[[ConsumerApi, str], Awaitable[Any]]
ENDPOINTS: dict[str, Call] = {
    "get_experience": lambda api, i: api.get_experience(i),
    "enter_experience": lambda api, i: api.enter_experience(i),
    "leave_experience": lambda api, i: api.leave_experience(i),
    "route": lambda api, i: api.route(i),
    "get_queue": lambda api, i: api.get_queue(i),
    "enter_queue": lambda api, i: api.enter_queue(i),
    "leave_queue": lambda api, i: api.leave_queue(i),
    "queue_status": lambda api, i: api.queue_status(i),
    "get_draw": lambda api, i: api.get_draw(i),
    "enter_draw": lambda api, i: api.enter_draw(i),
    "leave_draw": lambda api, i: api.leave_draw(i),
    "draw_status": lambda api, i: api.draw_status(i),
    "get_auction": lambda api, i: api.get_auction(i),
    "enter_auction": lambda api, i: api.enter_auction(i),
    "place_bid": lambda api, i: api.place_bid(i, "10.00"),
    "auction_status": lambda api, i: api.auction_status(i),
    "highest_bid": lambda api, i: api.highest_bid(i),
    "get_timed_release": lambda api, i: api.get_timed_release(i),
    "enter_timed_release": lambda api, i: api.enter_timed_release(i),
    "leave_timed_release": lambda api, i: api.leave_timed_release(i),
    "timed_release_status": lambda api, i: api.timed_release_status(i),
    "enter_waitlist": lambda api, i: api.enter_waitlist(i),
    "leave_waitlist": lambda api, i: api.leave_waitlist(i),
    "waitlist_status": lambda api, i: api.waitlist_status(i),
    "get_appointment": lambda api, i: api.get_appointment(i),
    "appointment_slots": lambda api, i: api.appointment_slots(i, date(2030, 1, 1),
                                                               date(2030, 1, 2)),
    "my_appointment": lambda api, i: api.my_appointment(i),
}


def test_segment_escapes_dot_segments_and_separators() -> None:
    assert segment("..") == "%2E%2E"
    assert segment(".") == "%2E"
    assert segment("a/..") == "a%2F.."  # not a dot segment once "/" is escaped
    assert segment("x?y#z%") == "x%3Fy%23z%25"
    assert segment("exp.1") == "exp.1"


@pytest.mark.parametrize("bad", ["", None, 123])
def test_segment_refuses_what_no_segment_can_name(bad: Any) -> None:
    with pytest.raises(UsageError, match="non-empty string"):
        segment(bad)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
async def test_an_id_reaches_its_own_endpoint_whatever_it_holds(
        api: ConsumerApi, name: str) -> None:
    await api.guest()
    for tricky in TRICKY_IDS:
        with pytest.raises(APIStatusError) as caught:
            await ENDPOINTS[name](api, tricky)
        # The endpoint's handler answered (its "... not found"), not the router's fallback
        # for a path that climbed out of the resource ("Not Found: GET /", 405 ...).
        assert caught.value.status == 404, (name, tricky, caught.value)
        assert caught.value.code != "NOT_FOUND", (name, tricky, caught.value.message)
        assert not caught.value.message.startswith("Not Found:"), (name, tricky)


async def test_the_journey_of_a_dot_id_asks_for_that_experience(
        api: ConsumerApi) -> None:
    with pytest.raises(APIStatusError) as caught:
        await api.get_experience("..")
    assert caught.value.code == "EXPERIENCE_NOT_FOUND"


async def test_a_journey_of_a_dot_id_asks_the_server_for_that_id(sandbox: Sandbox) -> None:
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url) as fanfare:
        journey = fanfare.experiences.create_journey("..")
        with pytest.raises(FanfareError) as caught:
            await journey.start()
        assert caught.value.code == "EXPERIENCE_NOT_FOUND"
        for bad in ("", None, 7):
            with pytest.raises(UsageError):
                fanfare.experiences.create_journey(bad)  # type: ignore[arg-type]


def _path_placeholders() -> list[tuple[str, int, str]]:
    """Every ``{...}`` of an f-string path in the wire layer that is not an escaped id."""
    import ast
    from pathlib import Path

    import fanfare_rx.wire

    allowed_calls = {"segment", "_base", "urlencode"}
    allowed_names = {"base"}  # bound to an f-string path checked here itself
    found: list[tuple[str, int, str]] = []
    for source in Path(fanfare_rx.wire.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            texts = [v.value for v in node.values
                     if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            if not any(t.startswith("/") and not t.startswith("//") for t in texts):
                continue  # not a request path
            for value in node.values:
                if not isinstance(value, ast.FormattedValue):
                    continue
                inner = value.value
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) \
                        and inner.func.id in allowed_calls:
                    continue
                if isinstance(inner, ast.Name) and inner.id in allowed_names:
                    continue
                found.append((source.name, node.lineno, ast.unparse(inner)))
    return found


def test_every_id_in_a_wire_path_goes_through_segment() -> None:
    assert _path_placeholders() == []


async def test_a_session_manager_used_directly_is_keyed_by_its_api_s_server(
        make_api: Callable[..., ConsumerApi], sandbox: Sandbox) -> None:
    api = make_api()
    assert api.sessions.storage_key == storage_key(sandbox.organization_id, sandbox.base_url)


async def test_a_stored_session_needs_its_server_before_the_storage_is_used(
        tmp_path: Path) -> None:
    sessions = SessionManager("org", storage=FileStorage(tmp_path))
    with pytest.raises(UsageError, match="base_url"):
        await sessions.restore()
    assert list(tmp_path.iterdir()) == []
    keyed = SessionManager("org", storage=FileStorage(tmp_path), base_url="http://127.0.0.1:9")
    assert await keyed.restore() is None
