"""`remm-bot chat [--as EMAIL]`: talk to the bot in the terminal as a person of the organisation.

When standard input is not a terminal, each line is one message and each reply is printed (scriptable).
In a terminal, the buttons of the last card are numbered and typing the number clicks it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Annotated

import typer

from bot.adapters.console.render import render_text
from bot.app import Services
from bot.commands.common import BadInput, load_settings, pick_organisation, run, with_services
from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.messages import Action, OutgoingMessage, Reply
from bot.sample_loader import load_sample


def chat_command(
    as_email: Annotated[str | None, typer.Option("--as", help="Email of the person to chat as.")] = None,
    org: Annotated[str | None, typer.Option("--org", help="Organisation id (default: the only one).")] = None,
) -> None:
    """Chat with the bot in the terminal (loads the sample organisation into an empty database)."""
    run(with_services(load_settings(), lambda services: _chat(services, as_email, org)))


async def _chat(services: Services, as_email: str | None, org: str | None) -> None:
    if not await services.organisations.all():
        await load_sample(services)
    organisation = await pick_organisation(services, org)
    person = await _person(services, organisation, as_email)
    interactive = sys.stdin.isatty()
    if interactive:
        typer.echo(f"remm-bot ({organisation.name}) — {person.name}. Ctrl+D avslutar / ends.")
    buttons: list[Action] = []
    for line in _lines(interactive):
        turn = await services.router.turn(organisation, person, "console")
        if interactive and line.strip().isdigit() and 0 < int(line) <= len(buttons):
            action = buttons[int(line) - 1]
            reply = await services.router.on_action(turn, action.id.value, action.value, {})
        else:
            reply = await services.router.on_message(turn, line)
        buttons = _print(reply, numbered=interactive) or buttons


async def _person(services: Services, organisation: Organisation, email: str | None) -> Person:
    if email:
        person = await services.people.by_email(organisation.id, email)
        if person is None:
            raise BadInput(f"no person with email {email!r} in {organisation.slug}")
        return person
    people = await services.people.list(organisation.id)
    if not people:
        raise BadInput(
            f"{organisation.slug} has no people yet; import them with `remm-bot people import FILE`"
        )
    return people[0]


def _lines(interactive: bool) -> Iterator[str]:
    while True:
        try:
            line = input("> ") if interactive else sys.stdin.readline()
        except EOFError:
            return
        if not interactive and line == "":
            return
        if line.strip():
            yield line.rstrip("\n")


def _print(reply: Reply, *, numbered: bool) -> list[Action]:
    messages: list[OutgoingMessage] = list(reply.messages) + ([reply.update] if reply.update else [])
    buttons: list[Action] = []
    for message in messages:
        typer.echo(render_text(message))
        buttons = list(message.actions) or buttons
        typer.echo("")
    if numbered and buttons:
        typer.echo("  " + "  ".join(f"{n}) {a.label}" for n, a in enumerate(buttons, start=1)))
    return buttons
