"""A trip -> SavingsEstimate: what it costs in SEK, hours door to door and kg CO2e, against meeting digitally.

Rules (every number comes from the FactorTable):
- Mode auto: great circle under auto.car_max_km -> car_petrol; up to auto.train_max_km -> train; beyond
  -> flight, or train when both ends share the nearest airport.
- Distance: great circle x network factor, or a known main-line distance (route.rail.*) for trains.
  Flights: door -> nearest airport by airport coach, airport -> airport (great circle x network.air),
  airport -> door by coach; a ground leg under 1 km is left out.
- CO2e for the whole party; cars and taxis per vehicle (ceil(travellers / capacity) vehicles).
- Costs for the party: tickets (per traveller per leg; taxis per vehicle), mileage (per vehicle-km),
  per diem (at least one night and more than policy.per_diem_min_km away: nights whole days and one
  half day each, i.e. leaving before 12:00 and home by 19:00), hotel, staff time (hours x hourly cost).
- Digital alternative: every traveller takes part digitally on each meeting day (nights + 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Protocol

from bot.savings.factors import FactorTable
from bot.savings.legs import Leg, air_leg, auto_mode, coach_leg, ground_leg
from bot.savings.modes import ZERO, Mode, Rates, rates_for
from bot.savings.places import Place, great_circle_km
from bot.savings.result import Costs, SavingsEstimate

__all__ = ["AirportFinder", "Costs", "EstimateError", "Mode", "SavingsEstimate", "TripSpec", "estimate"]

MAX_TRAVELLERS = 500
SAME_PLACE_KM = 1.0
_ALWAYS = ("cost.staff_hourly_sek", "emission.digital_meeting", "cost.digital_per_participant")
_STAY = ("cost.hotel_per_night", "policy.per_diem_min_km", "network.road")
_PER_DIEM = ("cost.per_diem_whole_day", "cost.per_diem_half_day")
_AUTO = ("auto.car_max_km", "auto.train_max_km")


def _extras(auto: bool, stay: bool, per_diem: bool) -> tuple[str, ...]:
    chosen = (_AUTO, auto), (_STAY, stay), (_PER_DIEM, per_diem)
    return _ALWAYS + tuple(key for keys, used in chosen if used for key in keys)


# Factors used besides the legs', by (auto, stay, per diem): built once, so sources are a dict lookup.
_EXTRAS = {flags: _extras(*flags) for flags in product((False, True), repeat=3)}


class EstimateError(ValueError):
    """Input that cannot be estimated; ``code`` is stable for callers, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class AirportFinder(Protocol):
    def nearest_airport(self, place: Place) -> tuple[Place, float]:
        """The nearest airport with scheduled service and its great-circle distance in km."""
        ...


@dataclass(frozen=True)
class TripSpec:
    origin: Place
    destination: Place
    mode: Mode = Mode.AUTO
    travellers: int = 1
    round_trip: bool = True
    nights: int = 0

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "mode", Mode(self.mode))
        except ValueError:
            raise EstimateError("mode_unknown", f"unknown mode {self.mode!r}") from None
        if great_circle_km(self.origin, self.destination) < SAME_PLACE_KM:
            message = f"{self.origin.name} and {self.destination.name} are the same place (under 1 km apart)"
            raise EstimateError("same_place", message)
        if not 1 <= self.travellers <= MAX_TRAVELLERS:
            message = f"travellers must be between 1 and {MAX_TRAVELLERS}, got {self.travellers}"
            raise EstimateError("travellers_range", message)
        if self.nights < 0:
            raise EstimateError("nights_negative", f"nights cannot be negative, got {self.nights}")


