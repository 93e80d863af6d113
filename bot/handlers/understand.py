"""What a chat message asks for, in Swedish or English: a command, a trip, an unknown place, or nothing.

Rule-based and fast (about 0.1 ms for a typical message): ``command_words`` tells commands,
``trip_places`` where a trip goes (through the gazetteer), ``dates`` the day, ``numbers`` the head
count, and the rules here the modes and the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.handlers.command_words import Command, CommandIntent, parse_command
from bot.handlers.dates import parse_day
from bot.handlers.numbers import travellers_in
from bot.handlers.trip_places import Route, Span, places_in, route
from bot.i18n import Locale
from bot.savings.modes import Mode
from bot.savings.places import Gazetteer, NotFound, Place, fold

MAX_CHARS = 4000  # the caller caps messages too; this keeps a runaway one from costing seconds


@dataclass(frozen=True)
class TripIntent:
    destination: Place
    origin: Place | None = None
    day: date | None = None
    travellers: int | None = None  # None: not said, the caller assumes one
    mode: Mode | None = None  # a hint of how they mean to travel, when they name one mode
    compare_modes: tuple[Mode, ...] = ()  # "tåg eller flyg": the modes to set side by side
    language: Locale | None = None


@dataclass(frozen=True)
class UnknownPlaceIntent:
    word: str
    suggestions: tuple[str, ...]
    language: Locale | None


@dataclass(frozen=True)
class NotUnderstood:
    language: Locale | None


__all__ = [
    "Command",
    "CommandIntent",
    "Intent",
    "NotUnderstood",
    "TripIntent",
    "UnknownPlaceIntent",
    "guess_language",
    "modes_in",
    "understand",
]
Intent = CommandIntent | TripIntent | UnknownPlaceIntent | NotUnderstood

# Control and formatting characters (including zero-width ones and lone surrogates) split or hide words.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffd"
    "\ud800-\udfff\ue000-\uf8ff]"
)


def understand(text: str, *, today: date, gazetteer: Gazetteer) -> Intent:
    """What ``text`` asks for; days are read relative to ``today`` (the person's local date)."""
    clean = " ".join(_INVISIBLE.sub("", text[:MAX_CHARS]).split())
    if not clean:
        return NotUnderstood(None)
    command = parse_command(clean)
    if command is not None:
        return command
    spans = places_in(clean, gazetteer)
    language = guess_language(clean, spans)
    found = route(clean, spans, gazetteer)
    if isinstance(found, NotFound) and _about_travel(clean, today):
        return UnknownPlaceIntent(found.query, found.suggestions, language)
    if not isinstance(found, Route):
        return NotUnderstood(language)
    return _trip(clean, found, today=today, language=language)


# A name we do not know after "to" is a place only in a message about going somewhere ("talk to Anna").
_TRAVEL = re.compile(
    r"\b(?:ska|skall|aka|aker|resa|resan|reser|mote|konferens|besoka|tjansteresa|go|going|travel"
    r"|travell?ing|trip|visit|head|heading|journey|meeting|conference)\b"
)


def _about_travel(clean: str, today: date) -> bool:
    folded = fold(clean)
    return bool(_TRAVEL.search(folded) or modes_in(folded) or parse_day(clean, today=today))


def _trip(clean: str, found: Route, *, today: date, language: Locale | None) -> TripIntent:
    folded = fold(clean)
    modes = modes_in(folded)
    compare = modes if len(modes) > 1 and _COMPARE.search(folded) else ()
    return TripIntent(
        destination=found.destination,
        origin=found.origin,
        day=parse_day(clean, today=today),
        travellers=travellers_in(clean),
        mode=modes[0] if modes and not compare else None,
        compare_modes=compare,
        language=language,
    )


_MODE_WORDS = {
    Mode.FLIGHT: "flyga flyg flyger flyget flygplan flygplanet flygresa flygresor fly flying flight plane",
    Mode.TRAIN: "tag taget tagen tagresa tagresan snabbtag nattag sj x2000 train trains rail",
    Mode.BUS: "buss bussen bussresa expressbuss bus coach",
    Mode.CAR_PETROL: "bil bilen hyrbil tjanstebil kora kor korer car drive driving",
    Mode.CAR_DIESEL: "dieselbil diesel",
    Mode.CAR_ELECTRIC: "elbil elbilen tesla",
    Mode.TAXI: "taxi taxin cab uber",
}
_MODES = {word: mode for mode, words in _MODE_WORDS.items() for word in words.split()} | {
    "electric car": Mode.CAR_ELECTRIC,
    "by air": Mode.FLIGHT,
}
_MODE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _MODES), key=len, reverse=True)) + r")\b")
_COMPARE = re.compile(
    r"\b(?:eller|or|vs|versus|jamfor|jamfort|compare|compared|alternativ|instead|istallet)\b"
)


def modes_in(folded: str) -> tuple[Mode, ...]:
    """The travel modes a folded text names, each once, in the order named."""
    return tuple(dict.fromkeys(_MODES[match] for match in _MODE.findall(folded)))


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that tell the languages apart (casefolded, diacritics kept: "är" is Swedish, "are" English).
_SWEDISH = _word_set(
    "jag ska till vi är e på och resa resan möte mötet nästa eller hur får inte det att med för som kan"
    " vill mig du vad åka åker flyga tåg tåget bil buss vecka veckan imorgon idag hej hjälp tack om av har"
    " den vara min mina oss ett en mellan från ta boka kollegor kollega personer"
)
_ENGLISH = _word_set(
    "to we are the should next week meeting travel fly how is it a and of for on my me can what do go"
    " going train car drive tomorrow today hello hi help please thanks need want would there us from take"
    " book colleagues people i'm we're trip flight"
)


def guess_language(text: str, spans: list[Span]) -> Locale | None:
    """Swedish or English by their common words; None when the words do not tell."""
    words = [word.casefold() for word in _WORD.findall(_without_places(text, spans))]
    english = sum(word in _ENGLISH for word in words)
    swedish = sum(word in _SWEDISH or not _SWEDISH_LETTERS.isdisjoint(word) for word in words)
    if swedish == english:
        return None
    return "sv" if swedish > english else "en"


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SWEDISH_LETTERS = frozenset("åäö")


def _without_places(text: str, spans: list[Span]) -> str:
    # "Åre" and "Göteborg" say nothing of the writer's language.
    cuts = [0, *(edge for start, end, _ in spans for edge in (start, end)), len(text)]
    return " ".join(text[cuts[i] : cuts[i + 1]] for i in range(0, len(cuts), 2))
