"""The day a chat message names, in Swedish or English: "på tisdag", "den 12/12", "next week", "v. 50".

Numeric dates are day/month in both languages ("3/4" is the 3rd of April): the bot serves Swedish
organisations, where that is how dates are written, and English-speaking staff there read them so too.
A day is never in the past: a date that has passed this year means next year's, and a weekday means
the coming one (on a Tuesday, "på tisdag" is next week's). A date with a year that has passed is None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta

from rapidfuzz import fuzz, process

from bot.handlers.numbers import NUMBER, number_value
from bot.savings.places import fold

# Each weekday's full names, then its short forms. Short forms are common words too ("man", "sat",
# "son"), so they count only after "på", "on", "nästa" or "next".
_WEEKDAY_FORMS = (
    "mandag monday / man mon",
    "tisdag tuesday / tis tue tues",
    "onsdag wednesday / ons wed",
    "torsdag thursday / tor tors thu thur thurs",
    "fredag friday / fre fri",
    "lordag saturday / lor sat",
    "sondag sunday / son sun",
)
WEEKDAYS = {name: day for day, forms in enumerate(_WEEKDAY_FORMS) for name in forms.split("/")[0].split()}
SHORT_WEEKDAYS = {
    name: day for day, forms in enumerate(_WEEKDAY_FORMS) for name in forms.split("/")[1].split()
}
_MONTH_FORMS = (
    "januari january jan | februari february feb | mars march mar | april apr | maj may | juni june jun"
    " | juli july jul | augusti august aug | september sept sep | oktober october okt oct"
    " | november nov | december dec"
)
MONTHS = {name: month for month, names in enumerate(_MONTH_FORMS.split("|"), 1) for name in names.split()}
_ANY_WEEKDAY = {**WEEKDAYS, **SHORT_WEEKDAYS}
_WEEKDAY_NAMES = tuple(WEEKDAYS)
FUZZY_WEEKDAY_SCORE = 85.0  # "tisdg", "torsdg", "onsdga" are meant; "torget" and "mötet" are not


def _words(names: Iterable[str]) -> str:
    return "|".join(sorted(names, key=len, reverse=True))  # longest first: "tisdag" before "tis"


_DAY_ORD = r"(?P<d>\d{1,2})(?::?(?:e|a|st|nd|rd|th))?"
_MONTH = rf"(?P<m>{_words(MONTHS)})\.?"
_YEAR = r"(?:,?\s+(?P<y>\d{4}))?"
_LEAD = r"(?:\b(?P<lead>pa|on|nasta|next|until|till|den|this|kommande)\s+)?"
_DAY_NAME = rf"(?P<w>{_words(WEEKDAYS)})(?:en)?\b(?!s)"  # "tisdagen"; "i tisdags" was last week
_SHORT_NAME = rf"(?P<w>{_words(SHORT_WEEKDAYS)})\b"
_NEXT_WEEK = re.compile(r"\b(?:nasta|next|kommande) (?:vecka|veckan|week)\b")
_SOFT_WEEKDAY = re.compile(r"\b(?:pa|on|nasta|next) (?P<w>[a-z]{5,9})\b")


def _on(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _upcoming(today: date, month: int, day: int, year: str | None) -> date | None:
    if year is not None:
        found = _on(int(year) + (2000 if len(year) == 2 else 0), month, day)
        return found if found is not None and found >= today else None
    for year_ahead in range(5):  # the 29th of February may be four years away
        candidate = _on(today.year + year_ahead, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _weekday(today: date, weekday: int, *, next_week: bool) -> date:
    if next_week:  # "nästa tisdag": the Tuesday of next week, whatever today is
        return today + timedelta(days=7 - today.weekday() + weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _iso_week(today: date, week: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            monday = date.fromisocalendar(year, week, 1)
        except ValueError:
            continue
        if monday + timedelta(days=6) >= today:
            return max(monday, today)  # the current week starts today, not on a Monday gone by
    return None


Rule = Callable[[re.Match[str], date], date | None]


def _calendar(match: re.Match[str], today: date) -> date | None:
    month = match["m"]
    return _upcoming(today, MONTHS.get(month) or int(month), int(match["d"]), match["y"])


def _days(count: int) -> Rule:
    return lambda _match, today: today + timedelta(days=count)


_D_M = r"(?<![\d/])(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:[/-](?P<y>\d{4}|\d{2}))?(?![\d/])"  # Swedish order
_WEEK = r"\b(?:vecka|veckan|week|wk|v|w)\.?\s*(?P<n>\d{1,2})\b(?![/:.]\d)"
_RULES: tuple[tuple[re.Pattern[str], Rule], ...] = tuple(
    (re.compile(pattern), rule)
    for pattern, rule in (
        (r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b", _calendar),
        (_D_M, _calendar),
        (
            rf"\b{_DAY_ORD}\s*(?:-|–|och|and|to|till)\s*\d{{1,2}}(?::?[a-z]{{1,2}})?\s+{_MONTH}\b{_YEAR}",
            _calendar,
        ),
        (rf"\b{_DAY_ORD}(?:\s+of)?\s+{_MONTH}\b{_YEAR}", _calendar),
        (rf"\b{_MONTH}\s+{_DAY_ORD}\b{_YEAR}", _calendar),
        (_WEEK, lambda match, today: _iso_week(today, int(match["n"]))),
        (r"\b(?:i )?overmorgon\b|\bday after tomorrow\b", _days(2)),
        (r"\bi ?mor(?:gon|ron|rn|gn|on)\b|\bto?m+or+ow\b|\btmrw?\b", _days(1)),
        (r"\bi ?dag\b|\btoday\b|\btonight\b|\bi ?kvall\b", _days(0)),
        (
            rf"\b(?:om|in)\s+{NUMBER}\s+(?P<u>dagar|dag|days?|veckor|vecka|weeks?)\b",
            lambda m, t: _later(t, m),
        ),
        (r"\b(?:om|in) (?:a|en) (?:vecka|week)\b", _days(7)),
    )
)


def _later(today: date, match: re.Match[str]) -> date | None:
    count = number_value(match["n"])
    if count is None:
        return None
    return today + timedelta(days=count * (7 if match["u"].startswith(("v", "w")) else 1))


_WEEKDAY_RULES = (
    re.compile(_LEAD + _DAY_NAME),
    re.compile(r"\b(?P<lead>pa|on|nasta|next)\s+" + _SHORT_NAME + r"\.?"),
)
_DAY_OF_MONTH = re.compile(r"\b(?:den|the)\s+(?P<d>\d{1,2})(?::?(?:e|a|st|nd|rd|th))?\b(?![/:.]\d)")


def parse_day(text: str, *, today: date) -> date | None:
    """The day ``text`` names, today or later; None when it names none."""
    folded = " ".join(fold(text).split())
    for pattern, rule in _RULES:
        match = pattern.search(folded)
        if match is not None:
            return rule(match, today)
    return _weekday_in(folded, today) or _week_or_day_of_month(folded, today)


def _weekday_in(folded: str, today: date) -> date | None:
    next_week = _NEXT_WEEK.search(folded) is not None  # "på tisdag nästa vecka"
    found = next(_weekdays(folded), None)
    if found is None:
        return None
    lead, weekday = found
    return _weekday(today, weekday, next_week=next_week or lead in ("nasta", "next"))


def _weekdays(folded: str) -> Iterator[tuple[str | None, int]]:
    for pattern in _WEEKDAY_RULES:
        match = pattern.search(folded)
        if match is not None:
            yield match["lead"], _ANY_WEEKDAY[match["w"]]
    for match in _SOFT_WEEKDAY.finditer(folded):
        best = process.extractOne(
            match["w"], _WEEKDAY_NAMES, scorer=fuzz.ratio, score_cutoff=FUZZY_WEEKDAY_SCORE
        )
        if best is not None:
            yield match.group().split()[0], WEEKDAYS[best[0]]


def _week_or_day_of_month(folded: str, today: date) -> date | None:
    if _NEXT_WEEK.search(folded):
        return today + timedelta(days=7 - today.weekday())
    match = _DAY_OF_MONTH.search(folded)
    if match is None:
        return None
    day = int(match["d"])
    this_month = _on(today.year, today.month, day)
    if this_month is not None and this_month >= today:
        return this_month
    month_after = today.replace(day=1) + timedelta(days=32)
    return _on(month_after.year, month_after.month, day)
