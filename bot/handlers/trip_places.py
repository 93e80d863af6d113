"""Where a trip goes and where it starts, read off the places a chat message names.

The word before a place tells its part: "från Umeå" is the origin, "till Luleå" the destination,
"i Gbg" (a meeting there) a destination when nothing follows "till". A name after "till"/"to" that the
gazetteer does not know comes back as its ``NotFound``, with suggestions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.handlers.dates import MONTHS, SHORT_WEEKDAYS, WEEKDAYS
from bot.savings.places import Ambiguous, Found, Gazetteer, NotFound, Place, fold, key_of

# Where a place stands in the sentence, told by the word before it.
_FROM = frozenset({"fran", "from"})
_TO = frozenset({"till", "to", "mot", "toward", "towards", "into"})
_AT = frozenset({"i", "in", "at", "vid", "pa", "near", "nara"})
_BETWEEN = frozenset({"mellan", "between"})
_LAST_WORD = re.compile(r"(\w+)[\s,:]*$")
_JOINED = re.compile(r"(?<![\w-])(\w+)-(\w+)(?![\w-])")  # "Umeå-Luleå" is one word to the gazetteer
_LEG = frozenset({"-", "–", "—", "->", "→", "=>", ">", "till", "to"})
Span = tuple[int, int, Place]
MAX_TRIES = 4  # of the slower look-ups per message: a real one names a place or two, a flood of them costs


@dataclass(frozen=True, slots=True)
class Route:
    destination: Place
    origin: Place | None = None


def places_in(text: str, gazetteer: Gazetteer) -> list[Span]:
    """The places named in ``text``, left to right."""
    spans = gazetteer.find_in_text(text)
    for match in itertools.islice(_JOINED.finditer(text), MAX_TRIES):
        if not any(start <= match.start() < end for start, end, _ in spans):  # "Mora-Siljan" is one name
            spans += [span for side in (1, 2) for span in _side(match, side, gazetteer)]
    return sorted(spans, key=lambda span: span[0])


def _side(match: re.Match[str], side: int, gazetteer: Gazetteer) -> list[Span]:
    # Read each side as if "till" came first, so that short forms count as they do there ("till Gbg").
    word, start = match[side], match.start(side)
    found = gazetteer.find_in_text(f"till {word}")
    return [(start, start + len(word), place) for _, end, place in found[:1] if end == len(word) + 5]


def route(text: str, spans: list[Span], gazetteer: Gazetteer) -> Route | NotFound | None:
    """The trip the places make; NotFound for an unknown name after "till"/"to"; None without a place."""
    before = [_word_before(text, start) for start, _, _ in spans]
    chosen = _destination(text, spans, before, gazetteer)
    if chosen is None or isinstance(chosen, NotFound):
        return chosen
    index, destination = chosen
    origin = next((span[2] for span, word in zip(spans, before, strict=True) if word in _FROM), None)
    if origin is None and index is not None and index > 0:
        origin = _leg_start(text, spans[index - 1], spans[index], before[index - 1])
    return Route(destination, origin)


def _leg_start(text: str, previous: Span, destination: Span, word_before: str) -> Place | None:
    """The place just before the destination when the two make a leg: "Umeå-Luleå", "mellan X och Y"."""
    between = fold(text[previous[1] : destination[0]]).strip()
    if between in _LEG or (between in ("och", "and") and word_before in _BETWEEN):
        return previous[2]
    return None


def _word_before(text: str, start: int) -> str:
    match = _LAST_WORD.search(text, max(0, start - 20), start)
    return fold(match[1]) if match else ""


def _destination(
    text: str, spans: list[Span], before: list[str], gazetteer: Gazetteer
) -> tuple[int | None, Place] | NotFound | None:
    """After "till"/"to"; else a name there the gazetteer may not know; else after "i"/"in"; else the last."""
    to = next((i for i, word in enumerate(before) if word in _TO), None)
    if to is not None:
        return to, spans[to][2]
    candidates = [i for i, word in enumerate(before) if word not in _FROM]
    named = _named_after_to(text, gazetteer)
    if named is not None:
        position, found = named
        later = [i for i in candidates if spans[i][0] > position]  # "till Skatteverket i Umeå"
        if later:
            return later[0], spans[later[0]][2]
        return found if isinstance(found, NotFound) else (None, found)
    at = next((i for i in candidates if before[i] in _AT), None)
    if at is None and not candidates:
        return None
    index = at if at is not None else candidates[-1]
    return index, spans[index][2]


_NAMED = re.compile(
    r"\b(?i:till|to|mot|towards?)\s+"
    r"(?P<name>[A-ZÅÄÖ][\w'-]*(?:\s+[A-ZÅÄÖ][\w'-]*){0,2}|[a-zåäöé][\w-]{3,})"
)
_PRONOUNS = "the a an my our your me you us him her them it this that att dig mig er oss honom henne dem"
_NOT_PLACES = frozenset((*MONTHS, *WEEKDAYS, *SHORT_WEEKDAYS, *_PRONOUNS.split(), "hem", "home", "work"))
# The gazetteer takes "Anna" for Länna and "honom" for Hönö; here a misspelt name must be long and close.
MIN_FUZZY_LENGTH = 6
CLOSE_SCORE = 85.0  # "Götebrog"
LOWER_CASE_SCORE = 88.0  # "goteborgg", but not "sommaren" for Sommen


def _named_after_to(text: str, gazetteer: Gazetteer) -> tuple[int, Place | NotFound] | None:
    for match in itertools.islice(_NAMED.finditer(text), MAX_TRIES):
        name, key = match["name"], key_of(match["name"])
        if key in _NOT_PLACES:
            continue
        result = gazetteer.lookup(name)
        place = result.candidates[0] if isinstance(result, Ambiguous) else None  # the most populous
        place = result.place if isinstance(result, Found) else place
        capitalised = name[0].isupper()
        if place is not None and _close(key, place, CLOSE_SCORE if capitalised else LOWER_CASE_SCORE):
            return match.start("name"), place
        if capitalised:  # a name, but not one we know well enough: offer what the gazetteer guessed
            guess = (gazetteer.label(place),) if place is not None else ()
            return match.start("name"), result if isinstance(result, NotFound) else NotFound(name, guess)
    return None


def _close(key: str, place: Place, score: float) -> bool:
    name = key_of(place.name)
    return key == name or (len(key) >= MIN_FUZZY_LENGTH and fuzz.ratio(key, name) >= score)
