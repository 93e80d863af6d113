"""Pure translation between the neutral chat model and Teams payloads (no SDK, no I/O).

Outgoing: ``to_adaptive_card`` renders an ``OutgoingMessage`` as an Adaptive Card (schema 1.5): the text as
TextBlocks (Adaptive Cards render our Markdown subset: bold, links, bullets), the facts as a FactSet,
inputs as Input.ChoiceSet / Input.Text, buttons as Action.Execute (or Action.Submit) whose data carries
``{"action_id", "value"}``. Incoming: ``click_from_data`` reads that data back from an Action.Submit
message's ``value`` or an ``adaptiveCard/action`` invoke, and ``card_action_data`` finds it in the invoke.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from bot.messages import Action, ActionStyle, Choice, Input, OutgoingMessage, TextInput

CARD_CONTENT_TYPE: Final = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA: Final = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION: Final = "1.5"
ACTION_KEY: Final = "action_id"
VALUE_KEY: Final = "value"
# Keys Teams itself adds to Action.Submit data; never taken for input values.
_RESERVED: Final = frozenset({ACTION_KEY, VALUE_KEY, "msteams"})
_STYLES: Final = {ActionStyle.PRIMARY: "positive", ActionStyle.DANGER: "destructive"}
_MAX_INPUT_CHARS: Final = 2000

ButtonKind = Literal["Action.Execute", "Action.Submit"]


@dataclass(frozen=True, slots=True)
class Click:
    """A button press read back from a card: which action, on what, and the card's input values."""

    action_id: str
    value: str
    inputs: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def needs_card(message: OutgoingMessage) -> bool:
    """Plain text goes out as a Markdown message; anything with structure as an Adaptive Card."""
    return bool(message.facts or message.actions or message.inputs or message.image or message.context)


def to_adaptive_card(
    message: OutgoingMessage, *, buttons: ButtonKind = "Action.Execute", public_url: str = ""
) -> dict[str, Any]:
    body: list[dict[str, Any]] = [_text_block(part) for part in _blocks(message.text)]
    if message.facts:
        body.append(
            {"type": "FactSet", "facts": [{"title": f.label, "value": f.value} for f in message.facts]}
        )
    image = _image_url(message.image, public_url)
    if image:
        body.append({"type": "Image", "url": image, "altText": "chart", "size": "Stretch"})
    body.extend(_input(item) for item in message.inputs)
    if message.context:
        body.append(_text_block(message.context) | {"isSubtle": True, "size": "Small", "spacing": "Medium"})
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
    }
    if message.actions:
        card["actions"] = [_button(action, buttons) for action in message.actions]
    return card


def card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def card_invoke_response(card: dict[str, Any]) -> dict[str, Any]:
    """The body of the answer to an ``adaptiveCard/action`` invoke that replaces the card in place."""
    return {"statusCode": 200, "type": CARD_CONTENT_TYPE, "value": card}


def message_invoke_response(text: str) -> dict[str, Any]:
    """The body of the answer to an ``adaptiveCard/action`` invoke that leaves the card as it is."""
    return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}


def card_action_data(invoke_value: Any) -> Any:
    """The ``data`` of the Action.Execute inside an ``adaptiveCard/action`` invoke's value."""
    if not isinstance(invoke_value, dict):
        return None
    action = invoke_value.get("action")
    return action.get("data") if isinstance(action, dict) else None


def click_from_data(data: Any) -> Click | None:
    """Our buttons' data back from Teams (input values are merged into it); None for anything else."""
    if not isinstance(data, dict) or not isinstance(data.get(ACTION_KEY), str):
        return None
    value = data.get(VALUE_KEY, "")
    inputs = {
        key: item[:_MAX_INPUT_CHARS]
        for key, item in data.items()
        if key not in _RESERVED and isinstance(key, str) and isinstance(item, str)
    }
    return Click(str(data[ACTION_KEY]), value if isinstance(value, str) else str(value), inputs)


def _blocks(text: str) -> list[str]:
    """One TextBlock per line, except that a run of bullets is one block (Teams separates items by \\r)."""
    blocks: list[str] = []
    bullets: list[str] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith(("- ", "* ")):
            bullets.append(line)
            continue
        if bullets:
            blocks.append("\r".join(bullets))
            bullets = []
        if line:
            blocks.append(line)
    if bullets:
        blocks.append("\r".join(bullets))
    return blocks or [""]


def _text_block(text: str) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True}


def _image_url(image: str | None, public_url: str) -> str:
    """Cards need an absolute https address; a relative media path is joined to PUBLIC_URL when set."""
    if not image:
        return ""
    if image.startswith("https://"):
        return image
    if image.startswith("/") and public_url.startswith("https://"):
        return public_url.rstrip("/") + image
    return ""


def _input(item: Input) -> dict[str, Any]:
    if isinstance(item, Choice):
        return {
            "type": "Input.ChoiceSet",
            "id": item.id,
            "label": item.label,
            "style": "expanded",
            "isRequired": item.required,
            "errorMessage": item.label,
            "choices": [{"title": o.label, "value": o.value} for o in item.options],
        }
    assert isinstance(item, TextInput)
    return {
        "type": "Input.Text",
        "id": item.id,
        "label": item.label,
        "isMultiline": True,
        "maxLength": item.max_length,
        "isRequired": item.required,
    }


def _button(action: Action, kind: ButtonKind) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": kind,
        "title": action.label,
        "data": {ACTION_KEY: action.id.value, VALUE_KEY: action.value},
    }
    if kind == "Action.Execute":
        button["verb"] = action.id.value
    style = _STYLES.get(action.style)
    if style:
        button["style"] = style
    return button
