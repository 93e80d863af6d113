"""Each mode against arithmetic done by hand from the factor table (distances via great_circle_km here)."""

from __future__ import annotations

import gc
import json
import weakref
from decimal import Decimal

import pytest

from bot.savings.estimate import EstimateError, Mode, SavingsEstimate, TripSpec, estimate
from bot.savings.factors import FactorTable
from bot.savings.places import Place, great_circle_km
from tests.savings.sweden import (
    AIRPORTS,
    GOTEBORG,
    GOTEBORG_C,
    LULEA,
    NORRKOPING,
    SODERTALJE,
    STOCKHOLM,
    UPPSALA,
    FakeAirports,
)

TABLE = FactorTable.load()
AIRPORT_FINDER = FakeAirports()
ARN, LLA = AIRPORTS[0], AIRPORTS[4]


def f(key: str) -> float:
    return float(TABLE.value(key))


def run(origin: Place, destination: Place, mode: Mode, **options: int | bool) -> SavingsEstimate:
    spec = TripSpec(origin, destination, mode, **options)  # type: ignore[arg-type]
    return estimate(spec, factors=TABLE, airports=AIRPORT_FINDER)


def approx(value: float) -> object:
    # Legs are rounded to 0.1 km, so hand arithmetic on unrounded km agrees to about 0.05 km per leg.
    return pytest.approx(value, rel=1e-3)


def staff_and_digital(result: SavingsEstimate, hours: float, travellers: int, days: int = 1) -> None:
    assert float(result.cost.staff_time) == approx(hours * travellers * f("cost.staff_hourly_sek"))
    assert float(result.digital_co2e_kg) == approx(travellers * days * f("emission.digital_meeting"))
    assert float(result.digital_cost_sek) == approx(travellers * days * f("cost.digital_per_participant"))


def test_train_off_the_main_lines_uses_the_rail_network_factor_and_regional_speed() -> None:
    result = run(STOCKHOLM, NORRKOPING, Mode.TRAIN, travellers=3)
    km = great_circle_km(STOCKHOLM, NORRKOPING) * f("network.rail")
    hours = 2 * (
        (2 * f("time.access_local_min") + f("time.station_margin_min")) / 60 + km / f("speed.train_regional")
    )
    assert float(result.distance_km) == approx(2 * km)
    assert float(result.travel_hours) == approx(hours)
    assert float(result.co2e_kg) == approx(2 * km * f("emission.train_electric_se") * 3)
    tickets = 2 * 3 * (f("cost.ticket.train.base_sek") + f("cost.ticket.train.per_km_sek") * km)
    assert float(result.cost.tickets) == approx(tickets)
    assert result.cost.mileage == result.cost.per_diem == result.cost.hotel == 0
    staff_and_digital(result, hours, 3)


@pytest.mark.parametrize(
    ("origin", "destination"), [(STOCKHOLM, GOTEBORG), (GOTEBORG, STOCKHOLM), (GOTEBORG_C, STOCKHOLM)]
)
def test_train_on_a_known_main_line_uses_the_route_distance_both_ways(
    origin: Place, destination: Place
) -> None:
    result = run(origin, destination, Mode.TRAIN, round_trip=False)
    km = f("route.rail.stockholm-goteborg")
    assert result.distance_km == Decimal(455)
    hours = (2 * f("time.access_local_min") + f("time.station_margin_min")) / 60 + km / f("speed.train_main")
    assert float(result.travel_hours) == approx(hours)
    assert result.factor("route.rail.stockholm-goteborg") is not None
    assert result.factor("network.rail") is None


def test_a_same_named_place_far_away_does_not_borrow_a_main_line() -> None:
    elsewhere = Place("test:1", "Göteborg", 59.86, 17.64)  # where Uppsala is
    result = run(STOCKHOLM, elsewhere, Mode.TRAIN, round_trip=False)
    assert float(result.distance_km) == approx(great_circle_km(STOCKHOLM, elsewhere) * f("network.rail"))


