"""Arguments of ``mark_admitted`` and ``start_polling`` are checked where they are given: a bad
value is a UsageError and leaves the journey as it was (nothing folded, nothing scheduled)."""

from __future__ import annotations

from typing import Any

import pytest

from fanfare_rx import UsageError
from fanfare_rx.journey.arguments import MIN_POLL_INTERVAL_MS
from fanfare_rx.testing import JourneyHarness
from fanfare_rx.testing import builders as b


def started() -> JourneyHarness:
    """A journey routed to an open queue (as in the polling tests)."""
    h = JourneyHarness(b.experience("queue"))
    h.server.on_route("-r|", r=b.routed())
    h.server.on_status("(s|)", s=b.not_queued())
    h.act("s", s="start")
    h.advance(2)
    assert h.outcome("start").ok
    return h


@pytest.mark.parametrize(("token", "expires"), [
    (None, 7_500), (123, 7_500), ("", 7_500), ("  ", 7_500),
    ("grant", "soon"), ("grant", float("nan")), ("grant", float("inf")), ("grant", True),
    ("grant", -1), ("grant", 7_500.5), ("grant", [7_500]),
])
def test_mark_admitted_refuses_what_is_no_grant(token: Any, expires: Any) -> None:
    h = started()
    before = h.journey.state.get()
    with pytest.raises(UsageError):
        h.journey.mark_admitted(token, expires_at_ms=expires)
    assert h.journey.state.get() is before


@pytest.mark.parametrize("expires", [None, 7_500, 7_500.0])
def test_mark_admitted_takes_a_token_and_epoch_milliseconds(expires: Any) -> None:
    h = started()
    h.journey.mark_admitted("grant-m", expires_at_ms=expires)
    snap = h.journey.state.get()
    assert snap.sequence_stage == "admitted"
    assert snap.context.admittance_expires_at == (None if expires is None else 7_500)
    assert isinstance(snap.context.admittance_expires_at, int | None)


@pytest.mark.parametrize("interval", [1, 0, -5, MIN_POLL_INTERVAL_MS - 1, 99.5, float("nan"),
                                      "5000", True])
def test_start_polling_has_a_floor(interval: Any) -> None:
    h = started()
    with pytest.raises(UsageError, match=str(MIN_POLL_INTERVAL_MS)):
        h.journey.start_polling(interval)
    assert not h.journey.is_polling


def test_start_polling_at_the_floor_polls_ten_times_a_second() -> None:
    h = started()
    h.journey.start_polling(MIN_POLL_INTERVAL_MS)
    assert h.journey.is_polling
    h.journey.stop_polling()
