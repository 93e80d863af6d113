"""Working time for nudges: Swedish working days, and working hours on the person's own wall clock."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays


def is_working_day(day: date) -> bool:
    """Monday to Friday, and neither a Swedish public holiday nor an eve that the law treats as one."""
    return day.weekday() < 5 and day not in _days_off(day.year)


def next_working_time(moment: datetime, *, timezone: str, start: time, end: time) -> datetime:
    """``moment`` itself if it falls in working time, else the next start of working time; in UTC."""
    if moment.tzinfo is None:
        raise ValueError("next_working_time needs a timezone-aware moment")
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if is_working_day(local.date()) and start <= local.time() < end:
        return moment.astimezone(UTC)
    day = local.date()
    if not is_working_day(day) or local.time() >= end:
        day = _next_working_day(day)
    # Built from the local wall clock, so 08:00 stays 08:00 on either side of a DST switch.
    return datetime.combine(day, start, tzinfo=zone).astimezone(UTC)


def load_working_days(year: int) -> None:
    """The days off of ``year`` and the next, looked up now (at a process's start) instead of by the first
    decision: the holidays package imports its country module on first use, about 0.14 s."""
    _days_off(year)
    _days_off(year + 1)


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


@functools.cache
def _days_off(year: int) -> frozenset[date]:
    # Midsommarafton, julafton and nyårsafton are not public holidays, but the Annual Leave Act
    # (SFS 1977:480, 7 §) counts them as Sundays and hardly anyone works; the holidays package files
    # them under its DE_FACTO category, so we ask for that next to PUBLIC. Sundays need no entry here
    # (the package leaves them out by default anyway): the weekday test already excludes them.
    # Cached per year so a decision never rebuilds the table; a frozenset also cannot grow behind our
    # back the way a HolidayBase with expand=True does on lookups for other years.
    table = holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))
    return frozenset(table.keys())
