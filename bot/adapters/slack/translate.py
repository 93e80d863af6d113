"""Block Kit from the neutral message model, and form values back: pure functions, no I/O.

Slack's limits are kept by truncation that says so: 3,000 characters per text, 2,000 per field,
10 fields per section, 25 elements per actions block, 50 blocks per message (100 in a modal or Home).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.i18n import Locale, format_number, text
from bot.messages import Action, ActionStyle, Choice, Fact, Input, OutgoingMessage

TEXT_LIMIT: Final = 3000
FIELD_LIMIT: Final = 2000
FIELDS_PER_SECTION: Final = 10
ELEMENTS_PER_ACTIONS: Final = 25
MESSAGE_BLOCKS: Final = 50
VIEW_BLOCKS: Final = 100
BUTTON_TEXT_LIMIT: Final = 75
BUTTON_VALUE_LIMIT: Final = 2000
VIEW_TITLE_LIMIT: Final = 24
OPTIONS_LIMIT: Final = 100
OPTION_TEXT_LIMIT: Final = 75

_LINK: Final = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD: Final = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_BULLET: Final = re.compile(r"^- ", re.MULTILINE)
_OPEN_LINK: Final = re.compile(r"<[^>]*$")
_OPEN_ENTITY: Final = re.compile(r"&[a-z]{0,3}$")
_SUFFIX: Final = "#"


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / chat.update / a response_url take: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]]


def escape(plain: str) -> str:
    """Slack's three control characters, escaped as its documentation asks."""
    return plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str) -> str:
    """Our Markdown subset in Slack's mrkdwn: **bold** -> *bold*, [text](url) -> <url|text>, - -> •."""
    converted = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", escape(markdown))
    return _BULLET.sub("• ", _BOLD.sub(r"*\1*", converted))


def clip(value: str, limit: int, notice: str = "") -> str:
    """At most ``limit`` characters; a cut never splits a link or an entity, and ends with the notice."""
    if len(value) <= limit:
        return value
    tail = f"… {notice}".rstrip() if notice else "…"
    head = value[: max(0, limit - len(tail))]
    head = _OPEN_ENTITY.sub("", _OPEN_LINK.sub("", head)).rstrip()
    return head + tail


def plain(value: str, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(value, limit) or " ", "emoji": True}


def mrkdwn(markdown: str, locale: Locale, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    notice = text("slack.truncated.text", locale, limit=format_number(limit, locale))
    return {"type": "mrkdwn", "text": clip(to_mrkdwn(markdown), limit, notice)}


def to_blocks(
    message: OutgoingMessage, *, locale: Locale, max_blocks: int = MESSAGE_BLOCKS, public_url: str = ""
) -> SlackMessage:
    """A message as blocks: text, facts as fields, image, context line, buttons. Inputs belong in a modal."""
    blocks: list[dict[str, Any]] = []
    if message.text.strip():
        blocks.append({"type": "section", "text": mrkdwn(message.text, locale)})
    blocks += fact_sections(message.facts, locale)
    image = _image(message.image, public_url, alt=_fallback(message, locale))
    if image is not None:
        blocks.append(image)
    if message.context.strip():
        blocks.append({"type": "context", "elements": [mrkdwn(message.context, locale)]})
    blocks += action_blocks(message.actions, locale)
    return SlackMessage(text=_fallback(message, locale), blocks=limit_blocks(blocks, max_blocks, locale))


def fact_sections(facts: Sequence[Fact], locale: Locale) -> list[dict[str, Any]]:
    fields = [mrkdwn(f"**{fact.label}**\n{fact.value}", locale, limit=FIELD_LIMIT) for fact in facts]
    return [
        {"type": "section", "fields": fields[start : start + FIELDS_PER_SECTION]}
        for start in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def action_blocks(actions: Sequence[Action], locale: Locale) -> list[dict[str, Any]]:
    if not actions:
        return []
    shown = list(actions)
    blocks: list[dict[str, Any]] = []
    if len(shown) > ELEMENTS_PER_ACTIONS:
        shown = shown[: ELEMENTS_PER_ACTIONS - 1]
        blocks.append(_notice("slack.truncated.actions", locale, limit=ELEMENTS_PER_ACTIONS))
    blocks.insert(0, {"type": "actions", "elements": buttons(shown)})
    return blocks


def buttons(actions: Sequence[Action]) -> list[dict[str, Any]]:
    """Buttons; action ids must be unique in a message, so a repeated one gets a ``#n`` suffix."""
    seen: dict[str, int] = {}
    elements = []
    for action in actions:
        count = seen[action.id.value] = seen.get(action.id.value, 0) + 1
        action_id = action.id.value if count == 1 else f"{action.id.value}{_SUFFIX}{count}"
        element: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": plain(action.label, BUTTON_TEXT_LIMIT),
        }
        if action.value:  # Slack refuses an empty value; a click without one reads as ""
            element["value"] = action.value[:BUTTON_VALUE_LIMIT]
        if action.style is not ActionStyle.DEFAULT:
            element["style"] = action.style.value
        elements.append(element)
    return elements


def action_name(action_id: str) -> str:
    """The action id as the core knows it (without the suffix ``buttons`` may have added)."""
    return action_id.split(_SUFFIX, 1)[0]


def limit_blocks(blocks: list[dict[str, Any]], limit: int, locale: Locale) -> list[dict[str, Any]]:
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], _notice("slack.truncated.blocks", locale, limit=limit)]


