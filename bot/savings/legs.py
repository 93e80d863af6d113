"""One leg of a journey: distance and door-to-door time per traveller, CO2e and direct costs for the party."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.savings.modes import CARS, EMISSION_KEY, TICKET_KEYS, ZERO, Mode, Rates
from bot.savings.places import Place, great_circle_km

_PUBLIC = ("time.access_local_min", "time.station_margin_min")
_CAR = ("network.road", "speed.car", "cost.mileage_sek_per_km", "policy.car_capacity")
_GROUND_KEYS: dict[Mode, tuple[str, ...]] = {
    Mode.TRAIN: _PUBLIC,
    Mode.BUS: ("network.road", "speed.bus", *_PUBLIC),
    Mode.TAXI: ("network.road", "speed.car", "policy.taxi_capacity"),
    **dict.fromkeys(CARS, _CAR),
}
_AIR_KEYS = (
    "emission.flight_domestic_co2",
    "emission.flight_altitude_uplift",
    "network.air",
    "speed.flight_cruise_block",
    "time.flight_ground_min",
    "time.airport_before_departure_min",
    "time.airport_after_arrival_min",
)
_COACH_KEYS = ("network.road", "speed.bus", "time.access_local_min")


@dataclass(frozen=True, slots=True)
class Leg:
    """One way from ``start`` to ``end`` by one mode; ``keys`` name the factors it used."""

    mode: Mode
    start: Place
    end: Place
    km: Decimal
    hours: Decimal
    co2e_kg: Decimal
    tickets_sek: Decimal
    mileage_sek: Decimal
    keys: tuple[str, ...]


_HOUR_QUANTUM = Decimal("0.0001")  # 0.36 s: fine enough to show, coarse enough to add up exactly


def km(value: float) -> Decimal:
    """A distance rounded to 0.1 km, so legs add up exactly and a round trip is exactly twice one way."""
    return Decimal(round(value * 10)).scaleb(-1)


def ground_leg(
    mode: Mode, start: Place, end: Place, *, great_circle: float, travellers: int, rates: Rates
) -> Leg:
    """Train, bus, car or taxi from door to door; a known main line sets the train's distance and speed."""
    route = rates.rail_route(start, end, great_circle) if mode is Mode.TRAIN else None
    keys = _GROUND_KEYS[mode]
    if route is not None:
        distance, speed, keys = route.km, rates.speed_train_main, (route.key, "speed.train_main", *keys)
    elif mode is Mode.TRAIN:
        distance, speed = km(great_circle * rates.rail), rates.speed[mode]
        keys = ("network.rail", "speed.train_regional", *keys)
    else:
        distance, speed = km(great_circle * rates.road), rates.speed[mode]
    hours = rates.overhead_h[mode] + distance / speed
    return _leg(mode, start, end, distance, hours, travellers, rates, keys)


def coach_leg(start: Place, end: Place, *, great_circle: float, travellers: int, rates: Rates) -> Leg:
    """To or from an airport by airport coach (a simplification: some airports have trains)."""
    distance = km(great_circle * rates.road)
    hours = rates.coach_overhead_h + distance / rates.speed[Mode.BUS]
    return _leg(Mode.BUS, start, end, distance, hours, travellers, rates, _COACH_KEYS)


def air_leg(start: Place, end: Place, *, travellers: int, rates: Rates) -> Leg:
    """Airport to airport, from arriving at the terminal to leaving the other one."""
    distance = km(great_circle_km(start, end) * rates.air)
    hours = rates.air_overhead_h + distance / rates.speed_air
    return _leg(Mode.FLIGHT, start, end, distance, hours, travellers, rates, _AIR_KEYS)


def auto_mode(great_circle: float, rates: Rates) -> Mode:
    """The usual choice: petrol car under auto.car_max_km, train up to auto.train_max_km, else flight."""
    if great_circle < rates.auto_car_max:
        return Mode.CAR_PETROL
    if great_circle <= rates.auto_train_max:
        return Mode.TRAIN
    return Mode.FLIGHT


def _leg(mode: Mode, start: Place, end: Place, distance: Decimal, hours: Decimal, travellers: int,
         rates: Rates, keys: tuple[str, ...]) -> Leg:  # fmt: skip
    # Quantised, so that sums and products stay exact: a round trip is then exactly twice one way.
    hours = hours.quantize(_HOUR_QUANTUM)
    units = rates.units(mode, travellers)
    tickets = mileage = ZERO
    if mode in rates.ticket:
        base, per_km = rates.ticket[mode]
        tickets = (base + per_km * distance) * units
    if mode in CARS:
        mileage = distance * rates.mileage_per_km * units
    co2e = distance * rates.co2_per_km[mode] * units
    all_keys = (*keys, EMISSION_KEY[mode], *TICKET_KEYS.get(mode, ()))
    return Leg(mode, start, end, distance, hours, co2e, tickets, mileage, all_keys)
