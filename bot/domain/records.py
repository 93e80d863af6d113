"""What the use cases hand to storage to write: plain values, already validated and resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bot.domain.nudges import Decision, OutcomeChoice, Reason, Trigger


@dataclass(frozen=True, slots=True)
class MeetingWrite:
    organisation_id: int
    source: str
    event_id: str
    series_id: str | None
    organiser_id: int | None
    start: datetime
    end: datetime
    place_key: str | None
    place_name: str | None
    online: bool
    external_attendees: int
    status: str
    attendee_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TripWrite:
    organisation_id: int
    person_id: int | None
    source: str
    source_id: str
    origin_name: str
    destination_name: str
    destination_key: str | None
    departure_date: date
    return_date: date | None
    nights: int
    mode: str
    travellers: int
    distance_km: float
    co2e_kg: float
    cost_sek: Decimal
    status: str
    department: str = ""


@dataclass(frozen=True, slots=True)
class NudgeWrite:
    organisation_id: int
    person_id: int
    subject: str
    trigger: Trigger
    decision: Decision
    reason: Reason
    variant: str
    mode: str
    destination_name: str
    trip_date: date | None
    meeting_id: int | None = None
    trip_id: int | None = None
    estimate: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Send through the outbox on ``channel`` at ``due_at``; ``None`` in a NudgeWrite means: record only."""

    channel: str
    due_at: datetime


@dataclass(frozen=True, slots=True)
class OutcomeWrite:
    nudge_id: int
    person_id: int
    choice: OutcomeChoice
    reason_category: str | None = None
    reason_text: str | None = None
    co2e_saved_kg: float = 0.0
    cost_saved_sek: Decimal = Decimal(0)
    hours_saved: float = 0.0


@dataclass(frozen=True, slots=True)
class Preferences:
    person_id: int
    opted_out: bool = False
    snoozed_until: datetime | None = None
    paused_until: datetime | None = None
    pause_asked: bool = False
    variant: str | None = None
    privacy_notice_seen: bool = False
    locale: str | None = None