def test_bus_uses_the_road_network_and_coach_factors() -> None:
    result = run(STOCKHOLM, NORRKOPING, Mode.BUS, travellers=2)
    km = great_circle_km(STOCKHOLM, NORRKOPING) * f("network.road")
    hours = 2 * ((2 * f("time.access_local_min") + f("time.station_margin_min")) / 60 + km / f("speed.bus"))
    assert float(result.distance_km) == approx(2 * km)
    assert float(result.travel_hours) == approx(hours)
    assert float(result.co2e_kg) == approx(2 * km * f("emission.bus_coach") * 2)
    tickets = 2 * 2 * (f("cost.ticket.bus.base_sek") + f("cost.ticket.bus.per_km_sek") * km)
    assert float(result.cost.tickets) == approx(tickets)
    staff_and_digital(result, hours, 2)


def test_flight_goes_by_coach_to_and_from_the_nearest_airports() -> None:
    result = run(STOCKHOLM, LULEA, Mode.FLIGHT, travellers=2)
    access = great_circle_km(STOCKHOLM, ARN) * f("network.road")
    egress = great_circle_km(LLA, LULEA) * f("network.road")
    air = great_circle_km(ARN, LLA) * f("network.air")
    coach_h = (access + egress) / f("speed.bus") + 2 * f("time.access_local_min") / 60
    air_minutes = (
        f("time.airport_before_departure_min")
        + f("time.flight_ground_min")
        + f("time.airport_after_arrival_min")
    )
    hours = 2 * (coach_h + air_minutes / 60 + air / f("speed.flight_cruise_block"))
    assert [leg.mode for leg in result.legs] == [Mode.BUS, Mode.FLIGHT, Mode.BUS]
    assert [leg.end for leg in result.legs] == [ARN, LLA, LULEA]
    assert float(result.distance_km) == approx(2 * (access + air + egress))
    assert float(result.travel_hours) == approx(hours)
    co2e = 2 * 2 * (air * f("emission.flight_domestic") + (access + egress) * f("emission.bus_coach"))
    assert float(result.co2e_kg) == approx(co2e)
    flight_ticket = f("cost.ticket.flight.base_sek") + f("cost.ticket.flight.per_km_sek") * air
    coach_tickets = 2 * f("cost.ticket.bus.base_sek") + f("cost.ticket.bus.per_km_sek") * (access + egress)
    assert float(result.cost.tickets) == approx(2 * 2 * (flight_ticket + coach_tickets))
    staff_and_digital(result, hours, 2)


def test_flight_from_an_airport_has_no_ground_leg_there() -> None:
    result = run(ARN, LULEA, Mode.FLIGHT, round_trip=False)
    assert [leg.mode for leg in result.legs] == [Mode.FLIGHT, Mode.BUS]


def test_flight_between_places_sharing_the_nearest_airport_is_refused() -> None:
    with pytest.raises(EstimateError) as caught:
        run(STOCKHOLM, UPPSALA, Mode.FLIGHT)
    assert caught.value.code == "no_flight"
    assert "Stockholm Arlanda" in str(caught.value)


@pytest.mark.parametrize("mode", [Mode.CAR_PETROL, Mode.CAR_DIESEL, Mode.CAR_ELECTRIC])
def test_car_counts_emissions_and_mileage_per_vehicle(mode: Mode) -> None:
    km = great_circle_km(STOCKHOLM, UPPSALA) * f("network.road")
    emission = f(f"emission.{mode}")
    for travellers, cars in ((1, 1), (5, 1), (6, 2)):
        result = run(STOCKHOLM, UPPSALA, mode, travellers=travellers)
        hours = 2 * km / f("speed.car")
        assert float(result.distance_km) == approx(2 * km)
        assert float(result.travel_hours) == approx(hours)
        assert float(result.co2e_kg) == approx(2 * km * emission * cars)
        assert float(result.cost.mileage) == approx(2 * km * f("cost.mileage_sek_per_km") * cars)
        assert result.cost.tickets == 0
        staff_and_digital(result, hours, travellers)


