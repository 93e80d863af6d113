"""ISO weeks and calendar months as periods in an organisation's time zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, value: str) -> IsoWeek:
        """``2026-W48``; a week that does not exist in that year is refused with the reason."""
        match = _WEEK.match(value.strip().upper())
        if not match:
            raise ValueError(f"{value!r} is not an ISO week; write it like 2026-W48")
        year, week = int(match[1]), int(match[2])
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            raise ValueError(f"{year} has no week {week}") from None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(weeks=weeks))

    def last(self, count: int) -> tuple[IsoWeek, ...]:
        """``count`` weeks ending with this one, oldest first."""
        return tuple(self.shifted(offset) for offset in range(1 - count, 1))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Month:
        match = _MONTH.match(value.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"{value!r} is not a month; write it like 2026-11")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def local_midnight(day: date, timezone: str) -> datetime:
    """Midnight at the start of ``day`` in ``timezone``, as UTC (weeks start on local Monday 00:00)."""
    return datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)


def week_bounds(weeks: tuple[IsoWeek, ...], timezone: str) -> tuple[datetime, ...]:
    """The UTC instants where each week starts, and where the last one ends (len(weeks) + 1 values)."""
    days = [week.monday for week in weeks] + [weeks[-1].monday + timedelta(days=7)]
    return tuple(local_midnight(day, timezone) for day in days)


def completed_week(now: datetime, timezone: str) -> IsoWeek:
    """The last full week before ``now`` in the organisation's time zone (what Monday's summary covers)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return IsoWeek.of(today).shifted(-1)
