"""The yearly follow-up's figures (REMM step 10, Naturvårdsverket) and the wording experiments' counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from bot.reports.experiments import VariantCount
from bot.reports.followup_model import ModeFigures, YearFigures
from bot.reports.rows import ImportSpan
from bot.reports.weeks import local_midnight
from storage.report_sql import (
    AVOIDING,
    CANCELLED,
    FOR_MODES,
    IMPORT,
    ReportQueries,
    as_date,
    delivered_nudges,
    trip_set,
)
from storage.tables import MeetingAttendeeRow, MeetingRow, NudgeRow, OutcomeRow, PersonRow, TripRow


class YearQueries(ReportQueries):
    async def import_span(self, organisation_id: int) -> ImportSpan | None:
        """The period the imported travel history covers (the weekly baseline period, the baseline year)."""
        query = select(func.min(TripRow.departure_date), func.max(TripRow.departure_date)).where(
            TripRow.organisation_id == organisation_id, TripRow.source == IMPORT, TripRow.status != CANCELLED
        )
        first, last = (await self._all(query))[0]
        return ImportSpan(as_date(first), as_date(last)) if first is not None else None

    async def first_import_year(self, organisation_id: int) -> int | None:
        span = await self.import_span(organisation_id)
        return span.first.year if span else None

    async def year_figures(self, organisation_id: int, *, year: int, timezone: str) -> YearFigures:
        start, end = (
            local_midnight(date(year, 1, 1), timezone),
            local_midnight(date(year + 1, 1, 1), timezone),
        )
        fte, people = await self._fte(organisation_id)
        avoided = await self._avoided(organisation_id, start, end)
        return YearFigures(
            organisation_id=organisation_id,
            year=year,
            fte=fte,
            people=people,
            digital_meetings=await self._digital_meetings(organisation_id, start, end),
            modes=await self._modes(organisation_id, date(year, 1, 1), date(year + 1, 1, 1)),
            avoided_trips=int(avoided[0] or 0),
            avoided_hours=float(avoided[1] or 0),
            avoided_co2e_kg=float(avoided[2] or 0),
            avoided_cost_sek=Decimal(str(avoided[3] or 0)).quantize(Decimal(1)),
        )

    async def _fte(self, organisation_id: int) -> tuple[Decimal, int]:
        query = select(func.sum(PersonRow.fte), func.count()).where(
            PersonRow.organisation_id == organisation_id, PersonRow.active
        )
        fte, people = (await self._all(query))[0]
        return Decimal(str(fte or 0)), int(people)

    async def _digital_meetings(self, organisation_id: int, start: datetime, end: datetime) -> int:
        """Online meetings that took place, with at least two participants (internal plus external)."""
        internal = (
            select(func.count())
            .where(MeetingAttendeeRow.meeting_id == MeetingRow.id)
            .correlate(MeetingRow)
            .scalar_subquery()
        )
        query = select(func.count()).where(
            MeetingRow.organisation_id == organisation_id,
            MeetingRow.online,
            MeetingRow.status == "confirmed",
            MeetingRow.start_at >= start,
            MeetingRow.start_at < end,
            internal + MeetingRow.external_attendees >= 2,
        )
        return int((await self._all(query))[0][0])

    async def _modes(self, organisation_id: int, first: date, end: date) -> tuple[ModeFigures, ...]:
        trips = trip_set(organisation_id, first=first, end=end, columns=FOR_MODES)
        query = select(
            trips.c.mode,
            trips.c.far,
            func.sum(trips.c.travellers),
            func.sum((trips.c.nights + 1) * trips.c.travellers),
            func.sum(trips.c.cost),
            func.sum(trips.c.co2e),
        ).group_by(trips.c.mode, trips.c.far)
        found: dict[str, ModeFigures] = {}
        for mode, far, count, days, cost, co2e in await self._all(query):
            before = found.get(mode) or ModeFigures(mode=mode)
            found[mode] = ModeFigures(
                mode=mode,
                trips_under_100=before.trips_under_100 + (0 if far else int(count or 0)),
                trips_over_100=before.trips_over_100 + (int(count or 0) if far else 0),
                travel_days=before.travel_days + int(days or 0),
                cost_sek=before.cost_sek + Decimal(str(cost or 0)).quantize(Decimal(1)),
                co2e_kg=round(before.co2e_kg + float(co2e or 0), 1),
            )
        return tuple(found[m] for m in sorted(found))

    async def _avoided(self, organisation_id: int, start: datetime, end: datetime) -> tuple[Any, ...]:
        query = select(
            func.count(),
            func.sum(OutcomeRow.hours_saved),
            func.sum(OutcomeRow.co2e_saved_kg),
            func.sum(OutcomeRow.cost_saved_sek),
        ).where(
            OutcomeRow.organisation_id == organisation_id,
            OutcomeRow.avoided_trip,
            OutcomeRow.created_at >= start,
            OutcomeRow.created_at < end,
        )
        return tuple((await self._all(query))[0])

    async def variant_counts(self, organisation_id: int, *, since: datetime | None) -> Sequence[VariantCount]:
        converted = func.sum(case((NudgeRow.choice.in_(AVOIDING), 1), else_=0))
        query = delivered_nudges(organisation_id)
        if since is not None:
            query = query.where(NudgeRow.created_at >= since)
        query = query.with_only_columns(NudgeRow.variant, func.count(), converted).group_by(NudgeRow.variant)
        return [VariantCount(r[0], int(r[1]), int(r[2] or 0)) for r in await self._all(query)]
