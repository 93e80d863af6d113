"""The short onboarding for someone the directory does not know yet: choose your office, and you're in.

Its one action id is Slack's own (the office picker), so it lives here rather than among the product's
action ids in ``bot.messages``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from bot.adapters.slack.people import Newcomer, Unlinked
from bot.adapters.slack.translate import OPTION_TEXT_LIMIT, OPTIONS_LIMIT, SlackMessage, mrkdwn, plain
from bot.domain.organisations import Office
from bot.i18n import Locale, text
from bot.messages import OutgoingMessage

ONBOARD_ACTION: Final = "slack.onboard"


def onboarding_blocks(newcomer: Newcomer, offices: Sequence[Office]) -> list[dict[str, Any]]:
    locale, name = newcomer.locale, newcomer.organisation.name
    if not newcomer.email:
        return [_section(text("slack.onboarding.no_email", locale, organisation=name), newcomer)]
    if not offices:
        return [_section(text("slack.onboarding.no_offices", locale, organisation=name), newcomer)]
    options = [
        {"text": plain(office.name, OPTION_TEXT_LIMIT), "value": str(office.id)}
        for office in offices[:OPTIONS_LIMIT]
    ]
    picker = {
        "type": "static_select",
        "action_id": ONBOARD_ACTION,
        "placeholder": plain(text("slack.onboarding.placeholder", locale), OPTION_TEXT_LIMIT),
        "options": options,
    }
    prompt = _section(text("slack.onboarding.prompt", locale, organisation=name), newcomer)
    return [prompt, {"type": "actions", "elements": [picker]}]


def onboarding_message(newcomer: Newcomer, offices: Sequence[Office]) -> SlackMessage:
    blocks = onboarding_blocks(newcomer, offices)
    return SlackMessage(text=blocks[0]["text"]["text"], blocks=blocks)


def refusal(unlinked: Unlinked) -> OutgoingMessage:
    """A polite no: the workspace is not connected to an organisation (or there is none yet)."""
    if unlinked.team_id:
        return OutgoingMessage(text("slack.unlinked", unlinked.locale, team=unlinked.team_id))
    return OutgoingMessage(text("slack.not_set_up", unlinked.locale))


def welcome(name: str, office: str, locale: Locale) -> OutgoingMessage:
    lines = [text("slack.onboarding.welcome", locale, name=name, office=office), text("chat.help", locale)]
    return OutgoingMessage("\n\n".join(lines))


def _section(markdown: str, newcomer: Newcomer) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(markdown, newcomer.locale)}
