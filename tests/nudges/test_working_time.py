"""Working days and working hours: Swedish holidays, the eves treated as holidays, DST, other zones.

Expected instants are written in UTC by hand, so the tests do not share zoneinfo arithmetic with the
code they check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nudges.calendar import is_working_day, next_working_time

START, END = time(8, 0), time(17, 0)
STOCKHOLM, HELSINKI = "Europe/Stockholm", "Europe/Helsinki"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 3, 10), True, id="ordinary-tuesday"),
        pytest.param(date(2026, 3, 13), True, id="ordinary-friday"),
        pytest.param(date(2026, 3, 14), False, id="saturday"),
        pytest.param(date(2026, 3, 15), False, id="sunday"),
        pytest.param(date(2026, 1, 1), False, id="nyarsdagen"),
        pytest.param(date(2026, 1, 5), True, id="trettondagsafton-is-worked"),
        pytest.param(date(2026, 1, 6), False, id="trettondedag-jul"),
        pytest.param(date(2026, 4, 3), False, id="langfredagen"),
        pytest.param(date(2026, 4, 6), False, id="annandag-pask"),
        pytest.param(date(2026, 5, 1), False, id="forsta-maj"),
        pytest.param(date(2026, 5, 14), False, id="kristi-himmelsfardsdag"),
        pytest.param(date(2026, 5, 15), True, id="klamdag-after-ascension-is-worked"),
        pytest.param(date(2025, 6, 6), False, id="nationaldagen-on-a-friday-2025"),
        pytest.param(date(2025, 6, 9), True, id="annandag-pingst-no-longer-a-holiday"),
        pytest.param(date(2026, 6, 18), True, id="day-before-midsommarafton-is-worked"),
        pytest.param(date(2026, 6, 19), False, id="midsommarafton"),
        pytest.param(date(2027, 6, 25), False, id="midsommarafton-2027"),
        pytest.param(date(2026, 12, 23), True, id="day-before-julafton-is-worked"),
        pytest.param(date(2026, 12, 24), False, id="julafton"),
        pytest.param(date(2026, 12, 25), False, id="juldagen"),
        pytest.param(date(2026, 12, 28), True, id="monday-after-christmas"),
        pytest.param(date(2026, 12, 31), False, id="nyarsafton"),
    ],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert is_working_day(day) is expected


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        pytest.param(utc(2026, 3, 10, 9), STOCKHOLM, utc(2026, 3, 10, 9), id="tuesday-10-00-is-now"),
        pytest.param(utc(2026, 3, 10, 7), STOCKHOLM, utc(2026, 3, 10, 7), id="tuesday-08-00-exactly-is-now"),
        pytest.param(utc(2026, 3, 10, 6, 59), STOCKHOLM, utc(2026, 3, 10, 7), id="tuesday-07-59-to-08-00"),
        pytest.param(
            utc(2026, 3, 10, 15, 59), STOCKHOLM, utc(2026, 3, 10, 15, 59), id="tuesday-16-59-is-now"
        ),
        pytest.param(utc(2026, 3, 10, 16), STOCKHOLM, utc(2026, 3, 11, 7), id="tuesday-17-00-to-wednesday"),
        pytest.param(utc(2026, 3, 13, 17), STOCKHOLM, utc(2026, 3, 16, 7), id="friday-18-00-to-monday-08-00"),
        pytest.param(utc(2026, 3, 14, 10), STOCKHOLM, utc(2026, 3, 16, 7), id="saturday-to-monday"),
        pytest.param(utc(2026, 3, 15, 22), STOCKHOLM, utc(2026, 3, 16, 7), id="sunday-23-00-to-monday"),
        pytest.param(utc(2026, 3, 27, 17), STOCKHOLM, utc(2026, 3, 30, 6), id="dst-spring-friday-to-cest"),
        pytest.param(utc(2026, 3, 29, 12), STOCKHOLM, utc(2026, 3, 30, 6), id="dst-spring-switch-sunday"),
        pytest.param(utc(2026, 10, 23, 16), STOCKHOLM, utc(2026, 10, 26, 7), id="dst-autumn-friday-to-cet"),
        pytest.param(utc(2026, 10, 25, 12), STOCKHOLM, utc(2026, 10, 26, 7), id="dst-autumn-switch-sunday"),
        pytest.param(utc(2026, 3, 10, 6, 30), HELSINKI, utc(2026, 3, 10, 6, 30), id="helsinki-08-30-is-now"),
        pytest.param(utc(2026, 3, 10, 6, 30), STOCKHOLM, utc(2026, 3, 10, 7), id="stockholm-07-30-waits"),
        pytest.param(utc(2026, 3, 10, 15, 30), HELSINKI, utc(2026, 3, 11, 6), id="helsinki-17-30-waits"),
        pytest.param(
            utc(2026, 3, 10, 15, 30), STOCKHOLM, utc(2026, 3, 10, 15, 30), id="stockholm-16-30-is-now"
        ),
        pytest.param(utc(2026, 1, 6, 9), STOCKHOLM, utc(2026, 1, 7, 7), id="trettondedag-jul-to-wednesday"),
        pytest.param(utc(2026, 5, 14, 8), STOCKHOLM, utc(2026, 5, 15, 6), id="kristi-himmelsfard-to-friday"),
        pytest.param(utc(2025, 6, 6, 8), STOCKHOLM, utc(2025, 6, 9, 6), id="nationaldagen-2025-to-monday"),
        pytest.param(utc(2026, 6, 18, 16), STOCKHOLM, utc(2026, 6, 22, 6), id="midsommarafton-skipped"),
        pytest.param(
            utc(2026, 12, 23, 16), STOCKHOLM, utc(2026, 12, 28, 7), id="julafton-and-juldagen-skipped"
        ),
        pytest.param(utc(2026, 12, 30, 16), STOCKHOLM, utc(2027, 1, 4, 7), id="nyarsafton-into-next-year"),
    ],
)
def test_next_working_time(moment: datetime, zone: str, expected: datetime) -> None:
    assert next_working_time(moment, timezone=zone, start=START, end=END) == expected


def test_next_working_time_answers_in_utc_whatever_zone_it_is_given() -> None:
    moment = datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo(STOCKHOLM))

    result = next_working_time(moment, timezone=STOCKHOLM, start=START, end=END)

    assert result == utc(2026, 3, 10, 9)
    assert result.tzinfo is UTC


def test_next_working_time_refuses_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_working_time(datetime(2026, 3, 10, 10, 0), timezone=STOCKHOLM, start=START, end=END)


@settings(max_examples=300, database=None, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 20), timezones=st.just(UTC)
    ),
    zone=st.sampled_from([STOCKHOLM, HELSINKI]),
)
def test_next_working_time_is_the_first_working_moment(moment: datetime, zone: str) -> None:
    result = next_working_time(moment, timezone=zone, start=START, end=END)
    local = result.astimezone(ZoneInfo(zone))

    assert result >= moment
    assert is_working_day(local.date())
    assert START <= local.time() < END
    if result != moment:
        # It waited for a start of working time, and skipped no working time on the way.
        assert local.time() == START
        waiting = moment.astimezone(ZoneInfo(zone))
        if waiting.date() == local.date():
            assert waiting.time() < START
        else:
            assert not is_working_day(waiting.date()) or waiting.time() >= END
            skipped = range(1, (local.date() - waiting.date()).days)
            assert not any(is_working_day(waiting.date() + timedelta(days=n)) for n in skipped)