def estimate(spec: TripSpec, *, factors: FactorTable, airports: AirportFinder) -> SavingsEstimate:
    rates = rates_for(factors)
    great_circle = great_circle_km(spec.origin, spec.destination)
    mode, legs = _plan(spec, great_circle, rates, airports)
    per_diem_days = _per_diem_days(spec, great_circle, rates)
    extras = _EXTRAS[spec.mode is Mode.AUTO, spec.nights > 0, per_diem_days != (0, 0)]
    trips = 2 if spec.round_trip else 1
    km, hours, co2e, tickets, mileage = (total * trips for total in _sum(legs))
    meeting_days = spec.nights + 1
    return SavingsEstimate(
        origin=spec.origin,
        destination=spec.destination,
        mode=mode,
        mode_auto=spec.mode is Mode.AUTO,
        round_trip=spec.round_trip,
        travellers=spec.travellers,
        nights=spec.nights,
        legs=legs,
        distance_km=km,
        travel_hours=hours,
        co2e_kg=co2e,
        cost=_costs(spec, tickets, mileage, hours, per_diem_days, rates),
        per_diem_days=per_diem_days,
        digital_co2e_kg=rates.digital_co2e * spec.travellers * meeting_days,
        digital_cost_sek=rates.digital_cost * spec.travellers * meeting_days,
        factors_version=factors.version,
        factors=rates.sources((*(leg.keys for leg in legs), extras)),
    )


def _sum(legs: tuple[Leg, ...]) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """km, hours, CO2e, tickets and mileage of one way, in one pass."""
    km = hours = co2e = tickets = mileage = ZERO
    for leg in legs:
        km, hours, co2e = km + leg.km, hours + leg.hours, co2e + leg.co2e_kg
        tickets, mileage = tickets + leg.tickets_sek, mileage + leg.mileage_sek
    return km, hours, co2e, tickets, mileage


def _plan(
    spec: TripSpec, great_circle: float, rates: Rates, airports: AirportFinder
) -> tuple[Mode, tuple[Leg, ...]]:
    mode = auto_mode(great_circle, rates) if spec.mode is Mode.AUTO else spec.mode
    if mode is Mode.FLIGHT:
        try:
            return mode, _flight_legs(spec, rates, airports)
        except EstimateError:
            if spec.mode is not Mode.AUTO:
                raise
            mode = Mode.TRAIN  # auto: no flight between places that share an airport, so the train
    travellers = spec.travellers
    leg = ground_leg(
        mode, spec.origin, spec.destination, great_circle=great_circle, travellers=travellers, rates=rates
    )
    return mode, (leg,)


def _flight_legs(spec: TripSpec, rates: Rates, airports: AirportFinder) -> tuple[Leg, ...]:
    start, start_km = airports.nearest_airport(spec.origin)
    end, end_km = airports.nearest_airport(spec.destination)
    if start.key == end.key:
        message = (
            f"{spec.origin.name} and {spec.destination.name} share the nearest airport ({start.name}),"
            " so there is no flight between them"
        )
        raise EstimateError("no_flight", message)
    travellers = spec.travellers
    legs = [air_leg(start, end, travellers=travellers, rates=rates)]
    if start_km >= SAME_PLACE_KM:
        legs.insert(
            0, coach_leg(spec.origin, start, great_circle=start_km, travellers=travellers, rates=rates)
        )
    if end_km >= SAME_PLACE_KM:
        legs.append(coach_leg(end, spec.destination, great_circle=end_km, travellers=travellers, rates=rates))
    return tuple(legs)


def _per_diem_days(spec: TripSpec, great_circle: float, rates: Rates) -> tuple[int, int]:
    """(whole, half) days per traveller: leaving before 12:00 makes day one whole; home by 19:00, a half."""
    if spec.nights < 1 or great_circle * rates.road <= rates.per_diem_min_km:
        return (0, 0)
    return (spec.nights, 1)


def _costs(spec: TripSpec, tickets: Decimal, mileage: Decimal, hours: Decimal, per_diem_days: tuple[int, int],
           rates: Rates) -> Costs:  # fmt: skip
    whole, half = per_diem_days
    return Costs(
        tickets=tickets,
        mileage=mileage,
        per_diem=(rates.per_diem_whole * whole + rates.per_diem_half * half) * spec.travellers,
        hotel=rates.hotel * spec.nights * spec.travellers,
        staff_time=hours * spec.travellers * rates.staff_hourly,
    )
