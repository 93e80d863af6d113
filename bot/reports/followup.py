"""The step-10 follow-up: REMM's indicators per full-time equivalent for a year, the figures agencies send
to Naturvårdsverket every year, and the change against a baseline year. ``followup_render`` writes it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.domain.organisations import Organisation
from bot.reports.followup_model import YearFigures
from bot.reports.ports import FollowUpSource

INDICATORS = (
    "digital_meetings",
    "trips",
    "trips_under_100",
    "trips_over_100",
    "travel_days",
    "cost",
    "co2e",
    "avoided",
    "avoided_co2e",
    "avoided_hours",
)


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    value: Decimal
    per_fte: Decimal | None
    baseline_per_fte: Decimal | None = None

    @property
    def change_percent(self) -> float | None:
        if self.per_fte is None or not self.baseline_per_fte:
            return None
        return float((self.per_fte - self.baseline_per_fte) / self.baseline_per_fte * 100)


@dataclass(frozen=True, slots=True)
class FollowUp:
    organisation: str
    figures: YearFigures
    baseline: YearFigures | None  # None without a baseline year, or when it is the report's own year
    indicators: tuple[Indicator, ...]
    baseline_year: int | None = None


def values(figures: YearFigures) -> dict[str, Decimal]:
    return {
        "digital_meetings": Decimal(figures.digital_meetings),
        "trips": figures.total("trips"),
        "trips_under_100": figures.total("trips_under_100"),
        "trips_over_100": figures.total("trips_over_100"),
        "travel_days": figures.total("travel_days"),
        "cost": figures.total("cost_sek"),
        "co2e": figures.total("co2e_kg"),
        "avoided": Decimal(figures.avoided_trips),
        "avoided_co2e": Decimal(str(figures.avoided_co2e_kg)),
        "avoided_hours": Decimal(str(figures.avoided_hours)),
    }


def _per_fte(value: Decimal, fte: Decimal) -> Decimal | None:
    return (value / fte).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if fte > 0 else None


async def follow_up(
    source: FollowUpSource, organisation: Organisation, *, year: int, baseline_year: int | None = None
) -> FollowUp:
    """``baseline_year`` defaults to the earliest year with imported trips; the report's own year has none."""
    figures = await source.year_figures(organisation.id, year=year, timezone=organisation.timezone)
    base_year = (
        baseline_year if baseline_year is not None else await source.first_import_year(organisation.id)
    )
    baseline = None
    if base_year is not None and base_year != year:
        baseline = await source.year_figures(organisation.id, year=base_year, timezone=organisation.timezone)
    now, then = values(figures), values(baseline) if baseline else {}
    indicators = tuple(
        Indicator(
            key,
            now[key],
            _per_fte(now[key], figures.fte),
            _per_fte(then[key], baseline.fte) if baseline else None,
        )
        for key in INDICATORS
    )
    return FollowUp(organisation.name, figures, baseline, indicators, base_year)
