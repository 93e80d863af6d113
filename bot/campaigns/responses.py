"""A recipient's click: checked to be theirs, recorded once per recipient, answered with thanks.

One response per recipient and campaign. "I'm in" and the link click count once each. A later survey
answer replaces the earlier one: the card drops its scale after the first answer, so a second answer
comes only from an older copy of the card (Slack on a second device), and the latest click is what the
person meant. The figures count each recipient once, with their latest answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.campaigns.answers import Answer, AnswerKind, parse_button
from bot.campaigns.model import Campaign
from bot.campaigns.ports import CampaignStore, Recipient
from bot.domain.people import Person

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Responded:
    outcome: str  # "recorded", "already", "expired" or "not_yours"
    campaign: Campaign | None = None
    recipient: Recipient | None = None
    answer: Answer | None = None


async def respond(store: CampaignStore, person: Person, value: str, *, now: datetime) -> Responded:
    parsed = parse_button(value)
    campaign = await store.by_id(parsed[0]) if parsed else None
    if parsed is None or campaign is None or campaign.organisation_id != person.organisation_id:
        log.info("click on an unknown campaign button by person %s", person.id)
        return Responded("expired")
    answer = parsed[1]
    recipient = await store.recipient(campaign.id, person.id)
    if recipient is None:
        log.warning("person %s answered campaign %s without being a recipient", person.id, campaign.id)
        return Responded("not_yours", campaign)
    if _same(recipient, answer):
        return Responded("already", campaign, recipient, answer)
    counts = answer.kind is not AnswerKind.LINK or not campaign.buttons.answerable
    recipient = await store.record(recipient, answer, responded=counts, now=now)
    return Responded("recorded", campaign, recipient, answer)


def _same(recipient: Recipient, answer: Answer) -> bool:
    if answer.kind is AnswerKind.IN:
        return recipient.im_in
    if answer.kind is AnswerKind.SURVEY:
        return recipient.survey == answer.score
    return recipient.link_clicked
