"""Neutral messages as SDK activities: plain Markdown text, or an Adaptive Card attachment."""

from __future__ import annotations

from typing import Any, Final

from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse

from bot.adapters.teams.translate import (
    CARD_CONTENT_TYPE,
    ButtonKind,
    card_invoke_response,
    message_invoke_response,
    needs_card,
    to_adaptive_card,
)
from bot.messages import OutgoingMessage

_SUMMARY_CHARS: Final = 120


def to_activity(
    message: OutgoingMessage, *, public_url: str = "", buttons: ButtonKind = "Action.Execute"
) -> Activity:
    if not needs_card(message):
        return Activity(type=ActivityTypes.message, text=message.text, text_format="markdown")
    card = to_adaptive_card(message, buttons=buttons, public_url=public_url)
    return Activity(
        type=ActivityTypes.message,
        summary=_summary(message.text),
        attachments=[Attachment(content_type=CARD_CONTENT_TYPE, content=card)],
    )


def invoke_answer(body: dict[str, Any]) -> Activity:
    """What a turn sends to set the HTTP answer of an invoke (the SDK returns it as the response)."""
    return Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))


def card_answer(message: OutgoingMessage, *, public_url: str = "") -> dict[str, Any]:
    return card_invoke_response(to_adaptive_card(message, public_url=public_url))


def text_answer(text: str) -> dict[str, Any]:
    return message_invoke_response(text)


def _summary(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "").replace("**", "").strip()
    return first[:_SUMMARY_CHARS] or "remm-bot"
