"""What every command shares: settings from the environment, bad input as exit code 2, async runs."""

from __future__ import annotations

import asyncio
import functools
import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import NoReturn, ParamSpec, TypeVar

import typer

from bot.app import Services, open_services
from bot.domain.organisations import Organisation
from bot.logging_setup import configure_logging
from bot.settings import Settings, SettingsError
from storage.database import DatabaseUnavailable

T = TypeVar("T")
P = ParamSpec("P")
EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Raised anywhere inside a command: its message goes to stderr and the exit code is 2."""


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def command(function: Callable[P, None]) -> Callable[P, None]:
    """Register-time wrapper: BadInput from anywhere in the command becomes exit code 2 with its message."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            function(*args, **kwargs)
        except BadInput as error:
            fail(str(error))

    return wrapper


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a local .env, for operators who keep settings there; the environment wins."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and "=" in stripped:
            key, _, value = stripped.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


def environment() -> Mapping[str, str]:
    return {**read_dotenv(Path(".env")), **os.environ}


def load_settings() -> Settings:
    try:
        settings = Settings.from_env(environment())
    except SettingsError as error:
        fail(str(error))
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    return settings


def run(coroutine: Awaitable[T]) -> T:
    """Run a command's coroutine to completion on a fresh event loop."""

    async def wrapped() -> T:
        return await coroutine

    return asyncio.run(wrapped())


async def with_services(settings: Settings, work: Callable[[Services], Awaitable[T]]) -> T:
    """Open the database (migrating it), run ``work``, close; an unreachable database is bad input."""
    try:
        services = await open_services(settings)
    except DatabaseUnavailable as error:
        raise BadInput(f"{error}; check DATABASE_URL") from None
    try:
        return await work(services)
    finally:
        await services.database.close()


async def pick_organisation(services: Services, slug: str | None) -> Organisation:
    """``--org`` when given, else the only organisation; anything else is bad input that says what to do."""
    if slug:
        organisation = await services.organisations.by_slug(slug)
        if organisation is None:
            raise BadInput(f"no organisation with id {slug!r}; see `remm-bot org list`")
        return organisation
    organisations = await services.organisations.all()
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise BadInput("there is no organisation yet; create one with `remm-bot org create ID --name NAME`")
    names = ", ".join(o.slug for o in organisations)
    raise BadInput(f"there are several organisations ({names}); choose one with --org")


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
