"""The plain rows storage hands to the reports, already aggregated in SQL.

Figures are grouped by ``unit_id``: the person's direct manager, the smallest unit their figures count
in. Summing those buckets up the organisation chart gives every unit its totals (``bot.reports.units``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.messages import OutgoingMessage


@dataclass(frozen=True, slots=True)
class Member:
    """A person in the organisation chart; ``locale`` is their own setting, else the directory's."""

    id: int
    manager_id: int | None
    name: str
    locale: str
    channel: str | None
    active: bool = True


@dataclass(frozen=True, slots=True)
class TripCount:
    """Trips of a unit's direct reports in one week of the window: taken or planned, under/over 100 km."""

    unit_id: int
    week: int
    taken: bool
    far: bool
    count: int


@dataclass(frozen=True, slots=True)
class UnitCount:
    """A count for one unit's direct reports (and, where it matters, per week or per label)."""

    unit_id: int
    count: int
    week: int = 0
    label: str = ""


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    """Choices of one unit's direct reports in one week of the window, with what they saved."""

    unit_id: int
    week: int
    choice: str
    reason: str | None
    count: int
    hours: float = 0.0
    co2e_kg: float = 0.0
    cost_sek: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class ImportSpan:
    """The period the imported travel history covers (the baseline period)."""

    first: date
    last: date

    @property
    def weeks(self) -> int:
        return (self.last - self.first).days // 7 + 1


@dataclass(frozen=True, slots=True)
class Digest:
    """A summary to enqueue: the outbox key names the subject, so the same one is never queued twice."""

    person_id: int
    key: str
    channel: str
    message: OutgoingMessage
