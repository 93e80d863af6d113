"""`remm-bot org create|link|list`: organisations and the realms mapped to them (design section 8)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.app import Services
from bot.commands.common import BadInput, command, load_settings, pick_organisation, run, with_services
from bot.domain.organisations import RealmKind
from storage.organisations import DuplicateError

org_app = typer.Typer(
    help="Organisations and the Slack teams, Entra tenants and Google domains mapped to them."
)


@org_app.command("create")
@command
def create(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. 'trafikverket'.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/Stockholm",
    locale: Annotated[str, typer.Option(help="Default language: sv or en.")] = "sv",
) -> None:
    """Create an organisation."""
    if locale not in ("sv", "en"):
        raise BadInput(f"--locale must be sv or en, got {locale!r}")

    async def work(services: Services) -> None:
        try:
            organisation = await services.organisations.create(
                slug=slug, name=name or slug, timezone=timezone, default_locale=locale
            )
        except (DuplicateError, ValueError) as error:
            raise BadInput(str(error)) from None
        typer.echo(f"created organisation {organisation.slug} ({organisation.name})")

    run(with_services(load_settings(), work))


@org_app.command("link")
@command
def link(
    kind: Annotated[RealmKind, typer.Argument(help="What kind of realm.")],
    external_id: Annotated[
        str, typer.Argument(help="Slack team/enterprise id, Entra tenant id or Google domain.")
    ],
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
) -> None:
    """Map a realm to an organisation, so its users and installs are accepted."""
    if not external_id.strip():
        raise BadInput("the realm id is empty")

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        try:
            await services.organisations.link_realm(
                organisation.id, kind=kind, external_id=external_id.strip()
            )
        except DuplicateError as error:
            raise BadInput(str(error)) from None
        typer.echo(f"linked {kind.value} {external_id.strip()} to {organisation.slug}")

    run(with_services(load_settings(), work))


@org_app.command("list")
@command
def list_organisations() -> None:
    """List organisations and their realms."""

    async def work(services: Services) -> None:
        for organisation in await services.organisations.all():
            realms = await services.organisations.realms(organisation.id)
            linked = ", ".join(f"{r.kind.value}:{r.external_id}" for r in realms) or "no realms linked"
            typer.echo(f"{organisation.slug}\t{organisation.name}\t{linked}")

    run(with_services(load_settings(), work))
