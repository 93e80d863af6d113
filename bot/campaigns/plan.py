"""Who gets which variant, on which channel, and when: inside each recipient's own working hours."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from bot.campaigns.model import Campaign, Variant
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.i18n import Locale, normalise_locale
from bot.nudges.calendar import next_working_time
from bot.nudges.decide import channel_for, nudge_settings


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: time
    end: time

    @classmethod
    def of(cls, organisation: Organisation) -> WorkingHours:
        """The organisation's working day, the same one nudges keep to (``settings.nudges``)."""
        settings = nudge_settings(organisation)
        return cls(settings.workday_start, settings.workday_end)


@dataclass(frozen=True, slots=True)
class Planned:
    person_id: int
    variant: Variant
    locale: Locale
    channel: str
    due_at: datetime
    reminder_at: datetime | None = None


def assign_variant(campaign_id: int, person_id: int, variants: Sequence[Variant]) -> Variant:
    """Random-looking but stable: the same person gets the same variant of a campaign every time."""
    if len(variants) == 1:
        return variants[0]
    digest = hashlib.sha256(f"campaign:{campaign_id}:{person_id}".encode()).digest()
    return variants[int.from_bytes(digest[:8], "big") % len(variants)]


def plan(
    campaign: Campaign,
    recipients: Sequence[Person],
    *,
    organisation: Organisation,
    now: datetime,
    locales: Mapping[int, str],
) -> list[Planned]:
    """One delivery per recipient, due at the first working moment at or after the send time, on the
    recipient's own wall clock; a reminder (when asked for) N days later, again inside working hours."""
    hours = WorkingHours.of(organisation)
    start = max(campaign.send_at or now, now)
    reminder = timedelta(days=campaign.reminder_days) if campaign.reminder_days else None
    return [
        _one(campaign, person, organisation, hours, start, reminder, locales.get(person.id))
        for person in recipients
    ]


def _one(
    campaign: Campaign,
    person: Person,
    organisation: Organisation,
    hours: WorkingHours,
    start: datetime,
    reminder: timedelta | None,
    override: str | None,
) -> Planned:
    due = _working(start, person.timezone, hours)
    return Planned(
        person_id=person.id,
        variant=assign_variant(campaign.id, person.id, campaign.variants),
        locale=normalise_locale(override or person.locale),
        channel=channel_for(person, organisation),
        due_at=due,
        reminder_at=_working(due + reminder, person.timezone, hours) if reminder else None,
    )


@lru_cache(maxsize=1024)
def _working(moment: datetime, timezone: str, hours: WorkingHours) -> datetime:
    # Cached: a campaign to 50,000 people has one send time and a handful of time zones.
    return next_working_time(moment, timezone=timezone, start=hours.start, end=hours.end)
