"""What the reports need from storage; ``storage.reports.SqlReports`` implements all of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from bot.domain.nudges import PersonFigures
from bot.reports.experiments import VariantCount
from bot.reports.followup_model import YearFigures
from bot.reports.rows import Digest, ImportSpan, Member, OutcomeCount, TripCount, UnitCount


class WeeklySource(Protocol):
    """Per-person aggregates over a window of weeks (given by each week's start and the window's end)."""

    async def members(self, organisation_id: int) -> Sequence[Member]: ...

    async def trip_counts(self, organisation_id: int, *, days: Sequence[date]) -> Sequence[TripCount]: ...

    async def destinations(self, organisation_id: int, *, first: date, last: date) -> Sequence[UnitCount]: ...

    async def nudges_delivered(
        self, organisation_id: int, *, start: datetime, end: datetime
    ) -> Sequence[UnitCount]: ...

    async def outcomes(
        self, organisation_id: int, *, instants: Sequence[datetime]
    ) -> Sequence[OutcomeCount]: ...

    async def import_span(self, organisation_id: int) -> ImportSpan | None: ...

    async def imported(self, organisation_id: int, *, span: ImportSpan) -> Sequence[UnitCount]: ...

    async def first_weeks(self, organisation_id: int, *, weeks: int) -> Sequence[UnitCount]: ...


class FollowUpSource(Protocol):
    async def year_figures(self, organisation_id: int, *, year: int, timezone: str) -> YearFigures: ...

    async def first_import_year(self, organisation_id: int) -> int | None: ...


class ExperimentSource(Protocol):
    async def variant_counts(
        self, organisation_id: int, *, since: datetime | None
    ) -> Sequence[VariantCount]: ...


class ReportStore(WeeklySource, FollowUpSource, ExperimentSource, Protocol):
    """Everything the report jobs use: the sources above, charts, delivery and subscriptions."""

    async def signing_key(self, configured: str) -> bytes: ...

    async def save_charts(
        self, organisation_id: int, charts: Sequence[tuple[str, dict[str, Any]]], *, now: datetime
    ) -> None: ...

    async def enqueue_digests(
        self, organisation_id: int, digests: Sequence[Digest], *, now: datetime
    ) -> int: ...

    async def person_figures(self, person_id: int, *, start: datetime, end: datetime) -> PersonFigures: ...

    async def monthly_subscribers(self, organisation_id: int) -> Sequence[Member]: ...
