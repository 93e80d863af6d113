"""The weekly summary's figures, as frozen values for messages, charts, the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.reports.weeks import IsoWeek

RECENT_WEEKS = 4


@dataclass(frozen=True, slots=True)
class TripSplit:
    """Trips split by one-way distance, as REMM counts them: under 100 km and 100 km or more."""

    under_100: int = 0
    over_100: int = 0

    @property
    def total(self) -> int:
        return self.under_100 + self.over_100


@dataclass(frozen=True, slots=True)
class TrendPoint:
    week: IsoWeek
    trips: int
    avoided: int


class BaselineSource(StrEnum):
    IMPORT = "import"  # imported travel history, averaged per week over its period
    FIRST_WEEKS = "first_weeks"  # the unit's first four weeks with remm-bot
    NONE = "none"  # neither yet (fewer than four weeks of data)


@dataclass(frozen=True, slots=True)
class Baseline:
    source: BaselineSource
    trips_per_week: float | None = None
    weeks: int = 0


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """One unit's figures for one week (shared by every manager who is shown this unit)."""

    planned: TripSplit
    taken: TripSplit
    nudges: int
    digital: int
    hybrid: int
    train: int
    avoided: int
    hours_saved: float
    co2e_saved_kg: float
    cost_saved_sek: Decimal
    top_destinations: tuple[tuple[str, int], ...]
    reasons: tuple[tuple[str, int], ...]
    trend: tuple[TrendPoint, ...]
    baseline: Baseline

    @property
    def has_data(self) -> bool:
        """Anything recorded in the week itself (the trend alone is no news about this week)."""
        choices = self.digital + self.hybrid + self.train + sum(count for _, count in self.reasons)
        return bool(self.planned.total or self.taken.total or self.nudges or choices)

    @property
    def recent_per_week(self) -> float:
        recent = self.trend[-RECENT_WEEKS:]
        return sum(point.trips for point in recent) / len(recent) if recent else 0.0

    @property
    def change_percent(self) -> float | None:
        """Trips per week over the last four weeks against the baseline; None without a baseline above 0."""
        base = self.baseline.trips_per_week
        if not base:
            return None
        return (self.recent_per_week - base) / base * 100


@dataclass(frozen=True, slots=True)
class WeeklyFigures:
    """What one manager is told about one week. ``unit`` is None when even the whole organisation is
    too small to show figures without singling someone out."""

    organisation_id: int
    week: IsoWeek
    manager_id: int
    manager_name: str
    own_unit_size: int
    unit_manager_id: int | None
    unit_manager_name: str
    unit_size: int
    unit: UnitFigures | None

    @property
    def folded(self) -> bool:
        return self.unit_manager_id is not None and self.unit_manager_id != self.manager_id

    @property
    def hidden(self) -> bool:
        return self.unit is None

    @property
    def has_data(self) -> bool:
        return self.unit is not None and self.unit.has_data
