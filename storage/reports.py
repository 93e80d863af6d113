"""The reports' repository (``bot.reports.ports.ReportStore``): per-unit aggregates for the weekly summary,
grouped in the database; the follow-up, experiments and bookkeeping come from the modules it combines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, literal, select, union_all

from bot.reports.rows import ImportSpan, OutcomeCount, TripCount, UnitCount
from storage.report_keeping import ReportKeeping
from storage.report_sql import (
    CANCELLED,
    IMPORT,
    by_unit,
    delivered_nudges,
    first_days,
    trip_set,
    week_number,
    week_of,
)
from storage.report_year import YearQueries
from storage.tables import NudgeRow, OutcomeRow, PersonRow, TripRow


class SqlReports(ReportKeeping, YearQueries):
    async def trip_counts(self, organisation_id: int, *, days: Sequence[date]) -> Sequence[TripCount]:
        """Trips per unit, week of the window (``days``: each week's Monday and the end), taken and far."""
        trips = trip_set(organisation_id, first=days[0], end=days[-1])
        inner = (
            by_unit(
                week_of(trips.c.day, days).label("week"),
                trips.c.taken,
                trips.c.far,
                trips.c.travellers,
            )
            .select_from(trips)
            .join(PersonRow, PersonRow.id == trips.c.person_id)
            .subquery()
        )
        keys = (inner.c.unit_id, inner.c.week, inner.c.taken, inner.c.far)
        query = select(*keys, func.sum(inner.c.travellers)).group_by(*keys)
        return [TripCount(r[0], int(r[1]), bool(r[2]), bool(r[3]), int(r[4])) for r in await self._all(query)]

    async def destinations(self, organisation_id: int, *, first: date, last: date) -> Sequence[UnitCount]:
        end = date.fromordinal(last.toordinal() + 1)
        trips = trip_set(
            organisation_id, first=first, end=end, columns=("person_id", "destination", "travellers")
        )
        unit = PersonRow.manager_id
        query = (
            select(unit, trips.c.destination, func.sum(trips.c.travellers))
            .select_from(trips)
            .join(PersonRow, PersonRow.id == trips.c.person_id)
            .where(unit.is_not(None), trips.c.destination != "")
            .group_by(unit, trips.c.destination)
        )
        return [UnitCount(r[0], int(r[2]), label=r[1]) for r in await self._all(query)]

    async def nudges_delivered(
        self, organisation_id: int, *, start: datetime, end: datetime
    ) -> Sequence[UnitCount]:
        query = delivered_nudges(organisation_id).where(
            NudgeRow.created_at >= start, NudgeRow.created_at < end
        )
        query = query.join(PersonRow, PersonRow.id == NudgeRow.person_id).where(
            PersonRow.manager_id.is_not(None)
        )
        query = query.with_only_columns(PersonRow.manager_id, func.count()).group_by(PersonRow.manager_id)
        return [UnitCount(r[0], int(r[1])) for r in await self._all(query)]

    async def outcomes(self, organisation_id: int, *, instants: Sequence[datetime]) -> Sequence[OutcomeCount]:
        o = OutcomeRow
        s = (
            by_unit(
                week_of(o.created_at, instants).label("week"),
                o.choice,
                o.reason_category,
                o.hours_saved,
                o.co2e_saved_kg,
                o.cost_saved_sek,
            )
            .join(PersonRow, PersonRow.id == o.person_id)
            .where(
                o.organisation_id == organisation_id, o.created_at >= instants[0], o.created_at < instants[-1]
            )
            .subquery()
        )
        keys = (s.c.unit_id, s.c.week, s.c.choice, s.c.reason_category)
        query = select(
            *keys,
            func.count(),
            func.sum(s.c.hours_saved),
            func.sum(s.c.co2e_saved_kg),
            func.sum(s.c.cost_saved_sek),
        ).group_by(*keys)
        return [
            OutcomeCount(
                r[0],
                int(r[1]),
                r[2],
                r[3],
                int(r[4]),
                float(r[5] or 0),
                float(r[6] or 0),
                Decimal(str(r[7] or 0)),
            )
            for r in await self._all(query)
        ]

    async def imported(self, organisation_id: int, *, span: ImportSpan) -> Sequence[UnitCount]:
        unit = PersonRow.manager_id
        query = (
            select(unit, func.sum(TripRow.travellers))
            .join(PersonRow, PersonRow.id == TripRow.person_id)
            .where(
                TripRow.organisation_id == organisation_id,
                TripRow.source == IMPORT,
                TripRow.departure_date >= span.first,
                TripRow.departure_date <= span.last,
                TripRow.status != CANCELLED,
                unit.is_not(None),
            )
            .group_by(unit)
        )
        return [UnitCount(r[0], int(r[1])) for r in await self._all(query)]

    async def first_weeks(self, organisation_id: int, *, weeks: int) -> Sequence[UnitCount]:
        """Per unit: each direct report's first week with data (a row with count 0), and their trips in
        their first ``weeks`` weeks; week numbers count from a fixed Monday."""
        firsts = first_days(organisation_id)
        starts = (
            by_unit(week_number(firsts.c.first, self._db).label("week"), literal(0))
            .select_from(firsts)
            .join(PersonRow, PersonRow.id == firsts.c.person_id)
        )
        trips = trip_set(organisation_id, columns=("person_id", "day", "travellers"))
        day_week = week_number(trips.c.day, self._db)
        inner = (
            by_unit(day_week.label("week"), trips.c.travellers)
            .select_from(trips)
            .join(firsts, firsts.c.person_id == trips.c.person_id)
            .join(PersonRow, PersonRow.id == trips.c.person_id)
            .where(day_week < week_number(firsts.c.first, self._db) + weeks)
            .subquery()
        )
        counts = select(inner.c.unit_id, inner.c.week, func.sum(inner.c.travellers)).group_by(
            inner.c.unit_id, inner.c.week
        )
        rows = await self._all(union_all(starts, counts))
        return [UnitCount(r[0], int(r[2]), week=int(r[1])) for r in rows]
