"""`remm-bot travel import FILE`: past travel from a travel agency or expense system (REMM step 1).

All or nothing by default: every row is checked first, and one row with an error means nothing is
imported (the report names each line and field). ``--skip-invalid`` imports the valid rows and reports
the others. The trips are written in one transaction, so a fatal error leaves nothing half-written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Final, TypeVar

import typer
from tqdm import tqdm  # type: ignore[import-untyped]

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
from bot.ingest.tabular import RowError, Table, TableError, map_columns, read_table, rows
from bot.ingest.travel_import import FIELDS, TravelImport, TripReader

T = TypeVar("T")
MAX_SHOWN: Final = 50
REQUIRED: Final = ("departure_date", "destination")

travel_app = typer.Typer(help="Past travel: the baseline that summaries and follow-up compare against.")


def parse_overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``--map "Resmål=destination"`` -> {"Resmål": "destination"}."""
    overrides = {}
    for pair in pairs:
        column, sep, name = pair.rpartition("=")
        if not sep or not column.strip() or not name.strip():
            raise BadInput(f"--map {pair!r}: write COLUMN=FIELD, e.g. --map 'Resmål=destination'")
        overrides[column.strip()] = name.strip()
    return overrides


def mapped(
    file: Path, fields: Mapping[str, Sequence[str]], overrides: dict[str, str], required: Sequence[str]
) -> tuple[Table, dict[str, int]]:
    """The table and its field -> column mapping, or BadInput naming what is missing and how to map it."""
    try:
        table = read_table(file)
        mapping = map_columns(table.headers, fields, overrides)
    except TableError as error:
        raise BadInput(str(error)) from None
    missing = [name for name in required if name not in mapping]
    if missing:
        raise BadInput(
            f"{file}: no column for {', '.join(missing)}; the columns are {', '.join(table.headers)}. "
            "Name them with --map 'COLUMN=FIELD'"
        )
    return table, mapping


def progress(items: Iterable[T], total: int, label: str) -> Iterator[T]:
    """A progress bar on a terminal; silent when stderr is a file or a pipe."""
    yield from tqdm(items, total=total, desc=label, unit=" rows", file=sys.stderr, disable=None, leave=False)


def report_errors(errors: Sequence[RowError]) -> None:
    for error in errors[:MAX_SHOWN]:
        typer.echo(f"error: {error}", err=True)
    if len(errors) > MAX_SHOWN:
        typer.echo(f"error: ... and {len(errors) - MAX_SHOWN} more rows with errors", err=True)


@travel_app.command("import")
@command
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV or Excel (.xlsx) export, one trip per row.")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="COLUMN=FIELD, when a header is not recognised. Repeatable."),
    ] = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows and report the others.")
    ] = False,
) -> None:
    """Import past trips. Fields: departure_date, return_date, origin, destination, mode, traveller (email),
    travellers, cost_sek, distance_km, co2e_kg, round_trip, reference."""
    table, columns = mapped(file, FIELDS, parse_overrides(mapping or []), REQUIRED)
    env = environment()

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        async with ingest_for_command(services, env) as kit:
            people = {p.email: p for p in await services.people.list(organisation.id, active_only=False)}
            offices = {o.id: o for o in await services.offices.list(organisation.id)}
            reader = TripReader(
                organisation=organisation,
                people=people,
                offices=offices,
                gazetteer=services.gazetteer,
                today=services.clock.now().date(),
            )
            result = reader.read(progress(rows(table, columns), len(table.rows), "checking"))
            report_errors(result.errors)
            if result.errors and not skip_invalid:
                raise BadInput(
                    f"{len(result.errors)} of {result.rows} rows have errors; nothing was imported. "
                    "Correct them, or import the valid rows with --skip-invalid"
                )
            added, updated = await kit.trips.save_trips(result.trips, now=services.clock.now())
        _summary(organisation.slug, result, added, updated)

    run(with_services(load_settings(), work))


def _summary(slug: str, result: TravelImport, added: int, updated: int) -> None:
    typer.echo(
        f"{slug}: {result.rows} rows read; {added + updated} trips imported "
        f"({added} new, {updated} updated), "
        f"{result.estimated} estimated where the export had no figures"
    )
    if result.errors:
        typer.echo(f"{len(result.errors)} rows skipped (errors above)")
    if result.unknown_travellers:
        typer.echo(
            f"{result.unknown_travellers} travellers are not in the directory (stored without a person)"
        )
    if result.trips:
        km, co2e, cost = result.baseline
        first = min(t.departure_date for t in result.trips)
        last = max(t.departure_date for t in result.trips)
        typer.echo(
            f"baseline: {first} to {last}, {len(result.trips)} trips, {km:,.0f} km, "
            f"{co2e:,.1f} kg CO2e, SEK {cost:,.0f}"
        )