def test_taxi_fares_and_emissions_are_per_taxi() -> None:
    result = run(STOCKHOLM, UPPSALA, Mode.TAXI, travellers=5)  # four per taxi: two taxis
    km = great_circle_km(STOCKHOLM, UPPSALA) * f("network.road")
    assert float(result.co2e_kg) == approx(2 * km * f("emission.taxi") * 2)
    assert float(result.cost.tickets) == approx(2 * 2 * (f("cost.taxi_base") + f("cost.taxi_per_km") * km))
    assert result.cost.mileage == 0
    assert float(result.travel_hours) == approx(2 * km / f("speed.car"))


@pytest.mark.parametrize(
    ("destination", "expected"),
    [(UPPSALA, Mode.CAR_PETROL), (NORRKOPING, Mode.TRAIN), (GOTEBORG, Mode.TRAIN), (LULEA, Mode.FLIGHT)],
)
def test_auto_chooses_by_great_circle_distance(destination: Place, expected: Mode) -> None:
    straight = great_circle_km(STOCKHOLM, destination)
    rule = (
        Mode.CAR_PETROL if straight < f("auto.car_max_km")
        else Mode.TRAIN if straight <= f("auto.train_max_km") else Mode.FLIGHT
    )  # fmt: skip
    result = run(STOCKHOLM, destination, Mode.AUTO)
    assert result.mode == rule == expected
    assert result.mode_auto
    assert result.factor("auto.car_max_km") is not None
    assert result.to_dict()["mode"] == str(expected)


def test_auto_takes_the_train_when_both_ends_share_the_nearest_airport() -> None:
    spec = TripSpec(STOCKHOLM, LULEA, Mode.AUTO)
    result = estimate(spec, factors=TABLE, airports=FakeAirports([ARN]))
    assert (result.mode, result.mode_auto) == (Mode.TRAIN, True)


def test_a_stay_adds_hotel_and_per_diem_for_each_traveller() -> None:
    result = run(STOCKHOLM, GOTEBORG, Mode.TRAIN, travellers=2, nights=2)
    per_diem = 2 * (2 * f("cost.per_diem_whole_day") + f("cost.per_diem_half_day"))
    assert float(result.cost.per_diem) == approx(per_diem)
    assert result.per_diem_days == (2, 1)
    assert float(result.cost.hotel) == approx(2 * 2 * f("cost.hotel_per_night"))
    staff_and_digital(result, float(result.travel_hours), 2, days=3)


def test_no_per_diem_within_fifty_km_but_the_hotel_is_paid() -> None:
    assert great_circle_km(STOCKHOLM, SODERTALJE) * f("network.road") <= f("policy.per_diem_min_km")
    result = run(STOCKHOLM, SODERTALJE, Mode.CAR_PETROL, nights=1)
    assert result.cost.per_diem == 0
    assert result.per_diem_days == (0, 0)
    assert float(result.cost.hotel) == f("cost.hotel_per_night")


def test_savings_are_the_trip_minus_the_digital_meeting() -> None:
    result = run(STOCKHOLM, GOTEBORG, Mode.FLIGHT, travellers=3, nights=1)
    assert result.savings_co2e_kg == result.co2e_kg - result.digital_co2e_kg
    assert result.savings_cost_sek == result.cost.total - result.digital_cost_sek
    assert result.savings_hours == result.travel_hours * 3
    parts = result.cost
    assert parts.total == parts.tickets + parts.mileage + parts.per_diem + parts.hotel + parts.staff_time


def test_a_short_electric_car_trip_can_emit_less_than_the_digital_meeting() -> None:
    near = Place("test:near", "Nearby", 59.3293, 18.25)  # about 10 km east of Stockholm
    result = run(STOCKHOLM, near, Mode.CAR_ELECTRIC, travellers=5)
    assert result.savings_co2e_kg < 0  # reported as it is, not clamped


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"travellers": 0}, "travellers_range"),
        ({"travellers": 501}, "travellers_range"),
        ({"nights": -1}, "nights_negative"),
        ({"mode": "boat"}, "mode_unknown"),
    ],
)
def test_bad_input_raises_estimate_error_with_a_code(options: dict[str, object], code: str) -> None:
    with pytest.raises(EstimateError) as caught:
        TripSpec(STOCKHOLM, GOTEBORG, **options)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)


