"""Commands typed in chat, in Swedish or English: "hjälp", "/settings", "språk engelska", "mina data".

A command is the whole message, with at most a short argument: "Jag vill ha hjälp att boka en resa" is
a sentence that mentions help, not the help command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import Locale
from bot.savings.places import fold


class Command(StrEnum):
    HELP = "help"
    SETTINGS = "settings"
    STATS = "stats"
    LANGUAGE = "language"
    PRIVACY = "privacy"
    CAMPAIGN = "campaign"


@dataclass(frozen=True)
class CommandIntent:
    command: Command
    argument: str = ""  # "sv"/"en" for a language the person named, else the raw rest ("snooze day")


# Commands: whole messages, folded; an optional verb first ("visa min statistik", "change language").
_COMMAND_WORDS = {
    Command.HELP: "hjalp|help|hjalp mig|help me|vad kan du|vad kan du gora|what can you do|kommandon",
    Command.SETTINGS: "installningar|installning|settings|setting|preferences",
    Command.STATS: "statistik|stats|statistics|min statistik|my stats|my statistics",
    Command.LANGUAGE: "sprak|language|lang|byt sprak|change language",
    Command.PRIVACY: "integritet|privacy|mina data|my data|gdpr|dataskydd|personuppgifter|privacy policy",
    Command.CAMPAIGN: "kampanj|kampanjer|campaign|campaigns|ny kampanj|new campaign",
}
_COMMANDS = {phrase: command for command, phrases in _COMMAND_WORDS.items() for phrase in phrases.split("|")}
_ARGUMENT_WORDS = 3  # "inställningar snooze day"; a longer rest is a sentence, not an argument
_VERB = re.compile(r"^(?:visa|show|oppna|open|se|see|view)\s+")
_LANGUAGES: dict[str, Locale] = {
    **dict.fromkeys(("svenska", "swedish", "svensk", "sv"), "sv"),
    **dict.fromkeys(("engelska", "english", "engelsk", "en", "eng"), "en"),
}
_LANGUAGE_ALONE = re.compile(
    r"^(?:(?:pa|in|speak|prata|tala|switch to|byt till|kan du|can you speak)\s+)?"
    r"(?P<language>svenska|swedish|engelska|english)(?:\s+(?:tack|please|pls))?$"
)
_TRAILING = "?!.,;:)( "


def parse_command(clean: str) -> CommandIntent | None:
    """A command when the whole message is one, with at most a short argument; else None."""
    if not clean.strip("?! "):
        return CommandIntent(Command.HELP)  # "?"
    words = clean.lstrip("/ ").rstrip(_TRAILING).split()
    if not words or len(words) > _ARGUMENT_WORDS + 3:
        return None
    folded = _VERB.sub("", " ".join(fold(word).strip(_TRAILING) for word in words))
    alone = _LANGUAGE_ALONE.match(folded)
    if alone is not None:
        return CommandIntent(Command.LANGUAGE, _LANGUAGES[alone["language"]])
    head = folded.split()
    for size in range(min(len(head), 4), 0, -1):
        command = _COMMANDS.get(" ".join(head[:size]))
        if command is not None:
            return _with_argument(command, words[len(words) - len(head) + size :])
    return None


def _with_argument(command: Command, rest: list[str]) -> CommandIntent | None:
    if not rest:
        return CommandIntent(command)
    if command not in (Command.SETTINGS, Command.LANGUAGE) or len(rest) > _ARGUMENT_WORDS:
        return None  # "hjälp att boka en resa" is a sentence that starts with a command word
    if command is Command.LANGUAGE:
        named = [fold(word) for word in rest if fold(word) not in ("till", "to", "pa", "in")]
        if len(named) == 1 and named[0] in _LANGUAGES:
            return CommandIntent(command, _LANGUAGES[named[0]])
    return CommandIntent(command, " ".join(rest))
