"""The journey runner behind ``fanfare-rx demo`` and ``watch``: the docs' complete example (init,
restore, create_journey, listen, start, requirements, enter, poll) shown through a live view.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

import attrs

from fanfare_rx import errors
from fanfare_rx.cli.live_view import LiveView
from fanfare_rx.client.fanfare import Fanfare
from fanfare_rx.fleet.shoppers import (
    OUTCOME_NO_SLOT,
    book_a_slot,
    opening_bid,
    place_opening_bid,
)
from fanfare_rx.journey.journey import ExperienceJourney
from fanfare_rx.models import wire
from fanfare_rx.models._redact import redact
from fanfare_rx.models.journey import (
    JourneySnapshot,
    JourneyStage,
    RequirementType,
    SequenceAction,
    SequenceStage,
)

__all__ = [
    "EXIT_BLOCKED",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_ADMITTED",
    "EXIT_OK",
    "JourneyOptions",
    "JourneyStopped",
    "run_journey",
]

EXIT_OK = 0
#: An API or network error the journey could not recover from.
EXIT_ERROR = 1
#: The journey reached a terminal stage without admission (lost, denied, closed, expired).
EXIT_NOT_ADMITTED = 3
#: A requirement the program cannot satisfy (sign-in, access code, bot check) or the timeout.
EXIT_BLOCKED = 4
#: Interrupted by Ctrl-C (SIGINT).
EXIT_INTERRUPTED = 130

_DEMO_EMAIL = "demo@example.com"


@attrs.frozen
class JourneyOptions:
    """Where and how to run one journey. Secrets are redacted in the repr.

    Usage: ``JourneyOptions(base_url=url, organization_id=org, publishable_key=pk,
    experience_id=exp)``
    """

    base_url: str
    organization_id: str
    publishable_key: str
    experience_id: str
    access_code: str | None = attrs.field(default=None, repr=redact)
    email: str | None = None
    otp_code: str | None = attrs.field(default=None, repr=redact)
    bot_check_token: str | None = attrs.field(default=None, repr=redact)
    enter: bool = True
    poll_ms: int = 500
    timeout: float | None = 60.0
    bid: str | None = None


class JourneyStopped(Exception):
    """The journey cannot go on: carries the exit status and a message for the user."""

    def __init__(self, exit_code: int, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Runner:
    def __init__(self, fanfare: Fanfare, journey: ExperienceJourney, options: JourneyOptions,
                 view: LiveView) -> None:
        self.fanfare, self.journey, self.options, self.view = fanfare, journey, options, view
        self.changed = asyncio.Event()
        self.code_tried = False
        self.signed_in = False
        self.bot_checked = False
        self.done: set[SequenceAction] = set()
        self.booked = False

    def on_change(self, snapshot: JourneySnapshot) -> None:
        self.view.update(snapshot)
        self.changed.set()

    async def next_change(self) -> None:
        await self.changed.wait()

    # --- routing ----------------------------------------------------------------------------

    async def satisfy_requirements(self) -> None:
        """Handle needs_auth / needs_access_code / bot check until the journey is routed."""
        while True:
            self.changed.clear()
            snap = self.journey.state.get()
            stage = snap.journey_stage
            if stage is JourneyStage.ROUTED:
                return
            kinds = {r.type: r for r in snap.requirements}
            if stage is JourneyStage.NEEDS_AUTH:
                await self.sign_in()
            elif stage is JourneyStage.NEEDS_ACCESS_CODE:
                required = kinds[RequirementType.ACCESS_CODE].required if (
                    RequirementType.ACCESS_CODE in kinds) else True
                await self.access_code(snap, required)
            elif RequirementType.BOT_CHECK in kinds:
                await self.bot_check()
            elif stage is JourneyStage.ROUTING and snap.context.last_error is not None:
                raise JourneyStopped(
                    EXIT_NOT_ADMITTED, f"no access: {snap.context.last_error}")
            else:
                await self.next_change()

    async def sign_in(self) -> None:
        options = self.options
        if self.signed_in:
            raise JourneyStopped(EXIT_BLOCKED, "sign-in was not accepted")
        if options.otp_code is None:
            raise JourneyStopped(
                EXIT_BLOCKED, "this experience requires sign-in: pass --email and --otp")
        email = options.email or _DEMO_EMAIL
        self.signed_in = True
        self.view.note(f"needs_auth: request_otp(email={email!r})")
        await self.fanfare.auth.request_otp(email=email)
        self.view.note(
            f"verify_otp({redact(options.otp_code)}, email={email!r}), then authenticate()")
        await self.fanfare.auth.verify_otp(options.otp_code, email=email)
        await self.journey.authenticate()

    async def access_code(self, snap: JourneySnapshot, required: bool) -> None:
        offers = ", ".join(o.name for o in snap.context.offers) or "a gated sequence"
        kind = "required" if required else "optional"
        self.view.note(f"choice ({kind} access code): provide a code for {offers}"
                       + ("" if required else " or skip it"))
        if self.options.access_code is not None and not self.code_tried:
            self.code_tried = True
            self.view.note(f"-> provide_access_code({redact(self.options.access_code)})")
            await self.journey.provide_access_code(self.options.access_code)
        elif not required:
            self.view.note("-> skip_access_code()")
            await self.journey.skip_access_code()
        elif self.code_tried:
            raise JourneyStopped(EXIT_BLOCKED, "the access code was not accepted")
        else:
            raise JourneyStopped(EXIT_BLOCKED, "an access code is required: pass --access-code")

    async def bot_check(self) -> None:
        if self.options.bot_check_token is None:
            raise JourneyStopped(
                EXIT_BLOCKED, "a bot check is required: pass --bot-check-token")
        if self.bot_checked:
            raise JourneyStopped(EXIT_BLOCKED, "the bot check was not passed")
        self.bot_checked = True
        self.view.note(f"bot check: complete_bot_check({redact(self.options.bot_check_token)})")
        await self.journey.complete_bot_check(self.options.bot_check_token)

    # --- the distribution ---------------------------------------------------------------------

    async def follow(self) -> JourneySnapshot:
        """Enter (bid, book) when possible and wait for a terminal stage; the admitted (or, for
        an appointment, booked) snapshot."""
        while True:
            self.changed.clear()
            snap = self.journey.state.get()
            if snap.journey_stage is not JourneyStage.ROUTED:
                await self.satisfy_requirements()
                continue
            stage = snap.sequence_stage
            if stage is SequenceStage.ADMITTED or _booked(snap):
                return snap
            if stage in (SequenceStage.ENDED, SequenceStage.ADMISSION_EXPIRED):
                outcome = snap.context.outcome or stage.value
                raise JourneyStopped(
                    EXIT_NOT_ADMITTED, f"not admitted: the journey ended ({outcome})")
            if _is_appointment(snap):
                if stage is SequenceStage.ACTIVE_ENTERABLE and self.options.enter and (
                        not self.booked):
                    await self.book()
                    continue
                await self.next_change()
                continue
            action = self._next_action(snap)
            if action is not None:
                self.done.add(action)
                await self.perform(action, snap)
                continue
            await self.next_change()

    def _next_action(self, snap: JourneySnapshot) -> SequenceAction | None:
        if not self.options.enter:
            return None
        available = snap.available_actions.sequence
        wanted: SequenceAction | None = None
        if snap.sequence_stage is SequenceStage.UPCOMING:
            wanted = SequenceAction.ENTER_WAITLIST
        elif snap.sequence_stage is SequenceStage.ACTIVE_ENTERABLE:
            wanted = next((a for a in available if a.value.startswith("enter_")
                           and a is not SequenceAction.ENTER_WAITLIST), None)
        if wanted is None or wanted not in available or wanted in self.done:
            return None
        return wanted

    async def perform(self, action: SequenceAction, snap: JourneySnapshot) -> None:
        if action is SequenceAction.ENTER_AUCTION:
            await self.bid(snap)
            return
        self.view.note(f"-> {action.value}()")
        await self.journey.request(action)

    async def bid(self, snap: JourneySnapshot) -> None:
        if self.options.bid is not None:
            self.view.note(f"-> enter_auction({self.options.bid!r})")
            await self.journey.enter_auction(self.options.bid)
            return
        planned = opening_bid(snap.context.auction)
        self.view.note(f"-> enter_auction({planned!r}): the least bid that meets the reserve")
        amount = await place_opening_bid(self.journey)
        if amount != planned:
            self.view.note(f"-> place_bid({amount!r}): outbid meanwhile")

    async def book(self) -> None:
        self.booked = True
        self.view.note("-> book a free slot (appointment_slots, then book_appointment)")
        if await book_a_slot(self.journey, self.fanfare.api.appointment_slots) == (
                OUTCOME_NO_SLOT):
            raise JourneyStopped(EXIT_NOT_ADMITTED, "not booked: every slot is full")


def _is_appointment(snap: JourneySnapshot) -> bool:
    distribution = snap.context.distribution
    return distribution is not None and distribution.type is wire.DistributionType.APPOINTMENT


def _booked(snap: JourneySnapshot) -> bool:
    participation = snap.context.participation
    return (_is_appointment(snap) and snap.sequence_stage is SequenceStage.PARTICIPATING
            and participation is not None and participation.slot_id is not None)


async def run_journey(options: JourneyOptions, view: LiveView, out: TextIO | None = None) -> int:
    """Run the docs' complete example against ``options.base_url`` and return the exit status:
    0 admitted (an appointment: booked), 3 ended without admission, 4 blocked or timed out,
    1 on an error.

    Usage: ``status = await run_journey(JourneyOptions(...), LiveView())``
    """
    out = out if out is not None else sys.stdout
    view.note(f"Fanfare.init(organization_id={options.organization_id!r}, "
              f"base_url={options.base_url!r})")
    fanfare = await Fanfare.init(organization_id=options.organization_id,
                                 publishable_key=options.publishable_key,
                                 base_url=options.base_url)
    async with fanfare:
        restored = await fanfare.restore()
        view.note("restore(): " + ("session restored" if restored else
                                   "no stored session (a guest session starts on demand)"))
        journey = fanfare.experiences.create_journey(options.experience_id)
        view.note(f"create_journey({options.experience_id!r}); state.listen(live view)")
        runner = _Runner(fanfare, journey, options, view)
        off = journey.state.listen(runner.on_change)
        ticker = asyncio.create_task(_tick(view))
        try:
            async with asyncio.timeout(options.timeout):
                view.note("start()")
                await journey.start()
                await runner.satisfy_requirements()
                view.note(f"start_polling({options.poll_ms})")
                journey.start_polling(options.poll_ms)
                admitted = await runner.follow()
        except TimeoutError as exc:
            if isinstance(exc, errors.FanfareError):
                return _failed(view, out, exc)
            snap = journey.state.get()
            view.close()
            print(f"timed out after {options.timeout:g} s in stage "
                  f"{snap.journey_stage.value} / {snap.sequence_stage.value}", file=out)
            return EXIT_BLOCKED
        except JourneyStopped as exc:
            view.close()
            print(str(exc), file=out)
            return exc.exit_code
        except errors.FanfareError as exc:
            return _failed(view, out, exc)
        finally:
            ticker.cancel()
            off()
            journey.stop_polling()
        view.close()
        ctx = admitted.context
        if _booked(admitted):
            participation = ctx.participation
            assert participation is not None
            print(f"booked: slot {participation.slot_id}", file=out)
        else:
            print("admitted: admission token " + redact(ctx.admittance_token), file=out)
        return EXIT_OK


async def _tick(view: LiveView) -> None:
    """Redraw the live view's countdown every second (a no-op off a TTY)."""
    while True:
        await asyncio.sleep(1.0)
        view.tick()


def _failed(view: LiveView, out: TextIO, exc: errors.FanfareError) -> int:
    view.close()
    print(f"error: {exc}", file=out)
    return EXIT_ERROR

