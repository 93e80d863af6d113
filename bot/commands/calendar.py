"""`remm-bot calendar subscribe` (Microsoft Graph subscriptions or Google push channels for an
organisation's people) and `remm-bot calendar ics --as EMAIL FILE|URL` (an iCalendar file or feed)."""

from __future__ import annotations

from pathlib import Path
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
from bot.ingest.ical import MAX_BYTES, WINDOW_DAYS
from bot.ingest.ports import NotConfigured, ProviderError

calendar_app = typer.Typer(help="Calendars: Microsoft 365, Google Workspace and iCalendar feeds.")


@calendar_app.command("subscribe")
@command
def subscribe_command(
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
    provider: Annotated[str, typer.Option(help="graph (Microsoft 365) or google (Workspace).")] = "graph",
) -> None:
    """Watch every active person's calendar; each new subscription first catches up on the next 60 days."""
    if provider not in ("graph", "google"):
        raise BadInput(f"--provider must be graph or google, got {provider!r}")
    env = environment()

    async def work(services: Services) -> None:
        if not services.settings.public_url.startswith("https://"):
            raise BadInput("PUBLIC_URL must be the bot's public https address: notifications are sent there")
        organisation = await pick_organisation(services, org)
        async with ingest_for_command(services, env) as kit:
            sync = kit.graph if provider == "graph" else kit.google
            try:
                report = await sync.subscribe_organisation(organisation)
            except NotConfigured as error:
                raise BadInput(str(error)) from None
            except ProviderError as error:
                raise BadInput(f"{provider} refused: {error}") from None
        typer.echo(
            f"{organisation.slug} ({provider}): {report.created} subscribed, {report.existing} already, "
            f"{report.failed} failed"
        )

    run(with_services(load_settings(), work))


@calendar_app.command("ics")
@command
def ics_command(
    source: Annotated[str, typer.Argument(help="An .ics file, or an http(s)/webcal feed address to poll.")],
    email: Annotated[str, typer.Option("--as", help="Whose calendar it is (their email).")],
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
) -> None:
    """Read an iCalendar file once, or store a feed (polled by the scheduler) and read it now."""
    is_feed = source.strip().lower().startswith(("http://", "https://", "webcal://"))
    data = b"" if is_feed else _read_file(Path(source))
    env = environment()

    async def work(services: Services) -> None:
        organisation = await pick_organisation(services, org)
        person = await services.people.by_email(organisation.id, email)
        if person is None:
            raise BadInput(f"--as {email}: no such person in {organisation.slug}")
        async with ingest_for_command(services, env) as kit:
            try:
                if is_feed:
                    feed = await kit.ics.add_feed(organisation, person, source)
                    report = await kit.ics.poll(feed)
                else:
                    report = await kit.ics.import_file(organisation, person, data)
            except (ValueError, ProviderError) as error:
                raise BadInput(f"{source}: {error}") from None
        stored = "feed stored; " if is_feed else ""
        typer.echo(
            f"{person.email}: {stored}{report.occurrences} occurrences in the next {WINDOW_DAYS} days, "
            f"{report.nudges} nudges, {report.cancelled} cancelled, {report.refused} not used"
        )

    run(with_services(load_settings(), work))


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise BadInput(f"{path}: larger than 5 MB")
    return path.read_bytes()
