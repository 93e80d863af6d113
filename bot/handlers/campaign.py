"""`kampanj`/`campaign`: a coordinator's campaigns with their figures, a form for a new one, and the
buttons on campaign cards (create, send from the preview, and recipients' answers)."""

from __future__ import annotations

from typing import Final
from zoneinfo import ZoneInfo

from bot.campaigns.answers import AnswerKind
from bot.campaigns.compose import answered_card, campaign_card, sent_preview
from bot.campaigns.inputs import explain, parse_audience, parse_send_at
from bot.campaigns.model import Buttons, Campaign, CampaignDraft, CampaignRefused, CampaignStatus, Wording
from bot.campaigns.responses import Responded
from bot.campaigns.service import CampaignService
from bot.handlers.context import ChatDeps, Turn
from bot.handlers.dates import parse_day
from bot.i18n import text
from bot.messages import Action, ActionId, ActionStyle, Choice, Option, OutgoingMessage, Reply, TextInput

RECENT: Final = 5


async def show_campaigns(deps: ChatDeps, turn: Turn, _argument: str) -> Reply:
    service = _service(deps, turn)
    if isinstance(service, Reply):
        return service
    return Reply(messages=(await _overview(service, turn), await _form(service, turn)))


async def create_campaign(
    deps: ChatDeps, turn: Turn, _action: ActionId, _value: str, inputs: dict[str, str]
) -> Reply:
    service = _service(deps, turn)
    if isinstance(service, Reply):
        return service
    try:
        draft = _draft(turn, inputs)
        created = await service.create(turn.organisation, turn.person, draft, locale=turn.locale)
    except CampaignRefused as refused:
        return _say(explain(refused, turn.locale))
    campaign = created.campaign
    count = sum(created.counts.values())
    return _say(
        text("campaigns.form.created", turn.locale, id=campaign.id, title=campaign.title, count=count)
    )


async def send_campaign(
    deps: ChatDeps, turn: Turn, _action: ActionId, value: str, _inputs: dict[str, str]
) -> Reply:
    service = _service(deps, turn)
    if isinstance(service, Reply):
        return service
    try:
        sent = await service.send(turn.organisation, turn.person, int(value) if value.isdigit() else 0)
    except CampaignRefused as refused:
        return _say(explain(refused, turn.locale))
    if sent.already or sent.first_due is None:
        note = text("campaigns.preview.already_sent", turn.locale)
    else:
        first = sent.first_due.astimezone(ZoneInfo(turn.organisation.timezone)).strftime("%Y-%m-%d %H:%M")
        note = text("campaigns.preview.sent", turn.locale, count=sent.recipients, first=first)
    preview = await service.preview(turn.organisation, sent.campaign, turn.locale)
    return Reply(update=sent_preview(preview, note))


async def answer_campaign(
    deps: ChatDeps, turn: Turn, _action: ActionId, value: str, _inputs: dict[str, str]
) -> Reply:
    if deps.campaigns is None:
        return _say(text("campaigns.refused.not_available", turn.locale))
    result = await deps.campaigns.respond(turn.person, value)
    if result.campaign is None or result.recipient is None or result.answer is None:
        return _say(text(f"campaigns.card.{result.outcome}", turn.locale))
    if result.answer.kind is AnswerKind.LINK:
        return _say(text("campaigns.card.link_reply", turn.locale, link=result.campaign.buttons.link or ""))
    return Reply(update=_thanked(result, turn))


CAMPAIGN_ACTIONS: Final = {
    ActionId.CAMPAIGN_RESPOND: answer_campaign,
    ActionId.CAMPAIGN_CREATE: create_campaign,
    ActionId.CAMPAIGN_SEND: send_campaign,
}


def _thanked(result: Responded, turn: Turn) -> OutgoingMessage:
    assert result.campaign is not None and result.recipient is not None and result.answer is not None
    recipient = result.recipient
    answered = {AnswerKind.IN} if recipient.im_in else set()
    answered |= {AnswerKind.SURVEY} if recipient.survey is not None else set()
    card = campaign_card(result.campaign, recipient.variant, turn.locale)
    return answered_card(card, result.campaign, result.answer, turn.locale, answered=answered)


