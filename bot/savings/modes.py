"""Travel modes and the rates they use, read from a FactorTable once and cached per table.

An estimate then does no lookups by key and builds no dictionaries: it runs tens of thousands of
times a second when a report replays a year of travel.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from weakref import WeakKeyDictionary

from bot.savings.factors import Factor, FactorTable
from bot.savings.places import Place


class Mode(StrEnum):
    FLIGHT = "flight"
    TRAIN = "train"
    BUS = "bus"
    CAR_PETROL = "car_petrol"
    CAR_DIESEL = "car_diesel"
    CAR_ELECTRIC = "car_electric"
    TAXI = "taxi"
    AUTO = "auto"


ZERO = Decimal(0)
_MINUTES = Decimal(60)
CARS = (Mode.CAR_PETROL, Mode.CAR_DIESEL, Mode.CAR_ELECTRIC)
EMISSION_KEY = {
    Mode.FLIGHT: "emission.flight_domestic",
    Mode.TRAIN: "emission.train_electric_se",
    Mode.BUS: "emission.bus_coach",
    Mode.CAR_PETROL: "emission.car_petrol",
    Mode.CAR_DIESEL: "emission.car_diesel",
    Mode.CAR_ELECTRIC: "emission.car_electric",
    Mode.TAXI: "emission.taxi",
}
TICKET_KEYS = {
    Mode.FLIGHT: ("cost.ticket.flight.base_sek", "cost.ticket.flight.per_km_sek"),
    Mode.TRAIN: ("cost.ticket.train.base_sek", "cost.ticket.train.per_km_sek"),
    Mode.BUS: ("cost.ticket.bus.base_sek", "cost.ticket.bus.per_km_sek"),
    Mode.TAXI: ("cost.taxi_base", "cost.taxi_per_km"),
}
_SPEED_KEY = {Mode.TRAIN: "speed.train_regional", Mode.BUS: "speed.bus", Mode.TAXI: "speed.car"}
_SPEED_KEY.update(dict.fromkeys(CARS, "speed.car"))


@dataclass(frozen=True, slots=True)
class Route:
    key: str
    km: Decimal


@dataclass(frozen=True, slots=True)
class Rates:
    """Everything an estimate needs from one FactorTable, as ready-to-use numbers.

    Distances use float network factors (great circles are floats); money and CO2e stay Decimal.
    Hours are Decimal hours: ``overhead_h`` is the fixed time of one leg (access, margins).
    """

    factors: tuple[Factor, ...]  # not the table itself: a WeakKeyDictionary value must not hold its key
    co2_per_km: Mapping[Mode, Decimal]
    ticket: Mapping[Mode, tuple[Decimal, Decimal]]
    capacity: Mapping[Mode, int]
    mileage_per_km: Decimal
    rail: float
    road: float
    air: float
    speed: Mapping[Mode, Decimal]
    speed_train_main: Decimal
    speed_air: Decimal
    overhead_h: Mapping[Mode, Decimal]
    coach_overhead_h: Decimal
    air_overhead_h: Decimal
    per_diem_whole: Decimal
    per_diem_half: Decimal
    per_diem_min_km: float
    hotel: Decimal
    staff_hourly: Decimal
    digital_co2e: Decimal
    digital_cost: Decimal
    auto_car_max: float
    auto_train_max: float
    rail_routes: Mapping[frozenset[str], Route]
    route_ends: frozenset[str]
    _sources: dict[tuple[tuple[str, ...], ...], tuple[Factor, ...]] = field(default_factory=dict)

    def units(self, mode: Mode, travellers: int) -> int:
        """Vehicles for cars and taxis (emissions and fares are per vehicle), else travellers."""
        capacity = self.capacity.get(mode)
        return travellers if capacity is None else -(-travellers // capacity)

    def sources(self, groups: tuple[tuple[str, ...], ...]) -> tuple[Factor, ...]:
        """The factors named in ``groups`` of keys, in table order (cached: few combinations occur)."""
        found = self._sources.get(groups)
        if found is None:
            keys = {key for group in groups for key in group}
            found = self._sources[groups] = tuple(f for f in self.factors if f.key in keys)
        return found

    def rail_route(self, a: Place, b: Place, great_circle: float) -> Route | None:
        """A known main-line distance when both names match, unless the places are clearly elsewhere."""
        for end_a in place_slugs(a) & self.route_ends:
            for end_b in place_slugs(b) & self.route_ends:
                route = self.rail_routes.get(frozenset((end_a, end_b)))
                # A same-named place far away must not borrow the main line's length.
                if route and great_circle <= float(route.km) <= 2 * great_circle:
                    return route
        return None


_RATES: WeakKeyDictionary[FactorTable, Rates] = WeakKeyDictionary()


def rates_for(table: FactorTable) -> Rates:
    rates = _RATES.get(table)
    if rates is None:
        rates = _RATES[table] = _read_rates(table)
    return rates


def _read_rates(table: FactorTable) -> Rates:
    v = table.value

    def f(key: str) -> float:
        return float(v(key))

    routes = _routes(table.with_prefix("route.rail."))
    return Rates(
        factors=tuple(table),
        co2_per_km={mode: v(key) for mode, key in EMISSION_KEY.items()},
        ticket={mode: (v(base), v(per_km)) for mode, (base, per_km) in TICKET_KEYS.items()},
        capacity={
            **dict.fromkeys(CARS, int(v("policy.car_capacity"))),
            Mode.TAXI: int(v("policy.taxi_capacity")),
        },
        mileage_per_km=v("cost.mileage_sek_per_km"),
        rail=f("network.rail"),
        road=f("network.road"),
        air=f("network.air"),
        speed={mode: v(key) for mode, key in _SPEED_KEY.items()},
        speed_train_main=v("speed.train_main"),
        speed_air=v("speed.flight_cruise_block"),
        overhead_h=_overheads(v),
        coach_overhead_h=v("time.access_local_min") / _MINUTES,
        air_overhead_h=_air_overhead(v),
        per_diem_whole=v("cost.per_diem_whole_day"),
        per_diem_half=v("cost.per_diem_half_day"),
        per_diem_min_km=f("policy.per_diem_min_km"),
        hotel=v("cost.hotel_per_night"),
        staff_hourly=v("cost.staff_hourly_sek"),
        digital_co2e=v("emission.digital_meeting"),
        digital_cost=v("cost.digital_per_participant"),
        auto_car_max=f("auto.car_max_km"),
        auto_train_max=f("auto.train_max_km"),
        rail_routes=routes,
        route_ends=frozenset(end for pair in routes for end in pair),
    )


def _overheads(v: Callable[[str], Decimal]) -> dict[Mode, Decimal]:
    # Public transport: to the station at one end, from it at the other, and a margin before departure.
    public = (2 * v("time.access_local_min") + v("time.station_margin_min")) / _MINUTES
    return {Mode.TRAIN: public, Mode.BUS: public, Mode.TAXI: ZERO, **dict.fromkeys(CARS, ZERO)}


def _air_overhead(v: Callable[[str], Decimal]) -> Decimal:
    minutes = (
        v("time.airport_before_departure_min")
        + v("time.flight_ground_min")
        + v("time.airport_after_arrival_min")
    )
    return minutes / _MINUTES


def _routes(factors: tuple[Factor, ...]) -> dict[frozenset[str], Route]:
    routes = {}
    for factor in factors:
        first, _, second = factor.key.rsplit(".", 1)[1].partition("-")
        routes[frozenset((first, second))] = Route(factor.key, factor.value)
    return routes


_FOLD = str.maketrans("åäöéüæø", "aaoeuao")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_STATION_SUFFIX = re.compile(r"-(c|central|centralstation)$")


def slug(name: str) -> str:
    """The form route keys use: "Göteborg C" -> "goteborg"."""
    plain = _NOT_SLUG.sub("-", name.casefold().translate(_FOLD)).strip("-")
    return _STATION_SUFFIX.sub("", plain)


@lru_cache(maxsize=8192)
def place_slugs(place: Place) -> frozenset[str]:
    return frozenset((slug(place.name), *(slug(alias) for alias in place.aliases)))
