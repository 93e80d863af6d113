"""A year's travel and meeting figures for one organisation: what REMM step 10 and Naturvårdsverket ask."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ModeFigures:
    """Business trips by one mode in a year; a trip by three people counts three."""

    mode: str
    trips_under_100: int = 0
    trips_over_100: int = 0
    travel_days: int = 0
    cost_sek: Decimal = Decimal(0)
    co2e_kg: float = 0.0

    @property
    def trips(self) -> int:
        return self.trips_under_100 + self.trips_over_100


@dataclass(frozen=True, slots=True)
class YearFigures:
    organisation_id: int
    year: int
    fte: Decimal  # full-time equivalents (årsarbetskrafter): the sum of the active people's fte
    people: int
    digital_meetings: int
    modes: tuple[ModeFigures, ...] = ()
    avoided_trips: int = 0
    avoided_hours: float = 0.0
    avoided_co2e_kg: float = 0.0
    avoided_cost_sek: Decimal = Decimal(0)

    def total(self, name: str) -> Decimal:
        """The sum over modes of ``trips``, ``trips_under_100``, ``trips_over_100``, ``travel_days``,
        ``cost_sek`` or ``co2e_kg``."""
        return sum((Decimal(str(getattr(mode, name))) for mode in self.modes), Decimal(0))

    @property
    def has_data(self) -> bool:
        return bool(self.digital_meetings or self.modes or self.avoided_trips)
