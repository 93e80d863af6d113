"""The `remm-bot` command (design 4.1): one Typer app, one module per command group."""

from __future__ import annotations

import typer

from bot.commands.ask import ask_command
from bot.commands.calendar import calendar_app
from bot.commands.campaign import campaign_app
from bot.commands.chat import chat_command
from bot.commands.common import command
from bot.commands.db import db_app
from bot.commands.demo import demo_command
from bot.commands.estimate import estimate_command
from bot.commands.org import org_app
from bot.commands.people import people_app
from bot.commands.policy import policy_app
from bot.commands.privacy import privacy_app
from bot.commands.report import report_app
from bot.commands.serve import serve_command
from bot.commands.travel import travel_app
from bot.commands.worker import worker_command

app = typer.Typer(
    name="remm-bot",
    help="remm-bot: replace business travel with digital meetings (REMM).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
app.command("serve")(command(serve_command))
app.command("estimate")(command(estimate_command))
app.command("demo")(command(demo_command))
app.command("chat")(command(chat_command))
app.command("worker")(command(worker_command))
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(policy_app, name="policy")
app.add_typer(privacy_app, name="privacy")
app.add_typer(people_app, name="people")
app.add_typer(travel_app, name="travel")
app.add_typer(calendar_app, name="calendar")
app.add_typer(report_app, name="report")
app.add_typer(campaign_app, name="campaign")
app.command("ask")(command(ask_command))


def main() -> None:
    app()
