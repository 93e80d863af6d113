"""Small counts in chat, as digits or words, and how many people travel ("vi är tre", "3 of us").

The rules read *folded* text (lower case, no diacritics, see ``bot.savings.places.fold``), so that
"två", "tva" and "TVÅ" are one word; only a companion's name ("jag och Anna") needs the capitals.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.savings.places import fold

_SWEDISH = ("en", "tva", "tre", "fyra", "fem", "sex", "sju", "atta", "nio", "tio", "elva", "tolv")
_ENGLISH = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
NUMBER_WORDS: dict[str, int] = {
    **{word: value for value, word in enumerate(_SWEDISH, start=1)},
    **{word: value for value, word in enumerate(_ENGLISH, start=1)},
    "ett": 1,
    "ett par": 2,
    "a couple of": 2,
}
MAX_TRAVELLERS = 500  # more than this is a date, a price or a typo, not a travelling group


def _alternation(words: object) -> str:
    return "|".join(sorted(map(re.escape, words), key=len, reverse=True))  # type: ignore[call-overload]


_ANY = _alternation(NUMBER_WORDS)
_MANY = _alternation(word for word, value in NUMBER_WORDS.items() if value > 1)
# A digit that is part of a date or a time ("12/12", "9:30", "12.00") is not a count.
NUMBER = rf"(?P<n>\d{{1,3}}(?![/:.]\d)|(?:{_ANY}))\b"
_MANY_NUMBER = rf"(?P<n>\d{{1,3}}(?![/:.]\d)|(?:{_MANY}))\b"
_PEOPLE = (
    r"personer|person|pers|deltagare|resenarer|resenar|kollegor|kolleger|medarbetare|biljetter|people"
    r"|persons|travell?ers|passengers|participants|colleagues|tickets|pax"
)
_COLLEAGUES = r"kollegor|kolleger|kollega|medarbetare|colleagues?|coworkers?|co-workers?"
_VERB = r"(?:ar|e|blir|kommer att vara|are|will be|'re|re)"
_ABOUT = r"(?:(?:totalt|sammanlagt|ca|cirka|ungefar|about|around|in total)\s+)?"
_ME = r"\b(?:jag|me|i)\s+(?:och|and|\+|plus)\s+"

# (pattern, how the matched number becomes a head count), most specific first.
_RULES: tuple[tuple[re.Pattern[str], Callable[[int], int]], ...] = tuple(
    (re.compile(pattern), adjust)
    for pattern, adjust in (
        (_ME + rf"(?:mina\s+|min\s+|my\s+|vara\s+|our\s+)?{NUMBER}", lambda n: n + 1),
        (rf"\b(?:med|with)\s+(?:mina\s+|my\s+)?{NUMBER}\s+(?:{_COLLEAGUES})\b", lambda n: n + 1),
        (rf"\b(?:grupp|gang|team|sallskap|party|group)\s+(?:pa|of)\s+{NUMBER}", int),
        (rf"\b(?:vi|we)\s*{_VERB}\s+{_ABOUT}{_MANY_NUMBER}", int),
        (rf"\b(?:vi|oss)\s+{_MANY_NUMBER}(?!\s*(?:{_PEOPLE}))", int),  # "vi tre ska", not "vi 3 personer"
        (rf"\b{NUMBER}\s+(?:av oss|of us)\b", int),
        (rf"(?<!\bmed )(?<!\bwith )\b{NUMBER}\s+(?:{_PEOPLE})\b", int),  # not "möte med 5 personer"
    )
)
_PAIR = re.compile(
    _ME + r"(?:min|mitt|my|a|an|en|ett)\s+\w+|\b(?:vi|oss) bada\b|\bboth of us\b|\bwe both\b|\bvi tva\b"
)
_NAMED = re.compile(r"\b(?:[Jj]ag|[Mm]e|I)\s+(?:och|and)\s+[A-ZÅÄÖ][a-zåäöéü]+\b")  # "jag och Anna"
_ALONE = re.compile(r"\b(?:ensam|alone|by myself|bara jag|just me|only me|on my own)\b")


def number_value(word: str) -> int | None:
    """``"3"`` -> 3, ``"tre"`` -> 3, ``"three"`` -> 3; anything else None."""
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def travellers_in(text: str) -> int | None:
    """How many travel, when the text says so; "jag" alone is None (the caller assumes one)."""
    folded = fold(text)
    for pattern, adjust in _RULES:
        match = pattern.search(folded)
        value = number_value(match["n"]) if match else None
        if value is not None and 0 < adjust(value) <= MAX_TRAVELLERS:
            return adjust(value)
    if _PAIR.search(folded) or _NAMED.search(text):
        return 2
    return 1 if _ALONE.search(folded) else None
