"""What campaigns need from storage (implemented by ``storage.campaigns.SqlCampaigns``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.campaigns.answers import Answer
from bot.campaigns.metrics import RecipientStatus
from bot.campaigns.model import Campaign, CampaignDraft, CampaignStatus, Variant
from bot.campaigns.plan import Planned
from bot.i18n import Locale
from bot.messages import OutgoingMessage

# The card for each (variant, locale, is it the reminder?): a recipient's row carries one of them.
Cards = Mapping[tuple[Variant, Locale, bool], OutgoingMessage]


@dataclass(frozen=True, slots=True)
class Recipient:
    campaign_id: int
    person_id: int
    variant: Variant
    link_clicked: bool = False
    im_in: bool = False
    survey: int | None = None
    responded: bool = False


@dataclass(frozen=True, slots=True)
class Preview:
    """The preview for the coordinator, composed once the campaign has its id."""

    person_id: int
    channel: str
    due_at: datetime
    compose: Callable[[Campaign], OutgoingMessage]


class CampaignStore(Protocol):
    async def create(
        self, organisation_id: int, draft: CampaignDraft, *, created_by: int, now: datetime, preview: Preview
    ) -> Campaign:
        """Store the campaign and queue its preview in one transaction."""
        ...

    async def by_id(self, campaign_id: int) -> Campaign | None: ...

    async def recent(self, organisation_id: int, *, limit: int) -> Sequence[Campaign]: ...

    async def set_status(self, campaign_id: int, status: CampaignStatus, *, now: datetime) -> None: ...

    async def queue(
        self, campaign: Campaign, batch: Sequence[Planned], cards: Cards, *, now: datetime
    ) -> int:
        """Recipients and their outbox rows (and reminders) in one transaction; returns how many were new.

        A recipient already queued is left alone, so sending again adds nothing."""
        ...

    async def locale_overrides(self, organisation_id: int) -> Mapping[int, str]:
        """The language people chose in chat (``språk``), where it differs from the directory's."""
        ...

    async def recipient(self, campaign_id: int, person_id: int) -> Recipient | None: ...

    async def record(
        self, recipient: Recipient, answer: Answer, *, responded: bool, now: datetime
    ) -> Recipient:
        """Record a click; when it counts as a response, the unsent reminder is withdrawn with it."""
        ...

    async def statuses(self, campaign_id: int) -> Sequence[RecipientStatus]: ...
