from __future__ import annotations

from decimal import Decimal

import pytest

from bot.savings.factors import Factor, FactorTable

TABLE = FactorTable.load()


def test_table_has_a_version() -> None:
    assert TABLE.version == "2026.1"


@pytest.mark.parametrize("factor", list(TABLE), ids=lambda factor: factor.key)
def test_every_factor_has_a_positive_value_unit_source_and_year(factor: Factor) -> None:
    assert factor.value > 0
    assert factor.unit
    assert len(factor.source) > 8
    assert factor.year is not None
    assert 2000 <= factor.year <= 2026


def test_the_brief_keys_are_all_present() -> None:
    tickets = {
        f"cost.ticket.{mode}.{part}"
        for mode in ("flight", "train", "bus")
        for part in ("base_sek", "per_km_sek")
    }
    expected = tickets | {
        "emission.flight_domestic", "emission.flight_domestic_co2", "emission.flight_altitude_uplift",
        "emission.train_electric_se", "emission.bus_coach", "emission.car_petrol", "emission.car_diesel",
        "emission.car_electric", "emission.taxi", "emission.digital_meeting",
        "network.rail", "network.road", "network.air", "route.rail.stockholm-goteborg",
        "speed.train_main", "speed.train_regional", "speed.bus", "speed.car", "speed.flight_cruise_block",
        "time.access_local_min", "time.airport_before_departure_min", "time.airport_after_arrival_min",
        "time.station_margin_min", "cost.mileage_sek_per_km", "cost.taxi_per_km", "cost.taxi_base",
        "cost.per_diem_whole_day", "cost.per_diem_half_day", "cost.hotel_per_night", "cost.staff_hourly_sek",
        "cost.digital_per_participant", "policy.per_diem_min_km", "policy.car_capacity",
    }  # fmt: skip
    assert expected <= {factor.key for factor in TABLE}


def test_flight_factor_is_co2_times_the_high_altitude_uplift() -> None:
    co2, uplift = TABLE.value("emission.flight_domestic_co2"), TABLE.value("emission.flight_altitude_uplift")
    assert TABLE.value("emission.flight_domestic") == pytest.approx(co2 * uplift, abs=Decimal("0.001"))
    assert "high-altitude" in TABLE.get("emission.flight_domestic").note


def test_figures_fixed_by_rule_are_the_published_ones() -> None:
    assert TABLE.value("cost.mileage_sek_per_km") == Decimal("2.5")  # Skatteverket: 25 kr per mil
    assert TABLE.value("cost.per_diem_whole_day") == 290
    assert TABLE.value("cost.per_diem_half_day") == 145
    assert TABLE.value("policy.per_diem_min_km") == 50
    assert TABLE.value("route.rail.stockholm-goteborg") == 455


def test_staff_hourly_cost_follows_its_derivation() -> None:
    derived = Decimal(41500) / 142 * Decimal("1.54")
    assert TABLE.value("cost.staff_hourly_sek") == pytest.approx(derived, abs=Decimal("0.5"))
    assert "41,500 / 142" in TABLE.get("cost.staff_hourly_sek").note


def test_ticket_prices_say_they_are_configurable_defaults() -> None:
    for factor in TABLE.with_prefix("cost.ticket."):
        assert "Configurable default" in factor.source
        assert "override" in factor.source


def test_base_table_is_loaded_once() -> None:
    assert FactorTable.load() is FactorTable.load()
    assert FactorTable.load({}) is FactorTable.load()


def test_override_replaces_the_value_and_marks_the_source() -> None:
    table = FactorTable.load(
        {"cost.hotel_per_night": 1100}, override_source="Hotel agreement", override_year=2026
    )
    hotel = table.get("cost.hotel_per_night")
    assert (hotel.value, hotel.source, hotel.year, hotel.unit) == (
        Decimal(1100),
        "Hotel agreement",
        2026,
        "SEK/night",
    )
    assert "1300" in hotel.note
    assert table.overridden == {"cost.hotel_per_night"}
    assert TABLE.value("cost.hotel_per_night") == 1300
    assert table.get("emission.taxi") == TABLE.get("emission.taxi")


def test_override_without_a_year_has_none_and_the_default_source() -> None:
    factor = FactorTable.load({"emission.taxi": "0.05"}).get("emission.taxi")
    assert (factor.value, factor.source, factor.year) == (Decimal("0.05"), "organisation setting", None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2.75", Decimal("2.75")), (0.3, Decimal("0.3")), (3, Decimal(3)), (Decimal("1.5"), Decimal("1.5"))],
)
def test_override_accepts_numbers_and_numeric_strings(raw: object, expected: Decimal) -> None:
    assert FactorTable.load({"cost.mileage_sek_per_km": raw}).value("cost.mileage_sek_per_km") == expected  # type: ignore[dict-item]


def test_override_with_an_unknown_key_raises_value_error_naming_it() -> None:
    with pytest.raises(ValueError, match=r"cost\.hotell"):
        FactorTable.load({"cost.hotell": 1000})


@pytest.mark.parametrize("raw", [0, -1, "-2", "abc", "", "NaN", "Infinity", True, None, [1]])
def test_override_that_is_not_a_positive_number_raises_value_error_naming_the_key(raw: object) -> None:
    with pytest.raises(ValueError, match=r"speed\.car"):
        FactorTable.load({"speed.car": raw})  # type: ignore[dict-item]


def test_unknown_key_raises_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match=r"emission\.rocket"):
        TABLE.get("emission.rocket")
    with pytest.raises(KeyError, match=r"emission\.rocket"):
        TABLE.value("emission.rocket")


def test_route_keys_name_two_places_in_slug_form() -> None:
    for factor in TABLE.with_prefix("route."):
        ends = factor.key.rsplit(".", 1)[1].split("-")
        assert len(ends) == 2
        assert all(end.isascii() and end.isalpha() and end.islower() for end in ends)
