"""A click on a nudge: checked to belong to the person, recorded once, the original updated in place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

from bot.domain.nudges import NudgeRecord, OutcomeChoice, TravelReason
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import OutcomeWrite
from bot.i18n import Locale, text
from bot.messages import ActionId, OutgoingMessage
from bot.nudges.compose import DigitalHelp, chosen, compose_nudge, digital_follow_up, with_reason_form
from bot.nudges.decide import organisation_factors, person_locale
from bot.nudges.ports import NudgeStore
from bot.ports import Clock
from bot.savings.estimate import AirportFinder, EstimateError, TripSpec, estimate
from bot.savings.explain import explain
from bot.savings.modes import Mode
from bot.savings.places import Place
from bot.savings.result import SavingsEstimate

log = logging.getLogger(__name__)

SNOOZE_DAYS = 7
_OUTCOMES = {
    ActionId.NUDGE_GO_DIGITAL: OutcomeChoice.DIGITAL,
    ActionId.NUDGE_GO_HYBRID: OutcomeChoice.HYBRID,
    ActionId.NUDGE_TAKE_TRAIN: OutcomeChoice.TRAIN,
    ActionId.NUDGE_TRAVEL_ANYWAY: OutcomeChoice.TRAVEL_ANYWAY,
    ActionId.NUDGE_SNOOZE: OutcomeChoice.SNOOZE,
    ActionId.NUDGE_OPT_OUT: OutcomeChoice.OPT_OUT,
}
NUDGE_ACTIONS = frozenset({*_OUTCOMES, ActionId.NUDGE_EXPLAIN, ActionId.NUDGE_RESUME})


@dataclass(frozen=True, slots=True)
class ChoiceResult:
    replies: tuple[OutgoingMessage, ...] = ()
    update: OutgoingMessage | None = None
    recorded: OutcomeChoice | None = None


OnDigital = Callable[[Organisation, Person, NudgeRecord], Awaitable[None]]


class NudgeChoices:
    def __init__(
        self,
        nudges: NudgeStore,
        airports: AirportFinder,
        clock: Clock,
        *,
        on_digital: OnDigital | None = None,
    ) -> None:
        """``on_digital`` runs after a digital choice is recorded (the calendar write-back, when allowed)."""
        self._nudges, self._airports, self._clock = nudges, airports, clock
        self._on_digital = on_digital

    async def choose(
        self, organisation: Organisation, person: Person, action: ActionId, value: str, inputs: dict[str, str]
    ) -> ChoiceResult:
        locale = person_locale(person)
        nudge = await self._owned(person, value)
        if isinstance(nudge, str):
            return ChoiceResult(replies=(OutgoingMessage(text(f"nudges.{nudge}", locale)),))
        trip = self._reestimate(organisation, nudge)
        if action is ActionId.NUDGE_EXPLAIN:
            return ChoiceResult(replies=(OutgoingMessage(explain(trip, locale)),))
        if action is ActionId.NUDGE_RESUME:
            return await self._resume(organisation, person, locale)
        choice = _OUTCOMES[action]
        if choice is OutcomeChoice.TRAVEL_ANYWAY and inputs.get("reason") not in {
            r.value for r in TravelReason
        }:
            if nudge.choice is not None:
                return ChoiceResult(replies=(OutgoingMessage(text("nudges.already_chosen", locale)),))
            return ChoiceResult(
                update=with_reason_form(self._original(nudge, trip, locale), nudge.id, locale)
            )
        return await self._record(organisation, person, nudge, trip, choice, inputs, locale)

    def _original(self, nudge: NudgeRecord, trip: SavingsEstimate, locale: Locale) -> OutgoingMessage:
        day = nudge.trip_date or self._clock.now().date()
        return compose_nudge(nudge.id, trip, day, locale=locale, variant=nudge.variant)

    async def _owned(self, person: Person, value: str) -> NudgeRecord | str:
        nudge = await self._nudges.by_id(int(value)) if value.isdigit() else None
        if nudge is None:
            log.info("click on unknown nudge value by person %s", person.id)
            return "expired"
        if nudge.person_id != person.id or nudge.organisation_id != person.organisation_id:
            log.warning("person %s clicked nudge %s that belongs to someone else", person.id, nudge.id)
            return "not_yours"
        return nudge

    async def _record(
        self,
        organisation: Organisation,
        person: Person,
        nudge: NudgeRecord,
        trip: SavingsEstimate,
        choice: OutcomeChoice,
        inputs: dict[str, str],
        locale: Locale,
    ) -> ChoiceResult:
        saved = self._savings(organisation, trip, choice)
        outcome = OutcomeWrite(
            nudge_id=nudge.id,
            person_id=person.id,
            choice=choice,
            reason_category=inputs.get("reason") if choice is OutcomeChoice.TRAVEL_ANYWAY else None,
            reason_text=(inputs.get("reason_text") or "").strip()[:500] or None,
            co2e_saved_kg=float(saved[0]),
            cost_saved_sek=saved[1],
            hours_saved=float(saved[2]),
        )
        if not await self._nudges.record_outcome(
            outcome, organisation_id=organisation.id, now=self._clock.now()
        ):
            return ChoiceResult(replies=(OutgoingMessage(text("nudges.already_chosen", locale)),))
        await self._apply_preferences(organisation, person, choice)
        if choice is OutcomeChoice.DIGITAL and self._on_digital is not None:
            await self._on_digital(organisation, person, nudge)
        original = self._original(nudge, trip, locale)
        return ChoiceResult(
            replies=self._follow_up(organisation, nudge, choice, locale),
            update=chosen(original, choice, locale),
            recorded=choice,
        )

    def _follow_up(
        self, organisation: Organisation, nudge: NudgeRecord, choice: OutcomeChoice, locale: Locale
    ) -> tuple[OutgoingMessage, ...]:
        if choice.avoids_trip:
            help_ = DigitalHelp.from_settings(organisation.settings, locale, room=f"remm-{nudge.id}")
            return (digital_follow_up(help_, locale),)
        if choice is OutcomeChoice.OPT_OUT:
            return (OutgoingMessage(text("nudges.opted_out", locale)),)
        if choice is OutcomeChoice.SNOOZE:
            return (OutgoingMessage(text("nudges.snoozed", locale)),)
        return ()

    async def _apply_preferences(
        self, organisation: Organisation, person: Person, choice: OutcomeChoice
    ) -> None:
        now = self._clock.now()
        preferences = await self._nudges.preferences(person.id)
        if choice is OutcomeChoice.SNOOZE:
            preferences = replace(preferences, snoozed_until=now + timedelta(days=SNOOZE_DAYS))
        elif choice is OutcomeChoice.OPT_OUT:
            preferences = replace(preferences, opted_out=True)
        else:
            return
        await self._nudges.save_preferences(organisation.id, preferences, now=now)

    async def _resume(self, organisation: Organisation, person: Person, locale: Locale) -> ChoiceResult:
        now = self._clock.now()
        preferences = replace(await self._nudges.preferences(person.id), paused_until=now, opted_out=False)
        await self._nudges.save_preferences(organisation.id, preferences, now=now)
        return ChoiceResult(replies=(OutgoingMessage(text("nudges.resumed", locale)),))

    def _reestimate(self, organisation: Organisation, nudge: NudgeRecord) -> SavingsEstimate:
        """The stored estimate's inputs, estimated again: the explanation and update need the full object."""
        data = nudge.estimate
        spec = TripSpec(
            _place(data["origin"]),
            _place(data["destination"]),
            Mode(data["mode"]),
            int(data["travellers"]),
            bool(data["round_trip"]),
            int(data.get("nights", 0)),
        )
        return estimate(spec, factors=organisation_factors(organisation), airports=self._airports)

    def _savings(
        self, organisation: Organisation, trip: SavingsEstimate, choice: OutcomeChoice
    ) -> tuple[Decimal, Decimal, Decimal]:
        """(kg CO2e, SEK, hours) saved by the choice; train instead of a flight saves the difference."""
        if choice.avoids_trip:
            return trip.savings_co2e_kg, trip.savings_cost_sek, trip.savings_hours
        if choice is OutcomeChoice.TRAIN and trip.mode is Mode.FLIGHT:
            try:
                by_train = estimate(
                    replace(_spec(trip), mode=Mode.TRAIN),
                    factors=organisation_factors(organisation),
                    airports=self._airports,
                )
            except EstimateError:
                return Decimal(0), Decimal(0), Decimal(0)
            return trip.co2e_kg - by_train.co2e_kg, Decimal(0), Decimal(0)
        return Decimal(0), Decimal(0), Decimal(0)


def _place(data: dict[str, object]) -> Place:
    return Place(
        key=f"estimate:{data['name']}",
        name=str(data["name"]),
        lat=float(str(data["lat"])),
        lon=float(str(data["lon"])),
    )


def _spec(trip: SavingsEstimate) -> TripSpec:
    return TripSpec(trip.origin, trip.destination, trip.mode, trip.travellers, trip.round_trip, trip.nights)
