"""Nudges: what was decided for one person and one subject, why, and what the person chose."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Trigger(StrEnum):
    MEETING = "meeting"
    TRAVEL = "travel"
    CHAT = "chat"


class Decision(StrEnum):
    SEND = "send"
    SUPPRESS = "suppress"


class Reason(StrEnum):
    """Why a nudge was or was not sent; stored with every decision."""

    SEND_NOW = "send_now"
    DEFERRED_TO_WORKING_HOURS = "deferred_to_working_hours"
    BELOW_THRESHOLD = "below_threshold"
    OPTED_OUT = "opted_out"
    SNOOZED = "snoozed"
    PAUSED = "paused"
    WEEKLY_CAP = "weekly_cap"
    ALREADY_NUDGED = "already_nudged"
    TOO_LATE = "too_late"
    ALREADY_BOOKED = "already_booked"
    NOT_IN_PERSON = "not_in_person"
    ASKED_IN_CHAT = "asked_in_chat"


class NudgeStatus(StrEnum):
    SUPPRESSED = "suppressed"
    QUEUED = "queued"
    SHOWN = "shown"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class OutcomeChoice(StrEnum):
    DIGITAL = "digital"
    HYBRID = "hybrid"
    TRAIN = "train"
    TRAVEL_ANYWAY = "travel_anyway"
    SNOOZE = "snooze"
    OPT_OUT = "opt_out"

    @property
    def avoids_trip(self) -> bool:
        """Only a confirmed digital or hybrid choice counts as an avoided trip."""
        return self in (OutcomeChoice.DIGITAL, OutcomeChoice.HYBRID)

    @property
    def declines(self) -> bool:
        return self is OutcomeChoice.TRAVEL_ANYWAY


class TravelReason(StrEnum):
    """The fixed reason categories for travelling anyway (counted, never shown per person)."""

    RELATIONSHIP = "relationship"
    NEGOTIATION = "negotiation"
    SITE_VISIT = "site_visit"
    EQUIPMENT = "equipment"
    EXTERNAL_REQUIREMENT = "external_requirement"
    TEAM_BUILDING = "team_building"
    CONFERENCE = "conference"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class NudgeRecord:
    """A stored nudge as the use cases see it."""

    id: int
    organisation_id: int
    person_id: int
    subject: str
    trigger: Trigger
    decision: Decision
    reason: Reason
    status: NudgeStatus
    variant: str
    mode: str
    destination_name: str
    trip_date: date | None
    created_at: datetime
    choice: OutcomeChoice | None = None
    delivered: bool = False
    meeting_id: int | None = None
    estimate: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class PersonFigures:
    """One person's own figures over a period (shown only to that person)."""

    nudges: int = 0
    digital: int = 0
    hybrid: int = 0
    train: int = 0
    travelled: int = 0
    hours_saved: float = 0.0
    co2e_saved_kg: float = 0.0
    cost_saved_sek: float = 0.0

    @property
    def avoided_trips(self) -> int:
        return self.digital + self.hybrid
