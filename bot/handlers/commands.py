"""The chat commands: hjälp/help, statistik/stats, språk/language, integritet/privacy."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.handlers.context import ChatDeps, Turn
from bot.i18n import Locale, format_number, text
from bot.messages import OutgoingMessage, Reply

MONTH_DAYS = 30


def show_help(turn: Turn) -> Reply:
    return Reply(messages=(OutgoingMessage(text("chat.help", turn.locale)),))


def privacy_notice(locale: Locale) -> OutgoingMessage:
    return OutgoingMessage(text("chat.privacy", locale))


def show_privacy(turn: Turn) -> Reply:
    return Reply(messages=(privacy_notice(turn.locale),))


async def show_stats(deps: ChatDeps, turn: Turn) -> Reply:
    figures = await deps.nudges.person_figures(turn.person.id, since=turn.now - timedelta(days=MONTH_DAYS))
    if figures.nudges == 0:
        return Reply(messages=(OutgoingMessage(text("chat.stats.none", turn.locale)),))
    body = text(
        "chat.stats.body",
        turn.locale,
        nudges=figures.nudges,
        avoided=figures.avoided_trips,
        train=figures.train,
        travelled=figures.travelled,
        hours=format_number(figures.hours_saved, turn.locale, digits=1),
        kg=format_number(figures.co2e_saved_kg, turn.locale),
        sek=format_number(figures.cost_saved_sek, turn.locale),
    )
    return Reply(messages=(OutgoingMessage(body),))


async def change_language(deps: ChatDeps, turn: Turn, argument: str) -> Reply:
    """Switch to the named language, or to the other one when none is named."""
    wanted: Locale = _language(argument) or ("en" if turn.locale == "sv" else "sv")
    preferences = await deps.nudges.preferences(turn.person.id)
    await deps.nudges.save_preferences(
        turn.organisation.id, replace(preferences, locale=wanted), now=turn.now
    )
    return Reply(messages=(OutgoingMessage(text("chat.language.changed", wanted)),))


def _language(argument: str) -> Locale | None:
    word = argument.strip().lower()
    if word in {"sv", "svenska", "swedish", "sve"}:
        return "sv"
    if word in {"en", "engelska", "english", "eng"}:
        return "en"
    return None
