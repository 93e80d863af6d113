"""`remm-bot db upgrade`: bring the database schema to the newest migration."""

from __future__ import annotations

import typer

from bot.app import Services
from bot.commands.common import command, load_settings, run, with_services
from storage.database import describe_url
from storage.migrate import current_revisions

db_app = typer.Typer(help="The database schema.")


@db_app.command("upgrade")
@command
def upgrade_command() -> None:
    """Apply every pending migration (serve and worker also do this at start)."""
    settings = load_settings()

    async def work(services: Services) -> None:
        revisions = ", ".join(sorted(await current_revisions(services.database)))
        typer.echo(f"database {describe_url(settings.database_url)} at revision {revisions}")

    run(with_services(settings, work))
