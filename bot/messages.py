"""The neutral chat model (design 4.5): what the core says, before any platform renders it.

Text is a small Markdown subset (``**bold**``, ``[links](https://...)``, ``- bullets``). A button's
value is the id of the thing it acts on (a nudge id), never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final


class ActionId(StrEnum):
    """Every action id the product knows, defined once."""

    NUDGE_GO_DIGITAL = "nudge.go_digital"
    NUDGE_GO_HYBRID = "nudge.go_hybrid"
    NUDGE_TAKE_TRAIN = "nudge.take_train"
    NUDGE_TRAVEL_ANYWAY = "nudge.travel_anyway"
    NUDGE_SNOOZE = "nudge.snooze"
    NUDGE_OPT_OUT = "nudge.opt_out"
    NUDGE_EXPLAIN = "nudge.explain"
    # Answers the one question asked when nudges pause after repeated "no": keep them coming.
    NUDGE_RESUME = "nudge.resume"
    # The person's own settings card (the value is empty or the chosen language): they act on the clicker.
    SETTINGS_SNOOZE_DAY = "settings.snooze_day"
    SETTINGS_SNOOZE_WEEK = "settings.snooze_week"
    SETTINGS_OPT_OUT = "settings.opt_out"
    SETTINGS_OPT_IN = "settings.opt_in"
    SETTINGS_LANGUAGE = "settings.language"
    # The personal monthly summary, opt-in (the value is "on" or "off").
    SETTINGS_MONTHLY_SUMMARY = "settings.monthly_summary"
    CAMPAIGN_RESPOND = "campaign.respond"
    # A coordinator's own cards: the new-campaign form (inputs) and the preview's Send button (campaign id).
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_SEND = "campaign.send"
    POLICY_FEEDBACK = "policy.feedback"


class ActionStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Action:
    id: ActionId
    label: str
    value: str
    style: ActionStyle = ActionStyle.DEFAULT


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    label: str
    options: tuple[Option, ...]
    required: bool = True


@dataclass(frozen=True, slots=True)
class TextInput:
    id: str
    label: str
    max_length: int = 500
    required: bool = False


Input = Choice | TextInput


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    text: str
    facts: tuple[Fact, ...] = ()
    actions: tuple[Action, ...] = ()
    inputs: tuple[Input, ...] = ()
    image: str | None = None
    context: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form, for the outbox and the web chat."""
        return {
            "text": self.text,
            "facts": [{"label": f.label, "value": f.value} for f in self.facts],
            "actions": [
                {"id": a.id.value, "label": a.label, "value": a.value, "style": a.style.value}
                for a in self.actions
            ],
            "inputs": [_input_to_dict(i) for i in self.inputs],
            "image": self.image,
            "context": self.context,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutgoingMessage:
        return cls(
            text=str(data["text"]),
            facts=tuple(Fact(f["label"], f["value"]) for f in data.get("facts", ())),
            actions=tuple(
                Action(ActionId(a["id"]), a["label"], a["value"], ActionStyle(a.get("style", "default")))
                for a in data.get("actions", ())
            ),
            inputs=tuple(_input_from_dict(i) for i in data.get("inputs", ())),
            image=data.get("image"),
            context=str(data.get("context", "")),
        )


def _input_to_dict(item: Input) -> dict[str, Any]:
    if isinstance(item, Choice):
        options = [{"value": o.value, "label": o.label} for o in item.options]
        return {
            "type": "choice",
            "id": item.id,
            "label": item.label,
            "options": options,
            "required": item.required,
        }
    return {
        "type": "text",
        "id": item.id,
        "label": item.label,
        "max_length": item.max_length,
        "required": item.required,
    }


def _input_from_dict(data: dict[str, Any]) -> Input:
    if data["type"] == "choice":
        options = tuple(Option(o["value"], o["label"]) for o in data["options"])
        return Choice(data["id"], data["label"], options, bool(data.get("required", True)))
    return TextInput(
        data["id"], data["label"], int(data.get("max_length", 500)), bool(data.get("required", False))
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a proactive message goes to, and on which channel."""

    person_id: int
    organisation_id: int
    channel: str
    address: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A person wrote to the bot: text as typed, already identified by the adapter."""

    person_id: int
    organisation_id: int
    text: str
    channel: str
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class ActionInvoked:
    """A person clicked a button or submitted a form; ``inputs`` maps input ids to their values."""

    person_id: int
    organisation_id: int
    action_id: str
    value: str
    channel: str
    inputs: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a handler answers within the turn: messages to show, and an optional in-place update."""

    messages: tuple[OutgoingMessage, ...] = ()
    update: OutgoingMessage | None = None


MAX_TEXT_CHARS: Final = 4000
