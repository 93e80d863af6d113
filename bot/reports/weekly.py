"""The weekly manager summary (REMM step 2: managers keep the work anchored; step 10: follow up).

For a manager's unit (direct and indirect reports) and one ISO week: trips planned and taken under and
over 100 km, nudges delivered, digital and hybrid choices, avoided trips and what the choices saved, the
top destinations, the reasons chosen for travelling (counts only), and a 12-week trend against the
unit's own baseline. A unit of fewer than five people is shown as part of the unit above it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.domain.nudges import OutcomeChoice
from bot.domain.organisations import Organisation
from bot.reports.figures import Baseline, BaselineSource, TrendPoint, TripSplit, UnitFigures, WeeklyFigures
from bot.reports.ports import WeeklySource
from bot.reports.rows import ImportSpan, Member, OutcomeCount, TripCount, UnitCount
from bot.reports.tally import FIRST_WEEKS, THIS_WEEK, TREND_WEEKS, Tally
from bot.reports.units import Buckets, OrgChart
from bot.reports.weeks import IsoWeek, week_bounds

TOP_DESTINATIONS = 5
# Week numbers for the baseline's first weeks count from this Monday (any fixed Monday would do).
EPOCH_MONDAY = date(2000, 1, 3)


def week_number(day: date) -> int:
    return (day - EPOCH_MONDAY).days // 7


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    """Every manager's figures for a week, and who they are (language, channel) for delivery."""

    week: IsoWeek
    figures: tuple[WeeklyFigures, ...]
    members: dict[int, Member]


async def weekly_report(
    source: WeeklySource,
    organisation: Organisation,
    week: IsoWeek,
    *,
    managers: Collection[int] | None = None,
) -> WeeklyReport:
    """Every manager's summary for ``week`` (or only those in ``managers``), from a handful of queries."""
    chart = OrgChart.build(await source.members(organisation.id))
    span = await source.import_span(organisation.id)
    tallies = await _direct_tallies(source, organisation, week, span)
    units = chart.roll_up(tallies.by_unit, Tally)
    sizes = chart.unit_sizes()
    baseline_of = _BaselineOf(span)
    wanted = chart.managers() if managers is None else [m for m in chart.managers() if m in managers]
    shown: dict[int, UnitFigures] = {}
    result = []
    for manager in wanted:
        unit = chart.shown_unit(manager, sizes)
        figures = None
        if unit is not None:
            if unit not in shown:
                shown[unit] = unit_figures(units.get(unit) or Tally(), week, baseline_of)
            figures = shown[unit]
        result.append(_for_manager(organisation.id, week, chart, manager, unit, sizes, figures))
    return WeeklyReport(week, tuple(result), chart.members)


async def weekly_summaries(
    source: WeeklySource,
    organisation: Organisation,
    week: IsoWeek,
    *,
    managers: Collection[int] | None = None,
) -> list[WeeklyFigures]:
    return list((await weekly_report(source, organisation, week, managers=managers)).figures)


def _for_manager(
    organisation_id: int,
    week: IsoWeek,
    chart: OrgChart,
    manager: int,
    unit: int | None,
    sizes: dict[int, int],
    figures: UnitFigures | None,
) -> WeeklyFigures:
    return WeeklyFigures(
        organisation_id=organisation_id,
        week=week,
        manager_id=manager,
        manager_name=chart.members[manager].name,
        own_unit_size=sizes.get(manager, 0),
        unit_manager_id=unit,
        unit_manager_name=chart.members[unit].name if unit is not None else "",
        unit_size=sizes.get(unit, 0) if unit is not None else 0,
        unit=figures,
    )


class _BaselineOf:
    def __init__(self, span: ImportSpan | None) -> None:
        self.span = span

    def __call__(self, tally: Tally, week: IsoWeek) -> Baseline:
        if self.span is not None:
            return Baseline(BaselineSource.IMPORT, tally.imported / self.span.weeks, self.span.weeks)
        if tally.start is None or tally.start + FIRST_WEEKS - 1 > week_number(week.monday):
            return Baseline(BaselineSource.NONE)
        return Baseline(BaselineSource.FIRST_WEEKS, sum(tally.early.values()) / FIRST_WEEKS, FIRST_WEEKS)


