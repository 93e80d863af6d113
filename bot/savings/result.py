"""The result of an estimate and its documented JSON form (design 4.3).

Exact Decimals stay on the dataclass; ``to_dict`` rounds for display: km to 0.1, hours to 0.01, kg to 0.1,
coordinates to 4 decimals, SEK to whole kronor (int), each half up. Rounded parts may differ from the
rounded total by a krona or two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from bot.memo import by_identity
from bot.savings.factors import Factor
from bot.savings.legs import Leg
from bot.savings.modes import Mode
from bot.savings.places import Place

_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(5)}


@dataclass(frozen=True, slots=True)
class Costs:
    """SEK for the whole party, all legs."""

    tickets: Decimal
    mileage: Decimal
    per_diem: Decimal
    hotel: Decimal
    staff_time: Decimal

    @property
    def total(self) -> Decimal:
        return self.tickets + self.mileage + self.per_diem + self.hotel + self.staff_time


@dataclass(frozen=True, slots=True)
class SavingsEstimate:
    """One trip against meeting digitally. ``legs`` are one way (outbound); totals cover all legs.

    ``distance_km`` and ``travel_hours`` are per traveller; CO2e and costs are for the whole party.
    ``per_diem_days`` is (whole, half) days per traveller; ``factors`` are the ones this estimate used.
    """

    origin: Place
    destination: Place
    mode: Mode
    mode_auto: bool
    round_trip: bool
    travellers: int
    nights: int
    legs: tuple[Leg, ...]
    distance_km: Decimal
    travel_hours: Decimal
    co2e_kg: Decimal
    cost: Costs
    per_diem_days: tuple[int, int]
    digital_co2e_kg: Decimal
    digital_cost_sek: Decimal
    factors_version: str
    factors: tuple[Factor, ...]

    @property
    def savings_co2e_kg(self) -> Decimal:
        """Negative when the digital meeting emits more, e.g. a short trip by electric car."""
        return self.co2e_kg - self.digital_co2e_kg

    @property
    def savings_cost_sek(self) -> Decimal:
        return self.cost.total - self.digital_cost_sek

    @property
    def savings_hours(self) -> Decimal:
        """Travel hours for the whole party (a digital meeting needs no travel)."""
        return self.travel_hours * self.travellers

    def factor(self, key: str) -> Factor | None:
        """The factor ``key`` if this estimate used it."""
        return next((factor for factor in self.factors if factor.key == key), None)

    def to_dict(self) -> dict[str, object]:
        return {
            "origin": _place(self.origin),
            "destination": _place(self.destination),
            "mode": str(self.mode),
            "mode_auto": self.mode_auto,
            "round_trip": self.round_trip,
            "travellers": self.travellers,
            "nights": self.nights,
            "distance_km": _round(self.distance_km, 1),
            "travel_hours": _round(self.travel_hours, 2),
            "co2e_kg": _round(self.co2e_kg, 1),
            "cost_sek": _costs(self.cost),
            "digital": {"co2e_kg": _round(self.digital_co2e_kg, 1), "cost_sek": _sek(self.digital_cost_sek)},
            "savings": {
                "co2e_kg": _round(self.savings_co2e_kg, 1),
                "cost_sek": _sek(self.savings_cost_sek),
                "hours": _round(self.savings_hours, 2),
            },
            "legs": [_leg(leg) for leg in self.legs],
            "factors": {"version": self.factors_version, "sources": [_source(f) for f in self.factors]},
        }


# Estimates are immutable, and the detector hands out the same one for the same trip; each nudge stores
# its estimate as a dictionary, made once per estimate. Shared: read it, do not change it.
as_dict: Callable[[SavingsEstimate], dict[str, object]] = by_identity(SavingsEstimate.to_dict)


def _round(value: Decimal, digits: int) -> float:
    return float(value.quantize(_QUANTA[digits], rounding=ROUND_HALF_UP))


def _sek(value: Decimal) -> int:
    return int(value.quantize(_QUANTA[0], rounding=ROUND_HALF_UP))


def _place(place: Place) -> dict[str, object]:
    return {"name": place.name, "lat": round(place.lat, 4), "lon": round(place.lon, 4)}


def _costs(cost: Costs) -> dict[str, int]:
    parts = ("tickets", "mileage", "per_diem", "hotel", "staff_time")
    return {"total": _sek(cost.total), **{part: _sek(getattr(cost, part)) for part in parts}}


def _leg(leg: Leg) -> dict[str, object]:
    return {
        "mode": str(leg.mode),
        "from": leg.start.name,
        "to": leg.end.name,
        "distance_km": _round(leg.km, 1),
        "hours": _round(leg.hours, 2),
    }


def _source(factor: Factor) -> dict[str, object]:
    return {
        "key": factor.key,
        "value": float(factor.value),
        "unit": factor.unit,
        "source": factor.source,
        "year": factor.year,
    }
