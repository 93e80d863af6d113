"""Calendar subscriptions, sync cursors, event references, iCalendar feeds and webhook replay guards.

Only ids and times: never a subject, body or an external attendee's name (design 4.6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kwargs)


class CalendarLinkRow(SQLModel, table=True):
    """A Graph subscription or a Google push channel on one person's calendar.

    ``secret`` is the Graph clientState or the Google channel token: checked on every notification.
    """

    __tablename__ = "calendar_links"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_calendar_links_external"),
        Index("ix_calendar_links_expiry", "provider", "expires_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=16)
    external_id: str = Field(max_length=255)
    mailbox: str = Field(max_length=320)
    secret: str = Field(max_length=128)
    resource_id: str | None = Field(default=None, max_length=255)
    expires_at: datetime = _utc()
    created_at: datetime = _utc()


class CalendarCursorRow(SQLModel, table=True):
    """Where incremental sync goes on from: a Graph deltaLink or a Google sync token, per person."""

    __tablename__ = "calendar_cursors"
    __table_args__ = (UniqueConstraint("provider", "person_id", name="uq_calendar_cursors_person"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE")
    provider: str = Field(max_length=16)
    cursor: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = _utc()


class CalendarEventRefRow(SQLModel, table=True):
    """A mailbox's copy of an event -> the meeting's shared id (Graph iCalUId), so deletions and the
    "make it digital" write-back can find the mailbox's own event id."""

    __tablename__ = "calendar_event_refs"
    __table_args__ = (
        UniqueConstraint("provider", "mailbox", "external_id", name="uq_calendar_event_refs_copy"),
        Index("ix_calendar_event_refs_key", "organisation_id", "provider", "event_key"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE", index=True)
    provider: str = Field(max_length=16)
    mailbox: str = Field(max_length=320)
    external_id: str = Field(max_length=255)
    event_key: str = Field(max_length=255)
    organiser: bool = False
    updated_at: datetime = _utc()


class IcsFeedRow(SQLModel, table=True):
    """An iCalendar feed polled for one person; ``seen`` keeps the occurrence ids of the last poll."""

    __tablename__ = "ics_feeds"
    __table_args__ = (UniqueConstraint("person_id", "url", name="uq_ics_feeds_person_url"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE")
    url: str = Field(max_length=2000)
    etag: str | None = Field(default=None, max_length=255)
    last_modified: str | None = Field(default=None, max_length=64)
    seen: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    last_polled_at: datetime | None = _utc(default=None)
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = _utc()


class WebhookSignatureRow(SQLModel, table=True):
    """A signature of our own webhooks seen once: the same signature again is a replay."""

    __tablename__ = "webhook_signatures"
    signature: str = Field(primary_key=True, max_length=64)
    organisation_id: int = Field(foreign_key="organisations.id", ondelete="CASCADE", index=True)
    seen_at: datetime = _utc(index=True)
