"""`remm-bot calendar subscribe` (Microsoft Graph subscriptions or Google push channels for an
organisation's people) and `remm-bot calendar ics --as EMAIL FILE|URL` (an iCalendar file or feed)."""

from __future__ import annotations

from typing import Annotated

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
from bot.ingest.ports import NotConfigured, ProviderError

calendar_app = typer.Typer(help="Calendars: Microsoft 365, Google Workspace and iCalendar feeds.")


@calendar_app.command("subscribe")
@command
def subscribe_command(
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
    provider: Annotated[str, typer.Option(help="graph (Microsoft 365).")] = "graph",
) -> None:
    """Watch every active person's calendar; each new subscription first catches up on the next 60 days."""
    if provider != "graph":
        raise BadInput(f"--provider must be graph, got {provider!r}")
    env = environment()

    async def work(services: Services) -> None:
        if not services.settings.public_url.startswith("https://"):
            raise BadInput("PUBLIC_URL must be the bot's public https address: notifications are sent there")
        organisation = await pick_organisation(services, org)
        async with ingest_for_command(services, env) as kit:
            try:
                report = await kit.graph.subscribe_organisation(organisation)
            except NotConfigured as error:
                raise BadInput(str(error)) from None
            except ProviderError as error:
                raise BadInput(f"{provider} refused: {error}") from None
        typer.echo(
            f"{organisation.slug} ({provider}): {report.created} subscribed, {report.existing} already, "
            f"{report.failed} failed"
        )

    run(with_services(load_settings(), work))
