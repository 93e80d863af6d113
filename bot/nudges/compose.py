"""The nudge as a neutral message (design 4.5): the trip, the digital alternative and what it saves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.nudges import OutcomeChoice, TravelReason
from bot.i18n import Locale, text
from bot.messages import Action, ActionId, ActionStyle, Choice, Option, OutgoingMessage, TextInput
from bot.savings.modes import Mode
from bot.savings.render import savings_facts
from bot.savings.result import SavingsEstimate


@dataclass(frozen=True, slots=True)
class DigitalHelp:
    """What the organisation gives people who choose digital (REMM step 8), from its settings."""

    meeting_link: str = ""
    instructions: str = ""
    support: str = ""

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], locale: Locale, *, room: str) -> DigitalHelp:
        """``room`` fills the template's ``{room}``: one meeting room per nudge, so links never collide."""
        contact = settings.get("support_contact") or {}
        support = ", ".join(str(contact[k]) for k in ("name", "role", "email", "channel") if contact.get(k))
        return cls(
            meeting_link=str(settings.get("meeting_link_template", "")).replace("{room}", room),
            instructions=str(settings.get(f"booking_instructions_{locale}", "")),
            support=support,
        )


def day_text(day: date, locale: Locale) -> str:
    """ "tisdag 13 januari" / "Tuesday 13 January"."""
    weekday = text(f"nudges.weekday.{day.isoweekday()}", locale)
    month = text(f"nudges.month.{day.month}", locale)
    return text("nudges.day", locale, weekday=weekday, day=day.day, month=month)


def compose_nudge(
    nudge_id: int, estimate: SavingsEstimate, trip_date: date, *, locale: Locale, variant: str = "A"
) -> OutgoingMessage:
    variant_key = "b" if variant == "B" else "a"
    headline = text(
        f"nudges.headline_{variant_key}",
        locale,
        destination=estimate.destination.name,
        day=day_text(trip_date, locale),
    )
    mode = text(f"savings.mode.{estimate.mode.value}", locale)
    context = text(
        "nudges.context", locale, origin=estimate.origin.name, mode=mode, travellers=estimate.travellers
    )
    return OutgoingMessage(
        text=headline + "\n" + text(f"nudges.body_{variant_key}", locale),
        facts=savings_facts(estimate, locale),
        actions=nudge_actions(nudge_id, estimate.mode, locale),
        context=context,
    )


def nudge_actions(nudge_id: int, mode: Mode, locale: Locale) -> tuple[Action, ...]:
    value = str(nudge_id)
    actions = [
        Action(
            ActionId.NUDGE_GO_DIGITAL, text("nudges.action.go_digital", locale), value, ActionStyle.PRIMARY
        ),
        Action(ActionId.NUDGE_GO_HYBRID, text("nudges.action.go_hybrid", locale), value),
    ]
    if mode is Mode.FLIGHT:
        actions.append(Action(ActionId.NUDGE_TAKE_TRAIN, text("nudges.action.take_train", locale), value))
    actions += [
        Action(ActionId.NUDGE_TRAVEL_ANYWAY, text("nudges.action.travel_anyway", locale), value),
        Action(ActionId.NUDGE_SNOOZE, text("nudges.action.snooze", locale), value),
        Action(ActionId.NUDGE_OPT_OUT, text("nudges.action.opt_out", locale), value, ActionStyle.DANGER),
        Action(ActionId.NUDGE_EXPLAIN, text("nudges.action.explain", locale), value),
    ]
    return tuple(actions)


def with_reason_form(original: OutgoingMessage, nudge_id: int, locale: Locale) -> OutgoingMessage:
    """The nudge card itself becomes the question, updated in place: one category, optional free text.

    The category is counted in statistics; the free text is never shown in any summary."""
    options = tuple(
        Option(reason.value, text(f"nudges.reason.{reason.value}", locale)) for reason in TravelReason
    )
    return OutgoingMessage(
        text=original.text + "\n" + text("nudges.reason_question", locale),
        facts=original.facts,
        context=original.context,
        inputs=(
            Choice("reason", text("nudges.reason_label", locale), options),
            TextInput("reason_text", text("nudges.reason_text_label", locale), max_length=500),
        ),
        actions=(
            Action(
                ActionId.NUDGE_TRAVEL_ANYWAY,
                text("nudges.action.submit_reason", locale),
                str(nudge_id),
                ActionStyle.PRIMARY,
            ),
        ),
    )


def chosen(original: OutgoingMessage, choice: OutcomeChoice, locale: Locale) -> OutgoingMessage:
    """The original nudge updated in place: its facts stay, the buttons give way to the choice made."""
    return OutgoingMessage(
        text=original.text,
        facts=original.facts,
        context=text(f"nudges.chosen.{choice.value}", locale),
    )


def digital_follow_up(help_: DigitalHelp, locale: Locale) -> OutgoingMessage:
    lines = [text("nudges.digital.thanks", locale)]
    if help_.meeting_link:
        lines.append(text("nudges.digital.link", locale, link=help_.meeting_link))
    if help_.instructions:
        lines.append(help_.instructions)
    if help_.support:
        lines.append(text("nudges.digital.support", locale, support=help_.support))
    return OutgoingMessage(text="\n".join(lines))


def pause_question(locale: Locale, nudge_id: int) -> OutgoingMessage:
    return OutgoingMessage(
        text=text("nudges.pause.question", locale),
        actions=(
            Action(
                ActionId.NUDGE_RESUME, text("nudges.pause.resume", locale), str(nudge_id), ActionStyle.PRIMARY
            ),
            Action(ActionId.NUDGE_OPT_OUT, text("nudges.action.opt_out", locale), str(nudge_id)),
        ),
    )
