"""The timed release: inside the window an entry is admitted at once; complete after purchase."""

from __future__ import annotations

from fanfare_rx.mechanisms.base import (
    ENTERABLE,
    GRANTED_IF_TOKEN,
    ApiCalls,
    ItemTerms,
    MechanismEvents,
    MechanismSpec,
    Standing,
    epoch_ms,
    is_open,
    not_settling,
    rule,
)
from fanfare_rx.models import wire
from fanfare_rx.models.actions import Complete, Enter, Leave
from fanfare_rx.models.journey import SequenceAction, SequenceStage

__all__ = ["TIMED_RELEASE"]

SS = SequenceStage
_KIND = wire.DistributionType.TIMED_RELEASE


def _standing(state: wire.TimedReleaseConsumerState) -> Standing:
    return Standing(status=state.status.value, reason=state.reason, grant=state.admission_grant,
                    expires_at=epoch_ms(state.expires_at))


TIMED_RELEASE = MechanismSpec(
    kind=_KIND,
    state_types=(wire.TimedReleaseConsumerState,),
    standing=_standing,
    # Gen C: an entry holding an admission grant is the admission (spec §4.7, §5.4).
    statuses={"NOT_ENTERED": ENTERABLE, "ENTERED": GRANTED_IF_TOKEN, "GRANTED": SS.ADMITTED,
              "COMPLETED": SS.ENDED, "DENIED": SS.ENDED, "LEFT": ENTERABLE},
    rules=(
        rule(SequenceAction.ENTER_TIMED_RELEASE, "enter", Enter, {SS.ACTIVE_ENTERABLE}, {_KIND}),
        rule(SequenceAction.LEAVE_PARTICIPATION, "leave", Leave, {SS.PARTICIPATING}, {_KIND},
             not_settling),
        rule(SequenceAction.COMPLETE_TIMED_RELEASE, "complete", Complete, {SS.ADMITTED}, {_KIND}),
        rule(SequenceAction.ENTER_TIMED_RELEASE, "reenter", Enter, {SS.ADMISSION_EXPIRED},
             {_KIND}, is_open),
    ),
    api=ApiCalls(status="timed_release_status", enter="enter_timed_release",
                 leave="leave_timed_release", leave_answers_state=False,
                 complete="complete_timed_release", complete_answers_state=False),
    poll_interval_ms=5000,
    listed=lambda sequence: tuple(sequence.timed_releases or ()),
    terms=lambda item: ItemTerms(None, item.admission_expiration_seconds, item.supports_guest),
    events=MechanismEvents(
        entered="timed_release:entered", left="timed_release:left",
        granted="timed_release:granted", expired="timed_release:expired",
        ended={"completed": "timed_release:completed"},
        status_updated="timed_release:status-updated", error="timed_release:error",
        id_key="timedReleaseId"),
)
