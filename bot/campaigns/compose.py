"""The cards: what a recipient sees (and the reminder), and the coordinator's preview."""

from __future__ import annotations

from dataclasses import replace

from bot.campaigns.answers import Answer, AnswerKind, button_value
from bot.campaigns.model import SURVEY_SCALE, Campaign, Variant
from bot.i18n import Locale, text
from bot.messages import Action, ActionId, ActionStyle, Fact, OutgoingMessage


def campaign_card(
    campaign: Campaign, variant: Variant, locale: Locale, *, reminder: bool = False
) -> OutgoingMessage:
    """The message a recipient gets; button values carry the campaign id and the answer, nothing else."""
    heading = campaign.title
    if reminder:
        heading = text("campaigns.card.reminder", locale, title=campaign.title)
    parts = [f"**{heading}**", campaign.wording_of(variant).in_(locale)]
    if campaign.buttons.survey is not None:
        question = campaign.buttons.survey.in_(locale)
        parts.append(f"**{question}** " + text("campaigns.card.scale", locale))
    return OutgoingMessage(
        text="\n\n".join(parts),
        actions=_buttons(campaign, locale),
        context=text("campaigns.card.context", locale),
    )


def answered_card(
    card: OutgoingMessage, campaign: Campaign, answer: Answer, locale: Locale, *, answered: set[AnswerKind]
) -> OutgoingMessage:
    """The card after an answer: the buttons of what was answered gone, a thank-you in their place."""
    if answer.kind is AnswerKind.SURVEY:
        thanks = text("campaigns.card.thanks_survey", locale, score=answer.score)
    else:
        thanks = text("campaigns.card.thanks_in", locale)
    kept = tuple(a for a in card.actions if not any(_answers(a, campaign.id, kind) for kind in answered))
    return replace(card, actions=kept, context=thanks)


def _answers(action: Action, campaign_id: int, kind: AnswerKind) -> bool:
    own = f"{campaign_id}:{kind.value}"
    return action.value == own or action.value.startswith(own + ":")


def _buttons(campaign: Campaign, locale: Locale) -> tuple[Action, ...]:
    respond, buttons = ActionId.CAMPAIGN_RESPOND, campaign.buttons
    actions: list[Action] = []
    if buttons.im_in:
        label = text("campaigns.card.im_in", locale)
        actions.append(
            Action(respond, label, button_value(campaign.id, Answer(AnswerKind.IN)), ActionStyle.PRIMARY)
        )
    if buttons.survey is not None:
        actions += [
            Action(respond, str(n), button_value(campaign.id, Answer(AnswerKind.SURVEY, n)))
            for n in SURVEY_SCALE
        ]
    if buttons.link:
        label = text("campaigns.card.link", locale)
        actions.append(Action(respond, label, button_value(campaign.id, Answer(AnswerKind.LINK))))
    return tuple(actions)


def preview_card(
    campaign: Campaign, *, counts: dict[Variant, int], when: str, locale: Locale
) -> OutgoingMessage:
    """What the coordinator gets first: the card as recipients will see it, both languages, the facts."""
    other: Locale = "en" if locale == "sv" else "sv"
    parts = [
        text("campaigns.preview.title", locale, title=campaign.title),
        campaign_card(campaign, Variant.A, locale).text,
        text("campaigns.preview.other_language", locale) + "\n\n" + campaign.wording.in_(other),
    ]
    if campaign.variant_b is not None:
        parts.append(text("campaigns.preview.variant_b", locale) + "\n\n" + campaign.variant_b.in_(locale))
    total = sum(counts.values())
    recipients = str(total)
    if campaign.variant_b is not None:
        recipients = text(
            "campaigns.preview.split", locale, total=total, a=counts[Variant.A], b=counts[Variant.B]
        )
    facts = [
        Fact(text("campaigns.preview.recipients", locale), recipients),
        Fact(text("campaigns.preview.audience", locale), ", ".join(campaign.audience.terms())),
        Fact(text("campaigns.preview.when", locale), when),
        Fact(text("campaigns.preview.buttons", locale), _button_names(campaign, locale)),
    ]
    if campaign.reminder_days:
        facts.append(
            Fact(
                text("campaigns.preview.reminder", locale),
                text("campaigns.preview.reminder_days", locale, days=campaign.reminder_days),
            )
        )
    send = Action(
        ActionId.CAMPAIGN_SEND, text("campaigns.preview.send", locale), str(campaign.id), ActionStyle.PRIMARY
    )
    return OutgoingMessage(text="\n\n".join(parts), facts=tuple(facts), actions=(send,))


def sent_preview(card: OutgoingMessage, note: str) -> OutgoingMessage:
    """The preview once sent: no second Send button, and what happened in its place."""
    return replace(card, actions=(), context=note)


def _button_names(campaign: Campaign, locale: Locale) -> str:
    names = [a.label for a in _buttons(campaign, locale) if not a.label.isdigit()]
    if campaign.buttons.survey is not None:
        names.append(text("campaigns.preview.survey", locale))
    return ", ".join(names) or text("campaigns.preview.no_buttons", locale)
