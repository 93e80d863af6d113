"""The tables. Every row that belongs to an organisation carries ``organisation_id`` (design section 8).

Meetings keep no title, body or external names: times, resolved place, internal attendees as person
ids and external ones as a count (design 4.6).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UtcDateTime


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kwargs)


class OrganisationRow(SQLModel, table=True):
    __tablename__ = "organisations"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    default_locale: str = Field(default="sv", max_length=8)
    default_channel: str = Field(default="webchat", max_length=16)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()


class RealmRow(SQLModel, table=True):
    __tablename__ = "realms"
    __table_args__ = (UniqueConstraint("kind", "external_id", name="uq_realms_kind_external"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=32)
    external_id: str = Field(max_length=200)


class OfficeRow(SQLModel, table=True):
    __tablename__ = "offices"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_offices_org_name"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    place_key: str = Field(max_length=64)
    place_name: str = Field(max_length=200)
    lat: float
    lon: float


class PersonRow(SQLModel, table=True):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("organisation_id", "email", name="uq_people_org_email"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)
    name: str = Field(max_length=200)
    office_id: int | None = Field(default=None, foreign_key="offices.id", ondelete="SET NULL")
    department: str = Field(default="", max_length=200, index=True)
    manager_id: int | None = Field(default=None, foreign_key="people.id", ondelete="SET NULL", index=True)
    job_title: str = Field(default="", max_length=200)
    permissions: str = Field(default="", max_length=200)
    fte: Decimal = Field(default=Decimal("1.0"), sa_type=Numeric(4, 2))
    locale: str = Field(default="sv", max_length=8)
    timezone: str = Field(default="Europe/Stockholm", max_length=64)
    active: bool = True
    last_channel: str | None = Field(default=None, max_length=16)
    created_at: datetime = _utc()


class IdentityRow(SQLModel, table=True):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "realm", "external_id", name="uq_identities_account"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    realm: str = Field(max_length=200)
    external_id: str = Field(max_length=200)
    # A platform's handle for proactive messages (a Teams ConversationReference, a Slack DM channel).
    address: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    last_seen_at: datetime | None = _utc(default=None)


class MeetingRow(SQLModel, table=True):
    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("organisation_id", "source", "event_id", name="uq_meetings_source_event"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    source: str = Field(max_length=32)
    event_id: str = Field(max_length=255)
    series_id: str | None = Field(default=None, max_length=255)
    organiser_id: int | None = Field(default=None, foreign_key="people.id", ondelete="SET NULL")
    start_at: datetime = _utc(index=True)
    end_at: datetime = _utc()
    place_key: str | None = Field(default=None, max_length=64)
    place_name: str | None = Field(default=None, max_length=200)
    online: bool = False
    external_attendees: int = 0
    status: str = Field(default="confirmed", max_length=16)
    fingerprint: str = Field(default="", max_length=64)
    updated_at: datetime = _utc()


class MeetingAttendeeRow(SQLModel, table=True):
    __tablename__ = "meeting_attendees"
    meeting_id: int = Field(foreign_key="meetings.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", primary_key=True, ondelete="CASCADE", index=True)


class TripRow(SQLModel, table=True):
    """A trip planned, taken or imported (baseline); source + source_id make re-imports idempotent."""

    __tablename__ = "trips"
    __table_args__ = (
        UniqueConstraint("organisation_id", "source", "source_id", name="uq_trips_source"),
        Index("ix_trips_org_departure", "organisation_id", "departure_date"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int | None = Field(default=None, foreign_key="people.id", ondelete="SET NULL", index=True)
    department: str = Field(default="", max_length=200)
    source: str = Field(max_length=32)
    source_id: str = Field(max_length=255)
    origin_name: str = Field(max_length=200)
    destination_name: str = Field(max_length=200)
    destination_key: str | None = Field(default=None, max_length=64)
    departure_date: date
    return_date: date | None = None
    nights: int = 0
    mode: str = Field(max_length=16)
    travellers: int = 1
    distance_km: float = 0.0
    co2e_kg: float = 0.0
    cost_sek: Decimal = Field(default=Decimal("0"), sa_type=Numeric(14, 2))
    status: str = Field(default="planned", max_length=16)
    updated_at: datetime = _utc()


class NudgeRow(SQLModel, table=True):
    """One decision about one person and one subject (a meeting series or a travel request).

    Unique per (person, subject): a moved meeting re-evaluates this row instead of nudging twice.
    The decision and its reason are kept whether or not a message was sent.
    """

    __tablename__ = "nudges"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id", "subject", name="uq_nudges_person_subject"),
        Index("ix_nudges_person_created", "person_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE")
    subject: str = Field(max_length=300)
    trigger: str = Field(max_length=16)
    meeting_id: int | None = Field(default=None, foreign_key="meetings.id", ondelete="SET NULL")
    trip_id: int | None = Field(default=None, foreign_key="trips.id", ondelete="SET NULL")
    decision: str = Field(max_length=16)
    reason: str = Field(max_length=64)
    variant: str = Field(default="A", max_length=4)
    status: str = Field(default="pending", max_length=16, index=True)
    mode: str = Field(default="", max_length=16)
    destination_name: str = Field(default="", max_length=200)
    trip_date: date | None = None
    estimate: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    choice: str | None = Field(default=None, max_length=32)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


class PreferenceRow(SQLModel, table=True):
    """A person's own nudge settings: opt-out, snooze, the pause after repeated "no", the A/B variant."""

    __tablename__ = "preferences"
    person_id: int = Field(foreign_key="people.id", primary_key=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    opted_out: bool = False
    snoozed_until: datetime | None = _utc(default=None)
    paused_until: datetime | None = _utc(default=None)
    pause_asked: bool = False
    variant: str | None = Field(default=None, max_length=4)
    privacy_notice_seen: bool = False
    locale: str | None = Field(default=None, max_length=8)
    updated_at: datetime = _utc()


class OutcomeRow(SQLModel, table=True):
    """What a person chose on a nudge: recorded once. Free text stays out of every summary."""

    __tablename__ = "outcomes"
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    nudge_id: int = Field(foreign_key="nudges.id", unique=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    choice: str = Field(max_length=32)
    reason_category: str | None = Field(default=None, max_length=32)
    reason_text: str | None = Field(default=None, max_length=500)
    avoided_trip: bool = False
    co2e_saved_kg: float = 0.0
    cost_saved_sek: Decimal = Field(default=Decimal("0"), sa_type=Numeric(14, 2))
    hours_saved: float = 0.0
    created_at: datetime = _utc(index=True)


class OutboxRow(SQLModel, table=True):
    """A proactive message or out-of-turn update waiting for, or done with, delivery (design 5.3)."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("person_id", "key", "kind", name="uq_outbox_person_key_kind"),
        Index("ix_outbox_due", "state", "next_attempt_at"),
        # A person's nudge history on every event (storage/nudge_sql.py), without their other messages.
        Index("ix_outbox_person_kind_due", "person_id", "kind", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE")
    key: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=16)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="queued", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    lease_until: datetime | None = _utc(default=None)
    last_error: str | None = Field(default=None, max_length=300)
    sent_ref: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Indexed: deleting an outbox row makes the database look for rows pointing at it (ON DELETE SET NULL).
    update_of_id: int | None = Field(default=None, foreign_key="outbox.id", ondelete="SET NULL", index=True)
    redelivered: int = 0
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    sent_at: datetime | None = _utc(default=None)


class InboundRow(SQLModel, table=True):
    """An inbound platform event, committed before it is acknowledged; unique per delivery id."""

    __tablename__ = "inbound"
    __table_args__ = (UniqueConstraint("source", "delivery_id", name="uq_inbound_delivery"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    delivery_id: str = Field(max_length=255)
    state: str = Field(default="received", max_length=16, index=True)
    # Kept only until the event is handled, so a crash can resume it; cleared afterwards.
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    received_at: datetime = _utc()
    done_at: datetime | None = _utc(default=None)
    # Work claimed from the log (Graph notifications) is someone's until then; after it, anyone may take it.
    lease_until: datetime | None = _utc(default=None)


class WebchatMessageRow(SQLModel, table=True):
    """A message the bot showed in the local web chat (people's own lines stay in their browser)."""

    __tablename__ = "webchat_messages"
    __table_args__ = (Index("ix_webchat_person_id", "person_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE")
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()
    updated_at: datetime = _utc(index=True)


class WebchatSessionRow(SQLModel, table=True):
    """Who a web chat browser speaks as: a random token in an HttpOnly cookie, shared by all processes."""

    __tablename__ = "webchat_sessions"
    token: str = Field(primary_key=True, max_length=64)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", index=True, ondelete="CASCADE")
    created_at: datetime = _utc()
    expires_at: datetime = _utc()


class PolicyDocumentRow(SQLModel, table=True):
    """One version of a policy document; re-importing keeps the old version (``current`` false) for audit."""

    __tablename__ = "policy_documents"
    __table_args__ = (Index("ix_policy_documents_current", "organisation_id", "current"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", ondelete="CASCADE")
    doc_id: str = Field(max_length=300)
    title: str = Field(max_length=300)
    source: str = Field(max_length=500)
    lang: str = Field(max_length=8)
    content_hash: str = Field(max_length=64)
    version: int = 1
    current: bool = True
    imported_at: datetime = _utc()


class PolicyPassageRow(SQLModel, table=True):
    __tablename__ = "policy_passages"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="policy_documents.id", index=True, ondelete="CASCADE")
    ordinal: int
    heading_path: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    text: str


class PolicyFeedbackRow(SQLModel, table=True):
    """Thumbs up or down on one answer; one vote per person and answer (a second click changes it)."""

    __tablename__ = "policy_feedback"
    __table_args__ = (UniqueConstraint("person_id", "answer_id", name="uq_policy_feedback_vote"),)
    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisations.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="people.id", ondelete="CASCADE")
    answer_id: str = Field(max_length=32)
    helpful: bool
    created_at: datetime = _utc()


# Each area keeps its tables in a module of its own; importing them here registers them with the metadata
# that Alembic compares against.
from storage import (  # noqa: E402, F401
    tables_campaigns,
    tables_ingest,
    tables_jobs,
    tables_reports,
    tables_slack,
    tables_teams,
)
