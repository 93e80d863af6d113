from __future__ import annotations

import pytest

from bot.i18n import SUPPORTED_LOCALES, Locale, catalogue, format_number
from bot.savings.estimate import Mode, SavingsEstimate, TripSpec, estimate
from bot.savings.explain import explain
from bot.savings.factors import FactorTable
from bot.savings.places import Place
from tests.savings.sweden import GOTEBORG, LULEA, SODERTALJE, STOCKHOLM, UPPSALA, FakeAirports

TABLE = FactorTable.load()


def run(
    destination: Place, mode: Mode, *, table: FactorTable = TABLE, **options: int | bool
) -> SavingsEstimate:
    spec = TripSpec(STOCKHOLM, destination, mode, **options)  # type: ignore[arg-type]
    return estimate(spec, factors=table, airports=FakeAirports())


def savings_keys(locale: Locale) -> set[str]:
    return {key for key in catalogue(locale) if key.startswith("savings.")}


def test_both_catalogues_have_the_same_keys() -> None:
    assert savings_keys("sv") == savings_keys("en")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_factor_and_unit_has_a_text(locale: Locale) -> None:
    texts = catalogue(locale)
    for factor in TABLE:
        assert f"savings.factor.{factor.key}" in texts
        assert f"savings.unit.{factor.unit}" in texts


def test_swedish_is_the_default() -> None:
    assert explain(run(GOTEBORG, Mode.TRAIN)).startswith("**Så räknade vi**")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_factor_used_is_named_with_value_unit_source_and_year(locale: Locale) -> None:
    result = run(LULEA, Mode.FLIGHT, travellers=2, nights=1)
    text = explain(result, locale)
    texts = catalogue(locale)
    for factor in result.factors:
        line = next(
            line
            for line in text.splitlines()
            if line.startswith(f"- {texts[f'savings.factor.{factor.key}']}:")
        )
        assert factor.source in line
        assert str(factor.year) in line
        assert texts[f"savings.unit.{factor.unit}"] in line


@pytest.mark.parametrize(("locale", "phrase"), [("sv", "höghöjdseffekten"), ("en", "high-altitude effect")])
def test_flights_state_the_high_altitude_effect(locale: Locale, phrase: str) -> None:
    text = explain(run(LULEA, Mode.FLIGHT), locale)
    assert phrase in text
    for key in (
        "emission.flight_domestic",
        "emission.flight_domestic_co2",
        "emission.flight_altitude_uplift",
    ):
        digits = -TABLE.value(key).normalize().as_tuple().exponent  # type: ignore[operator]
        assert format_number(TABLE.value(key), locale, digits=max(digits, 0)) in text
    assert "Naturvårdsverket" in text


def test_a_train_trip_has_no_high_altitude_paragraph() -> None:
    assert "höghöjdseffekt" not in explain(run(GOTEBORG, Mode.TRAIN), "sv").lower()


def test_per_diem_rule_is_explained_when_paid() -> None:
    text = explain(run(GOTEBORG, Mode.TRAIN, nights=2), "en")
    assert "Skatteverket" in text
    assert "more than 50 km" in text
    assert "2 × SEK 290 (whole day) and 1 × SEK 145 (half day)" in text


def test_no_per_diem_within_fifty_km_is_explained() -> None:
    text = explain(run(SODERTALJE, Mode.CAR_PETROL, nights=1), "en")
    assert "**Per diem:** none" in text


def test_ticket_prices_are_said_to_be_configurable_defaults_only_when_tickets_are_bought() -> None:
    assert "configurable defaults" in explain(run(GOTEBORG, Mode.TRAIN), "en")
    assert "configurable defaults" not in explain(run(UPPSALA, Mode.CAR_PETROL), "en")


def test_automatic_choice_is_explained() -> None:
    text = explain(run(UPPSALA, Mode.AUTO), "en")
    assert "chosen automatically" in text
    assert "by petrol car" in text


def test_an_override_shows_its_source_without_a_year() -> None:
    table = FactorTable.load({"cost.hotel_per_night": 1100}, override_source="Hotellavtal 2026")
    text = explain(run(GOTEBORG, Mode.TRAIN, table=table, nights=1), "sv")
    assert "- Hotell: 1\u00a0100 kr per natt (Hotellavtal 2026)" in text


def test_flight_legs_are_listed_one_way() -> None:
    text = explain(run(LULEA, Mode.FLIGHT), "sv")
    assert "Stockholm → Stockholm Arlanda med buss" in text
    assert "Stockholm Arlanda → Luleå Kallax med flyg" in text
