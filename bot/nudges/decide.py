"""From a trip candidate to a stored decision: organisation settings, the person's state, the policy."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import timedelta
from functools import lru_cache

from bot import metrics
from bot.domain.delivery import OutboxKind
from bot.domain.nudges import Decision, NudgeRecord, Trigger
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import Delivery, NudgeWrite, Preferences
from bot.i18n import Locale, normalise_locale
from bot.nudges.compose import compose_nudge, pause_question
from bot.nudges.detect import TripCandidate
from bot.nudges.policy import assign_variant, decide
from bot.nudges.policy_types import Candidate, NudgeSettings, PersonState, PolicyInput, PolicyOutcome
from bot.nudges.ports import NudgeStore
from bot.ports import Clock
from bot.savings.factors import FactorTable

HISTORY_DAYS = 90


@lru_cache(maxsize=256)
def _factors(overrides: tuple[tuple[str, str], ...]) -> FactorTable:
    return FactorTable.load(dict(overrides))


def organisation_factors(organisation: Organisation) -> FactorTable:
    """The factor table with the organisation's overrides; built once per distinct set of overrides."""
    overrides = organisation.settings.get("factors") or {}
    return _factors(tuple(sorted((str(k), str(v)) for k, v in overrides.items())))


def nudge_settings(organisation: Organisation) -> NudgeSettings:
    return NudgeSettings.from_mapping(organisation.settings.get("nudges") or {})


def person_locale(person: Person) -> Locale:
    return normalise_locale(person.locale)


def channel_for(person: Person, organisation: Organisation) -> str:
    """A person is reached on the channel they last used, else the organisation's default (design 8)."""
    return person.last_channel.value if person.last_channel else organisation.default_channel


class NudgeDecider:
    def __init__(self, nudges: NudgeStore, clock: Clock) -> None:
        self._nudges, self._clock = nudges, clock

    def factors(self, organisation: Organisation) -> FactorTable:
        return organisation_factors(organisation)

    async def decide_and_record(
        self,
        organisation: Organisation,
        candidate: TripCandidate,
        *,
        subject: str,
        trigger: Trigger,
        meeting_id: int | None = None,
        trip_id: int | None = None,
        booked: bool = False,
    ) -> NudgeRecord:
        person, now = candidate.person, self._clock.now()
        settings = nudge_settings(organisation)
        preferences = await self._preferences(organisation, person, settings)
        history = await self._nudges.history(person.id, since=now - timedelta(days=HISTORY_DAYS))
        outcome = decide(
            PolicyInput(now, settings, _state(person, preferences), _candidate(candidate, booked), history)
        )
        metrics.nudges_decided.labels(outcome.decision.value, outcome.reason.value).inc()
        variant = preferences.variant or "A"
        nudge = NudgeWrite(
            organisation_id=organisation.id,
            person_id=person.id,
            subject=subject,
            trigger=trigger,
            decision=outcome.decision,
            reason=outcome.reason,
            variant=variant,
            mode=candidate.estimate.mode.value,
            destination_name=candidate.estimate.destination.name,
            trip_date=candidate.trip_date,
            meeting_id=meeting_id,
            trip_id=trip_id,
            estimate=candidate.estimate.to_dict(),
        )
        delivery = _delivery(outcome, person, organisation)
        locale = person_locale(person)
        record = await self._nudges.record_decision(
            nudge,
            now=now,
            delivery=delivery,
            compose=lambda nudge_id: compose_nudge(
                nudge_id, candidate.estimate, candidate.trip_date, locale=locale, variant=variant
            ),
        )
        if outcome.start_pause:
            await self._start_pause(organisation, person, preferences, settings, record)
        return record

    async def _preferences(
        self, organisation: Organisation, person: Person, settings: NudgeSettings
    ) -> Preferences:
        preferences = await self._nudges.preferences(person.id)
        if preferences.variant is None:
            seed = int.from_bytes(
                hashlib.sha256(f"{organisation.id}:{person.id}".encode()).digest()[:8], "big"
            )
            preferences = _with(preferences, variant=assign_variant(seed, experiment=settings.experiment))
            await self._nudges.save_preferences(organisation.id, preferences, now=self._clock.now())
        return preferences

    async def _start_pause(
        self,
        organisation: Organisation,
        person: Person,
        preferences: Preferences,
        settings: NudgeSettings,
        record: NudgeRecord,
    ) -> None:
        """Pause after repeated "no", and ask once whether the person wants the tips back."""
        now = self._clock.now()
        paused = _with(preferences, paused_until=now + timedelta(days=settings.pause_days), pause_asked=True)
        await self._nudges.save_preferences(organisation.id, paused, now=now)
        await self._nudges.enqueue_message(
            organisation_id=organisation.id,
            person_id=person.id,
            key=f"pause:{now.date().isoformat()}",
            kind=OutboxKind.PAUSE_QUESTION,
            message=pause_question(person_locale(person), record.id),
            delivery=Delivery(channel_for(person, organisation), now),
        )


def _state(person: Person, preferences: Preferences) -> PersonState:
    return PersonState(
        timezone=person.timezone,
        opted_out=preferences.opted_out,
        snoozed_until=preferences.snoozed_until,
        paused_until=preferences.paused_until,
        pause_asked=preferences.pause_asked,
    )


def _candidate(candidate: TripCandidate, booked: bool) -> Candidate:
    return Candidate(
        distance_km=candidate.distance_one_way_km,
        hours_one_way=candidate.hours_one_way,
        trip_start=candidate.starts_at,
        booked=booked,
    )


def _delivery(outcome: PolicyOutcome, person: Person, organisation: Organisation) -> Delivery | None:
    if outcome.decision is not Decision.SEND or outcome.deliver_at is None:
        return None
    return Delivery(channel_for(person, organisation), outcome.deliver_at)


def _with(preferences: Preferences, **changes: object) -> Preferences:
    return replace(preferences, **changes)  # type: ignore[arg-type]
