"""`remm-bot serve`: the HTTP server with every route (and the scheduler unless disabled)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from aiohttp import web

from bot.app import create_app
from bot.commands.common import fail, load_settings


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to bind (default HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PORT or 3978).")] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Load the sample organisation into an empty database.")
    ] = False,
) -> None:
    """Serve the bot: web chat, Slack, Teams, webhooks, health and metrics."""
    settings = load_settings()
    if port is not None and not 1 <= port <= 65535:
        fail(f"--port must be between 1 and 65535, got {port}")
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    typer.echo(
        f"remm-bot: open http://{settings.host}:{settings.port}/ in a browser (Ctrl+C stops)", err=True
    )
    web.run_app(
        create_app(settings, sample=sample),
        host=settings.host,
        port=settings.port,
        print=None,
        access_log=None,
    )
