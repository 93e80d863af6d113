"""Information campaigns (REMM step 9): campaigns, variants, recipients and their responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kwargs)


class CampaignRow(SQLModel, table=True):
    """One campaign; ``content`` holds the wording per variant and language and the buttons."""

    __tablename__ = "campaigns"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    send_at: datetime | None = _utc(default=None)
    reminder_days: int | None = None
    status: str = Field(default="draft", max_length=16)
    created_by_id: int | None = Field(default=None, foreign_key="people.id", ondelete="SET NULL")
    recipients: int = 0
    created_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)


class CampaignRecipientRow(SQLModel, table=True):
    """A person a campaign was queued for, with their variant and what they answered (once each)."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id", name="uq_campaign_recipients_person"),)
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", ondelete="CASCADE")
    # Not indexed: nothing looks recipients up by organisation, and each index slows a big send down.
    organisation_id: int = Field(foreign_key="organisations.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    variant: str = Field(max_length=4)
    channel: str = Field(max_length=16)
    locale: str = Field(default="sv", max_length=8)
    due_at: datetime = _utc()
    reminder_at: datetime | None = _utc(default=None)
    link_clicked_at: datetime | None = _utc(default=None)
    im_in_at: datetime | None = _utc(default=None)
    survey_score: int | None = None
    survey_at: datetime | None = _utc(default=None)
    responded_at: datetime | None = _utc(default=None)
    # The final outbox state, copied here so the figures survive retention deleting old outbox rows.
    delivery: str | None = Field(default=None, max_length=16)
    delivery_error: str | None = Field(default=None, max_length=300)
    reminded: bool = False
