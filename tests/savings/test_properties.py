"""Properties that hold for every trip, checked with generated places, modes and parties."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.savings.estimate import EstimateError, Mode, SavingsEstimate, TripSpec, estimate
from bot.savings.factors import FactorTable
from bot.savings.places import Place, great_circle_km
from tests.savings.sweden import PLACES, AirportEverywhere, FakeAirports

TABLE = FactorTable.load()
REAL_AIRPORTS = FakeAirports()
EVERYWHERE = AirportEverywhere()
CONCRETE = [mode for mode in Mode if mode is not Mode.AUTO]
CARS = (Mode.CAR_PETROL, Mode.CAR_DIESEL, Mode.CAR_ELECTRIC)
ORIGIN = Place("test:origin", "Origo", 57.0, 15.0)


def on_meridian(km: float) -> Place:
    """A place ``km`` north of ORIGIN, with a name no main-line route uses."""
    return Place(f"test:{km}", f"Punkt {km:.3f}", ORIGIN.lat + km / 111.195, ORIGIN.lon)


def run(spec: TripSpec, airports: object = REAL_AIRPORTS) -> SavingsEstimate:
    return estimate(spec, factors=TABLE, airports=airports)  # type: ignore[arg-type]


def totals(result: SavingsEstimate) -> tuple[object, ...]:
    return (result.distance_km, result.travel_hours, result.co2e_kg, result.cost.total)


@given(
    mode=st.sampled_from(CONCRETE),
    near=st.floats(min_value=2, max_value=1500),
    extra=st.floats(min_value=0, max_value=800),
    travellers=st.integers(1, 12),
    nights=st.integers(0, 3),
)
def test_estimate_does_not_shrink_with_distance(mode: Mode, near: float, extra: float, travellers: int,
                                                nights: int) -> None:  # fmt: skip
    def at(km: float) -> SavingsEstimate:
        return run(TripSpec(ORIGIN, on_meridian(km), mode, travellers, nights=nights), EVERYWHERE)

    closer, farther = at(near), at(near + extra)
    assert all(a <= b for a, b in zip(totals(closer), totals(farther), strict=True))  # type: ignore[operator]


@given(
    mode=st.sampled_from(CONCRETE),
    pair=st.lists(st.sampled_from(PLACES), min_size=2, max_size=2, unique=True),
    few=st.integers(1, 250),
    more=st.integers(0, 250),
    nights=st.integers(0, 3),
)
def test_estimate_does_not_shrink_with_travellers(mode: Mode, pair: list[Place], few: int, more: int,
                                                  nights: int) -> None:  # fmt: skip
    origin, destination = pair
    try:
        small = run(TripSpec(origin, destination, mode, few, nights=nights))
    except EstimateError as error:
        assume(error.code != "no_flight")
        raise
    large = run(TripSpec(origin, destination, mode, few + more, nights=nights))
    assert small.co2e_kg <= large.co2e_kg
    assert small.cost.total <= large.cost.total
    assert small.savings_hours <= large.savings_hours


@given(mode=st.sampled_from(CARS), travellers=st.integers(1, 5), pair=st.permutations(PLACES))
def test_one_shared_car_emits_the_same_whoever_rides_along(
    mode: Mode, travellers: int, pair: list[Place]
) -> None:
    origin, destination = pair[:2]
    alone = run(TripSpec(origin, destination, mode, 1))
    shared = run(TripSpec(origin, destination, mode, travellers))
    assert (alone.co2e_kg, alone.cost.mileage) == (shared.co2e_kg, shared.cost.mileage)


@given(
    mode=st.sampled_from(list(Mode)),
    pair=st.lists(st.sampled_from(PLACES), min_size=2, max_size=2, unique=True),
    travellers=st.integers(1, 40),
)
def test_round_trip_is_exactly_twice_one_way(mode: Mode, pair: list[Place], travellers: int) -> None:
    origin, destination = pair
    try:
        one_way = run(TripSpec(origin, destination, mode, travellers, round_trip=False))
    except EstimateError as error:
        assume(error.code != "no_flight")
        raise
    both = run(TripSpec(origin, destination, mode, travellers, round_trip=True))
    assert both.mode == one_way.mode
    for name in ("distance_km", "travel_hours", "co2e_kg"):
        assert getattr(both, name) == 2 * getattr(one_way, name)
    for name in ("tickets", "mileage", "staff_time"):
        assert getattr(both.cost, name) == 2 * getattr(one_way.cost, name)
    assert both.digital_co2e_kg == one_way.digital_co2e_kg


@given(
    mode=st.sampled_from(list(Mode)),
    km=st.floats(min_value=25, max_value=1800),
    travellers=st.integers(1, 500),
)
def test_a_digital_day_emits_less_than_any_trip_of_25_km_or_more(
    mode: Mode, km: float, travellers: int
) -> None:
    # Not for every trip: five people in one electric car 10 km away emit less than five
    # participants' digital day (test_estimate shows it), and a long stay adds digital days.
    destination = on_meridian(km)
    assert great_circle_km(ORIGIN, destination) >= 24.9
    result = run(TripSpec(ORIGIN, destination, mode, travellers), EVERYWHERE)
    assert result.digital_co2e_kg <= result.co2e_kg
    assert result.digital_cost_sek <= result.cost.total


@given(
    pair=st.lists(st.sampled_from(PLACES), min_size=2, max_size=2, unique=True),
    mode=st.sampled_from(list(Mode)),
)
def test_same_trip_gives_the_same_estimate(pair: list[Place], mode: Mode) -> None:
    origin, destination = pair
    try:
        first = run(TripSpec(origin, destination, mode))
    except EstimateError:
        return
    assert run(TripSpec(origin, destination, mode)) == first
