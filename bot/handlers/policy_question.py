"""`answer_policy_question`: a question that is not a trip, answered from the organisation's own policy."""

from __future__ import annotations

import re

from bot.handlers.context import Turn
from bot.i18n import text
from bot.messages import Action, ActionId, OutgoingMessage, Reply
from bot.policy import PolicyQuestionError
from bot.policy.library import PolicyLibrary

_FEEDBACK = re.compile(r"^(up|down):([0-9a-f]{8,32})$")


class PolicyQuestions:
    """The PolicyAnswerer the router calls; quotes the passage, never writes policy of its own."""

    def __init__(self, library: PolicyLibrary) -> None:
        self._library = library

    async def answer(self, turn: Turn, question: str) -> OutgoingMessage:
        try:
            answer = await self._library.answer(turn.organisation, question, turn.locale)
        except PolicyQuestionError:
            return OutgoingMessage(text("chat.not_understood", turn.locale))
        if not answer.found:
            return OutgoingMessage(answer.answer)
        percent = round(answer.confidence * 100)
        return OutgoingMessage(
            text=answer.answer,
            context=text("policy.answer.confidence", turn.locale, percent=percent),
            actions=(
                Action(
                    ActionId.POLICY_FEEDBACK,
                    text("chat.policy.helpful", turn.locale),
                    f"up:{answer.answer_id}",
                ),
                Action(
                    ActionId.POLICY_FEEDBACK,
                    text("chat.policy.not_helpful", turn.locale),
                    f"down:{answer.answer_id}",
                ),
            ),
        )

    async def feedback(self, turn: Turn, value: str) -> Reply:
        match = _FEEDBACK.match(value)
        if match is None:
            return Reply(messages=(OutgoingMessage(text("chat.unknown_action", turn.locale)),))
        await self._library.feedback(
            turn.organisation, turn.person.id, match.group(2), match.group(1) == "up", now=turn.now
        )
        return Reply(messages=(OutgoingMessage(text("chat.policy.thanks", turn.locale)),))
