"""`remm-bot people import FILE` and `remm-bot people sync`: the directory, from a file or from
Microsoft Entra ID / Google Workspace.

Import is all or nothing: a row with an error (or an office that is not a known place) means nothing
is imported. Sync adds and updates people and deactivates those the directory no longer lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import typer

from bot.adapters.calendars.wiring import ingest_for_command
from bot.app import Services
from bot.commands.common import (
    BadInput,
    command,
    environment,
    load_settings,
    pick_organisation,
    run,
    with_services,
)
from bot.commands.travel import mapped, parse_overrides, progress, report_errors
from bot.ingest.directory import DirectoryEmpty
from bot.ingest.people_import import FIELDS, read_people
from bot.ingest.ports import DirectoryResult, NotConfigured, ProviderError
from bot.ingest.tabular import RowError, rows

people_app = typer.Typer(help="The organisation's people: from a file or a directory (Entra ID, Google).")
SOURCES: Final = ("graph", "google")


@people_app.command("import")
@command
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or Excel (.xlsx): one person per row.")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help="COLUMN=FIELD. Repeatable.")] = None,
) -> None:
    """Add or update people. Fields: email, name, office, department, manager (email), job_title,
    permissions (coordinator, admin), fte, locale (sv, en)."""
    table, columns = mapped(file, FIELDS, parse_overrides(mapping or []), ("email",))
    env = environment()

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        result = read_people(progress(rows(table, columns), len(table.rows), "checking"))
        async with ingest_for_command(services, env) as kit:
            offices = await kit.directory.resolve_offices(
                organisation, (e.office for e in result.entries), create=False
            )
            errors = result.errors + [
                RowError(line, "office", f"no place called {entry.office!r}; name a town, e.g. Umeå")
                for line, entry in zip(result.lines, result.entries, strict=True)
                if entry.office and entry.office in offices.unknown
            ]
            report_errors(sorted(errors, key=lambda e: e.line))
            if errors:
                raise BadInput(f"{len(errors)} rows have errors; nothing was imported")
            applied = await kit.directory.apply(organisation, result.entries, deactivate_missing=False)
        _summary(organisation.slug, applied)

    run(with_services(load_settings(), work))


@people_app.command("sync")
@command
def sync_command(
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
    source: Annotated[
        str | None,
        typer.Option(help="graph (Microsoft Entra ID) or google (Workspace); default: configured one."),
    ] = None,
) -> None:
    """Bring the people up to date from the organisation's directory; deactivate those who are gone."""
    if source is not None and source not in SOURCES:
        raise BadInput(f"--source must be graph or google, got {source!r}")
    env = environment()

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        async with ingest_for_command(services, env) as kit:
            try:
                chosen, applied = await kit.directory.sync(organisation, source)
            except (NotConfigured, DirectoryEmpty) as error:
                raise BadInput(str(error)) from None
            except ProviderError as error:
                raise BadInput(f"the directory could not be read: {error}") from None
        _summary(f"{organisation.slug} ({chosen})", applied)

    run(with_services(load_settings(), work))


def _summary(label: str, result: DirectoryResult) -> None:
    typer.echo(f"{label}: {result.added} added, {result.updated} updated, {result.deactivated} deactivated")
    if result.offices_created:
        typer.echo(f"new offices: {', '.join(result.offices_created)}")
    if result.unknown_offices:
        typer.echo(
            "offices that are not a known place (people left without an office): "
            + ", ".join(result.unknown_offices)
        )
