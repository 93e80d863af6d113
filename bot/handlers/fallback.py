"""What the bot says when a message is not a trip or a command: the policy engine, or examples."""

from __future__ import annotations

from bot.handlers.context import ChatDeps, Turn
from bot.handlers.understand import UnknownPlaceIntent
from bot.i18n import text
from bot.messages import OutgoingMessage, Reply


async def answer_other(deps: ChatDeps, turn: Turn, message: str) -> Reply:
    """A question that is not a trip goes to the organisation's policy; without one, a friendly nudge."""
    if deps.policy is not None:
        return Reply(messages=(await deps.policy.answer(turn, message),))
    return Reply(messages=(OutgoingMessage(text("chat.not_understood", turn.locale)),))


def answer_unknown_place(turn: Turn, intent: UnknownPlaceIntent) -> Reply:
    if intent.suggestions:
        reply = text(
            "chat.unknown_place_suggest",
            turn.locale,
            word=intent.word,
            suggestions=", ".join(intent.suggestions[:5]),
        )
    else:
        reply = text("chat.unknown_place", turn.locale, word=intent.word)
    return Reply(messages=(OutgoingMessage(reply),))
