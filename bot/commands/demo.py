"""`remm-bot demo`: the sample organisation's week, replayed on a simulated clock into a fresh database."""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.adapters.console.messenger import ConsoleMessenger
from bot.adapters.console.render import render_text
from bot.app import Services, open_services
from bot.clock import SimulatedClock
from bot.commands.common import BadInput, load_settings, run
from bot.commands.report import _manager as top_manager
from bot.domain.nudges import Decision, NudgeRecord, OutcomeChoice, TravelReason
from bot.domain.organisations import Organisation
from bot.i18n import Locale, format_number, text
from bot.messages import ActionId
from bot.reports.followup import follow_up
from bot.reports.followup_render import Format, render
from bot.reports.jobs import compose_weekly
from bot.reports.weeks import IsoWeek
from bot.sample import load_sample_week
from bot.sample_loader import ReplayReport, load_sample, next_monday, replay_week
from bot.savings.render import hours_text

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_ACTIONS = {
    OutcomeChoice.DIGITAL: ActionId.NUDGE_GO_DIGITAL,
    OutcomeChoice.HYBRID: ActionId.NUDGE_GO_HYBRID,
    OutcomeChoice.TRAIN: ActionId.NUDGE_TAKE_TRAIN,
    OutcomeChoice.TRAVEL_ANYWAY: ActionId.NUDGE_TRAVEL_ANYWAY,
    OutcomeChoice.SNOOZE: ActionId.NUDGE_SNOOZE,
}


def demo_command(
    lang: Annotated[str, typer.Option("--lang", help="Language of the demo's own text: sv or en.")] = "sv",
    seed: Annotated[int, typer.Option(help="Seed for the simulated choices.")] = 2011,
    database: Annotated[
        Path | None, typer.Option(help="SQLite file to use (default: a new temporary one).")
    ] = None,
) -> None:
    """Replay a week of the sample organisation: nudges, decisions with reasons, choices and savings."""
    if lang not in ("sv", "en"):
        raise BadInput(f"--lang must be sv or en, got {lang!r}")
    path = database or Path(tempfile.mkdtemp(prefix="remm-demo-")) / "remm.db"
    if path.exists():
        raise BadInput(f"{path} exists already; the demo needs an empty database")
    settings = dataclasses.replace(load_settings(), database_url=f"sqlite+aiosqlite:///{path}")
    run(_demo(settings, "sv" if lang == "sv" else "en", seed, path))


async def _demo(settings: object, locale: Locale, seed: int, path: Path) -> None:
    monday = next_monday(datetime.now(STOCKHOLM).date())
    clock = SimulatedClock(datetime.combine(monday.fromordinal(monday.toordinal() - 4), time(9), STOCKHOLM))
    services = await open_services(settings, clock=clock)  # type: ignore[arg-type]
    try:
        await _run(services, clock, locale, seed, monday, path)
    finally:
        await services.database.close()


async def _run(
    services: Services, clock: SimulatedClock, locale: Locale, seed: int, monday: date, path: Path
) -> None:
    organisation, _ = await load_sample(services)
    names = {p.id: p.name for p in await services.people.list(organisation.id)}
    console = ConsoleMessenger(write=typer.echo, name_of=lambda pid: names.get(pid, str(pid)))
    services.messengers.update({"webchat": console, "slack": console, "teams": console})
    dispatcher = services.start_dispatcher()
    week = load_sample_week(monday=monday)
    typer.echo(
        text(
            "demo.intro",
            locale,
            name=organisation.name,
            people=len(names),
            database=path,
            monday=monday.isoformat(),
            events=len(week.calendar_events),
            requests=len(week.travel_requests),
        )
    )
    first = await replay_week(
        services, organisation, dataclasses.replace(week, calendar_updates=[], request_updates=[])
    )
    _print_decisions(first, names, locale)
    typer.echo("\n" + text("demo.delivering", locale))
    while await dispatcher.run_once():
        pass
    typer.echo(
        "\n" + text("demo.updates", locale, count=len(week.calendar_updates) + len(week.request_updates))
    )
    updates = await replay_week(
        services,
        organisation,
        dataclasses.replace(
            week,
            calendar_events=week.calendar_updates,
            travel_requests=week.request_updates,
            calendar_updates=[],
            request_updates=[],
        ),
    )
    _print_updates(updates, locale)
    while await dispatcher.run_once():
        pass
    delivered = await _delivered_nudges(services, first, updates)
    typer.echo("\n" + text("demo.choosing", locale, count=len(delivered)))
    tally = await _simulate_choices(services, organisation, delivered, names, random.Random(seed))  # noqa: S311
    _print_summary(tally, locale)
    await _print_reports(services, organisation, clock, locale)