def test_places_under_one_km_apart_are_the_same_place() -> None:
    nearby = Place("test:2", "Stockholm C", 59.3303, 18.0586)
    with pytest.raises(EstimateError) as caught:
        TripSpec(STOCKHOLM, nearby)
    assert caught.value.code == "same_place"
    assert "Stockholm" in str(caught.value)


def test_mode_given_as_text_is_accepted() -> None:
    assert TripSpec(STOCKHOLM, GOTEBORG, "train").mode is Mode.TRAIN  # type: ignore[arg-type]


def test_to_dict_has_exactly_the_documented_shape() -> None:
    data = run(STOCKHOLM, LULEA, Mode.FLIGHT, travellers=2, nights=1).to_dict()
    documented = {"origin", "destination", "mode", "round_trip", "travellers", "distance_km", "travel_hours",
                  "co2e_kg", "cost_sek", "digital", "savings", "factors"}  # fmt: skip
    assert set(data) == documented | {"mode_auto", "nights", "legs"}
    assert data["origin"] == {"name": "Stockholm", "lat": 59.3293, "lon": 18.0686}
    assert set(data["cost_sek"]) == {"total", "tickets", "mileage", "per_diem", "hotel", "staff_time"}  # type: ignore[arg-type]
    assert set(data["digital"]) == {"co2e_kg", "cost_sek"}  # type: ignore[arg-type]
    assert set(data["savings"]) == {"co2e_kg", "cost_sek", "hours"}  # type: ignore[arg-type]
    factors = data["factors"]
    assert factors["version"] == "2026.1"  # type: ignore[index]
    for source in factors["sources"]:  # type: ignore[index]
        assert set(source) == {"key", "value", "unit", "source", "year"}
    assert json.loads(json.dumps(data)) == data


def test_to_dict_rounds_for_display() -> None:
    result = run(STOCKHOLM, LULEA, Mode.FLIGHT, travellers=2, nights=1)
    data = result.to_dict()
    assert data["distance_km"] == round(float(result.distance_km), 1)
    assert data["travel_hours"] == round(float(result.travel_hours), 2)
    assert data["co2e_kg"] == round(float(result.co2e_kg), 1)
    assert all(isinstance(value, int) for value in data["cost_sek"].values())  # type: ignore[attr-defined]
    assert data["cost_sek"]["total"] == round(result.cost.total)  # type: ignore[index]


def test_sources_list_only_the_factors_used() -> None:
    car = {
        source["key"] for source in run(STOCKHOLM, UPPSALA, Mode.CAR_DIESEL).to_dict()["factors"]["sources"]
    }  # type: ignore[index]
    assert "emission.car_diesel" in car
    assert "cost.mileage_sek_per_km" in car
    assert not {
        key for key in car if "flight" in key or "train" in key or "per_diem" in key or "auto." in key
    }
    flight = run(STOCKHOLM, LULEA, Mode.FLIGHT).factors
    keys = {factor.key for factor in flight}
    assert {
        "emission.flight_domestic",
        "emission.flight_domestic_co2",
        "emission.flight_altitude_uplift",
    } <= keys
    assert "emission.car_diesel" not in keys


def test_overridden_factor_changes_the_result_and_shows_its_source() -> None:
    table = FactorTable.load({"emission.train_electric_se": "0.014"}, override_source="SJ agreement")
    spec = TripSpec(STOCKHOLM, GOTEBORG, Mode.TRAIN)
    base = estimate(spec, factors=TABLE, airports=AIRPORT_FINDER)
    changed = estimate(spec, factors=table, airports=AIRPORT_FINDER)
    assert changed.co2e_kg == 2 * base.co2e_kg
    sources = {source["key"]: source for source in changed.to_dict()["factors"]["sources"]}  # type: ignore[index]
    assert sources["emission.train_electric_se"]["source"] == "SJ agreement"
    assert sources["emission.train_electric_se"]["year"] is None


def test_rates_of_an_unused_table_are_released() -> None:
    table = FactorTable.load({"cost.hotel_per_night": 900})
    estimate(TripSpec(STOCKHOLM, GOTEBORG, Mode.TRAIN), factors=table, airports=AIRPORT_FINDER)
    watch = weakref.ref(table)
    del table
    gc.collect()
    assert watch() is None
