"""Real Swedish places and fake airport finders with five real airports, shared by the savings tests."""

from __future__ import annotations

from collections.abc import Sequence

from bot.savings.places import Place, PlaceKind, great_circle_km

AIRPORTS = (
    Place("iata:ARN", "Stockholm Arlanda", 59.6519, 17.9186, PlaceKind.AIRPORT, iata="ARN"),
    Place("iata:GOT", "Göteborg Landvetter", 57.6628, 12.2798, PlaceKind.AIRPORT, iata="GOT"),
    Place("iata:MMX", "Malmö Sturup", 55.5363, 13.3762, PlaceKind.AIRPORT, iata="MMX"),
    Place("iata:UME", "Umeå", 63.7918, 20.2828, PlaceKind.AIRPORT, iata="UME"),
    Place("iata:LLA", "Luleå Kallax", 65.5438, 22.122, PlaceKind.AIRPORT, iata="LLA"),
)

STOCKHOLM = Place("geonames:2673730", "Stockholm", 59.3293, 18.0686, aliases=("Sthlm",))
UPPSALA = Place("geonames:2666199", "Uppsala", 59.8586, 17.6389)
SODERTALJE = Place("geonames:2676207", "Södertälje", 59.1955, 17.6253)
NORRKOPING = Place("geonames:2688368", "Norrköping", 58.5942, 16.1826)
GOTEBORG = Place("geonames:2711537", "Göteborg", 57.7072, 11.9668, aliases=("Gothenburg",))
GOTEBORG_C = Place("station:G", "Göteborg C", 57.7089, 11.9733, PlaceKind.STATION)
MALMO = Place("geonames:2692969", "Malmö", 55.6059, 13.0007)
UMEA = Place("geonames:602150", "Umeå", 63.8284, 20.2597)
LULEA = Place("geonames:604490", "Luleå", 65.5842, 22.1547)
KIRUNA = Place("geonames:605155", "Kiruna", 67.8557, 20.2251)
PLACES = (STOCKHOLM, UPPSALA, SODERTALJE, NORRKOPING, GOTEBORG, MALMO, UMEA, LULEA, KIRUNA)


class FakeAirports:
    """The nearest of a fixed set of airports, by great circle, as the gazetteer answers."""

    def __init__(self, airports: Sequence[Place] = AIRPORTS) -> None:
        self.airports = tuple(airports)

    def nearest_airport(self, place: Place) -> tuple[Place, float]:
        return min(((a, great_circle_km(place, a)) for a in self.airports), key=lambda pair: pair[1])


class AirportEverywhere:
    """An airport at every place: flights without ground legs, for properties about distance."""

    def nearest_airport(self, place: Place) -> tuple[Place, float]:
        airport = Place(f"iata:{place.key}", f"{place.name} airport", place.lat, place.lon, PlaceKind.AIRPORT)
        return airport, 0.0
