"""`remm-bot privacy export|erase --person EMAIL`: a person's data as JSON, or erased."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bot.app import Services
from bot.commands.common import BadInput, command, load_settings, pick_organisation, run, with_services
from bot.domain.people import Person
from storage.privacy import erase_person, export_person

privacy_app = typer.Typer(help="A person's data: export it (as JSON) or erase it.")

PersonOption = Annotated[str, typer.Option("--person", help="The person's email.")]
OrgOption = Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")]


async def _person(services: Services, org: str | None, email: str) -> Person:
    organisation = await pick_organisation(services, org)
    person = await services.people.by_email(organisation.id, email)
    if person is None:
        raise BadInput(f"no person with email {email!r} in {organisation.slug}")
    return person


@privacy_app.command("export")
@command
def export_command(person: PersonOption, org: OrgOption = None) -> None:
    """Print everything stored about the person as JSON."""

    async def work(services: Services) -> None:
        found = await _person(services, org, person)
        data = await export_person(services.database, found.id)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))

    run(with_services(load_settings(), work))


@privacy_app.command("erase")
@command
def erase_command(
    person: PersonOption,
    org: OrgOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase the person: personal rows deleted, the person anonymised, statistics kept anonymous."""
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput("erasing cannot be undone; add --yes to confirm")
        typer.confirm(f"Erase everything about {person}? This cannot be undone", abort=True)

    async def work(services: Services) -> None:
        found = await _person(services, org, person)
        touched = await erase_person(services.database, found.id, now=services.clock.now())
        summary = ", ".join(f"{table}: {count}" for table, count in touched.items() if count)
        typer.echo(f"erased person {found.id} ({summary})")

    run(with_services(load_settings(), work))