async def _direct_tallies(
    source: WeeklySource, organisation: Organisation, week: IsoWeek, span: ImportSpan | None
) -> Buckets[Tally]:
    """The figures of each manager's direct reports; the queries are independent, so they run at once."""
    weeks = week.last(TREND_WEEKS)
    days = [w.monday for w in weeks] + [week.monday + timedelta(days=7)]
    instants = week_bounds(weeks, organisation.timezone)
    org = organisation.id
    trips, destinations, nudges, outcomes, baseline = await asyncio.gather(
        source.trip_counts(org, days=days),
        source.destinations(org, first=week.monday, last=week.sunday),
        source.nudges_delivered(org, start=instants[-2], end=instants[-1]),
        source.outcomes(org, instants=instants),
        source.imported(org, span=span) if span is not None else source.first_weeks(org, weeks=FIRST_WEEKS),
    )
    buckets = Buckets(Tally)
    _add_trips(buckets, trips)
    _add_labels(buckets, destinations)
    for row in nudges:
        buckets.of(row.unit_id).nudges += row.count
    _add_outcomes(buckets, outcomes)
    if span is not None:
        for row in baseline:
            buckets.of(row.unit_id).imported += row.count
    else:
        _add_first_weeks(buckets, baseline)
    return buckets


def _add_trips(buckets: Buckets[Tally], rows: Sequence[TripCount]) -> None:
    for row in rows:
        buckets.of(row.unit_id).add_trips(row.week, taken=row.taken, far=row.far, count=row.count)


def _add_labels(buckets: Buckets[Tally], rows: Sequence[UnitCount]) -> None:
    for row in rows:
        buckets.of(row.unit_id).destinations[row.label] += row.count


def _add_outcomes(buckets: Buckets[Tally], rows: Sequence[OutcomeCount]) -> None:
    for row in rows:
        tally = buckets.of(row.unit_id)
        tally.add_outcome(row.week, row.choice, row.reason, row.count)
        if row.week == THIS_WEEK:
            tally.hours += row.hours
            tally.co2e += row.co2e_kg
            tally.sek += row.cost_sek


def _add_first_weeks(buckets: Buckets[Tally], rows: Sequence[UnitCount]) -> None:
    by_unit: dict[int, list[UnitCount]] = {}
    for row in rows:
        by_unit.setdefault(row.unit_id, []).append(row)
    for unit, found in by_unit.items():
        start = min(row.week for row in found)
        early: dict[int, int] = {}
        for row in found:
            if row.count:
                early[row.week] = early.get(row.week, 0) + row.count
        buckets.of(unit).add_early(start, early)


def unit_figures(tally: Tally, week: IsoWeek, baseline_of: _BaselineOf) -> UnitFigures:
    weeks = week.last(TREND_WEEKS)
    trend = tuple(TrendPoint(w, tally.trips_total(i), tally.avoided[i]) for i, w in enumerate(weeks))
    destinations = sorted(tally.destinations.items(), key=lambda item: (-item[1], item[0]))
    reasons = sorted(tally.reasons.items(), key=lambda item: (-item[1], item[0]))
    return UnitFigures(
        planned=TripSplit(*tally.trips_in(THIS_WEEK, taken=False)),
        taken=TripSplit(*tally.trips_in(THIS_WEEK, taken=True)),
        nudges=tally.nudges,
        digital=tally.choices[OutcomeChoice.DIGITAL],
        hybrid=tally.choices[OutcomeChoice.HYBRID],
        train=tally.choices[OutcomeChoice.TRAIN],
        avoided=tally.avoided[THIS_WEEK],
        hours_saved=round(tally.hours, 2),
        co2e_saved_kg=round(tally.co2e, 1),
        cost_saved_sek=tally.sek.quantize(Decimal(1)),
        top_destinations=tuple(destinations[:TOP_DESTINATIONS]),
        reasons=tuple(reasons),
        trend=trend,
        baseline=baseline_of(tally, week),
    )
