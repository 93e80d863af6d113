"""Per-person and per-unit accumulators for the weekly summary, summed up the organisation chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Self

from bot.domain.nudges import OutcomeChoice

TREND_WEEKS = 12
FIRST_WEEKS = 4
THIS_WEEK = TREND_WEEKS - 1


def _zeros(count: int) -> list[int]:
    return [0] * count


@dataclass(slots=True)
class Tally:
    """``trips`` holds week x (planned, taken) x (under, over 100 km); the rest is the reported week,
    except ``avoided`` (per week, for the trend) and the baseline's ``imported`` / ``start`` + ``early``."""

    trips: list[int] = field(default_factory=lambda: _zeros(TREND_WEEKS * 4))
    avoided: list[int] = field(default_factory=lambda: _zeros(TREND_WEEKS))
    nudges: int = 0
    choices: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    destinations: Counter[str] = field(default_factory=Counter)
    hours: float = 0.0
    co2e: float = 0.0
    sek: Decimal = Decimal(0)
    imported: int = 0
    start: int | None = None  # the first week with data (weeks since a fixed Monday)
    early: dict[int, int] = field(default_factory=dict)  # trips in the first FIRST_WEEKS weeks

    def add(self, other: Self) -> None:
        self.trips = [a + b for a, b in zip(self.trips, other.trips, strict=True)]
        self.avoided = [a + b for a, b in zip(self.avoided, other.avoided, strict=True)]
        self.nudges += other.nudges
        self.choices.update(other.choices)
        self.reasons.update(other.reasons)
        self.destinations.update(other.destinations)
        self.hours, self.co2e, self.sek = (
            self.hours + other.hours,
            self.co2e + other.co2e,
            self.sek + other.sek,
        )
        self.imported += other.imported
        self.add_early(other.start, other.early)

    def add_trips(self, week: int, *, taken: bool, far: bool, count: int) -> None:
        self.trips[week * 4 + taken * 2 + far] += count

    def add_outcome(self, week: int, choice: str, reason: str | None, count: int) -> None:
        if choice in (OutcomeChoice.DIGITAL, OutcomeChoice.HYBRID):
            self.avoided[week] += count
        if week == THIS_WEEK:
            self.choices[choice] += count
            if choice == OutcomeChoice.TRAVEL_ANYWAY and reason:
                self.reasons[reason] += count

    def trips_in(self, week: int, *, taken: bool) -> tuple[int, int]:
        base = week * 4 + taken * 2
        return self.trips[base], self.trips[base + 1]

    def trips_total(self, week: int) -> int:
        return sum(self.trips[week * 4 : week * 4 + 4])

    def add_early(self, start: int | None, early: dict[int, int]) -> None:
        if start is None:
            return
        self.start = start if self.start is None else min(self.start, start)
        for week, count in early.items():
            self.early[week] = self.early.get(week, 0) + count
        limit = self.start + FIRST_WEEKS
        for week in [w for w in self.early if w >= limit]:
            del self.early[week]
