"""From a trip candidate to a stored decision: organisation settings, the person's state, the policy."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache

from bot import metrics
from bot.domain.delivery import OutboxKind
from bot.domain.nudges import Decision, NudgeRecord, NudgeStatus, Trigger
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import Delivery, NudgeWrite, Preferences
from bot.i18n import Locale, normalise_locale
from bot.messages import OutgoingMessage
from bot.nudges.compose import compose_nudge, pause_question
from bot.nudges.detect import TripCandidate
from bot.nudges.policy import assign_variant, decide
from bot.nudges.policy_types import Candidate, NudgeSettings, PersonState, PolicyInput, PolicyOutcome
from bot.nudges.ports import NudgeState, Queued
from bot.savings.factors import FactorTable
from bot.savings.result import as_dict

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


@dataclass(frozen=True, slots=True)
class Plan:
    """One decision, made but not yet stored: what to write, and what to queue with it."""

    candidate: TripCandidate
    nudge: NudgeWrite
    outcome: PolicyOutcome
    delivery: Delivery | None  # the nudge goes out through the outbox
    preferences: Preferences  # as they are after this decision
    preferences_changed: bool  # a variant was assigned, or a pause started
    locale: Locale

    @property
    def status(self) -> NudgeStatus:
        """A new nudge's status (what ``NudgeStore.record_decision`` gives one)."""
        if self.nudge.decision is not Decision.SEND:
            return NudgeStatus.SUPPRESSED
        return NudgeStatus.QUEUED if self.delivery is not None else NudgeStatus.SHOWN

    def message(self, nudge_id: int) -> OutgoingMessage:
        estimate = self.candidate.estimate
        return compose_nudge(
            nudge_id, estimate, self.candidate.trip_date, locale=self.locale, variant=self.nudge.variant
        )

    def record(self, nudge_id: int, *, now: datetime) -> NudgeRecord:
        """The record of a newly stored nudge, without reading it back."""
        nudge, status = self.nudge, self.status
        return NudgeRecord(
            id=nudge_id,
            organisation_id=nudge.organisation_id,
            person_id=nudge.person_id,
            subject=nudge.subject,
            trigger=nudge.trigger,
            decision=nudge.decision,
            reason=nudge.reason,
            status=status,
            variant=nudge.variant,
            mode=nudge.mode,
            destination_name=nudge.destination_name,
            trip_date=nudge.trip_date,
            created_at=now,
            delivered=status is NudgeStatus.SHOWN,
            meeting_id=nudge.meeting_id,
            estimate=dict(nudge.estimate),
        )


class NudgeDecider:
    """Pure: the policy applied to a candidate and the person's stored state (``NudgeState``)."""

    def factors(self, organisation: Organisation) -> FactorTable:
        return organisation_factors(organisation)

    def plan(
        self,
        organisation: Organisation,
        candidate: TripCandidate,
        state: NudgeState,
        *,
        now: datetime,
        subject: str,
        trigger: Trigger,
        meeting_id: int | None = None,
        trip_id: int | None = None,
        booked: bool = False,
    ) -> Plan:
        person = candidate.person
        settings = nudge_settings(organisation)
        preferences, changed = _with_variant(organisation, state.preferences, settings)
        outcome = decide(
            PolicyInput(
                now, settings, _state(person, preferences), _candidate(candidate, booked), state.history
            )
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
            estimate=as_dict(candidate.estimate),
        )
        if outcome.start_pause:
            # Pause after repeated "no"; the caller asks once whether the person wants the tips back.
            until = now + timedelta(days=settings.pause_days)
            preferences, changed = _with(preferences, paused_until=until, pause_asked=True), True
        delivery = _delivery(outcome, person, organisation)
        return Plan(candidate, nudge, outcome, delivery, preferences, changed, person_locale(person))


def pause_message(plan: Plan, organisation: Organisation, nudge_id: int, *, now: datetime) -> Queued:
    """The one question after a pause starts: do you want the tips back?"""
    person = plan.candidate.person
    return Queued(
        person_id=person.id,
        key=f"pause:{now.date().isoformat()}",
        kind=OutboxKind.PAUSE_QUESTION,
        message=pause_question(plan.locale, nudge_id),
        delivery=Delivery(channel_for(person, organisation), now),
    )


def _with_variant(
    organisation: Organisation, preferences: Preferences, settings: NudgeSettings
) -> tuple[Preferences, bool]:
    """A person's wording variant is assigned once, the first time they are decided about."""
    if preferences.variant is not None:
        return preferences, False
    key = f"{organisation.id}:{preferences.person_id}".encode()
    seed = int.from_bytes(hashlib.sha256(key).digest()[:8], "big")
    return _with(preferences, variant=assign_variant(seed, experiment=settings.experiment)), True


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
