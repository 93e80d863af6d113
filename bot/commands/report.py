"""`remm-bot report weekly|monthly|followup|experiments`: summaries and the step-10 follow-up on demand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.console.render import render_text
from bot.app import Services
from bot.commands.common import BadInput, command, load_settings, pick_organisation, run, with_services
from bot.domain.organisations import Organisation
from bot.i18n import Locale, normalise_locale
from bot.reports import experiments as experiment_report
from bot.reports.chart import chart_spec, render_png
from bot.reports.compose import monthly_message, unit_label
from bot.reports.followup import follow_up
from bot.reports.followup_render import Format, render
from bot.reports.jobs import compose_weekly, monthly_figures, reader_locale
from bot.reports.units import OrgChart
from bot.reports.weeks import IsoWeek, Month, completed_week, local_midnight

report_app = typer.Typer(help="Weekly and monthly summaries, the yearly follow-up and wording experiments.")

OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")]
LangOption = Annotated[str | None, typer.Option("--lang", help="sv or en (default: the reader's own).")]
FIRST_YEAR = 2000


def _locale(lang: str | None) -> Locale | None:
    if lang is None:
        return None
    if lang not in ("sv", "en"):
        raise BadInput(f"--lang must be sv or en, got {lang!r}")
    return normalise_locale(lang)


def _week(value: str | None) -> IsoWeek | None:
    try:
        return IsoWeek.parse(value) if value else None
    except ValueError as error:
        raise BadInput(f"--week: {error}") from None


@report_app.command("weekly")
@command
def weekly(
    org: OrgOption = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="The manager's email (default: the top).")
    ] = None,
    week: Annotated[
        str | None, typer.Option("--week", help="ISO week, e.g. 2026-W48 (default: last).")
    ] = None,
    lang: LangOption = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the chart to this PNG file.")
    ] = None,
) -> None:
    """Print a manager's weekly summary, as it would be sent."""
    chosen, locale = _week(week), _locale(lang)

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        manager = await _manager(services, organisation, unit)
        period = chosen or completed_week(services.clock.now(), organisation.timezone)
        [(figures, member, message)] = await compose_weekly(
            services, organisation, period, managers=[manager], locale=locale
        )
        typer.echo(render_text(message))
        if message.image:
            typer.echo(f"  {message.image}")
        if chart is not None:
            if figures.unit is None or message.image is None:
                raise BadInput("this summary has no chart: there are no figures to draw")
            shown = locale or reader_locale(member, organisation)
            chart.write_bytes(render_png(chart_spec(figures.unit, unit_label(figures, shown), shown)))
            typer.echo(f"  chart written to {chart}")

    run(with_services(load_settings(), work))


async def _manager(services: Services, organisation: Organisation, email: str | None) -> int:
    members = await services.reports.members(organisation.id)
    chart = OrgChart.build(members)
    managers = chart.managers()
    if not managers:
        raise BadInput(f"{organisation.slug} has no managers: nobody has reports in the directory")
    if email is None:
        tops = [m for m in managers if m not in chart.parent]
        return tops[0] if tops else managers[0]
    person = await services.people.by_email(organisation.id, email)
    if person is None:
        raise BadInput(f"--unit: nobody with the email {email!r} in {organisation.slug}")
    if person.id not in managers:
        raise BadInput(f"--unit: {email} has no reports; give a manager's email")
    return person.id


@report_app.command("monthly")
@command
def monthly(
    person: Annotated[str, typer.Option("--person", help="The person's email.")],
    month: Annotated[str | None, typer.Option("--month", help="e.g. 2026-11 (default: last month).")] = None,
    org: OrgOption = None,
    lang: LangOption = None,
) -> None:
    """Print a person's own monthly summary (what they get when they opt in)."""
    locale = _locale(lang)
    try:
        chosen = Month.parse(month) if month else None
    except ValueError as error:
        raise BadInput(f"--month: {error}") from None

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        found = await services.people.by_email(organisation.id, person)
        if found is None:
            raise BadInput(f"--person: nobody with the email {person!r} in {organisation.slug}")
        period = chosen or Month.of(services.clock.now().date()).previous()
        figures = await monthly_figures(services, organisation, found.id, period)
        typer.echo(render_text(monthly_message(figures, period, locale or normalise_locale(found.locale))))

    run(with_services(load_settings(), work))


@report_app.command("followup")
@command
def followup(
    year: Annotated[int, typer.Option("--year", help="The calendar year to follow up.")],
    org: OrgOption = None,
    output: Annotated[str, typer.Option("--format", help="md, csv or json.")] = "md",
    baseline_year: Annotated[
        int | None, typer.Option("--baseline-year", help="Compare with this year (default: first import).")
    ] = None,
    lang: LangOption = None,
) -> None:
    """REMM step 10: indicators per full-time equivalent, the yearly Naturvårdsverket figures, the change."""
    chosen = _format(output)
    _check_year("--year", year)
    if baseline_year is not None:
        _check_year("--baseline-year", baseline_year)
        if baseline_year > year:
            raise BadInput(f"--baseline-year {baseline_year} comes after --year {year}")
    locale = _locale(lang)

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        report = await follow_up(services.reports, organisation, year=year, baseline_year=baseline_year)
        shown = locale or normalise_locale(organisation.default_locale)
        typer.echo(render(report, chosen, shown), nl=False)

    run(with_services(load_settings(), work))


def _format(value: str) -> Format:
    try:
        return Format(value)
    except ValueError:
        raise BadInput(f"--format must be md, csv or json, got {value!r}") from None


def _check_year(option: str, year: int) -> None:
    current = datetime.now(UTC).year
    if year > current:
        raise BadInput(f"{option} {year} is in the future (this is {current})")
    if year < FIRST_YEAR:
        raise BadInput(f"{option} {year} is before {FIRST_YEAR}; remm-bot keeps no figures that old")


@report_app.command("experiments")
@command
def experiments(
    org: OrgOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only nudges from this date (YYYY-MM-DD).")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="md or json.")] = "md",
    lang: LangOption = None,
) -> None:
    """Nudge wording variants: conversion to digital or hybrid, with 95 % confidence intervals."""
    if output not in ("md", "json"):
        raise BadInput(f"--format must be md or json, got {output!r}")
    try:
        start = date.fromisoformat(since) if since else None
    except ValueError:
        raise BadInput(f"--since must be a date like 2026-01-31, got {since!r}") from None
    locale = _locale(lang)

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        instant = local_midnight(start, organisation.timezone) if start else None
        counts = await services.reports.variant_counts(organisation.id, since=instant)
        report = experiment_report.compare(list(counts))
        if output == "json":
            typer.echo(json.dumps(experiment_report.as_json(report), indent=2))
        else:
            shown = locale or normalise_locale(organisation.default_locale)
            typer.echo(experiment_report.render_experiments(report, shown), nl=False)

    run(with_services(load_settings(), work))
