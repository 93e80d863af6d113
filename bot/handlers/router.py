"""The router: one table of commands and action ids, for every channel (design 3: `build_router`)."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Final
from zoneinfo import ZoneInfo

from bot.domain.organisations import Organisation
from bot.domain.people import Person
from bot.domain.records import Preferences
from bot.handlers.campaign import CAMPAIGN_ACTIONS, show_campaigns
from bot.handlers.commands import change_language, privacy_notice, show_help, show_privacy, show_stats
from bot.handlers.context import ChatDeps, Turn
from bot.handlers.fallback import answer_other, answer_unknown_place
from bot.handlers.policy_words import is_policy_question
from bot.handlers.settings import change_setting, show_settings
from bot.handlers.trip import answer_trip_question
from bot.handlers.understand import Command, CommandIntent, TripIntent, UnknownPlaceIntent, understand
from bot.i18n import Locale, normalise_locale, text
from bot.messages import MAX_TEXT_CHARS, ActionId, OutgoingMessage, Reply
from bot.nudges.choices import NUDGE_ACTIONS

log = logging.getLogger(__name__)

CommandHandler = Callable[[ChatDeps, Turn, str], Awaitable[Reply]]
ActionHandler = Callable[[ChatDeps, Turn, ActionId, str, dict[str, str]], Awaitable[Reply]]


async def _help(_deps: ChatDeps, turn: Turn, _argument: str) -> Reply:
    return show_help(turn)


async def _privacy(_deps: ChatDeps, turn: Turn, _argument: str) -> Reply:
    return show_privacy(turn)


async def _settings(deps: ChatDeps, turn: Turn, _argument: str) -> Reply:
    return await show_settings(deps, turn)


async def _stats(deps: ChatDeps, turn: Turn, _argument: str) -> Reply:
    return await show_stats(deps, turn)


async def _nudge_action(
    deps: ChatDeps, turn: Turn, action: ActionId, value: str, inputs: dict[str, str]
) -> Reply:
    result = await deps.choices.choose(turn.organisation, turn.person, action, value, inputs)
    return Reply(messages=result.replies, update=result.update)


async def _settings_action(
    deps: ChatDeps, turn: Turn, action: ActionId, value: str, _inputs: dict[str, str]
) -> Reply:
    return await change_setting(deps, turn, action, value)


COMMANDS: Final[dict[Command, CommandHandler]] = {
    Command.HELP: _help,
    Command.SETTINGS: _settings,
    Command.STATS: _stats,
    Command.LANGUAGE: change_language,
    Command.PRIVACY: _privacy,
    Command.CAMPAIGN: show_campaigns,
}
ACTIONS: Final[dict[ActionId, ActionHandler]] = {
    **dict.fromkeys(NUDGE_ACTIONS, _nudge_action),
    **{action: _settings_action for action in ActionId if action.value.startswith("settings.")},
}


@dataclass
class Router:
    deps: ChatDeps
    commands: dict[Command, CommandHandler]
    actions: dict[ActionId, ActionHandler]

    def register_action(self, action: ActionId, handler: ActionHandler) -> None:
        """Later features (campaigns, policy feedback) add their buttons here, in one place."""
        self.actions[action] = handler

    async def turn(
        self,
        organisation: Organisation,
        person: Person,
        channel: str,
        *,
        preferences: Preferences | None = None,
    ) -> Turn:
        """``preferences``: the person's, when the channel has just read them (Teams reads in batches)."""
        if preferences is None:
            preferences = await self.deps.nudges.preferences(person.id)
        locale: Locale = normalise_locale(preferences.locale or person.locale or organisation.default_locale)
        return Turn(
            organisation,
            person,
            locale,
            channel,
            self.deps.clock.now(),
            privacy_notice_seen=preferences.privacy_notice_seen,
        )

    async def on_message(self, turn: Turn, raw: str) -> Reply:
        message = clean_text(raw)
        reply = await self._answer(turn, message)
        return await self._with_first_contact(turn, reply)

    async def on_action(self, turn: Turn, action_id: str, value: str, inputs: dict[str, str]) -> Reply:
        try:
            action = ActionId(action_id)
            handler = self.actions[action]
        except (ValueError, KeyError):
            log.info("unknown action id from person %s", turn.person.id)
            return Reply(messages=(OutgoingMessage(text("chat.unknown_action", turn.locale)),))
        return await handler(
            self.deps, turn, action, value, {k: clean_text(v)[:500] for k, v in inputs.items()}
        )

    async def _answer(self, turn: Turn, message: str) -> Reply:
        if not message:
            return _say(text("chat.empty", turn.locale))
        if len(message) > MAX_TEXT_CHARS:
            return _say(text("chat.too_long", turn.locale, limit=MAX_TEXT_CHARS))
        if self.deps.policy is not None and is_policy_question(message):
            return await answer_other(self.deps, turn, message)
        intent = understand(
            message,
            today=turn.now.astimezone(ZoneInfo(turn.person.timezone)).date(),
            gazetteer=self.deps.gazetteer,
        )
        if isinstance(intent, CommandIntent):
            return await self.commands[intent.command](self.deps, turn, intent.argument)
        if isinstance(intent, TripIntent):
            return await answer_trip_question(self.deps, turn, intent)
        if isinstance(intent, UnknownPlaceIntent):
            return answer_unknown_place(turn, intent)
        return await answer_other(self.deps, turn, message)

    async def _with_first_contact(self, turn: Turn, reply: Reply) -> Reply:
        """The first time a person writes, say what the bot stores, why, and how to opt out or get it."""
        if turn.privacy_notice_seen:  # read when the turn began; once seen it stays seen
            return reply
        # Read again: the handler may have saved preferences (a language, a setting) in the meantime.
        preferences = await self.deps.nudges.preferences(turn.person.id)
        if preferences.privacy_notice_seen:
            return reply
        await self.deps.nudges.save_preferences(
            turn.organisation.id, replace(preferences, privacy_notice_seen=True), now=turn.now
        )
        return replace(reply, messages=(privacy_notice(turn.locale), *reply.messages))


def build_router(deps: ChatDeps) -> Router:
    actions = dict(ACTIONS)
    if deps.policy is not None:
        actions[ActionId.POLICY_FEEDBACK] = _policy_feedback
    if deps.campaigns is not None:
        actions.update(CAMPAIGN_ACTIONS)
    return Router(deps=deps, commands=dict(COMMANDS), actions=actions)


async def _policy_feedback(
    deps: ChatDeps, turn: Turn, _action: ActionId, value: str, _inputs: dict[str, str]
) -> Reply:
    assert deps.policy is not None
    return await deps.policy.feedback(turn, value)


def clean_text(raw: str) -> str:
    """Drop control and other invisible characters (binary pasted into a chat) and trim."""
    kept = (ch for ch in raw if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return "".join(kept).strip()


def _say(message: str) -> Reply:
    return Reply(messages=(OutgoingMessage(message),))