def _print_decisions(report: ReplayReport, names: dict[int, str], locale: Locale) -> None:
    typer.echo("\n" + text("demo.decisions", locale))
    for label, result in report.events:
        for record in result.decisions:
            verdict = text(f"demo.decision.{record.decision.value}", locale)
            typer.echo(
                f"  {label}: {names.get(record.person_id)} → {record.destination_name} ({record.mode}): "
                f"{verdict}, {text(f'demo.reason.{record.reason.value}', locale)}"
            )
    for label, reason in report.refused:
        typer.echo(f"  {label}: {text('demo.refused', locale)}: {reason}")


def _print_updates(report: ReplayReport, locale: Locale) -> None:
    for label, result in report.events:
        if result.withdrawn:
            typer.echo(f"  {label}: {text('demo.withdrawn', locale, count=result.withdrawn)}")
        elif result.unchanged:
            typer.echo(f"  {label}: {text('demo.unchanged', locale)}")
        else:
            typer.echo(f"  {label}: {text('demo.reevaluated', locale, count=len(result.decisions))}")


async def _delivered_nudges(services: Services, *reports: ReplayReport) -> list[NudgeRecord]:
    found: dict[int, NudgeRecord] = {}
    for report in reports:
        for _label, result in report.events:
            for record in result.decisions:
                current = await services.nudges.by_id(record.id)
                if current is not None and current.decision is Decision.SEND and current.delivered:
                    found[current.id] = current
    return list(found.values())


@dataclasses.dataclass
class Tally:
    choices: Counter[str] = dataclasses.field(default_factory=Counter)
    reasons: Counter[str] = dataclasses.field(default_factory=Counter)
    hours: Decimal = Decimal(0)
    co2e: Decimal = Decimal(0)
    sek: Decimal = Decimal(0)
    avoided: int = 0


async def _simulate_choices(
    services: Services,
    organisation: Organisation,
    nudges: list[NudgeRecord],
    names: dict[int, str],
    rng: random.Random,
) -> Tally:
    tally = Tally()
    for nudge in nudges:
        person = await services.people.by_id(nudge.person_id)
        choice = _plausible_choice(nudge, rng)
        if person is None or choice is None:
            tally.choices["none"] += 1
            continue
        inputs = (
            {"reason": rng.choice(list(TravelReason)).value} if choice is OutcomeChoice.TRAVEL_ANYWAY else {}
        )
        result = await services.choices.choose(organisation, person, _ACTIONS[choice], str(nudge.id), inputs)
        tally.choices[choice.value] += 1
        if inputs:
            tally.reasons[inputs["reason"]] += 1
        if result.update is not None:
            typer.echo(f"  {names.get(person.id)}: {result.update.context}")
        if choice.avoids_trip:
            savings = nudge.estimate["savings"]
            tally.avoided += 1
            tally.hours += Decimal(str(savings["hours"]))
            tally.co2e += Decimal(str(savings["co2e_kg"]))
            tally.sek += Decimal(str(savings["cost_sek"]))
    return tally


def _plausible_choice(nudge: NudgeRecord, rng: random.Random) -> OutcomeChoice | None:
    """Roughly what REMM agencies report: most meetings can go digital, some trips are needed."""
    roll = rng.random()
    if roll < 0.45:
        return OutcomeChoice.DIGITAL
    if roll < 0.60:
        return OutcomeChoice.HYBRID
    if roll < 0.72 and nudge.mode == "flight":
        return OutcomeChoice.TRAIN
    if roll < 0.92:
        return OutcomeChoice.TRAVEL_ANYWAY
    if roll < 0.95:
        return OutcomeChoice.SNOOZE
    return None


def _print_summary(tally: Tally, locale: Locale) -> None:
    typer.echo("\n" + text("demo.summary", locale))
    for choice, count in sorted(tally.choices.items()):
        typer.echo(f"  {text(f'demo.choice.{choice}', locale)}: {count}")
    for reason, count in sorted(tally.reasons.items()):
        typer.echo(f"    {text(f'nudges.reason.{reason}', locale)}: {count}")
    typer.echo(
        text(
            "demo.savings",
            locale,
            trips=tally.avoided,
            hours=hours_text(tally.hours, locale),
            kg=format_number(tally.co2e, locale),
            sek=format_number(tally.sek, locale),
        )
    )


async def _print_reports(
    services: Services, organisation: Organisation, clock: SimulatedClock, locale: Locale
) -> None:
    """What the managers and the coordinator get from this week: the summary, and the year's follow-up."""
    week = IsoWeek.of(clock.now().astimezone(STOCKHOLM).date())
    manager = await top_manager(services, organisation, None)
    [(_figures, _member, message)] = await compose_weekly(
        services, organisation, week, managers=[manager], locale=locale
    )
    typer.echo("\n" + text("demo.manager_summary", locale, week=str(week)))
    typer.echo(render_text(message))
    report = await follow_up(services.reports, organisation, year=week.monday.year, baseline_year=None)
    typer.echo("\n" + text("demo.followup", locale, year=week.monday.year))
    typer.echo(render(report, Format.MD, locale), nl=False)
