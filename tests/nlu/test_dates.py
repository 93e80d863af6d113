from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.dates import parse_day

FRIDAY = date(2026, 11, 27)  # ISO week 48
TUESDAY = date(2026, 12, 1)
NEW_YEARS_EVE = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Relative days, Swedish and English, with the usual spellings
        ("idag", FRIDAY, "2026-11-27"),
        ("i dag", FRIDAY, "2026-11-27"),
        ("today", FRIDAY, "2026-11-27"),
        ("imorgon", FRIDAY, "2026-11-28"),
        ("i morgon", FRIDAY, "2026-11-28"),
        ("imorron", FRIDAY, "2026-11-28"),
        ("Tomorrow", FRIDAY, "2026-11-28"),
        ("tmrw", FRIDAY, "2026-11-28"),
        ("i övermorgon", FRIDAY, "2026-11-29"),
        ("overmorgon", FRIDAY, "2026-11-29"),
        ("the day after tomorrow", FRIDAY, "2026-11-29"),
        ("imorgon", NEW_YEARS_EVE, "2027-01-01"),
        ("om 3 dagar", FRIDAY, "2026-11-30"),
        ("om två veckor", FRIDAY, "2026-12-11"),
        ("in a week", FRIDAY, "2026-12-04"),
        # Weekdays: the coming one, never today
        ("på måndag", FRIDAY, "2026-11-30"),
        ("på tisdag", FRIDAY, "2026-12-01"),
        ("på fredag", FRIDAY, "2026-12-04"),
        ("på tisdag", TUESDAY, "2026-12-08"),
        ("på onsdag", TUESDAY, "2026-12-02"),
        ("tisdagen", FRIDAY, "2026-12-01"),
        ("TORSDAG", FRIDAY, "2026-12-03"),
        ("on Tuesday", FRIDAY, "2026-12-01"),
        ("Saturday", FRIDAY, "2026-11-28"),
        ("på tis", FRIDAY, "2026-12-01"),
        ("på tors.", FRIDAY, "2026-12-03"),
        ("på fre", FRIDAY, "2026-12-04"),
        ("on wed", FRIDAY, "2026-12-02"),
        ("on thurs", FRIDAY, "2026-12-03"),
        ("på tisdg", FRIDAY, "2026-12-01"),
        ("på torsdg", FRIDAY, "2026-12-03"),
        ("on wednsday", FRIDAY, "2026-12-02"),
        # "nästa": in next week
        ("nästa vecka", FRIDAY, "2026-11-30"),
        ("nästa vecka", TUESDAY, "2026-12-07"),
        ("next week", FRIDAY, "2026-11-30"),
        ("nästa tisdag", FRIDAY, "2026-12-01"),
        ("nästa tisdag", TUESDAY, "2026-12-08"),
        ("nästa torsdag", TUESDAY, "2026-12-10"),
        ("next Tuesday", TUESDAY, "2026-12-08"),
        ("på onsdag nästa vecka", TUESDAY, "2026-12-09"),
        ("next week on Friday", TUESDAY, "2026-12-11"),
        # Numeric dates are day/month
        ("den 12/12", FRIDAY, "2026-12-12"),
        ("12/12", FRIDAY, "2026-12-12"),
        ("3/4", FRIDAY, "2027-04-03"),
        ("den 1/12", FRIDAY, "2026-12-01"),
        ("15/1", FRIDAY, "2027-01-15"),
        ("27/11", FRIDAY, "2026-11-27"),
        ("26/11", FRIDAY, "2027-11-26"),
        ("12/12-27", FRIDAY, "2027-12-12"),
        ("12/12/2027", FRIDAY, "2027-12-12"),
        ("2026-12-12", FRIDAY, "2026-12-12"),
        ("ISO 2027-01-05", FRIDAY, "2027-01-05"),
        # Month names, Swedish and English, with ordinals
        ("12 december", FRIDAY, "2026-12-12"),
        ("den 3 jan", FRIDAY, "2027-01-03"),
        ("3:e mars", FRIDAY, "2027-03-03"),
        ("den 1:a maj", FRIDAY, "2027-05-01"),
        ("2 okt.", FRIDAY, "2027-10-02"),
        ("12 December", FRIDAY, "2026-12-12"),
        ("Dec 12", FRIDAY, "2026-12-12"),
        ("December 12th", FRIDAY, "2026-12-12"),
        ("the 15th of January", FRIDAY, "2027-01-15"),
        ("12 december 2027", FRIDAY, "2027-12-12"),
        ("29 februari", FRIDAY, "2028-02-29"),
        ("den 5 och 6 december", FRIDAY, "2026-12-05"),
        ("5-7 dec", FRIDAY, "2026-12-05"),
        ("3rd to 5th March", FRIDAY, "2027-03-03"),
        # The day of this month, or the next
        ("den 30:e", FRIDAY, "2026-11-30"),
        ("den 3:e", FRIDAY, "2026-12-03"),
        ("the 28th", FRIDAY, "2026-11-28"),
        # ISO weeks: their Monday; the current week means today
        ("v. 50", FRIDAY, "2026-12-07"),
        ("vecka 50", FRIDAY, "2026-12-07"),
        ("v50", FRIDAY, "2026-12-07"),
        ("week 2", FRIDAY, "2027-01-11"),
        ("v 48", FRIDAY, "2026-11-27"),
        ("v 47", FRIDAY, "2027-11-22"),
        ("vecka 53", FRIDAY, "2026-12-28"),
    ],
)
def test_day_is_read(text: str, today: date, expected: str) -> None:
    assert parse_day(text, today=today) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hej",
        "kl 9",
        "kl 12:30",
        "vi är 4",
        "3 personer",
        "i tisdags",
        "på mötet",
        "på torget",
        "man kan inte",
        "sat on the train",
        "31/11",
        "30 februari",
        "12/12/2025",
        "2025-06-01",
        "vecka 54",
        "i mars",
    ],
)
def test_text_without_a_day_gives_none(text: str) -> None:
    assert parse_day(text, today=FRIDAY) is None


def test_day_in_a_sentence() -> None:
    text = "vi är 4 som ska till Sthlm den 12/12 kl 9"
    assert parse_day(text, today=FRIDAY) == date(2026, 12, 12)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.integers(1, 31), st.integers(1, 12)
)
def test_a_numeric_date_is_today_or_later_within_five_years(today: date, day: int, month: int) -> None:
    found = parse_day(f"den {day}/{month}", today=today)
    assert found is None or today <= found < today + timedelta(days=5 * 366)
    assert found is None or (found.day, found.month) == (day, month)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(range(7)))
def test_a_weekday_is_within_the_next_seven_days(today: date, weekday: int) -> None:
    name = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")[weekday]
    found = parse_day(f"på {name}", today=today)
    assert found is not None
    assert found.weekday() == weekday
    assert today < found <= today + timedelta(days=7)


@given(st.text(max_size=200))
def test_any_text_gives_a_day_not_before_today_or_none(text: str) -> None:
    found = parse_day(text, today=FRIDAY)
    assert found is None or found >= FRIDAY