def _service(deps: ChatDeps, turn: Turn) -> CampaignService | Reply:
    if deps.campaigns is None:
        return _say(text("campaigns.refused.not_available", turn.locale))
    if not turn.person.can_coordinate:
        return _say(text("campaigns.refused.not_coordinator", turn.locale))
    return deps.campaigns


async def _overview(service: CampaignService, turn: Turn) -> OutgoingMessage:
    """Recent campaigns with their figures, and what the figures can and cannot tell."""
    locale = turn.locale
    lines = [
        await _line(service, turn, campaign)
        for campaign in await service.recent(turn.organisation, limit=RECENT)
    ]
    body = "\n".join(
        [text("campaigns.list.title", locale), *(lines or [text("campaigns.list.none", locale)])]
    )
    notes = [text("campaigns.list.opened", locale), text("campaigns.list.advice", locale)]
    return OutgoingMessage("\n\n".join([body, *notes]))


async def _line(service: CampaignService, turn: Turn, campaign: Campaign) -> str:
    locale = turn.locale
    if campaign.status is CampaignStatus.DRAFT:
        size = await service.audience_size(turn.organisation, campaign)
        return text(
            "campaigns.list.line_draft", locale, id=campaign.id, title=campaign.title, recipients=size
        )
    total = (await service.figures(campaign)).total
    return text(
        "campaigns.list.line",
        locale,
        id=campaign.id,
        title=campaign.title,
        status=text(f"campaigns.list.status_{campaign.status.value}", locale),
        targeted=total.targeted,
        delivered=total.delivered,
        unreachable=total.unreachable,
        clicked=total.clicked,
        responded=total.responded,
    )


async def _form(service: CampaignService, turn: Turn) -> OutgoingMessage:
    locale = turn.locale
    departments, offices = await service.audience_choices(turn.organisation)
    audience = [Option("everyone", text("campaigns.form.everyone", locale))]
    audience += [
        Option(f"department={d}", text("campaigns.form.department", locale, name=d)) for d in departments
    ]
    audience += [Option(f"office={o}", text("campaigns.form.office", locale, name=o)) for o in offices]
    buttons = [Option(v, text(f"campaigns.form.button_{v}", locale)) for v in ("none", "in", "survey")]
    return OutgoingMessage(
        text=text("campaigns.form.intro", locale),
        inputs=(
            TextInput("title", text("campaigns.form.title", locale), max_length=120, required=True),
            TextInput("text_sv", text("campaigns.form.text_sv", locale), max_length=500, required=True),
            TextInput("text_en", text("campaigns.form.text_en", locale), max_length=500, required=True),
            Choice("audience", text("campaigns.form.audience", locale), tuple(audience)),
            Choice("buttons", text("campaigns.form.buttons", locale), tuple(buttons), required=False),
            TextInput("send_at", text("campaigns.form.send_at", locale), max_length=40),
        ),
        actions=(
            Action(ActionId.CAMPAIGN_CREATE, text("campaigns.form.create", locale), "", ActionStyle.PRIMARY),
        ),
    )


def _draft(turn: Turn, inputs: dict[str, str]) -> CampaignDraft:
    audience = parse_audience([inputs["audience"]] if inputs.get("audience") else [])
    when = inputs.get("send_at", "")
    local_today = turn.now.astimezone(ZoneInfo(turn.organisation.timezone)).date()
    day = parse_day(when, today=local_today) if when.strip() else None
    send_at = parse_send_at(when, now=turn.now, timezone=turn.organisation.timezone, day=day)
    survey = Wording(text("campaigns.form.survey_sv", "sv"), text("campaigns.form.survey_en", "en"))
    buttons = {"in": Buttons(im_in=True), "survey": Buttons(survey=survey)}.get(
        inputs.get("buttons", ""), Buttons()
    )
    wording = Wording(inputs.get("text_sv", ""), inputs.get("text_en", ""))
    return CampaignDraft(inputs.get("title", ""), wording, audience, buttons=buttons, send_at=send_at)


def _say(message: str) -> Reply:
    return Reply(messages=(OutgoingMessage(message),))