def to_modal(
    message: OutgoingMessage, *, callback_id: str, private_metadata: str, locale: Locale
) -> dict[str, Any]:
    """A form (a message with inputs) as a modal: its text, one input block per input, submit."""
    submit = message.actions[0].label if message.actions else text("slack.modal.submit", locale)
    blocks: list[dict[str, Any]] = []
    if message.text.strip():
        blocks.append({"type": "section", "text": mrkdwn(message.text, locale)})
    blocks += [input_block(item) for item in message.inputs]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": plain(text("slack.modal.title", locale), VIEW_TITLE_LIMIT),
        "submit": plain(submit, VIEW_TITLE_LIMIT),
        "close": plain(text("slack.modal.close", locale), VIEW_TITLE_LIMIT),
        "blocks": limit_blocks(blocks, VIEW_BLOCKS, locale),
    }


def input_block(item: Input) -> dict[str, Any]:
    if isinstance(item, Choice):
        options = [
            {"text": plain(option.label, OPTION_TEXT_LIMIT), "value": option.value}
            for option in item.options[:OPTIONS_LIMIT]
        ]
        element: dict[str, Any] = {"type": "static_select", "action_id": item.id, "options": options}
    else:
        element = {"type": "plain_text_input", "action_id": item.id, "multiline": True}
        element["max_length"] = item.max_length
    return {
        "type": "input",
        "block_id": item.id,
        "label": plain(item.label, FIELD_LIMIT),
        "optional": not item.required,
        "element": element,
    }


def read_inputs(view: dict[str, Any]) -> dict[str, str]:
    """A submitted view's values, input id -> text (a select's chosen value); empty ones left out."""
    values: dict[str, str] = {}
    for block in (view.get("state") or {}).get("values", {}).values():
        for action_id, state in block.items():
            chosen = state.get("selected_option") or {}
            value = chosen.get("value") if state.get("type") == "static_select" else state.get("value")
            if isinstance(value, str) and value.strip():
                values[action_id] = value
    return values


def validate_inputs(view: dict[str, Any], locale: Locale) -> dict[str, str]:
    """Slack's ``response_action: errors`` map, block id -> message, for the view's input blocks."""
    values = read_inputs(view)
    errors: dict[str, str] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block.get("element", {})
        value = values.get(element.get("action_id", ""))
        error = _input_error(element, value, optional=bool(block.get("optional")), locale=locale)
        if error:
            errors[str(block.get("block_id", ""))] = error
    return errors


def _input_error(element: dict[str, Any], value: str | None, *, optional: bool, locale: Locale) -> str:
    if value is None:
        return "" if optional else text("slack.modal.required", locale)
    if element.get("type") == "static_select":
        allowed = {option.get("value") for option in element.get("options", [])}
        return "" if value in allowed else text("slack.modal.choose", locale)
    limit = element.get("max_length")
    if isinstance(limit, int) and len(value) > limit:
        return text("slack.modal.too_long", locale, limit=limit)
    return ""


def _fallback(message: OutgoingMessage, locale: Locale) -> str:
    """The notification text Slack shows where blocks are not: never empty."""
    first = message.text.strip() or (message.facts[0].label if message.facts else "")
    return clip(to_mrkdwn(first or text("slack.fallback", locale)), TEXT_LIMIT)


def _image(image: str | None, public_url: str, *, alt: str) -> dict[str, Any] | None:
    if not image:
        return None
    url = image if image.startswith(("https://", "http://")) else ""
    if not url and public_url:
        url = public_url.rstrip("/") + "/" + image.lstrip("/")
    return {"type": "image", "image_url": url, "alt_text": clip(alt, FIELD_LIMIT)} if url else None


def _notice(key: str, locale: Locale, *, limit: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text(key, locale, limit=limit)}]}
