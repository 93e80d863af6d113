"""The campaign use cases: create (with a preview to the coordinator), send, figures, responses."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.campaigns.audience import checked, resolve
from bot.campaigns.compose import campaign_card, preview_card
from bot.campaigns.metrics import CampaignFigures, compute
from bot.campaigns.model import Campaign, CampaignDraft, CampaignRefused, CampaignStatus, Variant
from bot.campaigns.plan import assign_variant, plan
from bot.campaigns.ports import CampaignStore, Cards, Preview
from bot.campaigns.responses import Responded, respond
from bot.campaigns.validate import checked_draft, require_coordinator
from bot.domain.organisations import Office, Organisation
from bot.domain.people import Person
from bot.i18n import SUPPORTED_LOCALES, Locale, normalise_locale, text
from bot.messages import OutgoingMessage
from bot.nudges.decide import channel_for
from bot.ports import Clock, Offices, People

log = logging.getLogger(__name__)

BATCH = 5000  # recipients per transaction: the dispatcher can start on the first batch at once


@dataclass(frozen=True, slots=True)
class Created:
    campaign: Campaign
    counts: dict[Variant, int]


@dataclass(frozen=True, slots=True)
class Sent:
    campaign: Campaign
    queued: int  # new recipients queued by this call (0 when sent before)
    recipients: int
    first_due: datetime | None = None
    already: bool = False


class CampaignService:
    def __init__(
        self,
        *,
        store: CampaignStore,
        people: People,
        offices: Offices,
        clock: Clock,
        on_enqueued: Callable[[], None] = lambda: None,
        batch: int = BATCH,
    ) -> None:
        self._store, self._people, self._offices, self._clock = store, people, offices, clock
        self._on_enqueued, self._batch = on_enqueued, batch

    async def create(
        self, organisation: Organisation, actor: Person, draft: CampaignDraft, *, locale: Locale | None = None
    ) -> Created:
        """Check everything, store the campaign and queue the preview; bad input stores nothing."""
        require_coordinator(actor)
        now = self._clock.now()
        draft = checked_draft(draft, now=now)
        people, offices = await self._directory(organisation)
        audience = checked(draft.audience, people, offices)
        recipients = resolve(audience, people, offices)
        if not recipients:
            raise CampaignRefused("audience_matches_nobody")
        draft = replace(draft, audience=audience)
        locale = locale or normalise_locale(actor.locale)
        counts: dict[Variant, int] = {}

        def compose(campaign: Campaign) -> OutgoingMessage:
            counts.update(_counts(campaign, recipients))
            when = self.when(campaign, organisation, locale)
            return preview_card(campaign, counts=counts, when=when, locale=locale)

        preview = Preview(actor.id, channel_for(actor, organisation), now, compose)
        campaign = await self._store.create(
            organisation.id, draft, created_by=actor.id, now=now, preview=preview
        )
        self._on_enqueued()
        log.info("campaign %s created by person %s for %d recipients", campaign.id, actor.id, len(recipients))
        return Created(campaign, counts)

    async def send(self, organisation: Organisation, actor: Person, campaign_id: int) -> Sent:
        """Plan every recipient and queue them in batches; sending again queues nobody twice."""
        require_coordinator(actor)
        campaign = await self.campaign(organisation, campaign_id)
        if campaign.status is CampaignStatus.SENT:
            return Sent(campaign, 0, campaign.recipients, already=True)
        now = self._clock.now()
        people, offices = await self._directory(organisation)
        recipients = resolve(campaign.audience, people, offices)
        if not recipients:
            raise CampaignRefused("audience_matches_nobody")
        await self._store.set_status(campaign.id, CampaignStatus.SENDING, now=now)
        locales = await self._store.locale_overrides(organisation.id)
        planned = plan(campaign, recipients, organisation=organisation, now=now, locales=locales)
        cards = _cards(campaign)
        queued = 0
        for start in range(0, len(planned), self._batch):
            queued += await self._store.queue(campaign, planned[start : start + self._batch], cards, now=now)
            self._on_enqueued()
        await self._store.set_status(campaign.id, CampaignStatus.SENT, now=now)
        log.info("campaign %s sent: %d recipients, %d newly queued", campaign.id, len(planned), queued)
        sent = replace(campaign, status=CampaignStatus.SENT, sent_at=now, recipients=len(planned))
        return Sent(sent, queued, len(planned), first_due=min(p.due_at for p in planned))

    async def campaign(self, organisation: Organisation, campaign_id: int) -> Campaign:
        campaign = await self._store.by_id(campaign_id)
        if campaign is None or campaign.organisation_id != organisation.id:
            raise CampaignRefused("unknown_campaign", id=campaign_id)
        return campaign

    async def recent(self, organisation: Organisation, *, limit: int = 20) -> Sequence[Campaign]:
        return await self._store.recent(organisation.id, limit=limit)

    async def figures(self, campaign: Campaign) -> CampaignFigures:
        return compute(await self._store.statuses(campaign.id), campaign.variants)

    async def respond(self, person: Person, value: str) -> Responded:
        return await respond(self._store, person, value, now=self._clock.now())

    async def preview(
        self, organisation: Organisation, campaign: Campaign, locale: Locale
    ) -> OutgoingMessage:
        """The coordinator's preview card, built again (to update it in place once sent)."""
        recipients = resolve(campaign.audience, *await self._directory(organisation))
        when = self.when(campaign, organisation, locale)
        return preview_card(campaign, counts=_counts(campaign, recipients), when=when, locale=locale)

    async def audience_size(self, organisation: Organisation, campaign: Campaign) -> int:
        """How many people the audience names today (a draft's recipients are fixed only when sent)."""
        return len(resolve(campaign.audience, *await self._directory(organisation)))

    async def audience_choices(self, organisation: Organisation) -> tuple[list[str], list[str]]:
        """The departments and offices a chat form offers, in alphabetical order."""
        people, offices = await self._directory(organisation)
        departments = sorted({p.department for p in people if p.department})
        return departments, sorted(o.name for o in offices)

    def when(self, campaign: Campaign, organisation: Organisation, locale: Locale) -> str:
        """The send time as the coordinator reads it, on the organisation's clock."""
        if campaign.send_at is None:
            return text("campaigns.preview.now", locale)
        local = campaign.send_at.astimezone(ZoneInfo(organisation.timezone))
        return text("campaigns.preview.at", locale, at=local.strftime("%Y-%m-%d %H:%M"))

    async def _directory(self, organisation: Organisation) -> tuple[Sequence[Person], Sequence[Office]]:
        return await self._people.list(organisation.id), await self._offices.list(organisation.id)


def _counts(campaign: Campaign, recipients: Sequence[Person]) -> dict[Variant, int]:
    found = Counter(assign_variant(campaign.id, p.id, campaign.variants) for p in recipients)
    return {variant: found[variant] for variant in campaign.variants}


def _cards(campaign: Campaign) -> Cards:
    return {
        (variant, locale, reminder): campaign_card(campaign, variant, locale, reminder=reminder)
        for variant in campaign.variants
        for locale in SUPPORTED_LOCALES
        for reminder in (False, True)
    }
