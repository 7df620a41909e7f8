"""The live journeys of one ``Fanfare`` by experience id and the places they hold: the part the
session manager counts participations from and ``fanfare.experiences`` creates journeys into.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fanfare_rx.errors import ClientClosedError, ErrorCode
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models.journey import JourneySnapshot, JourneyStage, SequenceStage

__all__ = ["LiveJourneys", "holds_participation"]


def holds_participation(snapshot: JourneySnapshot) -> bool:
    """A participation the server still keeps (the journey must not lose it).

    Usage: ``holds_participation(journey.state.get())`` -> ``True`` while queued
    """
    return (snapshot.context.participation is not None
            and snapshot.sequence_stage is not SequenceStage.ENDED)


def _may_hold_participation(snapshot: JourneySnapshot) -> bool:
    """Holds one, or may: a started journey that has not ended may have entered with the
    answer lost on the way."""
    return holds_participation(snapshot) or (
        snapshot.journey_stage is not JourneyStage.NOT_STARTED
        and snapshot.sequence_stage is not SequenceStage.ENDED)


class LiveJourneys:
    """The journeys of one client by experience id (a destroyed journey is forgotten).

    It exists before the session manager and the API client, so the manager is given its
    participation count at construction (a lost guest holding a place is never replaced)::

        journeys = LiveJourneys()
        sessions = SessionManager(org, participations=journeys)  # live_participations()

    Iterating yields the live journeys. :meth:`close` (the owner's destroy) destroys them and
    refuses new ones: whether the owner was destroyed is this one fact, which its namespaces
    read from here (they keep no callable of the owner for it).
    """

    __slots__ = ("_by_id", "_closed")

    def __init__(self) -> None:
        self._by_id: dict[str, ExperienceJourney] = {}
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (the owning client was destroyed)."""
        return self._closed

    def check_open(self) -> None:
        """Refuse to act for a destroyed client.

        Raises:
            ClientClosedError: code ``NOT_INITIALIZED`` once :meth:`close` was called.

        Usage: ``journeys.check_open()`` (before a request or a new journey)
        """
        if self._closed:
            raise ClientClosedError("this Fanfare instance was destroyed",
                                    code=ErrorCode.NOT_INITIALIZED)

    def get(self, experience_id: str) -> ExperienceJourney | None:
        """The live journey of ``experience_id``, or None.

        Usage: ``journeys.get("exp-1")``
        """
        journey = self._by_id.get(experience_id)
        return journey if journey is not None and not journey.destroyed else None

    def add(self, journey: ExperienceJourney) -> None:
        """Keep ``journey`` as the one of its experience.

        Raises:
            ClientClosedError: the journeys were closed (the journey is destroyed, not kept).

        Usage: ``journeys.add(ExperienceJourney("exp-1", port, on_destroy=journeys.forget))``
        """
        if self._closed:
            journey.destroy()
            self.check_open()
        self._by_id[journey.experience_id] = journey

    def forget(self, journey: ExperienceJourney) -> None:
        """Drop ``journey`` if it is the one kept for its experience (its ``on_destroy``).

        Usage: ``journeys.forget(journey)``
        """
        if self._by_id.get(journey.experience_id) is journey:
            del self._by_id[journey.experience_id]

    def by_id(self) -> Mapping[str, ExperienceJourney]:
        """A copy of the journeys by experience id.

        Usage: ``sorted(journeys.by_id())`` -> ``["exp-1"]``
        """
        return dict(self._by_id)

    def __iter__(self) -> Iterator[ExperienceJourney]:
        return iter([journey for journey in self._by_id.values() if not journey.destroyed])

    def live_participations(self) -> int:
        """How many live journeys hold a participation (a queue place, a draw entry ...) or
        may hold one (started, not ended: an entry's answer may have been lost).

        Usage: ``journeys.live_participations()`` -> ``1``
        """
        return sum(1 for journey in self if _may_hold_participation(journey.state.get()))

    def session_lost(self) -> None:
        """The consumer's session is gone and was not replaced: every started journey asks to
        sign in again (an ``authentication`` requirement). The session manager given these
        journeys calls it (``SessionManager(participations=journeys)``).

        Usage: ``journeys.session_lost()``
        """
        for journey in self:
            if journey.state.get().journey_stage is not JourneyStage.NOT_STARTED:
                journey.session_lost()

    def places(self) -> list[dict[str, Any]]:
        """The places live journeys hold or may hold: ``{experienceId, type, id,
        sequenceStage, held}`` each (``type``/``id`` of the distribution, None when not
        located; ``held``: a participation the server keeps, not merely a started journey).

        Usage: ``journeys.places()`` -> ``[{"experienceId": ..., "type": "queue", ...}]``
        """
        found: list[dict[str, Any]] = []
        for journey in self:
            snap = journey.state.get()
            if not _may_hold_participation(snap):
                continue
            distribution = snap.context.distribution
            found.append({"experienceId": journey.experience_id,
                          "type": distribution.type.value if distribution else None,
                          "id": distribution.id if distribution else None,
                          "sequenceStage": snap.sequence_stage.value,
                          "held": holds_participation(snap)})
        return found

    def destroy_all(self) -> None:
        """Destroy every journey and forget them all.

        Usage: ``journeys.destroy_all()``
        """
        for journey in list(self._by_id.values()):
            journey.destroy()
        self._by_id.clear()

    def close(self) -> None:
        """Destroy every journey and refuse new ones (the owning client's destroy). Idempotent.

        Usage: ``journeys.close()``
        """
        self._closed = True
        self.destroy_all()

    def __repr__(self) -> str:
        return f"LiveJourneys({sorted(self._by_id)!r})"
